"""The domain model, named after OParl 1.1.

OParl (the German open standard for council information systems) names the objects
Body, Organization, Person, Membership, Meeting, AgendaItem, Paper, Consultation and File;
meetprep uses those names in code. Values that users read (role labels, paper types in the
body's language) live in the message catalogue (`meetprep/locale/*.yaml`), not here:
enumerations below are language-neutral codes, and the YAML input accepts the Danish and
German words as aliases for them.

These pydantic models validate input at the boundary (config and paper files) and are the
plain data handed between the pure functions of meetprep.
"""

from __future__ import annotations

import re
import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    field_validator,
    model_validator,
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
    from email_validator import EmailNotValidError, validate_email

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


class _AliasedEnum(StrEnum):
    """An enumeration whose YAML input also accepts the Danish and German words."""

    @classmethod
    def _aliases(cls) -> dict[str, str]:
        return {}

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str):
            folded = value.strip().casefold()
            for member in cls:
                if member.value == folded:
                    return member
            alias = cls._aliases().get(folded)
            if alias is not None:
                return cls(alias)
        return None


# ---------------------------------------------------------------------------------------------
# Enumerations


class Locale(StrEnum):
    da = "da"
    de = "de"


class DayCount(_AliasedEnum):
    calendar = "calendar"
    business = "business"

    @classmethod
    def _aliases(cls) -> dict[str, str]:
        return {
            "calendar_days": "calendar",
            "business_days": "business",
            "kalenderdage": "calendar",
            "hverdage": "business",
            "arbejdsdage": "business",
            "kalendertage": "calendar",
            "werktage": "business",
            "arbeitstage": "business",
        }


class MembershipRole(_AliasedEnum):
    chair = "chair"
    vice_chair = "vice_chair"
    member = "member"
    substitute = "substitute"
    secretary = "secretary"

    @classmethod
    def _aliases(cls) -> dict[str, str]:
        return {
            "formand": "chair",
            "næstformand": "vice_chair",
            "medlem": "member",
            "stedfortræder": "substitute",
            "suppleant": "substitute",
            "sekretær": "secretary",
            "vorsitz": "chair",
            "vorsitzende": "chair",
            "vorsitzender": "chair",
            "stellv. vorsitz": "vice_chair",
            "mitglied": "member",
            "vertreter": "substitute",
            "vertreterin": "substitute",
            "stellvertretung": "substitute",
            "schriftführung": "secretary",
            "schriftführer": "secretary",
            "schriftführerin": "secretary",
        }


class MeetingState(_AliasedEnum):
    planned = "planned"
    agenda_built = "agenda_built"
    invited = "invited"
    held = "held"
    minuted = "minuted"
    cancelled = "cancelled"


class Access(_AliasedEnum):
    """Whether an item may be shown to the public (åben / öffentlich) or not (lukket / nichtöffentlich)."""

    public = "public"
    closed = "closed"

    @classmethod
    def _aliases(cls) -> dict[str, str]:
        return {
            "åben": "public",
            "aaben": "public",
            "lukket": "closed",
            "öffentlich": "public",
            "oeffentlich": "public",
            "nichtöffentlich": "closed",
            "nicht öffentlich": "closed",
            "nichtoeffentlich": "closed",
        }


class ConsultationRole(_AliasedEnum):
    """The role of one step of a Beratungsfolge."""

    deliberation = "deliberation"  # Vorberatung; indstilling
    recommendation = "recommendation"  # Empfehlung; anbefaling
    decision = "decision"  # Entscheidung; beslutning
    information = "information"  # Kenntnisnahme; orientering
    hearing = "hearing"  # Anhörung; høring

    @classmethod
    def _aliases(cls) -> dict[str, str]:
        return {
            "vorberatung": "deliberation",
            "indstilling": "deliberation",
            "empfehlung": "recommendation",
            "anbefaling": "recommendation",
            "entscheidung": "decision",
            "beschluss": "decision",
            "beslutning": "decision",
            "kenntnisnahme": "information",
            "orientering": "information",
            "anhörung": "hearing",
            "anhoerung": "hearing",
            "høring": "hearing",
        }


