"""The command's disk cache: validated configs and holiday tables, never stale, never required."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from meetprep import config

from meetprep.runtime import cache

from meetprep.meetings import deadlines
from meetprep.config import load_configs
from meetprep.model import HolidayCalendar
from meetprep.errors import InputError
from tests.conftest import ROOT


@pytest.fixture
def cached(tmp_path):
    cache.use(tmp_path / "cache")
    config._CACHE.clear()
    deadlines._holidays.cache_clear()
    yield tmp_path / "cache"
    cache.use(None)
    config._CACHE.clear()
    deadlines._holidays.cache_clear()


def _copy_config(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(ROOT / "config", folder)
    return folder


def test_an_edited_config_file_is_read_again(cached, tmp_path):
    folder = _copy_config(tmp_path)
    assert load_configs(folder).get("gentofte").body.name == "Gentofte Kommune"
    assert len(list(cached.glob("config-*.pickle"))) == 5
    path = folder / "gentofte.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("name: Gentofte Kommune", "name: Gentofte Kommune (ny)", 1),
                    encoding="utf-8")
    config._CACHE.clear()  # a new command: only the disk cache is left
    assert load_configs(folder).get("gentofte").body.name == "Gentofte Kommune (ny)"


def test_a_broken_config_is_never_cached_and_refused_every_time(cached, tmp_path):
    folder = _copy_config(tmp_path)
    load_configs(folder)
    path = folder / "wedel.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Europe/Berlin", "Europe/Wedel", 1), encoding="utf-8")
    for _ in range(2):
        config._CACHE.clear()
        with pytest.raises(InputError) as raised:
            load_configs(folder)
        assert any("wedel.yaml" in p.file and "Europe/Wedel" in p.message for p in raised.value.problems)


def test_a_damaged_or_foreign_entry_is_recomputed(cached, tmp_path):
    folder = _copy_config(tmp_path)
    load_configs(folder)
    for entry in cached.glob("config-*.pickle"):
        entry.write_bytes(b"not a pickle")
    config._CACHE.clear()
    assert load_configs(folder).get("wedel").body.key == "wedel"


def test_an_unwritable_cache_only_costs_speed(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache.use(blocker / "cache")  # a folder inside a file: cannot be made
    try:
        config._CACHE.clear()
        assert "gentofte" in load_configs(ROOT / "config").keys()
    finally:
        cache.use(None)
        config._CACHE.clear()


def test_holiday_tables_come_from_the_cache_with_the_same_answers(cached):
    calendar = HolidayCalendar(country="DE", subdivision="NW")
    fronleichnam = dt.date(2027, 5, 27)
    assert deadlines.holiday_name(fronleichnam, calendar)
    first = deadlines.subtract_days(dt.date(2027, 5, 31), 2, "business", calendar)
    assert (cached / "holidays-DE-NW-2027.pickle").exists()
    deadlines._holidays.cache_clear()
    assert deadlines.holiday_name(fronleichnam, calendar)
    assert deadlines.subtract_days(dt.date(2027, 5, 31), 2, "business", calendar) == first == dt.date(2027, 5, 26)


def test_a_command_with_a_warm_cache_imports_neither_holidays_nor_alembic(tmp_path):
    """What makes a second command fast: a regression here costs every clerk ~0.4 s."""
    env = {**os.environ, "MEETPREP_HOME": str(tmp_path / "home")}
    meetprep = str(Path(sys.executable).with_name("meetprep"))
    build = [meetprep, "agenda", "build", "--body", "gentofte", "--committee", "ebi", "--date", "2025-09-22",
             "--as-of", "2025-09-14", "--no-pdf"]
    subprocess.run([meetprep, "items", "import", str(ROOT / "examples/gentofte")], env=env, check=True, cwd=ROOT,
                   capture_output=True)
    subprocess.run(build, env=env, check=True, cwd=ROOT, capture_output=True)
    probe = ("import sys; sys.argv = " + repr(build) + "\nfrom meetprep.cli import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'holidays', 'alembic', 'email_validator'}))")
    done = subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


def test_a_change_in_any_module_of_meetprep_makes_a_new_key():
    """The code stamp covers meetprep's subpackages: a cached config made by an older
    model/body.py lacked a field the new code read ('Body' object has no attribute ...)."""
    before = cache.code_stamp.__wrapped__("yaml")
    body_module = Path(config.__file__).parent / "model" / "body.py"
    stat = body_module.stat()
    try:
        os.utime(body_module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        assert cache.code_stamp.__wrapped__("yaml") != before
    finally:
        os.utime(body_module, ns=(stat.st_atime_ns, stat.st_mtime_ns))
