"""Minutes input: attendance, substitutions, and per item the decision, votes and notes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    PrivateAttr,
    model_validator,
)

import datetime as dt

from meetprep.model.base import AwareDatetime, Key, Model, NonEmptyProse, OptionalLine300, OptionalProse, Reference, _number_to_str
from meetprep.model.enums import ConsultationResult
from meetprep.model.paper import Votes
from meetprep.model.schedule import ClockTime


class Substitution(Model):
    person: Key
    replaces: Key = Field(alias="for")


class Attendance(Model):
    absent: list[Key] = []  # (Fravær) / entschuldigt
    substitutes: list[Substitution] = []  # present in place of a member
    late: list[Key] = []


class FollowUp(Model):
    """What a decision orders the administration to do by a date (Prüfauftrag, a report back;
    opfølgning): the owning unit (or person), the due date, what is to be done."""

    text: NonEmptyProse
    due: dt.date
    owner: OptionalLine300 = None  # a unit of body.units or a person key; default: the paper's unit


class ItemMinutes(Model):
    """What a meeting decided on one agenda item: a paper by its reference, any item by its number."""

    reference: Reference | None = None
    number: Annotated[str | None, BeforeValidator(_number_to_str)] = None  # "2", "6.1", German "Ö 3" / "N 1"
    result: ConsultationResult | None = None
    text: OptionalProse = None
    votes: Votes | None = None
    unanimous: bool = False
    # When the item began and ended ("17:05", on the meeting's day): the time plan learns from them
    started: ClockTime | None = None
    ended: ClockTime | None = None
    # Who declared themselves biased and took no part (befangen; inhabil): printed in the excerpt
    biased: list[Key] = []
    # What the decision orders done by a date: followed up by the daily run (docs/minutes.md)
    tasks: list[FollowUp] = []

    @model_validator(mode="after")
    def _identified(self) -> "ItemMinutes":
        if self.reference is None and self.number is None:
            raise ValueError("give the item's 'reference' (a paper) or its 'number'")
        if self.started and self.ended and self.ended < self.started:
            raise ValueError(f"'ended' ({self.ended}) is before 'started' ({self.started})")
        return self


class MinutesFile(Model):
    """A meeting's minutes as a clerk writes them (`meetprep minutes record --file ...`)."""

    _line_of: Any = PrivateAttr(default=None)  # the file's line of a field, where read from a file

    kind: Literal["minutes"]
    body: Key
    meeting: Key
    started: AwareDatetime | None = None  # Beginn
    ended: AwareDatetime | None = None  # Ende
    attendance: Attendance = Attendance()
    items: list[ItemMinutes] = []