class ConsultationStatus(_AliasedEnum):
    pending = "pending"  # waiting for this body
    scheduled = "scheduled"  # placed on a meeting's agenda
    completed = "completed"  # the body has dealt with it
    withdrawn = "withdrawn"


class ConsultationResult(_AliasedEnum):
    decided = "decided"
    recommended = "recommended"
    rejected = "rejected"
    postponed = "postponed"
    withdrawn = "withdrawn"
    noted = "noted"

    @classmethod
    def _aliases(cls) -> dict[str, str]:
        return {
            "vedtaget": "decided",
            "godkendt": "decided",
            "beschlossen": "decided",
            "anbefales": "recommended",
            "anbefalet": "recommended",
            "empfohlen": "recommended",
            "afvist": "rejected",
            "abgelehnt": "rejected",
            "udsat": "postponed",
            "vertagt": "postponed",
            "trukket": "withdrawn",
            "zurückgezogen": "withdrawn",
            "taget til efterretning": "noted",
            "zur kenntnis genommen": "noted",
        }


class FileStatus(_AliasedEnum):
    present = "present"
    to_follow = "to_follow"

    @classmethod
    def _aliases(cls) -> dict[str, str]:
        return {
            "to follow": "to_follow",
            "eftersendes": "to_follow",
            "wird nachgereicht": "to_follow",
            "nachgereicht": "to_follow",
        }


class ClimateImpact(_AliasedEnum):
    none = "none"
    positive = "positive"
    negative = "negative"

    @classmethod
    def _aliases(cls) -> dict[str, str]:
        return {
            "keine": "none",
            "keine auswirkungen": "none",
            "positive auswirkungen": "positive",
            "negative auswirkungen": "negative",
            "ingen": "none",
            "positiv": "positive",
            "negativ": "negative",
        }


class Answer(_AliasedEnum):
    yes = "yes"
    no = "no"
    partly = "partly"

    @classmethod
    def _aliases(cls) -> dict[str, str]:
        return {"ja": "yes", "nein": "no", "nej": "no", "teilweise": "partly", "delvis": "partly"}


class ProposalStyle(StrEnum):
    numbered = "numbered"  # 1. 2. 3. (Indstilling)
    bullets = "bullets"  # - (Petitum)
    paragraphs = "paragraphs"  # plain paragraphs (Beschlussvorschlag)


class NumberingScheme(StrEnum):
    punkt = "punkt"  # Danish: "Punkt 1", "Punkt 2"
    top = "top"  # German: "TOP Ö 1", "TOP N 1"


# ---------------------------------------------------------------------------------------------
# Body, Organization, Person, Membership (config)


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
        from holidays.registry import COUNTRIES

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


class Location(Model):
    room: OptionalLine200 = None
    address: OptionalLine300 = None


class Numbering(Model):
    scheme: NumberingScheme | None = None  # default from the body's locale
    first_number: Annotated[int, Field(ge=1, le=100_000)] = 1
    continue_through_year: bool = False


class StandingItem(Model):
    """An item on every agenda of a committee (Godkendelse af dagsorden, Verschiedenes)."""

    title: Line
    reference: Reference | None = None
    access: Access = Access.public
    text: OptionalProse = None
    # A heading item: papers of these types are placed under it as sub-items ("Anträge":
    # [Antrag] gives 4.1, 4.2, ...), in its part of the agenda.
    heading_for: list[Line64] = []


class AgendaSettings(Model):
    opening_items: list[StandingItem] = []
    closing_items: list[StandingItem] = []
    closed_items_last: bool = True
    paper_type_order: list[Line100] = []
    numbering: Numbering = Numbering()
    approval_required: bool = False
    signature_page: bool = False  # the minutes end with lines for the chair's and secretary's signatures


