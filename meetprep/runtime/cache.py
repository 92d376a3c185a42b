"""A small on-disk cache for what a short command would otherwise recompute every time.

A clerk's command is a new process: parsing and validating the body configs (YAML, pydantic,
the holidays check) and building a year's public holidays (the `holidays` package imports all
of its ~200 countries) cost more than rendering the documents. Both depend only on files, so
they are kept under MEETPREP_HOME/cache, keyed by everything they were made from: the files'
names, sizes and modification times, and meetprep's and the libraries' own source files (a new
release never reads an old entry).

The cache is only an optimisation: a missing, unreadable, foreign or stale entry is recomputed,
and a cache folder that cannot be written is ignored. It is off until `use()` names a folder
(the CLI does, with the store's home); long-lived processes (flows, `serve`) keep their own
in-memory caches instead.

Entries are pickles, read only from the folder meetprep itself writes under its home; whoever
can write there can already change the store.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Callable, TypeVar

from meetprep import memo
from meetprep.memo import stamp

T = TypeVar("T")

_directory: Path | None = None


def use(directory: Path | None) -> None:
    """Keep entries in `directory` from now on (None: no disk cache), for every domain module that
    asks meetprep.memo."""
    global _directory
    _directory = directory
    memo.install(remembered if directory is not None else None)


def directory() -> Path | None:
    return _directory


@lru_cache(maxsize=None)
def code_stamp(*packages: str) -> tuple[Any, ...]:
    """The installed source of meetprep and of `packages` (found without importing them)."""
    folders = [Path(__file__).parent.parent]  # the whole meetprep package
    for name in packages:
        spec = find_spec(name)
        if spec is not None and spec.origin:
            folders.append(Path(spec.origin).parent)
    # meetprep's own subpackages too (model/, store/, ...): a cached config made by an older
    # model/body.py would lack the fields the new code reads
    own = (str(folders[0]), stamp(sorted(folders[0].rglob("*.py"))))
    return (own, *((str(folder), stamp(sorted(folder.glob("*.py")))) for folder in folders[1:]))


def remembered(name: str, files: list[Path], packages: tuple[str, ...], make: Callable[[], T]) -> T:
    """The value cached under `name` if it was made from these files and this code; else `make()`,
    then kept (a meetprep.memo.Remember)."""
    if _directory is None:
        return make()
    key = (stamp(files), code_stamp(*packages))
    digest = hashlib.sha256(repr(key).encode()).hexdigest()
    path = _directory / f"{name}.pickle"
    try:
        with path.open("rb") as file:
            stored_digest, value = pickle.load(file)
        if stored_digest == digest:
            return value
    except Exception:  # missing, truncated, written by another version: recompute
        pass
    value = make()
    _write(path, (digest, value))
    return value


def _write(path: Path, entry: Any) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as file:
                pickle.dump(entry, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)  # two commands writing at once: the last whole file wins
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass  # a read-only home or an unpicklable value only costs the speed-up
