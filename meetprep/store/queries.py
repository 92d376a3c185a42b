"""Queries that many modules ask the same way: a meeting by its key, and who is a member on a day."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from meetprep.errors import InputError, Problem
from meetprep.store.tables import BodyRow, MeetingRow, MembershipRow, OrganizationRow, PaperRow, PersonRow

_Dated = TypeVar("_Dated")


def meeting_by_key(session: Session, body: str, key: str) -> MeetingRow | None:
    """A body's meeting by its key (ebi-2025-09-22), or None."""
    return session.execute(select(MeetingRow).join(BodyRow, MeetingRow.body_id == BodyRow.id).where(
        BodyRow.key == body, MeetingRow.key == key)).scalar_one_or_none()


def paper_by_reference(session: Session, body: str, reference: str) -> PaperRow | None:
    """A body's paper by its reference (V/2019/367-E04), or None."""
    return session.execute(select(PaperRow).join(BodyRow, PaperRow.body_id == BodyRow.id).where(
        BodyRow.key == body, PaperRow.reference == reference)).scalar_one_or_none()


def the_meeting(session: Session, body: str, key: str, *, source: str = "(request)", item: str | None = None,
                **details: Any) -> MeetingRow:
    """A body's meeting by its key. A meeting that does not exist is the caller's input error,
    named with the file (or "(request)") and item it came from; `details` (line, found) go into
    the problem."""
    meeting = meeting_by_key(session, body, key)
    if meeting is None:
        raise InputError([Problem(file=source, item=item or f"meeting {key}", field="meeting",
                                  message=f"unknown meeting {key!r}: {body} has no meeting with that key", **details)])
    return meeting


def active_on(memberships: Iterable[_Dated], day: dt.date) -> list[_Dated]:
    """The memberships (rows or config entries with `start` and `end`, either open) that run on `day`."""
    return [m for m in memberships if (m.start is None or m.start <= day) and (m.end is None or day <= m.end)]


def members_on_the_day(session: Session, meeting: MeetingRow, zone: ZoneInfo) -> list[MembershipRow]:
    """The memberships of the meeting's committee that run on the meeting's day (in the body's
    time zone), in the order of the config."""
    rows = session.execute(select(MembershipRow).where(MembershipRow.organization_id == meeting.organization_id)
                           .order_by(MembershipRow.id)).scalars().all()
    return active_on(rows, meeting.start.astimezone(zone).date())


def body_secretaries(session: Session, body: str) -> list[tuple[PersonRow, str]]:
    """(person, committee key) for each committee secretary of the body with an address, in the
    order the persons were stored."""
    return [tuple(row) for row in session.execute(
        select(PersonRow, OrganizationRow.key).join(MembershipRow, MembershipRow.person_id == PersonRow.id)
        .join(OrganizationRow, MembershipRow.organization_id == OrganizationRow.id)
        .join(BodyRow, OrganizationRow.body_id == BodyRow.id)
        .where(BodyRow.key == body, MembershipRow.role == "secretary", PersonRow.email.is_not(None))
        .order_by(PersonRow.id)).all()]


def committee_secretaries(session: Session, organization_id: int | None, reachable: bool = True) -> list[PersonRow]:
    """The secretaries of one committee, in the order they are listed; `reachable`: only those
    with an e-mail address."""
    if organization_id is None:
        return []
    query = (select(PersonRow).join(MembershipRow, MembershipRow.person_id == PersonRow.id)
             .where(MembershipRow.organization_id == organization_id, MembershipRow.role == "secretary")
             .order_by(MembershipRow.id))
    if reachable:
        query = query.where(PersonRow.email.is_not(None))
    return list(session.execute(query).scalars())


def dialect_insert(engine: Engine, table: Any) -> Any:
    """INSERT for the store's database, with its ON CONFLICT DO NOTHING (`.on_conflict_do_nothing`):
    two runs recording the same row at the same moment record it once."""
    return (postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert)(table)
