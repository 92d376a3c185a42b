"""Annual planning: recurring events, their checklists and budget, and meeting calendars.

Recurring events are configuration (a body's `events:`): a date rule (an RFC 5545 RRULE, such
as the first Sunday of Advent, or "at least once a year, within a window"), organisers,
partners, milestones relative to the event, a budget line and an orientation paper for the
responsible committee. `plan_year` creates a year's occurrence of each event with its
checklist, planning meetings and orientation paper; run again, it creates nothing twice.

`generate_calendar` puts a committee's regular meetings for a year into the store from its
rule, skipping public holidays (the body's calendar), configured school holidays and months.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from meetprep.messages import calendar
from meetprep.config import Configs
from meetprep.mirror import sync_config
from meetprep.meetings.deadlines import holiday_name, on_business_day
from meetprep.i18n import catalogue
from meetprep.model import BodyConfig, RecurringEvent
from meetprep.messages.ledger import Outgoing
from meetprep.store import (
    BodyRow,
    ConsultationRow,
    MeetingRow,
    OrganizationRow,
    PaperRevisionRow,
    PaperRow,
    PersonRow,
    PlannedEventRow,
    PlanningTaskRow,
    SpendRow,
    Store,
)
from dateutil.rrule import rrulestr
from meetprep.errors import InputError, Problem

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _clock(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def event_date(event: RecurringEvent, year: int, config: BodyConfig) -> dt.date | None:
    """The event's day in `year`: the RRULE's occurrence, or the first fitting day in the window."""
    if year < event.first_year:
        return None
    if event.rule is not None:
        rule = rrulestr(event.rule, dtstart=dt.datetime(event.first_year, 1, 1))
        found = rule.between(dt.datetime(year, 1, 1), dt.datetime(year, 12, 31, 23, 59), inc=True)
        return found[0].date() if found else None
    window = event.window
    day = dt.date(year, *map(int, window.start.split("-")))
    last = dt.date(year, *map(int, window.end.split("-")))
    wanted = WEEKDAYS.index(window.weekday)
    while day <= last:
        if day.weekday() == wanted and holiday_name(day, config.body.holidays) is None and not _school_holiday(day, config):
            return day
        day += dt.timedelta(days=1)
    return None


def _school_holiday(day: dt.date, config: BodyConfig) -> str | None:
    return next((h.name for h in config.body.school_holidays if h.start <= day <= h.end), None)


@dataclass
class PlanReport:
    year: int
    events: list[dict[str, Any]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def plan_year(store: Store, configs: Configs, year: int, now: dt.datetime, bodies: list[str] | None = None) -> PlanReport:
    """Create each event's occurrence in `year` with its checklist and orientation paper, once."""
    report = PlanReport(year)
    keys = [c.body.key for c in configs if not bodies or c.body.key in bodies]
    with store.writing(*(f"body:{key}" for key in keys)) as session:
        for config in configs:
            if bodies and config.body.key not in bodies:
                continue
            body = session.execute(select(BodyRow).where(BodyRow.key == config.body.key)).scalar_one_or_none()
            if body is None:
                continue  # nothing imported for this body yet: its config is mirrored on import
            zone = ZoneInfo(config.body.timezone)
            persons = {p.key: p for p in session.execute(select(PersonRow).where(PersonRow.body_id == body.id)).scalars()}
            for event in config.body.events:
                day = event_date(event, year, config)
                label = f"{config.body.key}/{event.key}/{year}"
                if day is None:
                    report.warnings.append(f"{label}: no date in {year} (first year {event.first_year}, or no day fits)")
                    continue
                row = session.execute(select(PlannedEventRow).where(
                    PlannedEventRow.body_id == body.id, PlannedEventRow.event_key == event.key,
                    PlannedEventRow.year == year)).scalar_one_or_none()
                if row is not None:
                    report.unchanged.append(label)
                else:
                    start = dt.datetime.combine(day, _clock(event.time), zone)
                    row = PlannedEventRow(body_id=body.id, event_key=event.key, year=year, name=event.name,
                                          start=start, end=start + dt.timedelta(minutes=event.duration_minutes),
                                          planned_amount=event.planned_amount, budget_line=event.budget_line,
                                          created_at=now)
                    session.add(row)
                    for milestone in event.milestones:
                        due = on_business_day(day - milestone.offset, milestone.closed_day, config.body.holidays,
                                              config.body.deadlines.saturday_is_business_day)
                        owner = persons.get(milestone.owner or (event.organisers[0] if event.organisers else ""))
                        meeting_start = dt.datetime.combine(due, _clock(milestone.time), zone) if milestone.meeting else None
                        row.tasks.append(PlanningTaskRow(
                            key=milestone.key, name=milestone.name, due=due, owner_id=owner.id if owner else None,
                            meeting_start=meeting_start,
                            meeting_end=meeting_start + dt.timedelta(minutes=milestone.duration_minutes) if meeting_start else None))
                    session.flush()
                    if event.orientation is not None:
                        row.paper_id = _orientation_paper(session, config, body, event, row, year, day, now).id
                    report.created.append(label)
                report.events.append({
                    "body": config.body.key, "event": event.key, "name": event.name, "year": year,
                    "date": row.start.astimezone(zone).date().isoformat(), "start": row.start.astimezone(zone).isoformat(),
                    "tasks": [{"key": t.key, "name": t.name, "due": t.due.isoformat(),
                               "owner": t.owner.name if t.owner else None} for t in row.tasks],
                    "orientation": session.get(PaperRow, row.paper_id).reference if row.paper_id else None,
                })
    return report