class Membership(Model):
    person: Key
    role: MembershipRole = MembershipRole.member
    voting_right: bool | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    on_behalf_of: OptionalLine300 = None  # party or group, where the body records it
    # A substitute's member (German personal Stellvertretung). Without it, substitutes stand in
    # in the order they are listed, the same party's first (Danish suppleant order).
    substitute_for: Key | None = None

    @model_validator(mode="after")
    def _defaults(self) -> "Membership":
        if self.voting_right is None:
            self.voting_right = self.role not in (MembershipRole.secretary, MembershipRole.substitute)
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"'end' ({self.end}) is before 'start' ({self.start})")
        return self

    def active_on(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


class Organization(Model):
    """A committee or council: udvalg, Ausschuss, Rat, Kommunalbestyrelse, Bezirksversammlung."""

    key: Key
    name: Line300
    short_name: OptionalLine64 = None
    classification: Line64 = "committee"
    period: OptionalLine64 = None  # e.g. "2017-2025", shown after the name in Gentofte's headers
    location: Location = Location()
    agenda: AgendaSettings = AgendaSettings()
    memberships: list[Membership] = []
    # Persons outside the committee who are invited too (the press office, a citizens' panel):
    # they get the public variant of the agenda and of the calendar entry.
    guests: list[Key] = []
    # How many voting members must come (beschlussfähig); default: more than half of them.
    quorum: Annotated[int, Field(ge=1, le=1000)] | None = None
    # The press (a journalist, the local paper's desk): like guests, and in the calendar entry
    # an ATTENDEE with ROLE=NON-PARTICIPANT and no reply asked for.
    press: list[Key] = []
    calendar: "MeetingCalendar | None" = None
    timeline: TimelineOverride = TimelineOverride()  # changes to the body's timeline for this committee


def _check_apprise_url(value: str) -> str:
    if not re.match(r"^[a-z][a-z0-9+.-]*://[^\s\x00-\x1f\x7f]+$", value) or len(value) > 1000:
        raise ValueError(f"not an apprise URL (expected e.g. mailto://, ntfy://, msteams://; got {value!r})")
    return value


class Person(Model):
    key: Key
    name: Line200
    email: EmailStr | None = None
    notify: list[Annotated[str, AfterValidator(_check_apprise_url)]] = []
    language: Locale | None = None  # defaults to the body's locale
    affiliation: OptionalLine300 = None


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
    from dateutil.rrule import rrulestr

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


class MeetingCalendar(Model):
    """A committee's regular meetings: an RRULE, a time, months to skip."""

    rule: RRule  # e.g. FREQ=MONTHLY;BYDAY=MO;BYSETPOS=3 (the third Monday)
    time: ClockTime
    duration_minutes: Annotated[int, Field(ge=15, le=720)] = 120
    skip_months: list[Annotated[int, Field(ge=1, le=12)]] = []


class SmtpSettings(Model):
    """The body's mail server. Credentials never live here: name where to find them."""

    host: Line200
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username_env: OptionalLine200 = "MEETPREP_SMTP_USERNAME"
    password_env: OptionalLine200 = "MEETPREP_SMTP_PASSWORD"
    password_secret: OptionalLine200 = None  # a Prefect Secret block holding the password
    cafile: OptionalLine = None  # CA bundle for a server with an internal certificate authority
    timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 30


class MailSettings(Model):
    from_address: EmailStr = "meetprep@example.org"
    from_name: OptionalLine200 = None
    smtp: SmtpSettings | None = None


class Body(Model):
    """A kommune, Stadt, Bezirk or region."""

    key: Key
    name: Line200
    classification: Line64 = "municipality"
    locale: Locale
    timezone: TimeZoneName
    holidays: HolidayCalendar
    deadlines: DeadlineRules = DeadlineRules()
    timeline: Timeline = Timeline()
    reference_pattern: str | None = None
    website: OptionalLine = None
    # Which documents an agenda build writes (templates/<locale>/<kind>.docx). Default by locale:
    # da: the dagsorden with every item in full; de: the Tagesordnung and one Vorlage per paper.
    documents: list[Literal["dagsorden", "indstilling", "tagesordnung", "vorlage"]] | None = None
    mail: MailSettings = MailSettings()
    reminders: list[ReminderRule] = [ReminderRule(days=7), ReminderRule(days=1, count=DayCount.business)]
    chase: list[ChaseStage] = DEFAULT_CHASE
    # Where units named as "responsible" (Amt 50 - Sozialamt) receive chasers.
    units: dict[str, EmailStr] = {}
    attachment_types: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9]{1,10}$")]] = [
        "pdf", "docx", "doc", "odt", "xlsx", "xls", "ods", "pptx", "png", "jpg", "jpeg"]
    attachment_max_mb: Annotated[int, Field(ge=1, le=2000)] = 50  # per file, at import and at delivery
    # One PDF of the public agenda with its public attachments merged. Off by default: merging
    # keeps no tagged structure (PDF/UA), and public documents must be accessible; the public
    # agenda's own PDF is tagged, and the attachments are published as the files they are.
    public_bundle: bool = False
    school_holidays: list[DateRange] = []  # skipped by generated meeting calendars
    budgets: list[BudgetLine] = []
    events: list[RecurringEvent] = []

    @property
    def attachment_max_bytes(self) -> int:
        return self.attachment_max_mb * 1024 * 1024

    @property
    def agenda_documents(self) -> list[str]:
        if self.documents is not None:
            return list(self.documents)
        return ["dagsorden"] if self.locale is Locale.da else ["tagesordnung", "vorlage"]

    @field_validator("reference_pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            problem = pattern_problem(value)
            if problem:
                raise ValueError(problem)
        return value


PATTERN_SECONDS = 0.05  # per match: references are short, a sound pattern answers in microseconds
MAX_PATTERN = 200
# References a pattern must answer quickly on, matching or not: long runs of the characters
# references are made of, each spoiled at the end (the case where nested quantifiers backtrack).
_PROBES = [c * 64 for c in "aA1-/._"] + [c * 63 + "!" for c in "aA1-/._"] + ["a1-" * 21 + "!", "A/1" * 21 + " "]


def _compiled(pattern: str):
    import regex  # the `regex` module: same syntax as `re`, and a time limit per match

    return regex.compile(pattern, flags=regex.V0)


def pattern_problem(pattern: str) -> str | None:
    """What is wrong with a body's reference pattern, or None: too long, invalid, or too slow."""
    import regex

    if len(pattern) > MAX_PATTERN:
        return f"a reference pattern of at most {MAX_PATTERN} characters is expected (got {len(pattern)})"
    try:
        compiled = _compiled(pattern)
    except regex.error as exc:
        return f"not a valid regular expression: {exc}"
    for probe in _PROBES:
        try:
            compiled.fullmatch(probe, timeout=PATTERN_SECONDS)
        except TimeoutError:
            return ("the pattern takes too long to check a reference (nested repetition such as (a+)+ "
                    "backtracks without end): simplify it")
    return None


def matches_reference(pattern: str, reference: str) -> bool | None:
    """Whether `reference` follows `pattern`; None when the check ran out of time."""
    try:
        return _compiled(pattern).fullmatch(reference, timeout=PATTERN_SECONDS) is not None
    except TimeoutError:
        return None


class BodyConfig(Model):
    """One body's configuration file: the body, its people and its organizations."""

    body: Body
    persons: list[Person] = []
    organizations: list[Organization] = []

    def cross_reference_problems(self) -> list[tuple[tuple[Any, ...], str]]:
        """Rules that span fields: unique keys, memberships naming known persons.

        Returned as (location, message) pairs so that the loader can point at the line.
        """
        problems: list[tuple[tuple[Any, ...], str]] = []
        for kind, items in (("persons", self.persons), ("organizations", self.organizations)):
            seen: set[str] = set()
            for index, item in enumerate(items):
                if item.key in seen:
                    problems.append(((kind, index, "key"), f"duplicate key {item.key!r}"))
                seen.add(item.key)
        known = {p.key for p in self.persons}
        committees = {o.key for o in self.organizations}
        lines = {b.line for b in self.body.budgets}
        for event_index, event in enumerate(self.body.events):
            where = ("body", "events", event_index)
            if event.committee not in committees:
                problems.append((where + ("committee",), f"unknown committee {event.committee!r}"))
            for index, key in enumerate(event.organisers):
                if key not in known:
                    problems.append((where + ("organisers", index), f"unknown person {key!r}"))
            for index, milestone in enumerate(event.milestones):
                if milestone.owner is not None and milestone.owner not in known:
                    problems.append((where + ("milestones", index, "owner"), f"unknown person {milestone.owner!r}"))
            if event.budget_line is not None and event.budget_line not in lines:
                problems.append((where + ("budget_line",), f"no budget line {event.budget_line!r} under body.budgets"))
        for org_index, org in enumerate(self.organizations):
            for field_name in ("guests", "press"):
                for index, guest in enumerate(getattr(org, field_name)):
                    if guest not in known:
                        problems.append((("organizations", org_index, field_name, index), f"unknown person {guest!r}"))
            for index, membership in enumerate(org.memberships):
                if membership.person not in known:
                    problems.append(
                        (
                            ("organizations", org_index, "memberships", index, "person"),
                            f"unknown person {membership.person!r} (not listed under 'persons')",
                        )
                    )
                if membership.substitute_for is not None and membership.substitute_for not in known:
                    problems.append((("organizations", org_index, "memberships", index, "substitute_for"),
                                     f"unknown person {membership.substitute_for!r}"))
        return problems

    def organization(self, key: str) -> Organization | None:
        return next((o for o in self.organizations if o.key == key), None)

    def timeline_of(self, committee: str) -> Timeline:
        """The body's timeline with the committee's changes applied."""
        org = self.organization(committee)
        return org.timeline.applied_to(self.body.timeline) if org else self.body.timeline

    def person(self, key: str) -> Person | None:
        return next((p for p in self.persons if p.key == key), None)


# ---------------------------------------------------------------------------------------------
# Meeting


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


# ---------------------------------------------------------------------------------------------
# Paper and its parts


class Section(Model):
    """A named text section: Resumé, Baggrund, Sachverhalt, Problemstilling, ...

    The text is light markup: paragraphs separated by blank lines, lines starting with "- "
    are bullet list items, lines starting with "1. " are numbered items, *text* is emphasis.
    """

    heading: Line
    text: Prose = ""


class Proposal(Model):
    """Indstilling, Beschlussvorschlag, Petitum: what the body is asked to decide."""

    heading: OptionalLine = None  # default from the catalogue: "Indstilling", "Beschlussvorschlag"
    intro: OptionalProse = None  # "Forvaltningen indstiller", "Die Bezirksversammlung möge beschließen"
    style: ProposalStyle = ProposalStyle.numbered
    points: list[NonEmptyProse] = Field(min_length=1)


class FinancialQuestion(Model):
    text: NonEmptyProse
    options: list[Answer] = [Answer.yes, Answer.no]
    answer: Answer | None = None  # None: not answered in the source

    @model_validator(mode="after")
    def _answer_is_an_option(self) -> "FinancialQuestion":
        if self.answer is not None and self.answer not in self.options:
            raise ValueError(f"answer {self.answer.value!r} is not one of the options {[o.value for o in self.options]}")
        return self


class AmountRow(Model):
    label: Line
    values: list[Annotated[float, Field(allow_inf_nan=False, ge=-1e15, le=1e15)] | None] = []
    group: OptionalLine = None  # e.g. "Investition" for rows under that sub-heading


class AmountTable(Model):
    """A table of amounts per year (Ergebnisplan): columns are years or labels like "2027 ff."."""

    title: Line
    unit: OptionalLine = None
    columns: list[Annotated[str, BeforeValidator(_number_to_str)]]
    rows: list[AmountRow] = []
    note: OptionalProse = None

    @model_validator(mode="after")
    def _row_widths(self) -> "AmountTable":
        for index, row in enumerate(self.rows):
            if row.values and len(row.values) != len(self.columns):
                raise ValueError(
                    f"row {index} ({row.label!r}) has {len(row.values)} values for {len(self.columns)} columns"
                )
        return self


class Financial(Model):
    """Finanzielle Auswirkungen / Økonomiske konsekvenser."""

    questions: list[FinancialQuestion] = []
    text: OptionalProse = None
    tables: list[AmountTable] = []


class Climate(Model):
    """Auswirkungen auf den Klimaschutz."""

    impact: ClimateImpact
    explanation: OptionalProse = None


class Votes(Model):
    yes: VoteCount = 0
    no: VoteCount = 0
    abstain: VoteCount = 0
    biased: VoteCount = 0  # befangen / inhabil: did not take part


class Consultation(Model):
    """One step of a paper's Beratungsfolge."""

    committee: Key
    role: ConsultationRole
    deciding: bool | None = None  # OParl "authoritative"; default: role == decision
    date: dt.date | None = None  # target date
    meeting: Key | None = None
    status: ConsultationStatus = ConsultationStatus.pending
    result: ConsultationResult | None = None
    result_text: OptionalProse = None
    votes: Votes | None = None
    agenda_number: OptionalLine32 = None  # the TOP / Punkt number where known (e.g. "12")

    @model_validator(mode="after")
    def _defaults(self) -> "Consultation":
        if self.deciding is None:
            self.deciding = self.role is ConsultationRole.decision
        return self


class File(Model):
    """An attachment: Bilag, Anlage."""

    title: Line
    number: OptionalLine64 = None  # document number in the records system (6455036)
    path: OptionalLine = None  # relative to the paper's YAML file
    media_type: OptionalLine100 = None  # guessed from the file name when missing
    status: FileStatus = FileStatus.present
    due: dt.date | None = None
    responsible: OptionalLine200 = None  # a person key or a unit's name
    access: Access | None = None  # default: the paper's access

    @model_validator(mode="after")
    def _path_when_present(self) -> "File":
        if self.status is FileStatus.present and not self.path:
            raise ValueError("an attachment that is present needs a 'path' (or set status: to_follow)")
        return self


class Originator(Model):
    unit: OptionalLine300 = None  # Erstellt durch / Verantwortlich / forvaltning
    officer: OptionalLine200 = None  # case officer (sagsbehandler, Sachbearbeitung)


class Paper(Model):
    """A pending item: sag, indstilling, Vorlage, Drucksache, Antrag."""

    body: Key
    reference: Reference
    title: Line
    paper_type: Line100 = Field(alias="type")
    access: Access | None = None  # missing counts as closed: public output fails closed
    date: dt.date | None = None
    originator: Originator = Originator()
    file_number: OptionalLine100 = None  # Geschäftszeichen
    sections: list[Section] = []
    proposal: Proposal | None = None
    financial: Financial | None = None
    climate: Climate | None = None
    consultations: list[Consultation] = []
    attachments: list[File] = []
    amends: Reference | None = None
    related: list[Reference] = []
    signatories: list[Line] = []
    priority: Annotated[int, Field(ge=-1000, le=1000)] = 0  # higher comes first among papers of a type

    @property
    def effective_access(self) -> Access:
        return self.access or Access.closed

    @model_validator(mode="after")
    def _not_self_related(self) -> "Paper":
        if self.amends == self.reference:
            raise ValueError("a paper cannot amend itself")
        return self


# ---------------------------------------------------------------------------------------------
# Minutes


class Substitution(Model):
    person: Key
    replaces: Key = Field(alias="for")


class Attendance(Model):
    absent: list[Key] = []  # (Fravær) / entschuldigt
    substitutes: list[Substitution] = []  # present in place of a member
    late: list[Key] = []


class ItemMinutes(Model):
    """What a meeting decided on one agenda item: a paper by its reference, any item by its number."""

    reference: Reference | None = None
    number: Annotated[str | None, BeforeValidator(_number_to_str)] = None  # "2", "6.1", German "Ö 3" / "N 1"
    result: ConsultationResult | None = None
    text: OptionalProse = None
    votes: Votes | None = None
    unanimous: bool = False

    @model_validator(mode="after")
    def _identified(self) -> "ItemMinutes":
        if self.reference is None and self.number is None:
            raise ValueError("give the item's 'reference' (a paper) or its 'number'")
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


