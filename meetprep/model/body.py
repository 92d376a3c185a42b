"""Body, Organization, Person, Membership: the configuration of one body (kommune, Stadt)."""

from __future__ import annotations

import datetime as dt
import re
import regex
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from meetprep.model.base import (
    EmailStr,
    Key,
    Line,
    Line64,
    Line100,
    Line200,
    Line300,
    Location,
    Model,
    OptionalLine,
    OptionalLine64,
    OptionalLine200,
    OptionalLine300,
    OptionalProse,
    Reference,
    TimeZoneName,
)
from meetprep.model.enums import Access, DayCount, Locale, MembershipRole, NumberingScheme
from meetprep.model.signoff import Signoff
from meetprep.model.schedule import (
    DEFAULT_CHASE,
    BudgetLine,
    ChaseStage,
    DateRange,
    DeadlineRules,
    HolidayCalendar,
    MeetingCalendar,
    RecurringEvent,
    ReminderRule,
    Timeline,
    TimelineOverride,
)


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
    minutes: Annotated[int, Field(ge=0, le=600)] | None = None  # expected; default: time_plan.standing_minutes


class AgendaSettings(Model):
    opening_items: list[StandingItem] = []
    closing_items: list[StandingItem] = []
    closed_items_last: bool = True
    paper_type_order: list[Line100] = []
    numbering: Numbering = Numbering()
    approval_required: bool = False
    signature_page: bool = False  # the minutes end with lines for the chair's and secretary's signatures
    # The minutes are approved (genehmigt; godkendt) before the excerpts go to the units:
    # `meetprep minutes approve`, usually at the next meeting
    minutes_approval: bool = False


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
    # How long a meeting may take when its end is not given: the slot the time plan is held against
    slot_minutes: Annotated[int, Field(ge=15, le=1440)] = 120
    calendar: "MeetingCalendar | None" = None
    timeline: TimelineOverride = TimelineOverride()  # changes to the body's timeline for this committee


def _check_apprise_url(value: str) -> str:
    if not re.match(r"^[a-z][a-z0-9+.-]*://[^\s\x00-\x1f\x7f]+$", value) or len(value) > 1000:
        raise ValueError(f"not an apprise URL (expected e.g. mailto://, ntfy://, msteams://; got {value!r})")
    return value


class Absence(Model):
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")

    @model_validator(mode="after")
    def _in_order(self) -> "Absence":
        if self.end < self.start:
            raise ValueError(f"the absence ends ({self.end.isoformat()}) before it starts ({self.start.isoformat()})")
        return self


class Person(Model):
    key: Key
    name: Line200
    email: EmailStr | None = None
    notify: list[Annotated[str, AfterValidator(_check_apprise_url)]] = []
    language: Locale | None = None  # defaults to the body's locale
    affiliation: OptionalLine300 = None
    # Away (holidays, leave): a sign-off step is asked of the deputy instead.
    away: list[Absence] = []

    def away_on(self, day: dt.date) -> bool:
        return any(a.start <= day <= a.end for a in self.away)

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
    # Where approvers' answers to sign-off requests go (the mailbox MEETPREP_SIGNOFF_MAIL reads);
    # default: the from address.
    signoff_address: EmailStr | None = None
    # Where owners' replies to decision follow-up reminders go (the mailbox MEETPREP_DECISIONS_MAIL
    # reads); default: the from address.
    decisions_address: EmailStr | None = None
    smtp: SmtpSettings | None = None


class TimePlan(Model):
    """Expected minutes per agenda item, for each item's planned start and the meeting's planned
    end against its slot (docs/timeline.md)."""

    default_minutes: Annotated[int, Field(ge=1, le=600)] = 10  # a paper of a type not named below
    paper_types: dict[Line64, Annotated[int, Field(ge=1, le=600)]] = {}
    standing_minutes: Annotated[int, Field(ge=0, le=600)] = 5  # a standing item without minutes of its own
    # Once the minutes record items' start and end: the median of the last N minuted meetings of
    # the committee, per paper type and standing item (0: keep the numbers above)
    learn_from: Annotated[int, Field(ge=0, le=50)] = 5
    # Print each item's planned start in the agenda documents and the invitation (false: the
    # portal and the secretary's digest only)
    in_documents: bool = True


class FollowUp(Model):
    """How decisions' tasks are followed up (Beschlusskontrolle; opfølgning af beslutninger)."""

    remind_days: Annotated[int, Field(ge=0, le=120)] = 10  # the owner is reminded this many days before the due date
    escalate_every: Annotated[int, Field(ge=1, le=90)] = 7  # once overdue: owner and secretaries, every N days
    # An owner's reply "new date ..." asks for it: the secretaries grant it (`meetprep decisions
    # extend`). true: the owner's new date is taken at once (the secretaries are told).
    owner_sets_new_dates: bool = False


class Accessibility(Model):
    """The accessibility statement's contact details (docs/publishing.md)."""

    # Where the public reports barriers (a mailbox meetprep reads: MEETPREP_FEEDBACK_MAIL); default:
    # the body's mail from address. Each message is acknowledged and passed to the handlers
    # (default: the committees' secretaries).
    feedback: EmailStr | None = None
    handlers: list[EmailStr] = []
    # The body a reader may turn to when the answer does not satisfy them (Durchsetzungsverfahren /
    # håndhævelsesprocedure): the Land's for a German Stadt; Digitaliseringsstyrelsen in Denmark.
    enforcement: OptionalLine200 = None
    enforcement_url: OptionalLine = None


class KitSection(Model):
    heading: Line200
    mandatory: bool = False


class PaperType(Model):
    """How a kit of one paper type looks for this body (`meetprep items kit`): its text sections
    in order, and whether it has a proposal (a Mitteilungsvorlage informs, it asks no decision).
    Types not named here take the locale's default sections (meetprep/locale/*.yaml, kit.types)."""

    sections: list[KitSection]
    proposal: bool = True


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
    # The municipality's official number, by which OParl consumers identify it: a German body's
    # Amtlicher Gemeindeschlüssel (8 digits, OParl's Body.ags), a Danish one's kommunekode
    # (4 digits, "0157"; published as the vendor extension meetprep:kommunekode).
    ags: Annotated[str, StringConstraints(pattern=r"^[0-9]{8}$")] | None = None
    kommunekode: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")] | None = None
    accessibility: Accessibility = Accessibility()
    time_plan: TimePlan = TimePlan()
    follow_up: FollowUp = FollowUp()
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
    paper_types: dict[Line200, PaperType] = {}  # the kit of each paper type, where the locale's default does not fit

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
    return regex.compile(pattern, flags=regex.V0)


def pattern_problem(pattern: str) -> str | None:
    """What is wrong with a body's reference pattern, or None: too long, invalid, or too slow."""

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
    signoff: Signoff = Signoff()

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
        for chain_index, chain in enumerate(self.signoff.chains):
            for step_index, step in enumerate(chain.steps):
                for field_name in ("person", "group", "deputy"):
                    value = getattr(step, field_name)
                    for index, key in enumerate(value if isinstance(value, list) else [value] if value else []):
                        if key not in known:
                            where = ("signoff", "chains", chain_index, "steps", step_index, field_name)
                            problems.append((where + ((index,) if isinstance(value, list) else ()),
                                             f"unknown person {key!r}"))
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
