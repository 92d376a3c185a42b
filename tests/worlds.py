"""Built worlds: bodies imported from the examples and some agendas built, once per test session,
then copied for each test (the store with SQLite's backup API, the output folder as files).

    def test_something(built_world, tmp_path):
        world = built_world().copy(tmp_path)          # Gentofte and Herzogenrath, EBI and ASI built
        ...world.store, world.configs, world.settings, world.output

Importing and building the same world by hand in each test file made every such test slow and
let the files drift apart; here it is written once.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from meetprep.agenda import build
from meetprep.config import Configs, Settings, load_configs
from meetprep.importing.pipeline import import_files
from meetprep.store import Store

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

IMPORTED = dt.datetime(2025, 2, 1, 8, tzinfo=dt.timezone.utc)
EBI_AND_ASI = (("gentofte", "ebi", dt.date(2025, 9, 22)), ("herzogenrath", "asi", dt.date(2025, 3, 25)))


def build_world(url: str, configs: Configs, sources: list[Path], meetings: tuple[tuple[str, str, dt.date], ...],
                output: Path, at: dt.datetime = IMPORTED) -> None:
    """Import `sources` into the store at `url` and build each meeting's agenda (Word only), each
    as of ten days before its meeting."""
    with Store(url) as store:
        import_files(store, configs, sources, at)
        for body, committee, day in meetings:
            build.run(store, configs, build.AgendaRequest(body, committee, day - dt.timedelta(days=10), day=day),
                      ROOT / "templates", output, at, pdf=False)


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of an SQLite store (the backup API, not a file copy of a WAL database)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


@dataclass
class World:
    store: Store
    configs: Configs
    settings: Settings
    output: Path

    @property
    def url(self) -> str:
        return self.settings.database_url


@dataclass(frozen=True)
class WorldTemplate:
    folder: Path
    config_dir: Path

    @property
    def store_file(self) -> Path:
        return self.folder / "store.sqlite3"

    def copy(self, target: Path) -> World:
        """This test's own copy: a store and an output folder under `target`."""
        copy_sqlite(self.store_file, target / "store.sqlite3")
        output = target / "out"
        shutil.copytree(self.folder / "out", output, dirs_exist_ok=True)
        settings = Settings(home=target / "home", database_url=f"sqlite:///{target / 'store.sqlite3'}",
                            config_dir=self.config_dir, templates_dir=ROOT / "templates", output_dir=output)
        return World(Store(settings.database_url), load_configs(self.config_dir), settings, output)


class WorldFactory:
    """Session-wide: one template per (bodies, meetings, config folder), built on first use."""

    def __init__(self, root: Path):
        self.root = root
        self._made: dict[tuple, WorldTemplate] = {}

    def __call__(self, bodies: tuple[str, ...] = ("gentofte", "herzogenrath"),
                 meetings: tuple[tuple[str, str, dt.date], ...] = EBI_AND_ASI,
                 config_dir: Path = ROOT / "config", at: dt.datetime = IMPORTED) -> WorldTemplate:
        key = (bodies, meetings, str(config_dir), at)
        if key not in self._made:
            folder = self.root / f"world-{len(self._made)}"
            folder.mkdir(parents=True)
            build_world(f"sqlite:///{folder / 'store.sqlite3'}", load_configs(config_dir),
                        [EXAMPLES / body for body in bodies], meetings, folder / "out", at)
            self._made[key] = WorldTemplate(folder, config_dir)
        return self._made[key]
