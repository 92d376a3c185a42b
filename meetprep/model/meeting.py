"""Meeting: one sitting of a committee, as the meetings file lists it."""

from __future__ import annotations

from pydantic import (
    model_validator,
)

from meetprep.model.base import AwareDatetime, Key, Model, OptionalLine300
from meetprep.model.body import Location
from meetprep.model.enums import MeetingState


class Meeting(Model):
    key: Key | None = None  # default: "<committee>-<YYYY-MM-DD>"
    committee: Key
    name: OptionalLine300 = None
    start: AwareDatetime
    end: AwareDatetime | None = None
    location: Location | None = None  # default: the committee's usual room
    state: MeetingState = MeetingState.planned
    extraordinary: bool = False

    @model_validator(mode="after")
    def _order(self) -> "Meeting":
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"'end' ({self.end.isoformat()}) must be after 'start' ({self.start.isoformat()})")
        if self.key is None:
            self.key = f"{self.committee}-{self.start.date().isoformat()}"
        return self


class MeetingsFile(Model):
    """A YAML file listing meetings of one body."""

    body: Key
    meetings: list[Meeting]
