"""The meeting a paper will reach, and its papers deadline (Vorlagenschluss; frist for sager):
shown in the author's kit, and the day sign-off steps are counted back from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from meetprep.meetings.deadlines import deadline
from meetprep.model import BodyConfig
from meetprep.store import BodyRow, MeetingRow, OrganizationRow


@dataclass(frozen=True)
class Target:
    meeting_key: str
    committee: str
    committee_name: str
    day: dt.date
    papers_due: dt.date


def reaching_meeting(session: Session, config: BodyConfig, committee: str, meeting: str | None,
                     today: dt.date) -> Target | None:
    """The meeting named (if it lies ahead), else the first coming meeting of the committee whose
    papers deadline is still ahead (a paper handed in later is a late paper for the one before)."""
    body = config.body
    rules = body.deadlines
    zone = ZoneInfo(body.timezone)
    query = (select(MeetingRow).join(OrganizationRow, MeetingRow.organization_id == OrganizationRow.id)
             .join(BodyRow, MeetingRow.body_id == BodyRow.id)
             .where(BodyRow.key == body.key, OrganizationRow.key == committee,
                    MeetingRow.state.not_in(["cancelled", "held"]),
                    MeetingRow.start >= dt.datetime.combine(today, dt.time(), zone))
             .order_by(MeetingRow.start))
    if meeting is not None:
        query = query.where(MeetingRow.key == meeting)
    for row in session.execute(query).scalars():
        day = row.start.astimezone(zone).date()
        due = deadline(day, rules.papers_due, body.holidays, rules.saturday_is_business_day)
        if due >= today or meeting is not None:
            name = next((o.name for o in config.organizations if o.key == committee), committee)
            return Target(row.key, committee, name, day, due)
    return None