def _orientation_paper(session, config: BodyConfig, body: BodyRow, event: RecurringEvent, planned: PlannedEventRow,
                       year: int, day: dt.date, now: dt.datetime) -> PaperRow:
    """An orientation paper (orienteringssag / Mitteilung) on the responsible committee's list."""
    words = catalogue(config.body.locale.value)
    reference = f"{event.key.upper()}-{year}"
    existing = session.execute(select(PaperRow).where(PaperRow.body_id == body.id,
                                                      PaperRow.reference == reference)).scalar_one_or_none()
    if existing is not None:
        return existing
    lines = [words.text("planning.orientation_intro", name=event.name, date=words.date(day))]
    lines += [f"- {t.name}: {words.date(t.due, 'date_short')}" for t in planned.tasks]
    if event.partners:
        lines += ["", words.text("planning.partners", names=", ".join(p.name for p in event.partners))]
    if event.budget_line:
        lines += ["", words.text("planning.budget", amount=words.number(event.planned_amount), line=event.budget_line)]
    org = session.execute(select(OrganizationRow).where(OrganizationRow.body_id == body.id,
                                                        OrganizationRow.key == event.committee)).scalar_one()
    sections = [{"heading": words.text("planning.heading"), "text": "\n".join(lines)}]
    paper = PaperRow(body_id=body.id, reference=reference, title=event.orientation.title,
                     paper_type=words.text("planning.paper_type"), access="public", date=None,
                     originator_unit=config.body.name, sections=sections, proposal=None, financial=None, climate=None,
                     signatories=[], related=[], priority=0, revision=1, created_at=now, updated_at=now,
                     checksum=hashlib.sha256(json.dumps(sections, sort_keys=True).encode()).hexdigest())
    paper.consultations.append(ConsultationRow(position=0, organization_id=org.id, role="information",
                                               authoritative=False, status="pending",
                                               target_date=day - dt.timedelta(weeks=event.orientation.weeks_before)))
    paper.revisions.append(PaperRevisionRow(revision=1, checksum=paper.checksum, data={"generated": "planning",
                                            "event": event.key, "year": year, "sections": sections},
                                            source_file=None, imported_at=now))
    session.add(paper)
    session.flush()
    return paper


