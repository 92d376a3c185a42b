"""Shared fixtures: the shipped config, fresh stores (SQLite; PostgreSQL where it can run),
a fixed clock, and a factory for paper files."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from sqlalchemy import inspect, text

from meetprep.config import Configs, load_configs
from meetprep.store import Store

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"
EXAMPLES = ROOT / "examples"
SEEDS = ROOT.parent / "shared" / "seeds"

NOW = dt.datetime(2025, 9, 1, 8, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path, monkeypatch):
    """No test touches the working directory's data folder or a user's settings."""
    for name in list(os.environ):
        if name.startswith("MEETPREP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MEETPREP_HOME", str(tmp_path / "home"))
    # Commands a test starts run in their own process; tests/test_forkserver.py turns it on.
    monkeypatch.setenv("MEETPREP_FORKSERVER", "off")


@pytest.fixture(scope="session")
def configs() -> Configs:
    return load_configs(CONFIG_DIR)


@pytest.fixture
def now() -> dt.datetime:
    return NOW


@pytest.fixture(scope="session")
def postgres():
    from tests.pgserver import PostgresServer, find_bindir

    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; scripts/test.sh installs it (apt-get install postgresql)")
        pytest.skip("PostgreSQL is not installed (Debian package postgresql)")
    server = PostgresServer(bindir).start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    """A fresh store; every test that uses it runs on SQLite and again on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").create_database(f"t_{uuid.uuid4().hex[:12]}")
    with Store(url) as store:
        yield store


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for asserting that a failed import changed nothing."""
    with store.engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        return {
            name: sorted(map(tuple, connection.execute(text(f"SELECT * FROM {name}")).fetchall()), key=repr)
            for name in tables
            if name != "alembic_version"
        }


@pytest.fixture
def copy_examples(tmp_path) -> Callable[..., Path]:
    """A private copy of the shipped examples (or of one body's), safe to edit."""

    def make(body: str | None = None) -> Path:
        target = tmp_path / "examples"
        source = EXAMPLES / body if body else EXAMPLES
        shutil.copytree(source, target / body if body else target, dirs_exist_ok=True)
        return target

    return make


def write_yaml(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def paper_file(tmp_path) -> Callable[..., Path]:
    """Write a valid Gentofte paper file; keyword arguments replace top-level fields."""

    def make(name: str = "paper.yaml", **fields: Any) -> Path:
        data = {
            "body": "gentofte",
            "reference": "EMN-2025-09999",
            "title": "Test af dagsorden",
            "type": "indstilling",
            "access": "public",
            "sections": [{"heading": "Resumé", "text": "Kort resumé."}],
            "proposal": {"points": ["At sagen godkendes."]},
            "consultations": [{"committee": "ebi", "role": "indstilling", "date": "2025-09-22"}],
        }
        data.update(fields)
        data = {k: v for k, v in data.items() if v is not None}
        return write_yaml(tmp_path / "papers" / name, data)

    return make


# Test modules that start whole processes or real servers (LibreOffice, Chromium, Prefect, the
# fork server, N overlapping workers, hypothesis over built worlds): the full suite runs them,
# the fast lane (scripts/test.sh --fast, -m "not slow") leaves them out.
SLOW_MODULES = {
    "test_scaleout", "test_portal_browser", "test_flows", "test_deployments", "test_forkserver", "test_overlap",
    "test_public_property", "test_leftovers", "test_cache", "test_whole_truth", "test_golden", "test_word_libreoffice",
    "test_incremental", "test_oparl_crawl", "test_accessibility",
}


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> tuple[Path, dict]:
    """`meetprep demo` once per test run, as a user runs it (its own process): its folder and its
    --json report. Published below http://127.0.0.1:<a free port>/ (`demo_url`), where
    tests/test_oparl_crawl.py serves it. The tests only read it, so the two test processes share
    one run (a lock file in their common temporary folder)."""
    import fcntl
    import json
    import socket
    import subprocess
    import sys

    shared = tmp_path_factory.getbasetemp().parent if os.environ.get("PYTEST_XDIST_WORKER") else \
        tmp_path_factory.getbasetemp()
    out, report = shared / "demo" / "demo", shared / "demo" / "report.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(shared / "demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not report.exists():
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            env = {**{k: v for k, v in os.environ.items() if not k.startswith("MEETPREP_")},
                   "MEETPREP_FORKSERVER": "off", "MEETPREP_PUBLIC_URL": f"http://127.0.0.1:{port}/"}
            done = subprocess.run([sys.executable, "-m", "meetprep.runtime.launch", "demo", "--out", str(out), "--no-pdf",
                                   "--json"], cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=300)
            report.write_text(done.stdout, encoding="utf-8")
    return out, json.loads(report.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def built_world(tmp_path_factory):
    """built_world(bodies, meetings, config_dir) -> a template of imported bodies with built agendas,
    made once per session; `.copy(tmp_path)` gives a test its own store and output (tests/worlds.py)."""
    from tests.worlds import WorldFactory

    return WorldFactory(tmp_path_factory.mktemp("worlds"))


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="write tests/golden/ anew from this run's output (review the diff before committing)")


@pytest.fixture
def golden(request) -> Callable[[str, str], None]:
    """golden(name, text): the text must equal tests/golden/<name> (see tests/golden.py)."""
    from tests.golden import check

    return lambda name, actual: check(name, actual, request.config.getoption("--update-golden"))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.module.__name__.rpartition(".")[2] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


def pytest_configure(config):
    """Prefect settings for the test session, set before anything imports Prefect.

    PREFECT_HOME points at a temporary folder: the test harness does not isolate
    PREFECT_HOME/storage, and no test may touch a user's Prefect profile.
    """
    import tempfile

    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="meetprep-prefect-home-")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


SEED_MEETINGS = [
    ("gentofte", "ebi", dt.date(2025, 9, 22)),
    ("koebenhavn", "biu", dt.date(2010, 1, 27)),
    ("herzogenrath", "asi", dt.date(2025, 3, 25)),
    ("wedel", "sozialausschuss", dt.date(2023, 12, 5)),
    ("hamburg-bezirk", "bv", dt.date(2023, 12, 7)),
]


@pytest.fixture(scope="session")
def seed_builds(tmp_path_factory, configs):
    """The five seed meetings imported and built once (Word only), for tests that read them."""
    from meetprep.agenda import build

    root = tmp_path_factory.mktemp("seed-builds")
    store = Store(f"sqlite:///{root / 'store.sqlite3'}")
    from meetprep.importing.pipeline import import_files

    import_files(store, configs, [EXAMPLES], dt.datetime(2023, 10, 1, tzinfo=dt.timezone.utc))
    results = {}
    for body, committee, day in SEED_MEETINGS:
        request = build.AgendaRequest(body, committee, day - dt.timedelta(days=8), day=day)
        result, _ = build.run(store, configs, request, ROOT / "templates", root / "output", NOW, pdf=False)
        results[body] = result
    yield store, results
    store.close()


def config_with(tmp_path: Path, body: str, committee: str, change: Callable[[dict], None]) -> Path:
    """A copy of the shipped config folder in which `change` edits one committee's settings."""
    import shutil

    import yaml

    folder = tmp_path / "config"
    shutil.copytree(ROOT / "config", folder)
    path = folder / f"{body}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(next(o for o in data["organizations"] if o["key"] == committee))
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder
