"""The warm fork server: real `meetprep` processes handing their commands to a real server.

Each test starts its own server in a private folder (MEETPREP_FORKSERVER=on starts one after the
first command) and stops it at the end. What a command does through the server must be what it
does alone: the same files, output and exit codes, in the environment and folder of the client.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docx
import pytest

from meetprep.runtime import launch
from tests.conftest import CONFIG_DIR, EXAMPLES, ROOT

MEETPREP = str(Path(sys.executable).with_name("meetprep"))
BUILD = ["agenda", "build", "--body", "gentofte", "--committee", "ebi", "--date", "2025-09-22", "--as-of", "2025-09-14",
         "--no-pdf"]


@pytest.fixture
def server(tmp_path):
    """A private socket folder (short: a socket path has ~100 bytes) and the environment that uses it."""
    folder = Path(tempfile.mkdtemp(prefix="mpfs-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEETPREP_", "PREFECT_API_URL"))}
    env.update(MEETPREP_FORKSERVER="on", MEETPREP_FORKSERVER_DIR=str(folder), MEETPREP_FORKSERVER_IDLE="120",
               MEETPREP_HOME=str(tmp_path / "home"))
    socket_path = str(folder / os.path.basename(_socket_for(env)))
    yield env, folder, socket_path
    pid = launch.running(socket_path)
    if pid:
        os.kill(pid, signal.SIGTERM)
    shutil.rmtree(folder, ignore_errors=True)


def _socket_for(env) -> str:
    probe = "from meetprep.runtime import socket_folder as f; print(f.socket_path(f.folder()))"
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def cli(env, *args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([MEETPREP, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def served_commands(folder: Path) -> list[str]:
    log = folder / "forkserver.log"
    return [line.split(": ", 1)[1] for line in log.read_text().splitlines() if "] command " in line] if log.exists() else []


def wait_ready(socket_path: str, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = launch.running(socket_path)
        if pid and os.path.exists(socket_path):
            return pid
        time.sleep(0.1)
    raise AssertionError(f"no fork server on {socket_path} after {timeout} s")


def document_text(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_a_command_through_the_server_does_what_it_does_alone(server, tmp_path):
    env, folder, socket_path = server
    first = cli(env, "items", "import", str(EXAMPLES / "gentofte"))
    assert first.returncode == 0, first.stderr
    assert served_commands(folder) == []  # none was running: the first command ran alone and started one
    pid = wait_ready(socket_path)

    built = cli(env, *BUILD)
    assert built.returncode == 0, built.stderr
    assert served_commands(folder) == [" ".join(BUILD)]
    assert launch.running(socket_path) == pid

    alone_env = {**env, "MEETPREP_FORKSERVER": "off", "MEETPREP_HOME": str(tmp_path / "alone")}
    assert cli(alone_env, "items", "import", str(EXAMPLES / "gentofte")).returncode == 0
    alone = cli(alone_env, *BUILD)
    assert alone.returncode == 0, alone.stderr
    assert len(served_commands(folder)) == 1
    # The same report (but for the home folder in it) and the same documents, word for word.
    assert built.stdout.replace(env["MEETPREP_HOME"], "HOME") == alone.stdout.replace(alone_env["MEETPREP_HOME"], "HOME")
    version = Path(env["MEETPREP_HOME"]) / "output/gentofte/ebi/ebi-2025-09-22/v1"
    alone_version = tmp_path / "alone/output/gentofte/ebi/ebi-2025-09-22/v1"
    documents = sorted(p.relative_to(version) for p in version.rglob("*.docx"))
    assert [str(p) for p in documents] == ["members/dagsorden-ebi-2025-09-22-medlemmer.docx",
                                          "public/dagsorden-ebi-2025-09-22-offentlig.docx"]
    for relative in documents:
        text = document_text(version / relative)
        assert "Ny model for dialog på integrationsområdet" in text
        assert text == document_text(alone_version / relative)

    # Refused input: the same exit code and a message naming the file and the field, as --json too.
    broken = tmp_path / "broken"
    shutil.copytree(CONFIG_DIR, broken)
    body = broken / "gentofte.yaml"
    body.write_text(body.read_text(encoding="utf-8").replace("Europe/Copenhagen", "Europe/Gentofte", 1), encoding="utf-8")
    refused = cli({**env, "MEETPREP_CONFIG_DIR": str(broken)}, *BUILD)
    assert refused.returncode == 1
    assert f"{body}:" in refused.stderr and "body.timezone" in refused.stderr and "Europe/Gentofte" in refused.stderr
    as_json = cli({**env, "MEETPREP_CONFIG_DIR": str(broken)}, *BUILD, "--json")
    assert as_json.returncode == 1
    problem = json.loads(as_json.stdout)["problems"][0]
    assert problem["file"] == str(body) and problem["field"] == "body.timezone"
    usage = cli(env, "agenda", "build", "--no-such-option")
    assert usage.returncode == 2 and "No such option" in usage.stderr
    assert served_commands(folder)[-3:] == [" ".join(BUILD), " ".join(BUILD) + " --json", "agenda build --no-such-option"]

    # The client's working folder: a relative --home is read where the clerk stands.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    listed = cli({**env, "MEETPREP_CONFIG_DIR": str(CONFIG_DIR)}, "--home", "relative-home", "items", "import",
                 str(EXAMPLES / "gentofte"), "--json", cwd=elsewhere)
    assert listed.returncode == 0, listed.stderr
    assert (elsewhere / "relative-home" / "meetprep.sqlite3").is_file()
    assert launch.running(socket_path) == pid  # one server did all of it


def test_concurrent_commands_keep_their_own_environment(server, tmp_path):
    env, folder, socket_path = server
    assert cli(env, "--help").returncode == 0
    wait_ready(socket_path)
    homes = [tmp_path / f"home-{n}" for n in range(4)]

    def import_and_build(home: Path) -> tuple[int, int, str]:
        own = {**env, "MEETPREP_HOME": str(home)}
        imported = cli(own, "items", "import", str(EXAMPLES / "gentofte"))
        built = cli(own, *BUILD, "--json")
        return imported.returncode, built.returncode, built.stdout

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(import_and_build, homes))
    for home, (imported, built, stdout) in zip(homes, results):
        assert (imported, built) == (0, 0), stdout
        report = json.loads(stdout)
        assert all(Path(d["path"]).is_relative_to(home) for d in report["documents"]), report["documents"]
        assert (home / "output/gentofte/ebi/ebi-2025-09-22/v1/public/dagsorden-ebi-2025-09-22-offentlig.docx").is_file()
    assert len(served_commands(folder)) == 8  # all of them through the one server (--help ran alone)


def test_the_server_refuses_changed_code_and_stops_when_told(server, monkeypatch):
    env, folder, socket_path = server
    assert cli(env, "--version").returncode == 0
    pid = wait_ready(socket_path)
    # A command from code the server did not load (meetprep or a package changed): it is refused,
    # runs alone, and the server exits, so that the next command starts one with the new code.
    monkeypatch.setenv("MEETPREP_FORKSERVER_DIR", str(folder))
    monkeypatch.setattr(launch, "code_stamp", lambda: "something else")
    monkeypatch.setattr(launch, "socket_path", lambda directory: socket_path)
    assert launch.through_forkserver(["--version"]) is None
    deadline = time.monotonic() + 10
    while launch.running(socket_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert launch.running(socket_path) is None and not os.path.exists(socket_path)
    assert f"[{pid}] meetprep or its packages changed" in (folder / "forkserver.log").read_text()

    assert cli(env, "--version").returncode == 0
    second = wait_ready(socket_path)
    status = cli(env, "forkserver", "status", "--json")
    assert json.loads(status.stdout) | {} == {"mode": "on", "folder": str(folder), "socket": socket_path,
                                             "running": True, "pid": second, "log": str(folder / "forkserver.log")}
    stopped = cli(env, "forkserver", "stop")
    assert stopped.returncode == 0 and f"process {second}" in stopped.stdout
    assert launch.running(socket_path) is None
    # `forkserver` commands start none: the launcher's own decision, checked where it is made
    # (waiting a while for a server that should not appear would pass a slow regression).
    started: list[bool] = []
    monkeypatch.setenv("MEETPREP_FORKSERVER", "on")  # "on" starts a server after any other command
    monkeypatch.setattr(launch, "start_forkserver", lambda: started.append(True))
    monkeypatch.setattr(launch, "through_forkserver", lambda args: pytest.fail(f"handed to a server: {args}"))
    for command in (["forkserver", "status", "--json"], ["forkserver", "stop"]):
        monkeypatch.setattr(sys, "argv", ["meetprep", *command])
        with pytest.raises(SystemExit) as done:
            launch.main()
        assert done.value.code in (0, None)
    assert started == []
    assert launch.running(socket_path) is None


def test_an_untrusted_socket_folder_is_not_used(tmp_path, monkeypatch):
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o777)
    os.chmod(folder, 0o777)
    env = {**os.environ, "MEETPREP_FORKSERVER": "on", "MEETPREP_FORKSERVER_DIR": str(folder)}
    done = subprocess.run([MEETPREP, "--version"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "meetprep" in done.stdout
    # The launcher refuses the folder itself (so it neither connects nor starts a server there),
    # and the command left nothing in it.
    monkeypatch.setenv("MEETPREP_FORKSERVER_DIR", str(folder))
    assert launch.folder() is None
    assert list(folder.iterdir()) == []  # no socket, no log: others could enter the folder


def test_ctrl_c_reaches_the_command_in_the_server(server, tmp_path):
    env, folder, socket_path = server
    assert cli(env, "--version").returncode == 0
    wait_ready(socket_path)
    client = subprocess.Popen([MEETPREP, "demo", "--out", str(tmp_path / "demo")], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not any(c.startswith("demo ") for c in served_commands(folder)) and time.monotonic() < deadline:
        time.sleep(0.05)
    line = next(l for l in (folder / "forkserver.log").read_text().splitlines() if "] command " in l and ": demo " in l)
    child = int(line.split("] command ", 1)[1].split(":", 1)[0])
    # well into the demo's work: its store exists once it has imported and begun (no fixed sleep)
    deadline = time.monotonic() + 60
    while not (tmp_path / "demo" / "meetprep.sqlite3").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (tmp_path / "demo" / "meetprep.sqlite3").exists(), "the demo never began"
    client.send_signal(signal.SIGINT)
    _out, _err = client.communicate(timeout=60)
    assert client.returncode == 130  # as the demo run alone answers Ctrl-C
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)  # the command itself stopped, not only the client


def alive(pid: int) -> bool:
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