def invitations(store: Store, configs: Configs, year: int, stamp: dt.datetime, bodies: list[str] | None = None) -> list[Outgoing]:
    """Calendar invitations to partners and organisers: the event and each planning meeting."""
    out = []
    with store.session() as session:
        for config in configs:
            if bodies and config.body.key not in bodies:
                continue
            words = catalogue(config.body.locale.value)
            zone = ZoneInfo(config.body.timezone)
            events = {e.key: e for e in config.body.events}
            rows = session.execute(select(PlannedEventRow).join(BodyRow).where(
                BodyRow.key == config.body.key, PlannedEventRow.year == year)).scalars()
            persons = {p.key: p for p in session.execute(select(PersonRow).join(BodyRow).where(
                BodyRow.key == config.body.key)).scalars()}
            for row in rows:
                event = events.get(row.event_key)
                if event is None:
                    continue
                people = [calendar.Attendee(p.name, p.email, "guest") for p in event.partners if p.email]
                people += [calendar.Attendee(persons[k].name, persons[k].email, "member")
                           for k in event.organisers if k in persons and persons[k].email]
                organizer = people[-1] if event.organisers and people else None
                place = ", ".join(x for x in (event.location.room, event.location.address) if x)
                occasions = [("event", event.name, row.start, row.end)]
                occasions += [(t.key, f"{t.name}: {event.name}", t.meeting_start, t.meeting_end)
                              for t in row.tasks if t.meeting_start is not None]
                for key, summary, start, end in occasions:
                    entry = calendar.CalendarMeeting(
                        uid=f"{row.event_key}-{year}-{key}.{config.body.key}@meetprep", summary=summary,
                        start=start.astimezone(zone), end=end.astimezone(zone), location=place,
                        description=words.text("planning.invitation_text", name=event.name,
                                               date=words.datetime(row.start.astimezone(zone))),
                        organizer=organizer, attendees=tuple(people))
                    data = calendar.invitation(entry, stamp)
                    for person in people:
                        out.append(Outgoing(
                            key=f"{config.body.key}/{row.event_key}-{year}/{key}/{person.email}/invitation/0",
                            kind="event-invitation", sequence=0, channel="email", recipient=person.email,
                            subject=words.text("planning.invitation_subject", name=summary,
                                               date=words.datetime(start.astimezone(zone))),
                            text=words.text("planning.invitation_text", name=summary,
                                            date=words.datetime(start.astimezone(zone))),
                            calendar=data, sender=config.body.mail.from_address,
                            sender_name=config.body.mail.from_name or config.body.name, tags=(row.event_key,)))
    return out


def task_reminders(store: Store, configs: Configs, as_of: dt.date, days_before: int = 7,
                   bodies: list[str] | None = None) -> list[Outgoing]:
    """A reminder to each task's owner, from `days_before` days before its due date until it is due."""
    out = []
    with store.session() as session:
        tasks = session.execute(select(PlanningTaskRow).join(PlannedEventRow).join(BodyRow).where(
            *([BodyRow.key.in_(bodies)] if bodies else []),
            PlanningTaskRow.done_at.is_(None), PlanningTaskRow.due >= as_of,
            PlanningTaskRow.due <= as_of + dt.timedelta(days=days_before))).scalars()
        for task in tasks:
            owner = task.owner
            config = configs.get(task.event.body.key)
            if owner is None or config is None or not (owner.email or owner.notify):
                continue
            words = catalogue(config.body.locale.value)
            values = {"task": task.name, "name": task.event.name, "due": words.date(task.due, "date_short")}
            base = f"{config.body.key}/{task.event.event_key}-{task.event.year}/{task.key}/{owner.key}/task-reminder/{task.due.isoformat()}"
            common = dict(kind="task-reminder", sequence=0, subject=words.text("planning.task_subject", **values),
                          text=words.text("planning.task_text", **values), person_id=owner.id,
                          sender=config.body.mail.from_address, sender_name=config.body.mail.from_name or config.body.name)
            if owner.notify:
                out += [Outgoing(key=f"{base}/{i}", channel="apprise", recipient=url, **common)
                        for i, url in enumerate(owner.notify)]
            else:
                out.append(Outgoing(key=base, channel="email", recipient=owner.email, **common))
    return out


def record_spend(store: Store, body: str, event_key: str, year: int, amount: float, text: str, day: dt.date,
                 now: dt.datetime) -> None:
    with store.writing(f"body:{body}") as session:
        row = session.execute(select(PlannedEventRow).join(BodyRow).where(
            BodyRow.key == body, PlannedEventRow.event_key == event_key, PlannedEventRow.year == year)).scalar_one_or_none()
        if row is None:
            raise InputError([Problem(file="(request)", item=f"event {event_key} {year}", field="event",
                                      message="no such planned event: plan the year first (meetprep planning plan)")])
        row.spending.append(SpendRow(amount=amount, text=text, spent_on=day, recorded_at=now))


