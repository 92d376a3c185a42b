"""Output folders: private staging for a run, atomic writes, and published folders kept in step.

Documents are rendered into a staging folder of their own run and only then moved into place,
so that a reader never sees half a version. A run holds an exclusive lock (`flock`) on its
staging folder for as long as it lives; the kernel drops the lock when the process dies, however
it dies. So the next run of any meeting can tell a folder left behind by a killed run (its lock
can be taken) from one in use by a run still going (it cannot), and removes only the former.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

STAGING = ".staging"
LOCK = ".lock"
NEW = ".new-"  # a folder being set up: it gets its lock before it gets its real name
# A folder still being set up (or without a lock file) is a run in its first microseconds, or one
# killed exactly then: only the latter is this old.
UNLOCKED_GRACE_SECONDS = 600


def locked(handle):
    """The open file `handle`, exclusively locked; None (and closed) if another process holds it.

    The lock lasts while the handle is open, and the kernel drops it when the process dies.
    """
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _try_lock(path: Path):
    return locked(open(path, "a+"))


def remove_stale(root: Path) -> list[Path]:
    """Remove the staging folders under `root` whose run is gone. Returns what was removed."""
    removed = []
    if not root.is_dir():
        return removed
    for folder in root.iterdir():
        if not folder.is_dir() or folder.is_symlink():
            continue
        lock_path = folder / LOCK
        if folder.name.startswith(NEW) or not lock_path.exists():
            try:
                old = time.time() - folder.stat().st_mtime > UNLOCKED_GRACE_SECONDS
            except FileNotFoundError:
                continue
            if old:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
            continue
        try:
            handle = _try_lock(lock_path)
        except FileNotFoundError:  # removed by its own run meanwhile
            continue
        if handle is None:
            continue  # a live run holds it
        try:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        finally:
            handle.close()
    return removed


@contextmanager
def staging(output_root: Path, prefix: str = "run-") -> Iterator[Path]:
    """A private, empty folder to render into, locked while the run lives and removed after it.

    Entering first removes what killed runs left behind under `output_root/.staging`.
    """
    root = output_root / STAGING
    root.mkdir(parents=True, exist_ok=True)
    remove_stale(root)
    # Locked under a name that cleanup leaves alone, then renamed: no other run ever sees this
    # folder unlocked, so none can take it for a killed run's.
    pending = Path(tempfile.mkdtemp(prefix=NEW, dir=root))
    handle = _try_lock(pending / LOCK)
    if handle is None:  # only a cleanup that judged it too old could hold it: not in a fresh folder
        raise RuntimeError(f"cannot lock the new staging folder {pending}")
    folder = pending.with_name(prefix + pending.name[len(NEW):])
    os.rename(pending, folder)
    work = folder / "files"
    work.mkdir()
    try:
        yield work
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        handle.close()


def write_atomically(path: Path, data: bytes) -> Path:
    """Write `path` so that readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # as a plain write would make it: a web server serves these files
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return path


def publish(files: Iterable[Path], target: Path) -> list[Path]:
    """Make `target` hold exactly these files (copied atomically); anything else there is removed.

    For published folders that must show the current version only, e.g. corrected minutes.
    """
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for source in files:
        written.append(write_atomically(target / source.name, source.read_bytes()))
    keep = {p.name for p in written}
    for old in target.iterdir():
        if old.is_file() and old.name not in keep and not old.name.startswith("."):
            old.unlink(missing_ok=True)
    return written
