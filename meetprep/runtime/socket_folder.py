"""Where the fork server of this user and installation lives, and whether it runs: standard library
only, shared by the entry point (meetprep.runtime.launch), the server itself and the `forkserver`
commands, so that none of them imports another."""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile


OFF = frozenset({"off", "0", "no", "false"})


CONNECT_TIMEOUT = 2.0


def mode() -> str:
    """MEETPREP_FORKSERVER as the launcher reads it: auto, on, or one of the spellings of off."""
    return os.environ.get("MEETPREP_FORKSERVER", "auto").strip().lower()


def log_path(directory: str) -> str:
    return os.path.join(directory, "forkserver.log")


def folder() -> str | None:
    """The user's private folder for the socket, or None where it cannot be trusted."""
    chosen = os.environ.get("MEETPREP_FORKSERVER_DIR")
    if not chosen:
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        chosen = os.path.join(runtime, "meetprep") if runtime else os.path.join(
            tempfile.gettempdir(), f"meetprep-{os.getuid()}")
    try:
        os.makedirs(chosen, mode=0o700, exist_ok=True)
        status = os.stat(chosen)
    except OSError:
        return None
    # Another user's folder, or one others can enter, could hold a socket that is not ours.
    if status.st_uid != os.getuid() or status.st_mode & 0o077:
        return None
    return chosen


def installation() -> str:
    """Which installation a server serves: this interpreter and its import path (but for its first
    entry, the folder of the script or `-c`/`-m`, which says how Python was started)."""
    key = repr((os.path.realpath(sys.executable), sys.version, sys.path[1:]))
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def socket_path(directory: str) -> str:
    return os.path.join(directory, f"forkserver-{installation()}.sock")


def running(path: str) -> int | None:
    """The process id of the fork server holding the socket at `path`, or None."""
    import fcntl

    try:
        with open(path + ".lock") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                return int(lock.read().strip() or 0) or None  # held: a server runs
            return None
    except (OSError, ValueError):
        return None


def code_stamp() -> str:
    """What the server's loaded code was read from: meetprep's sources and the installed packages.

    Names, sizes and modification times of meetprep's files, and the modification times of the
    site-packages folders (installing or removing a package changes them). A millisecond.
    """
    entries: list[tuple] = []
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the whole meetprep package
    for root, folders, files in os.walk(package):
        folders[:] = sorted(f for f in folders if f != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".yaml", ".json")):
                try:
                    status = os.stat(os.path.join(root, name))
                except OSError:
                    continue
                entries.append((os.path.relpath(os.path.join(root, name), package), status.st_size, status.st_mtime_ns))
    for entry in sys.path:
        if entry.endswith("-packages"):
            try:
                entries.append((entry, os.stat(entry).st_mtime_ns))
            except OSError:
                pass
    return hashlib.sha256(repr(entries).encode()).hexdigest()
