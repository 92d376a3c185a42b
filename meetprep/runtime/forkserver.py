"""The fork server: meetprep's libraries imported once, one forked child per command.

    python -m meetprep.runtime.forkserver --socket PATH [--idle SECONDS]

`meetprep.runtime.launch` starts it in the background and hands it commands (see there for when and
why). For each command the server forks; the child takes over the client's standard streams
(received over the socket), environment, working folder, umask, import path and arguments,
leads a process group of its own (the client forwards Ctrl-C and termination signals to it),
runs `meetprep.cli.main` as a new process would, and sends its exit code back. The server does
no work itself and opens no store, so nothing a command does is shared with the next one: each
child starts from the same state, that of a fresh process after its imports.

One server per socket: it holds an exclusive lock beside the socket for its lifetime, so that
two commands starting one at the same moment leave one. It answers only its own user (the
peer's credentials), refuses a command whose code stamp differs from its own (meetprep or the
installed packages changed since it started) and then exits, and exits after `--idle` seconds
without a command. Its log (start, stop, refusals, one line per command) is `forkserver.log`
beside the socket.
"""

from __future__ import annotations

import argparse
import atexit
import errno
import fcntl
import importlib
import io
import json
import os
import signal
import socket
import struct
import sys
import tempfile
import time

from meetprep.runtime import socket_folder

# What commands import on their way; importing them here is what makes a command quick.
PRELOAD = (
    "meetprep.cli", "rich.console", "rich.table", "rich.progress", "rich.status", "rich.live",
    "meetprep.config", "meetprep.model", "meetprep.store", "meetprep.agenda.build", "meetprep.agenda.documents",
    "meetprep.agenda.listing", "meetprep.importing.pipeline", "meetprep.agenda.numbering", "meetprep.meetings.changes", "meetprep.meetings.timeline",
    "meetprep.messages.invitations", "meetprep.attachments.core", "meetprep.minutes.record", "meetprep.planning",
    "meetprep.messages.replies", "meetprep.messages.reminders", "meetprep.messages.ledger", "meetprep.publish", "meetprep.messages.calendar",
    "meetprep.agenda.pdf", "meetprep.publish.site", "meetprep.publish.oparl", "meetprep.publish.view", "meetprep.yamlio",
    "meetprep.jobs.agenda", "meetprep.jobs.invitations", "meetprep.jobs.importing", "meetprep.jobs.minutes",
    "meetprep.authoring.reader", "meetprep.authoring.writer", "meetprep.authoring.documents", "meetprep.mirror",
    "meetprep.agenda.template_check", "meetprep.agenda.rendering", "docx", "pypdf", "apprise",
    "sqlalchemy.dialects.sqlite.pysqlite", "babel.dates", "babel.numbers", "docxtpl", "jinja2.sandbox",
    "sqlite3", "pydantic.type_adapter", "typer._adapters", "typer._click.decorators", "rich._emoji_codes",
    "encodings.cp437", "encodings.unicode_escape",
)
LOCALES = ("da_DK", "de_DE", "da", "de", "en")
MAX_LOG = 1 << 20


def log(message: str) -> None:
    sys.stderr.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} [{os.getpid()}] {message}\n")
    sys.stderr.flush()


def preload() -> None:
    """Import and prepare what every command would: nothing here may read the environment,
    the working folder or a store, since every child inherits it."""
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception as exc:  # a missing optional part only costs its command the import
            log(f"preload {name}: {type(exc).__name__}: {exc}")
    try:
        from sqlalchemy.orm import configure_mappers

        configure_mappers()
        from babel import Locale

        for name in LOCALES:
            Locale.parse(name).datetime_formats  # loads the locale's data into Babel's cache
        from meetprep import i18n

        for name in ("da", "de"):
            i18n.catalogue(name)  # meetprep's own message catalogues: package data
        from pydantic import BaseModel

        from meetprep import model

        for value in vars(model).values():
            if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == model.__name__:
                value.model_rebuild(force=True)  # the deferred validators, built once here
    except Exception as exc:
        log(f"warm-up: {type(exc).__name__}: {exc}")


