"""What a body's configuration says about time: holidays and closed days, deadlines, the timeline of a meeting, reminders, chasing, the year's planning and meeting calendar."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    model_validator,
)

from meetprep.model.base import (
    Amount,
    EmailStr,
    Key,
    Line,
    Line16,
    Line200,
    Line300,
    Location,
    Model,
    OptionalLine,
    OptionalLine300,
    OptionalProse,
)
from meetprep.model.enums import DayCount
from dateutil.rrule import rrulestr


class HolidayCalendar(Model):
    """The public holidays a body keeps: a country and optionally a subdivision (DE-NW)."""

    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    subdivision: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_code(cls, value: Any) -> Any:
        # Accept the short form "DE-NW" as well as {country: DE, subdivision: NW}.
        if isinstance(value, str):
            country, _, subdivision = value.strip().partition("-")
            return {"country": country, "subdivision": subdivision or None}
        return value

    @model_validator(mode="after")
    def _known_to_holidays(self) -> "HolidayCalendar":
        # The registry names every country without importing one; a subdivision needs the
        # country's class, and importing any country imports all ~200 of them (0.15 s).
        from holidays.registry import COUNTRIES  # deferred: see docs/architecture.md

        if not any(self.country in names[1:] for names in COUNTRIES.values()):
            raise ValueError(f"holidays has no calendar for country {self.country!r}")
        if self.subdivision is not None:
            import holidays

            calendar = holidays.country_holidays(self.country)
            if self.subdivision not in calendar.subdivisions:
                raise ValueError(
                    f"holidays has no subdivision {self.subdivision!r} for {self.country} "
                    f"(known: {', '.join(calendar.subdivisions[:20])})"
                )
        return self

    @property
    def code(self) -> str:
        return self.country if self.subdivision is None else f"{self.country}-{self.subdivision}"


ClosedDay = Literal["earlier", "keep"]


class DeadlineRule(Model):
    """A deadline counted back from the meeting day."""

    days: Annotated[int, Field(ge=0, le=120)]
    count: DayCount = DayCount.calendar
    # A calendar-day deadline on a weekend or public holiday: the business day before (default),
    # or keep the day. Business-day deadlines are business days anyway.
    closed_day: ClosedDay = "earlier"


class DeadlineRules(Model):
    agenda_out: DeadlineRule = DeadlineRule(days=7, count=DayCount.calendar)
    papers_due: DeadlineRule = DeadlineRule(days=14, count=DayCount.calendar)
    attachments_due: DeadlineRule = DeadlineRule(days=3, count=DayCount.business)
    saturday_is_business_day: bool = False


class TimelineStep(Model):
    """One step of a meeting's timeline: on or off, and its days (see Timeline)."""

    on: bool = True
    days: Annotated[int, Field(ge=0, le=60)] = 0
    count: DayCount = DayCount.calendar


class Timeline(Model):
    """What the daily `prepare-meetings` run does for each meeting, and when.

    Dates come from the body's deadlines: papers_due (the papers deadline) and agenda_out
    (Ladungsfrist), counted back from the meeting day by the body's calendar.
    """

    # `days` before the papers deadline: remind the case officer of each planned paper with a problem.
    papers_reminder: TimelineStep = TimelineStep(days=3, count=DayCount.business)
    # At the papers deadline: build the draft agenda, send the secretary a digest.
    draft_agenda: TimelineStep = TimelineStep()
    # On the agenda-out day: send the invitations (where approved), else tell secretary and chair.
    agenda_out: TimelineStep = TimelineStep()
    # After the invitations: every new version sends the members a change notice.
    change_notices: TimelineStep = TimelineStep()
    # `days` after the meeting: remind the secretary to record the minutes; later, tell the chair.
    minutes_reminder: TimelineStep = TimelineStep(days=1, count=DayCount.business)
    minutes_escalation: TimelineStep = TimelineStep(days=5, count=DayCount.business)


class TimelineStepOverride(Model):
    on: bool | None = None
    days: Annotated[int, Field(ge=0, le=60)] | None = None
    count: DayCount | None = None


class TimelineOverride(Model):
    """A committee's changes to its body's timeline: only the fields given are changed."""

    papers_reminder: TimelineStepOverride | None = None
    draft_agenda: TimelineStepOverride | None = None
    agenda_out: TimelineStepOverride | None = None
    change_notices: TimelineStepOverride | None = None
    minutes_reminder: TimelineStepOverride | None = None
    minutes_escalation: TimelineStepOverride | None = None

    def applied_to(self, timeline: Timeline) -> Timeline:
        changed = {}
        for name in Timeline.model_fields:
            override = getattr(self, name)
            if override is not None:
                given = {k: v for k, v in override.model_dump().items() if v is not None}
                changed[name] = getattr(timeline, name).model_copy(update=given)
        return timeline.model_copy(update=changed)

