"""Base model and small value types: keys, references, one-line text, prose, amounts, time zones, e-mail addresses, aware date-times."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)


class Model(BaseModel):
    """Base for all input models: unknown keys are errors, whitespace is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True, defer_build=True)


# ---------------------------------------------------------------------------------------------
# Small value types


def _number_to_str(value: Any) -> Any:
    # YAML reads 6455036 or 2024 as a number; identifiers are text.
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    return value


Key = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64),
    Field(description="A stable identifier: lowercase letters, digits and dashes"),
]
"""Identifier of a body, organization, person or meeting in config and input files."""

REFERENCE_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9/._-]*[A-Za-z0-9])?$"

Reference = Annotated[
    str,
    StringConstraints(pattern=REFERENCE_PATTERN, max_length=64),
    BeforeValidator(_number_to_str),
    Field(description="A paper's reference: EMN-2025-05820, V/2019/367-E04, BV/2023/162, 22-4292"),
]
"""A paper's reference (Sags ID, Drucksachen-Nr). Letters, digits and / . _ - inside."""

# Text that reaches a mail header, a file name or a calendar line must be one line without control
# characters (a CR/LF in a committee's name would break the Subject of every invitation). Lengths
# match the store's columns, so nothing valid here is refused by the database later.
_LINE_BREAK = re.compile("[\r\n\x85\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_PROSE = 200_000  # characters in one section's text: a long Sachverhalt is a tenth of that


def _one_line(value: str) -> str:
    if _LINE_BREAK.search(value):
        raise ValueError("must be one line: a line break cannot be used here (it would reach a mail header, "
                         "a file name or a calendar entry)")
    if "\t" in value or _CONTROL.search(value):
        found = next(c for c in value if c == "\t" or _CONTROL.match(c))
        raise ValueError(f"contains the control character {found!r}, which cannot be used here")
    return value


def _no_nul(value: str) -> str:
    # Other control characters in prose come from Word (Shift+Enter is a vertical tab) and are
    # cleaned when documents are rendered; NUL cannot even be stored.
    if "\x00" in value:
        raise ValueError("contains a NUL character (\\x00), which cannot be used in text")
    return value


def _line(max_length: int) -> Any:
    # The constraints come first: after a validator pydantic would count "items", not characters.
    return Annotated[str, StringConstraints(min_length=1, max_length=max_length), BeforeValidator(_number_to_str),
                     AfterValidator(_one_line)]


Line = _line(1000)
Line16, Line32, Line64, Line100, Line200, Line300 = (_line(n) for n in (16, 32, 64, 100, 200, 300))
OptionalLine = Line | None
OptionalLine32, OptionalLine64, OptionalLine100, OptionalLine200, OptionalLine300 = (
    _line(n) | None for n in (32, 64, 100, 200, 300))
Prose = Annotated[str, StringConstraints(max_length=MAX_PROSE), BeforeValidator(_number_to_str),
                  AfterValidator(_no_nul)]
"""Text of several lines and paragraphs: sections, proposals, notes."""
NonEmptyProse = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PROSE), BeforeValidator(_number_to_str),
                          AfterValidator(_no_nul)]
OptionalProse = Prose | None
Amount = Annotated[float, Field(ge=0, le=9_999_999_999, allow_inf_nan=False)]  # the store keeps 12 digits, 2 decimals
VoteCount = Annotated[int, Field(ge=0, le=10_000)]  # no council has more members


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (expected an IANA name such as Europe/Copenhagen)") from None
    return name


TimeZoneName = Annotated[str, AfterValidator(_check_timezone)]


def _check_email(value: str) -> str:
    # pydantic's EmailStr imports email_validator when a model class is made (~30 ms in every
    # command, even one that reads validated configs from the cache); this imports it on use.
    from email_validator import EmailNotValidError, validate_email  # deferred: see docs/architecture.md

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"value is not a valid email address: {exc}") from None


EmailStr = Annotated[str, StringConstraints(max_length=320), AfterValidator(_check_email)]


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"must be timezone-aware (got {value.isoformat(sep=' ', timespec='minutes')}); "
            "write it with its offset, e.g. 2025-09-22T16:30:00+02:00"
        )
    return value


def _not_a_number(value: Any) -> Any:
    # pydantic would read 20251117 as seconds since 1970: a date and time is written as one.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f"expected a date and time with its offset, e.g. 2025-09-22T16:30:00+02:00 (got the number {value})")
    return value


AwareDatetime = Annotated[dt.datetime, BeforeValidator(_not_a_number), AfterValidator(_aware)]


class Location(Model):
    room: OptionalLine200 = None
    address: OptionalLine300 = None
