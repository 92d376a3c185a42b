"""Keeping what a short command would otherwise recompute: a hook that the runtime fills.

Domain modules call `remembered(name, files, packages, make)` for a value made only from `files`
and the code of `packages` (a validated config file, a year's public holidays). By default that
is just `make()`. A command of the CLI installs the runtime's disk cache here
(meetprep.runtime.cache), which keeps the value keyed by those files and that code. The domain
never imports the speed wing, and without it everything works, only slower.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Protocol, TypeVar

T = TypeVar("T")


class Remember(Protocol):
    def __call__(self, name: str, files: list[Path], packages: tuple[str, ...], make: Callable[[], T]) -> T: ...


_remember: Remember | None = None


def install(remember: Remember | None) -> None:
    """Keep values with `remember` from now on (None: recompute every time)."""
    global _remember
    _remember = remember


def remembered(name: str, files: list[Path], packages: tuple[str, ...], make: Callable[[], T]) -> T:
    """`make()`, or the value kept under `name` while `files` and the code of meetprep and of
    `packages` are unchanged."""
    return make() if _remember is None else _remember(name, files, packages, make)


def stamp(paths: Iterable[Path]) -> tuple[tuple[str, int, int], ...]:
    """What identifies a set of files without reading them: name, size, modification time."""
    out: list[Any] = []
    for path in paths:
        try:
            status = path.stat()
        except OSError:
            out.append((str(path), -1, -1))
            continue
        out.append((str(path), status.st_size, status.st_mtime_ns))
    return tuple(out)