class ReminderRule(Model):
    """A reminder before each meeting: e.g. 7 calendar days and 1 business day before."""

    days: Annotated[int, Field(ge=0, le=60)]
    count: DayCount = DayCount.calendar
    to: Literal["members", "chair", "secretary", "everyone"] = "members"
    subject: OptionalLine = None  # default from the catalogue; {committee}, {when}, {place} may be used
    text: OptionalProse = None

    @property
    def kind(self) -> str:
        return f"reminder-{self.days}{'b' if self.count is DayCount.business else 'd'}"


class ChaseStage(Model):
    """One step of chasing an attachment that is still to follow, relative to its due date."""

    name: Key  # reminder, due, escalation ...
    days: Annotated[int, Field(ge=-60, le=60)]  # -2: two days before the due date; 1: the day after
    to: Literal["responsible", "secretary"] = "responsible"


DEFAULT_CHASE = [
    ChaseStage(name="reminder", days=-2),
    ChaseStage(name="due", days=0),
    ChaseStage(name="escalation", days=1, to="secretary"),
]


def _check_rrule(value: str) -> str:
    try:
        rrulestr(value, dtstart=dt.datetime(2000, 1, 1))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not an RFC 5545 RRULE ({exc}): {value!r}") from None
    return value


RRule = Annotated[str, AfterValidator(_check_rrule)]
ClockTime = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class Partner(Model):
    name: Line200
    email: EmailStr | None = None


class Milestone(Model):
    """A planning task, due a number of weeks (or days) before the event."""

    key: Key
    name: Line300
    weeks_before: Annotated[int, Field(ge=0, le=104)] = 0
    days_before: Annotated[int, Field(ge=0, le=365)] = 0
    owner: Key | None = None  # a person; default: the event's first organiser
    meeting: bool = False  # a planning meeting: partners get a calendar invitation
    time: ClockTime = "10:00"
    duration_minutes: Annotated[int, Field(ge=15, le=600)] = 90
    # Due on a weekend or public holiday (12 weeks before a Sunday is a Sunday): the business day
    # before (default) or keep the day.
    closed_day: ClosedDay = "earlier"

    @property
    def offset(self) -> dt.timedelta:
        return dt.timedelta(weeks=self.weeks_before, days=self.days_before)


class Window(Model):
    """'At least once a year, within a window': from/to as MM-DD; the date is chosen in it."""

    start: Annotated[str, StringConstraints(pattern=r"^\d{2}-\d{2}$")] = Field(alias="from")
    end: Annotated[str, StringConstraints(pattern=r"^\d{2}-\d{2}$")] = Field(alias="to")
    weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] = "tuesday"


class Orientation(Model):
    """An orientation paper for the responsible committee ("Orientering om årets dialogmøde")."""

    title: Line
    weeks_before: Annotated[int, Field(ge=0, le=104)] = 8


class RecurringEvent(Model):
    """An event held every year: the julestue on the first Sunday of Advent, a dialogue meeting."""

    key: Key
    name: Line300
    committee: Key  # the committee responsible
    rule: RRule | None = None  # RFC 5545, e.g. FREQ=YEARLY;BYYEARDAY=-35,...,-29;BYDAY=SU
    window: Window | None = None
    first_year: Annotated[int, Field(ge=2000, le=2100)]
    time: ClockTime = "16:00"
    duration_minutes: Annotated[int, Field(ge=15, le=1440)] = 120
    location: Location = Location()
    organisers: list[Key] = []
    partners: list[Partner] = []
    milestones: list[Milestone] = []
    budget_line: OptionalLine300 = None
    planned_amount: Amount = 0
    orientation: Orientation | None = None
    public: bool = True  # in the committee's public feed; false keeps an internal event out of it

    @model_validator(mode="after")
    def _one_date_rule(self) -> "RecurringEvent":
        if (self.rule is None) == (self.window is None):
            raise ValueError("give exactly one of 'rule' (an RRULE) and 'window' (at least once a year, within a window)")
        return self


class BudgetLine(Model):
    line: Line300
    amount: Amount  # per year
    currency: Line16 = "DKK"


class DateRange(Model):
    name: Line200
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")

    @model_validator(mode="after")
    def _in_order(self) -> "DateRange":
        if self.end < self.start:
            raise ValueError(f"{self.name!r} ends ({self.end.isoformat()}) before it starts ({self.start.isoformat()})")
        return self


class MeetingCalendar(Model):
    """A committee's regular meetings: an RRULE, a time, months to skip."""

    rule: RRule  # e.g. FREQ=MONTHLY;BYDAY=MO;BYSETPOS=3 (the third Monday)
    time: ClockTime
    duration_minutes: Annotated[int, Field(ge=15, le=720)] = 120
    skip_months: list[Annotated[int, Field(ge=1, le=12)]] = []
