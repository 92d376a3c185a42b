"""The command line as a user runs it: real processes for start-up, CliRunner for the rest."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from meetprep.cli import app
from tests.conftest import EXAMPLES, ROOT

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_help_does_not_import_prefect():
    code = (
        "import sys\n"
        "from meetprep.cli import main\n"
        "sys.argv = ['meetprep', '--help']\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('prefect', 'sqlalchemy', 'docxtpl'))\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "Prepare municipal committee meetings" in result.stdout
    assert "HEAVY []" in result.stdout


COMMANDS = [[], ["items"], ["items", "import"], ["items", "list"], ["meetings", "list"], ["meetings", "import"],
            ["meetings", "generate"], ["config", "check"], ["templates", "check"], ["demo"], ["items", "kit"],
            ["items", "export"], ["items", "take"], ["items", "signoff"], ["items", "exception"], ["serve"], ["agenda", "build"], ["agenda", "approve"],
            ["invitations", "send"], ["reminders", "run"], ["feeds", "write"], ["attachments", "list"],
            ["attachments", "chase"], ["attachments", "deliver"], ["minutes", "record"], ["planning", "plan"],
            ["planning", "spend"], ["planning", "report"], ["meetings", "move"], ["meetings", "cancel"], ["meetings", "resolve"],
            ["meetings", "timeline"], ["meetings", "prepare"], ["meetings", "attendance"], ["replies", "take"],
            ["minutes", "form"], ["publish"], ["forkserver", "status"], ["forkserver", "stop"],
            ["accessibility", "check"], ["accessibility", "feedback"], ["minutes", "approve"],
            ["decisions", "list"], ["decisions", "done"], ["decisions", "extend"], ["decisions", "follow-up"]]


def test_the_list_of_commands_is_complete():
    from typer.main import get_command

    def walk(command, path):
        if hasattr(command, "commands"):  # a group
            for name, sub in command.commands.items():
                yield from walk(sub, path + [name])
        else:
            yield path

    assert sorted(walk(get_command(app), [])) == sorted(c for c in COMMANDS if c and c not in (["items"],))


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) or "meetprep" for c in COMMANDS])
def test_every_command_has_help(command):
    result = run(*command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_import_then_list(tmp_path):
    result = run("items", "import", str(EXAMPLES))
    assert result.exit_code == 0, result.output
    assert "5 papers created" in result.output and "9 meetings created" in result.output
    feed = tmp_path / "home" / "output" / "feeds" / "gentofte" / "ebi.ics"
    assert b"X-WR-CALNAME:Erhvervs-" in feed.read_bytes()  # feeds follow imported meetings

    listed = run("items", "list", "--pending", "--committee", "ebi", "--json")
    rows = json.loads(listed.stdout)
    assert [r["reference"] for r in rows] == ["EMN-2025-05820"]
    assert rows[0]["next_meeting"] == "ebi-2025-09-22"

    meetings = json.loads(run("meetings", "list", "--body", "wedel", "--json").stdout)
    assert [(m["key"], m["start"]) for m in meetings] == [
        ("sozialausschuss-2023-12-05", "2023-12-05T19:00+01:00"),
        ("rat-2023-12-21", "2023-12-21T18:00+01:00"),
    ]


def test_bad_input_exits_1_and_names_file_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("body: gentofte\nreference: EMN-2025-00001\ntitle: X\ntype: indstilling\naccess: maybe\n", encoding="utf-8")
    result = run("items", "import", str(bad))
    assert result.exit_code == 1
    assert "nothing was written" in result.stderr
    assert "bad.yaml:5" in result.stderr and "field 'access'" in result.stderr

    as_json = run("items", "import", str(bad), "--json")
    assert as_json.exit_code == 1
    (problem,) = json.loads(as_json.stdout)["problems"]
    assert problem["field"] == "access" and problem["line"] == 5 and problem["item"] == "paper EMN-2025-00001"


def test_config_check(monkeypatch, tmp_path):
    result = run("config", "check", "--json")
    assert result.exit_code == 0
    assert [b["body"] for b in json.loads(result.stdout)["bodies"]] == [
        "gentofte", "hamburg-bezirk", "herzogenrath", "koebenhavn", "wedel"]
    monkeypatch.setenv("MEETPREP_CONFIG_DIR", str(tmp_path / "none"))
    missing = run("config", "check")
    assert missing.exit_code == 3 and "no config folder" in missing.stderr


def test_unreachable_store_exits_3(monkeypatch, tmp_path):
    (tmp_path / "no").write_text("a file where a folder should be")
    monkeypatch.setenv("MEETPREP_DATABASE_URL", f"sqlite:///{tmp_path}/no/store.sqlite3")
    result = run("items", "list")
    assert result.exit_code == 3 and "cannot be used" in result.stderr
    monkeypatch.setenv("MEETPREP_DATABASE_URL", "postgresql+psycopg://clerk:s3cret@127.0.0.1:1/meetprep")
    refused = run("items", "list", "--json")
    assert refused.exit_code == 3
    assert "s3cret" not in refused.stdout and "clerk:***@127.0.0.1" in json.loads(refused.stdout)["error"]


def test_decisions_list_and_done_on_the_demos_store(demo_run, tmp_path, monkeypatch):
    """The demo's Kommunalbestyrelse gives its decision a task (examples/gentofte/minutes/kb-...):
    `decisions list` shows it, `decisions done` records it, on a copy of the demo's store."""
    import shutil

    home = tmp_path / "home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(demo_run[0] / "meetprep.sqlite3", home / "meetprep.sqlite3")
    monkeypatch.setenv("MEETPREP_HOME", str(home))
    listed = run("decisions", "list", "--body", "gentofte", "--json")
    tasks = json.loads(listed.stdout)["tasks"]
    # due 30 June 2026: overdue on the wall clock's day, and the exit code says so
    assert [(t["reference"], t["committee"], t["due"], t["state"]) for t in tasks] == [
        ("EMN-2025-05820", "kb", "2026-06-30", "overdue" if dt.date.today() > dt.date(2026, 6, 30) else "open")]
    assert listed.exit_code == (1 if dt.date.today() > dt.date(2026, 6, 30) else 0)
    done = run("decisions", "done", "--body", "gentofte", "--task", str(tasks[0]["id"]), "--note", "Holdt 4. juni.")
    assert done.exit_code == 0 and "recorded as done" in done.output
    assert run("decisions", "list", "--body", "gentofte", "--json").stdout.count('"id"') == 0
    everything = json.loads(run("decisions", "list", "--all", "--json").stdout)["tasks"]
    assert [(t["state"], t["report"]) for t in everything] == [("done", "Holdt 4. juni.")]
    assert run("decisions", "done", "--body", "gentofte", "--task", "999").exit_code == 1
    page = (home / "output" / "public" / "gentofte" / "decisions.html").read_text(encoding="utf-8")
    assert "Holdt 4. juni." in page