def read_request(connection: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _flags, _address = socket.recv_fds(connection, 1 << 16, 3)
    if len(data) < 4:
        raise ValueError("short request")
    (length,) = struct.unpack("!I", data[:4])
    body = data[4:]
    while len(body) < length:
        more = connection.recv(length - len(body))
        if not more:
            raise ValueError("truncated request")
        body += more
    if len(fds) != 3:
        raise ValueError(f"expected 3 standard streams, got {len(fds)}")
    return json.loads(body), fds


def peer_uid(connection: socket.socket) -> int:
    credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", credentials)[1]


def run_child(connection: socket.socket, request: dict, fds: list[int]) -> None:
    """In the forked child: become the client's command, run it, report the exit code. Never returns."""
    code = 5
    try:
        os.setpgid(0, 0)
        for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGCHLD):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in zip((0, 1, 2), fds):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        time.tzset()
        tempfile.tempdir = None  # found again from the client's TMPDIR
        os.chdir(request["cwd"])
        os.umask(request["umask"])
        sys.path[:] = request["path"]
        sys.argv = list(request["argv"])
        _standard_streams(request["streams"])
        connection.sendall(f"P{os.getpid()}\n".encode())
        from meetprep.cli import main

        try:
            main()
            code = 0
        except SystemExit as exc:
            code = _exit_code(exc.code)
    except BaseException:  # a failure to become the command: the client hears 5
        import traceback

        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
        except BaseException:
            pass
        try:
            connection.sendall(f"X{code}\n".encode())
        except OSError:
            pass
        os._exit(code)


def _standard_streams(specs: list[list[str]]) -> None:
    (in_encoding, in_errors), (out_encoding, out_errors), (err_encoding, err_errors) = specs
    sys.stdin = sys.__stdin__ = io.open(0, "r", encoding=in_encoding, errors=in_errors, closefd=False)
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(io.open(1, "wb", closefd=False), encoding=out_encoding,
                                                   errors=out_errors, line_buffering=os.isatty(1))
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(io.open(2, "wb", closefd=False), encoding=err_encoding,
                                                   errors=err_errors, line_buffering=True)


def _exit_code(value) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value & 0xFF
    print(value, file=sys.stderr)
    return 1


def reap() -> None:
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def serve(path: str, idle: float) -> int:
    lock = open(path + ".lock", "a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EACCES):
            return 0  # another server has this socket
        raise
    lock.truncate(0)
    lock.write(f"{os.getpid()}\n")
    lock.flush()  # who holds the socket: `meetprep forkserver status` and `stop` read it
    try:
        if os.fstat(2).st_size > MAX_LOG:
            os.ftruncate(2, 0)
    except OSError:
        pass
    stamp = socket_folder.code_stamp()  # before the imports: a file changed while importing is caught
    started = time.monotonic()
    preload()
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(64)
    listener.settimeout(1.0)
    identity = os.stat(path).st_ino
    log(f"ready in {time.monotonic() - started:.2f} s on {path}")
    last = time.monotonic()
    try:
        while time.monotonic() - last < idle:
            reap()
            try:
                connection, _ = listener.accept()
            except socket.timeout:
                continue
            last = time.monotonic()
            if not handle(connection, stamp, listener, lock):
                log("meetprep or its packages changed since the start: exiting")
                break
        else:
            log(f"idle for {idle:.0f} s: exiting")
    finally:
        listener.close()
        try:
            if os.stat(path).st_ino == identity:
                os.unlink(path)
        except OSError:
            pass
        lock.close()
    return 0


def handle(connection: socket.socket, stamp: str, listener: socket.socket, lock) -> bool:
    """Fork a child for one command; False if the command's code differs from ours."""
    fds: list[int] = []
    try:
        connection.settimeout(socket_folder.CONNECT_TIMEOUT)
        if peer_uid(connection) != os.getuid():
            log("refused a connection from another user")
            return True
        request, fds = read_request(connection)
        if request.get("stamp") != stamp:
            connection.sendall(b"S\n")
            return False
        connection.settimeout(None)
        pid = os.fork()
        if pid == 0:
            listener.close()
            lock.close()
            run_child(connection, request, fds)
        log(f"command {pid}: {' '.join(request['argv'][1:])[:200]}")
        return True
    except (OSError, ValueError, KeyError) as exc:
        log(f"bad request: {type(exc).__name__}: {exc}")
        return True
    finally:
        for fd in fds:
            os.close(fd)
        connection.close()


def _terminated(_number, _frame) -> None:
    log("stopped (SIGTERM)")
    sys.exit(0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True, help="The Unix socket to serve on.")
    parser.add_argument("--idle", type=float, default=float(os.environ.get("MEETPREP_FORKSERVER_IDLE", 900)),
                        help="Exit after this many seconds without a command (default 900).")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _terminated)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    return serve(args.socket, args.idle)


if __name__ == "__main__":
    sys.exit(main())
