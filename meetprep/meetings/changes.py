"""A meeting keeps its identity when it moves or is cancelled.

A meeting is its key (`ebi-2025-09-22`): moving it to another day or time, by `meetprep meetings
move` or by a meetings file that gives the same key with a new start, changes that meeting (its
calendar UID stays, its SEQUENCE rises) instead of making a second one. After a move the agenda
is rebuilt (its header shows the new time and place) and everyone invited gets the update with
the rebuilt agenda; after a cancellation, the cancellation. See meetprep.timeline.keep_current.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from meetprep.config import Configs
from meetprep.model import MeetingState
from meetprep.errors import InputError, Problem
from sqlalchemy import delete, select, update

from meetprep.store import (
    AgendaRow,
    AttendanceNoticeRow,
    ConsultationRow,
    DecisionRow,
    MeetingStepRow,
    MessageRow,
    MinutesRow,
    ReplyRow,
    SignoffExceptionRow,
    Store,
    the_meeting,
)

CALENDAR_FIELDS = ("start", "end", "room", "address")
DONE = (MeetingState.held.value, MeetingState.minuted.value, MeetingState.cancelled.value)


@dataclass
class Changed:
    body: str
    meeting: str
    committee: str
    sequence: int
    changes: dict[str, Any]  # field -> (before, after), as text


def _refuse(field: str, meeting: str, message: str, **details: Any) -> InputError:
    return InputError([Problem(file="(request)", item=f"meeting {meeting}", field=field, message=message, **details)])


def parse_local(value: str, timezone: str, field: str, meeting: str) -> dt.datetime:
    """'2025-09-29 16:30' (the body's local time) or an ISO time with its offset."""
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise _refuse(field, meeting, "expected a date and time such as 2025-09-29 16:30 (local time) or "
                      "2025-09-29T16:30:00+02:00", found=repr(value)) from None
    zone = ZoneInfo(timezone)
    if moment.tzinfo is None:
        local = moment.replace(tzinfo=zone)
        if local.astimezone(dt.timezone.utc).astimezone(zone).replace(tzinfo=None) != moment:
            raise _refuse(field, meeting, f"{value} does not exist in {timezone} (the clocks are put forward then)")
        return local
    if moment.utcoffset() != moment.astimezone(zone).utcoffset():
        raise _refuse(field, meeting, f"the UTC offset does not match {timezone} on {moment.date().isoformat()}",
                      found=value)
    return moment.astimezone(zone)


def _open_meeting(session: Any, body: str, meeting_key: str, done_to_it: str) -> Any:
    """The meeting to change, refused when it does not exist or has already taken place."""
    meeting = the_meeting(session, body, meeting_key)
    if meeting.state in DONE:
        raise _refuse("meeting", meeting_key, f"the meeting is {meeting.state}: it cannot be {done_to_it}")
    return meeting


def move(store: Store, configs: Configs, body: str, meeting_key: str, now: dt.datetime, start: str | None = None,
         end: str | None = None, room: str | None = None, address: str | None = None) -> Changed:
    """Move a meeting to another time or place; it keeps its key and calendar UID, SEQUENCE rises."""
    config = configs.get(body)
    if config is None:
        raise _refuse("body", meeting_key, "unknown body", expected=", ".join(configs.keys()), found=repr(body))
    zone = ZoneInfo(config.body.timezone)
    with store.writing(f"body:{body}") as session:
        meeting = _open_meeting(session, body, meeting_key, "moved")
        new_start = parse_local(start, config.body.timezone, "to", meeting_key) if start else meeting.start.astimezone(zone)
        if end:
            new_end = parse_local(end, config.body.timezone, "end", meeting_key)
        elif meeting.end is not None:  # the same length as before
            new_end = new_start + (meeting.end - meeting.start)
        else:
            new_end = None
        if new_end is not None and new_end <= new_start:
            raise _refuse("end", meeting_key, "the meeting must end after it starts", found=new_end.isoformat())
        wanted = {"start": new_start.astimezone(dt.timezone.utc),
                  "end": new_end.astimezone(dt.timezone.utc) if new_end else None,
                  "room": room if room is not None else meeting.room,
                  "address": address if address is not None else meeting.address}
        changes = {k: (_text(getattr(meeting, k), zone), _text(v, zone)) for k, v in wanted.items() if getattr(meeting, k) != v}
        if not changes:
            raise _refuse("to", meeting_key, "nothing changes: the meeting is already at that time and place")
        for name, value in wanted.items():
            setattr(meeting, name, value)
        meeting.sequence += 1
        meeting.updated_at = now
        return Changed(body, meeting.key, meeting.organization.key, meeting.sequence, changes)


def cancel(store: Store, configs: Configs, body: str, meeting_key: str, now: dt.datetime) -> Changed:
    """Cancel a meeting: its state is cancelled and its SEQUENCE rises (calendars get METHOD:CANCEL)."""
    if configs.get(body) is None:
        raise _refuse("body", meeting_key, "unknown body", expected=", ".join(configs.keys()), found=repr(body))
    with store.writing(f"body:{body}") as session:
        meeting = _open_meeting(session, body, meeting_key, "cancelled")
        changes = {"state": (meeting.state, MeetingState.cancelled.value)}
        meeting.state = MeetingState.cancelled.value
        meeting.sequence += 1
        meeting.updated_at = now
        return Changed(body, meeting.key, meeting.organization.key, meeting.sequence, changes)


def _text(value: Any, zone: ZoneInfo) -> str | None:
    if isinstance(value, dt.datetime):
        return value.astimezone(zone).isoformat(timespec="minutes")
    return value


def resolve(store: Store, configs: Configs, body: str, meeting_key: str, now: dt.datetime,
            moved_from: str | None = None) -> Changed:
    """The clerk's answer for a held-back meeting (meetprep.importing.writing): a meeting of its own
    (`moved_from` None: it is released and goes its way), or the announced meeting `moved_from`
    moved. Then that meeting takes the new one's time and place (its SEQUENCE rises: everyone
    invited gets the update), the meetings file's key becomes its other name, what was placed on
    the new one moves over, and the new one is gone: no member holds two entries."""
    if configs.get(body) is None:
        raise _refuse("body", meeting_key, "unknown body", expected=", ".join(configs.keys()), found=repr(body))
    zone = ZoneInfo(configs.get(body).body.timezone)
    with store.writing(f"body:{body}") as session:
        new = the_meeting(session, body, meeting_key)
        if moved_from is None:
            changes = {"held_back_for": (new.held_back_for, None)} if new.held_back_for else {}
            new.held_back_for = None
            return Changed(body, new.key, new.organization.key, new.sequence, changes)
        old = _open_meeting(session, body, moved_from, "moved")
        if old.organization_id != new.organization_id:
            raise _refuse("moved_from", meeting_key, f"{moved_from} is a meeting of {old.organization.key}, "
                          f"{meeting_key} one of {new.organization.key}: one cannot be the other moved")
        used = [name for table, name in ((MinutesRow, "minutes"), (ReplyRow, "replies"), (DecisionRow, "decisions"))
                if session.execute(select(table.id).where(table.meeting_id == new.id)).first() is not None]
        if used or new.state not in (MeetingState.planned.value, MeetingState.agenda_built.value):
            raise _refuse("meeting", meeting_key, f"{meeting_key} has {', '.join(used) or 'state ' + new.state} of its "
                          "own: it is not just a new entry of the meetings file")
        wanted = {"start": new.start, "end": new.end, "room": new.room, "address": new.address}
        changes = {k: (_text(getattr(old, k), zone), _text(v, zone)) for k, v in wanted.items() if getattr(old, k) != v}
        for name, value in wanted.items():
            setattr(old, name, value)
        if changes:
            old.sequence += 1
        old.also_known_as, old.source_file, old.updated_at = new.key, new.source_file, now
        # What the new entry gathered before the clerk answered belongs to the meeting it is.
        session.execute(update(ConsultationRow).where(ConsultationRow.meeting_id == new.id).values(meeting_id=old.id))
        session.execute(update(MessageRow).where(MessageRow.meeting_id == new.id).values(meeting_id=old.id))
        for table in (MeetingStepRow, AttendanceNoticeRow, SignoffExceptionRow):
            session.execute(delete(table).where(table.meeting_id == new.id))
        for agenda in session.execute(select(AgendaRow).where(AgendaRow.meeting_id == new.id)).scalars():
            session.delete(agenda)  # its versions and documents with it; the moved meeting has its own
        session.flush()
        session.delete(new)
        return Changed(body, old.key, old.organization.key, old.sequence,
                       {**changes, "also_known_as": (None, meeting_key)})
