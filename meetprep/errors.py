"""meetprep's errors, in one place: problems found in user input and the error that carries them,
and the errors of an environment that cannot be used. The CLI catches them by class (exit 1 for
input, 3 for the environment); anything else is a bug (exit 5).

Every problem names the file, the item (paper reference, meeting key, body key) and the
field, so that a clerk can find and fix it without reading a traceback. Input errors are
kept apart from internal errors: the CLI prints the former as a list and exits 1.

This module imports only the standard library: the CLI can catch these without importing the
store, SQLAlchemy or the documents.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input."""

    file: str
    message: str
    item: str | None = None
    field: str | None = None
    line: int | None = None
    expected: str | None = None
    found: str | None = None
    severity: str = "error"  # or "warning": reported, but does not stop the import

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.item:
            parts.append(self.item)
        if self.field:
            parts.append(f"field '{self.field}'")
        text = ", ".join(parts) + f": {self.message}"
        if self.expected is not None:
            text += f"; expected {self.expected}"
        if self.found is not None:
            text += f", found {self.found}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class MeetprepError(Exception):
    """Every error meetprep raises on purpose (as opposed to a bug)."""


class InputError(MeetprepError):
    """Input that cannot be used as it is. Carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = [p for p in problems]
        super().__init__("\n".join(str(p) for p in self.problems))


class TemplateProblem(MeetprepError):
    """A template cannot be rendered: names the template and what is wrong with it (exit code 1)."""


class EnvironmentProblem(MeetprepError):
    """The environment cannot be used as it is: exit code 3."""


class ConfigError(EnvironmentProblem):
    """The environment is not usable (no config folder, bad database URL)."""


class StoreUnavailable(EnvironmentProblem):
    """The store cannot be opened (bad URL, unreachable server, unwritable folder)."""


def display_path(path: Path | str) -> str:
    """A path as the user would recognise it: relative to the working directory if inside."""
    p = Path(path)
    try:
        return str(_resolved(str(p)).relative_to(_resolved(os.getcwd())))
    except ValueError:
        return str(p)


@lru_cache(maxsize=4096)
def _resolved(path: str) -> Path:
    # Asked several times per file of an import (a year of papers: tens of thousands of realpath calls).
    return Path(path).resolve()


def describe(value: Any, limit: int = 60) -> str:
    """A short, quoted rendering of a found value for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_loc(loc: tuple[Any, ...]) -> str:
    """('consultations', 0, 'committee') -> 'consultations[0].committee'."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def problems_from_validation(
    exc: Any, file: str, item: str | None, line_of: Any = None, prefix: tuple[Any, ...] = ()
) -> list[Problem]:
    """Turn a pydantic ValidationError into Problems naming file, item, field and line."""
    problems = []
    for error in exc.errors(include_url=False):
        # pydantic puts the enum/union branch name into loc for some errors; drop non-input parts.
        loc = prefix + tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        message = error["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        found = None
        if error["type"] == "missing":
            message = "required field is missing"
        elif error["type"] == "extra_forbidden":
            message = "unknown field (check the spelling; see docs/input-format.md)"
        elif "input" in error:
            found = describe(error["input"])
        problems.append(
            Problem(
                file=file,
                item=item,
                field=format_loc(loc) or None,
                line=line_of(loc) if line_of else None,
                message=message,
                found=found,
            )
        )
    return problems