def budget_report(store: Store, configs: Configs, year: int) -> dict[str, Any]:
    """Planned and actual spend per event against each shared annual budget line; warns on overspend."""
    lines, warnings = [], []
    with store.session() as session:
        for config in configs:
            words = catalogue(config.body.locale.value)
            events = session.execute(select(PlannedEventRow).join(BodyRow).where(
                BodyRow.key == config.body.key, PlannedEventRow.year == year)).scalars().all()
            for budget in config.body.budgets:
                rows = [e for e in events if e.budget_line == budget.line]
                planned = sum(e.planned_amount for e in rows)
                actual = sum(s.amount for e in rows for s in e.spending)
                entry = {"body": config.body.key, "line": budget.line, "budget": budget.amount, "currency": budget.currency,
                         "planned": planned, "actual": actual, "left": budget.amount - max(planned, actual),
                         "events": [{"event": e.event_key, "name": e.name, "planned": e.planned_amount,
                                     "actual": sum(s.amount for s in e.spending)} for e in rows]}
                lines.append(entry)
                for event in entry["events"]:
                    if event["actual"] > event["planned"]:
                        warnings.append(words.text("planning.event_overspend", name=event["name"],
                                                   planned=words.number(event["planned"]), actual=words.number(event["actual"])))
                if actual > budget.amount or planned > budget.amount:
                    warnings.append(words.text("planning.overspend", line=budget.line, budget=words.number(budget.amount),
                                               planned=words.number(planned), actual=words.number(actual)))
    return {"year": year, "lines": lines, "warnings": warnings}


def generate_calendar(store: Store, configs: Configs, body: str, committee: str, year: int,
                      now: dt.datetime) -> dict[str, Any]:
    """Put a committee's regular meetings for `year` into the store (existing ones stay as they are)."""


    config = configs.get(body)
    org_config = config.organization(committee) if config else None
    if org_config is None or org_config.calendar is None:
        raise InputError([Problem(file="(config)", item=f"{body}/{committee}", field="organizations.calendar",
                                  message="the committee has no meeting calendar rule (calendar: {rule, time})")])
    rule = org_config.calendar
    zone = ZoneInfo(config.body.timezone)
    days = [d.date() for d in rrulestr(rule.rule, dtstart=dt.datetime(year, 1, 1)).between(
        dt.datetime(year, 1, 1), dt.datetime(year, 12, 31, 23, 59), inc=True)]
    created, kept, skipped = [], [], []
    with store.writing(f"body:{body}") as session:
        body_row = session.execute(select(BodyRow).where(BodyRow.key == body)).scalar_one_or_none()
        if body_row is None:
            sync_config(session, configs)
            body_row = session.execute(select(BodyRow).where(BodyRow.key == body)).scalar_one()
        org = session.execute(select(OrganizationRow).where(OrganizationRow.body_id == body_row.id,
                                                            OrganizationRow.key == committee)).scalar_one()
        for day in days:
            reason = ("month" if day.month in rule.skip_months else None) or holiday_name(day, config.body.holidays) \
                or _school_holiday(day, config)
            if reason:
                skipped.append({"date": day.isoformat(), "reason": reason})
                continue
            key = f"{committee}-{day.isoformat()}"
            if session.execute(select(MeetingRow).where(MeetingRow.body_id == body_row.id,
                                                        MeetingRow.key == key)).scalar_one_or_none():
                kept.append(key)
                continue
            start = dt.datetime.combine(day, _clock(rule.time), zone)
            session.add(MeetingRow(body_id=body_row.id, organization_id=org.id, key=key, start=start,
                                   end=start + dt.timedelta(minutes=rule.duration_minutes),
                                   room=org_config.location.room, address=org_config.location.address,
                                   state="planned", extraordinary=False, sequence=0, updated_at=now))
            created.append(key)
    return {"body": body, "committee": committee, "year": year, "created": created, "kept": kept, "skipped": skipped}
