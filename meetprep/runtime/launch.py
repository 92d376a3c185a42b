"""The `meetprep` command's entry point: hand the command to a warm fork server, else run it here.

A clerk's command is a new Python process, and importing what it needs (Typer, Rich, pydantic,
SQLAlchemy, docxtpl, Babel) costs more than the work: about 0.8 s of a 1.2 s build. The fork
server (`meetprep.runtime.forkserver`) has imported all of it once; for each command it forks a
child that takes this process's standard streams (passed over a Unix socket), environment,
working folder, umask and arguments, runs the command exactly as this process would, and
reports its exit code. This module therefore imports only the standard library: it is what
every command pays before the work starts.

MEETPREP_FORKSERVER chooses:
  auto (default)  use a running fork server; start one in the background after a command typed
                  at a terminal (standard input is a terminal), so that the next one is quick;
  on              the same, and start one after any command (scripts, benchmarks);
  off             never: every command imports and runs in its own process.

The server belongs to one user and one installation (this Python, this `sys.path`): its socket
lives in a folder only the user can enter (MEETPREP_FORKSERVER_DIR, else
$XDG_RUNTIME_DIR/meetprep, else <tmp>/meetprep-<uid>), named after the installation. It refuses
a command when meetprep's source files or the installed packages changed since it started (and
then exits): the command runs here and a new server starts. It exits by itself after
MEETPREP_FORKSERVER_IDLE seconds without a command (default 900).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import sys

from meetprep.runtime.socket_folder import (  # noqa: F401 - running: used by the tests through here
    CONNECT_TIMEOUT,
    OFF,
    code_stamp,
    folder,
    log_path,
    mode,
    running,
    socket_path,
)

# Commands that stay in their own process and start no server: `serve` is long-lived and manages a
# process group of its own (Prefect server, workers, the portal); `forkserver` inspects or stops it.
IN_PROCESS = frozenset({"serve", "forkserver"})



def main() -> None:
    mode_ = mode()
    args = sys.argv[1:]
    usable = mode_ not in OFF and not (args and args[0] in IN_PROCESS) and hasattr(socket, "send_fds")
    if usable:
        code = through_forkserver(args)
        if code is not None:
            sys.exit(code)
    try:
        from meetprep.cli import main as run_here

        run_here()
    finally:
        if usable and (mode_ == "on" or _interactive()):
            start_forkserver()


def _interactive() -> bool:
    try:
        return os.isatty(0)
    except OSError:
        return False



def _stream_spec(stream) -> list:
    return [getattr(stream, "encoding", None) or "utf-8", getattr(stream, "errors", None) or "strict"]


def through_forkserver(args: list[str]) -> int | None:
    """Run the command in a child of the fork server; its exit code, or None if no server took it."""
    directory = folder()
    if directory is None:
        return None
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)
    except OSError:
        return None  # a closed standard stream cannot be passed on
    umask = os.umask(0o022)
    os.umask(umask)
    request = json.dumps({
        "stamp": code_stamp(), "argv": ["meetprep", *args], "cwd": os.getcwd(), "env": dict(os.environ),
        "umask": umask, "path": sys.path, "streams": [_stream_spec(s) for s in (sys.stdin, sys.stdout, sys.stderr)],
    }).encode()
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(CONNECT_TIMEOUT)
    try:
        connection.connect(socket_path(directory))
        socket.send_fds(connection, [struct.pack("!I", len(request)) + request], [0, 1, 2])
        reader = connection.makefile("rb")
        first = reader.readline()
    except OSError:
        connection.close()
        return None  # none running, or one that does not answer: run here
    if not first.startswith(b"P"):
        connection.close()
        return None  # stale code: the server exits; run here
    child = int(first[1:])
    connection.settimeout(None)  # from here on the command takes as long as it takes

    forwarded: list[int] = []

    def forward(number, _frame):
        forwarded.append(number)
        try:
            os.killpg(child, number)  # the child leads its own group: its subprocesses get it too
        except OSError:
            pass

    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(number, forward)
    line = reader.readline()  # a forwarded signal does not interrupt it (PEP 475: retried)
    connection.close()
    if line.startswith(b"X"):
        return int(line[1:])
    if forwarded:
        return 128 + forwarded[-1]  # it ended on the signal it was sent, as a process here would
    sys.stderr.write("meetprep: the command's process ended without an exit code (killed?)\n")
    return 5


def start_forkserver() -> None:
    """Start a fork server in the background, detached from this terminal; it exits if one runs."""
    directory = folder()
    if directory is None:
        return
    import subprocess

    try:
        with open(log_path(directory), "ab") as log:
            subprocess.Popen([sys.executable, "-m", "meetprep.runtime.forkserver", "--socket", socket_path(directory)],
                             stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                             close_fds=True, cwd="/")
    except OSError:
        pass


if __name__ == "__main__":
    main()
