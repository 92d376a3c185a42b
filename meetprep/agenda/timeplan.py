"""The time plan of an agenda: expected minutes per item, each item's planned start, the planned
end against the meeting's slot (issue 28; docs/timeline.md).

An item's minutes: the paper's own `expected_minutes` where its author or the clerk set them;
else the median of what the committee's last meetings took for that paper type
or standing item, where their minutes record items' start and end (`time_plan.learn_from`
meetings); else the body's number for the paper type (`time_plan.paper_types`), the standing
item's own `minutes`, or the defaults. A withdrawn item takes none, nor does a heading whose
sub-items are counted. The slot ends at the meeting's end, or `slot_minutes` after its start.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from meetprep.model import BodyConfig
from meetprep.store import AgendaRow, MeetingRow, MinutesRow, PaperRow


@dataclass(frozen=True)
class PlannedItem:
    key: str
    start: dt.datetime
    minutes: int


@dataclass
class TimePlan:
    start: dt.datetime
    slot_end: dt.datetime
    items: dict[str, PlannedItem] = field(default_factory=dict)

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(minutes=sum(i.minutes for i in self.items.values()))

    def printed(self, zone: Any) -> dict[str, Any]:
        """As documents and messages print it: {"items": {key: [local "HH:MM" start, minutes]},
        "end": local ISO}."""
        return {"items": {key: [item.start.astimezone(zone).strftime("%H:%M"), item.minutes]
                          for key, item in self.items.items()},
                "end": self.end.astimezone(zone).isoformat()}

    @property
    def overrun(self) -> int:
        """Minutes the plan runs past the slot (0 when it fits)."""
        return max(0, int((self.end - self.slot_end).total_seconds() // 60))


def plan(entries: list[dict[str, Any]], start: dt.datetime, slot_end: dt.datetime,
         minutes_of: dict[str, int]) -> TimePlan:
    """Each entry in order from `start`, taking `minutes_of[key]` (pure)."""
    result = TimePlan(start=start, slot_end=slot_end)
    parents = {e["parent"] for e in entries if e.get("parent")}
    moment = start
    for entry in entries:
        minutes = 0 if entry["withdrawn"] or entry["key"] in parents else minutes_of.get(entry["key"], 0)
        result.items[entry["key"]] = PlannedItem(entry["key"], moment, minutes)
        moment += dt.timedelta(minutes=minutes)
    return result


def time_plan(session: Session, config: BodyConfig, meeting: MeetingRow, entries: list[dict[str, Any]]) -> TimePlan:
    """The plan of `entries` (an agenda version's) for `meeting`."""
    org = config.organization(meeting.organization.key)
    settings = config.body.time_plan
    references = [e["reference"] for e in entries if e["kind"] == "paper" and e["reference"]]
    rows = session.execute(select(PaperRow.reference, PaperRow.paper_type, PaperRow.expected_minutes).where(
        PaperRow.body_id == meeting.body_id, PaperRow.reference.in_(references or [""]))).all()
    types = {reference: kind for reference, kind, _ in rows}
    own_minutes = {reference: minutes for reference, _, minutes in rows if minutes}
    learned = learned_minutes(session, meeting, settings.learn_from)
    standing = {item.title: item.minutes for item in (org.agenda.opening_items + org.agenda.closing_items) if org}
    minutes_of = {}
    for entry in entries:
        if entry["kind"] == "paper":
            kind = types.get(entry["reference"], "")
            minutes_of[entry["key"]] = own_minutes.get(entry["reference"]) or learned.get(("type", kind)) or settings.paper_types.get(kind) or \
                settings.default_minutes
        else:
            own = standing.get(entry["title"])
            minutes_of[entry["key"]] = learned.get(("standing", entry["title"])) or (
                own if own is not None else settings.standing_minutes)
    slot_minutes = org.slot_minutes if org else 120
    slot_end = meeting.end or meeting.start + dt.timedelta(minutes=slot_minutes)
    return plan(entries, meeting.start, slot_end, minutes_of)


def printed_times(session: Session, config: BodyConfig, meeting: MeetingRow, entries: list[dict[str, Any]],
                  zone: Any) -> dict[str, Any]:
    """What documents and messages print of the plan (TimePlan.printed); empty where the body
    prints no times (`time_plan.in_documents: false`) or the agenda is empty."""
    if not config.body.time_plan.in_documents or not entries:
        return {}
    return time_plan(session, config, meeting, entries).printed(zone)


def learned_minutes(session: Session, meeting: MeetingRow, count: int) -> dict[tuple[str, str], int]:
    """{("type", paper type) | ("standing", title): median minutes} over the committee's last
    `count` minuted meetings before `meeting` whose items carry their start and end."""
    if count <= 0:
        return {}
    rows = session.execute(
        select(MinutesRow).join(MeetingRow, MinutesRow.meeting_id == MeetingRow.id)
        .where(MeetingRow.organization_id == meeting.organization_id, MeetingRow.start < meeting.start)
        .order_by(MeetingRow.start.desc()).limit(4 * count)).scalars().all()
    found: list[tuple[tuple[str, str] | str, float]] = []  # (("standing", title) or a paper's reference, minutes)
    used = 0
    for row in rows:
        timed = [(item, _duration(item)) for item in row.items or []]
        timed = [(item, minutes) for item, minutes in timed if minutes is not None]
        if not timed:
            continue
        titles = _standing_titles(session, row.meeting_id)
        for item, minutes in timed:
            if item.get("reference"):
                found.append((item["reference"], minutes))
            elif item.get("number") in titles:
                found.append((("standing", titles[item["number"]]), minutes))
        used += 1
        if used >= count:
            break
    references = {key for key, _ in found if isinstance(key, str)}
    types = dict(session.execute(select(PaperRow.reference, PaperRow.paper_type).where(
        PaperRow.body_id == meeting.body_id, PaperRow.reference.in_(references or {""}))).all())
    taken: dict[tuple[str, str], list[float]] = {}
    for key, minutes in found:
        if isinstance(key, str):
            if key not in types:
                continue
            key = ("type", types[key])
        taken.setdefault(key, []).append(minutes)
    return {key: max(1, round(statistics.median(values))) for key, values in taken.items()}


def _duration(item: dict[str, Any]) -> float | None:
    if not item.get("started") or not item.get("ended"):
        return None
    start, end = (dt.datetime.strptime(item[k], "%H:%M") for k in ("started", "ended"))
    return (end - start).total_seconds() / 60 if end >= start else None


def _standing_titles(session: Session, meeting_id: int) -> dict[str, str]:
    """{item number: standing item title} on the meeting's current agenda (minutes name a
    standing item by its number)."""
    agenda = session.execute(select(AgendaRow).where(AgendaRow.meeting_id == meeting_id)).scalar_one_or_none()
    current = next((v for v in agenda.versions if v.version == agenda.current_version), None) if agenda else None
    return {e["number"]: e["title"] for e in (current.entries if current else []) if e["kind"] == "standing"}
