"""Reminders before meetings: which are due on a day, to whom, in which words.

A body configures its reminders (e.g. 7 calendar days and 1 business day before, counted by
its holiday calendar). A reminder is due from its day until the meeting, so a daily run that
was missed sends it the next day instead of skipping it; the ledger in `notify` keeps it from
going out twice. Only meetings within the longest reminder window are looked at, so a daily
scan costs what is due, not what is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select

from meetprep.config import Configs
from meetprep.meetings.deadlines import subtract_days
from meetprep.i18n import catalogue
from meetprep.messages.invitations import MEMBER_ROLES
from meetprep.model import MeetingState, ReminderRule
from meetprep.messages.ledger import Outgoing
from meetprep.messages.replies import called_in
from meetprep.store import BodyRow, MeetingRow, members_on_the_day, MembershipRow, PersonRow, Store
from meetprep import planning
from meetprep.messages import ledger

ACTIVE_STATES = (MeetingState.planned.value, MeetingState.agenda_built.value, MeetingState.invited.value)


def _recipients(rule: ReminderRule, memberships: list[MembershipRow], guests: list[PersonRow]) -> list[PersonRow]:
    if rule.to == "chair":
        return [m.person for m in memberships if m.role == "chair"]
    if rule.to == "secretary":
        return [m.person for m in memberships if m.role == "secretary"]
    people = [m.person for m in memberships if m.role in MEMBER_ROLES]
    if rule.to == "everyone":
        people += [m.person for m in memberships if m.role == "secretary"] + guests
    return people


def due_reminders(store: Store, configs: Configs, as_of: dt.date, bodies: list[str] | None = None) -> list[Outgoing]:
    """Every reminder due on `as_of` (or due earlier and not yet past its meeting)."""
    messages: list[Outgoing] = []
    with store.session() as session:
        for config in configs:
            if bodies and config.body.key not in bodies or not config.body.reminders:
                continue
            body = config.body
            zone = ZoneInfo(body.timezone)
            words = catalogue(body.locale.value)
            # A business-day rule reaches further back than its number of days; three times the
            # days plus two weeks covers every holiday season.
            horizon = max(r.days for r in body.reminders) * 3 + 14
            start = dt.datetime.combine(as_of, dt.time(), zone)
            meetings = session.execute(
                select(MeetingRow).join(BodyRow, MeetingRow.body_id == BodyRow.id).where(
                    BodyRow.key == body.key, MeetingRow.state.in_(ACTIVE_STATES),
                    MeetingRow.start >= start, MeetingRow.start < start + dt.timedelta(days=horizon + 1))
                .order_by(MeetingRow.start)
            ).scalars().all()
            for meeting in meetings:
                local = meeting.start.astimezone(zone)
                org_config = config.organization(meeting.organization.key)
                standing_in = called_in(session, meeting, zone)
                # substitutes are reminded only when called in for a member who declined
                memberships = [m for m in members_on_the_day(session, meeting, zone)
                               if m.role != "substitute" or m.person_id in standing_in]
                guests = session.execute(select(PersonRow).where(
                    PersonRow.body_id == meeting.body_id, PersonRow.key.in_(org_config.guests if org_config else []))).scalars().all()
                for rule in body.reminders:
                    due = subtract_days(local.date(), rule.days, rule.count, body.holidays, body.deadlines.saturday_is_business_day)
                    if not due <= as_of <= local.date():
                        continue
                    values = {"committee": meeting.organization.name, "when": words.datetime(local),
                              "place": ", ".join(p for p in (meeting.room, meeting.address) if p) or "-"}
                    subject = (rule.subject or words.text("messages.reminder_subject")).format(**values)
                    text = (rule.text or words.text("messages.reminder_text")).format(**values)
                    for person in _recipients(rule, memberships, guests):
                        messages += _for_person(body.key, meeting, person, rule, subject, text,
                                                body.mail.from_address, body.name)
    return messages


def _for_person(body: str, meeting: MeetingRow, person: PersonRow, rule: ReminderRule, subject: str, text: str,
                sender: str, sender_name: str) -> list[Outgoing]:
    """Through each of the person's notification addresses; by e-mail where they have none."""
    base = f"{body}/{meeting.key}/{person.key}/{rule.kind}/{meeting.sequence}"
    common = dict(kind=rule.kind, sequence=meeting.sequence, subject=subject, meeting_id=meeting.id, person_id=person.id,
                  sender=sender, sender_name=sender_name, tags=(meeting.organization.key, person.key))
    if person.notify:
        return [Outgoing(key=f"{base}/{index}", channel="apprise", recipient=url, text=text, **common)
                for index, url in enumerate(person.notify)]
    if person.email:
        return [Outgoing(key=base, channel="email", recipient=person.email, text=text, **common)]
    return []


def send_day(store: Store, configs: Configs, body: str, day: dt.date, clock: Callable[[], dt.datetime],
             transport: Any) -> Any:
    """One body's reminders of a day, before meetings and to owners of planning tasks, each sent once."""
    due = due_reminders(store, configs, day, [body]) + planning.task_reminders(store, configs, day, bodies=[body])
    return ledger.dispatch(store, due, transport, clock)
