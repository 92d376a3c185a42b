"""Read-only views of the store for the CLI and reports: papers and meetings as plain dicts."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from meetprep.config import Configs
from meetprep.model import BodyConfig, ConsultationStatus
from meetprep.signoff.rounds import state_of
from meetprep.store import BodyRow, ConsultationRow, MeetingRow, OrganizationRow, PaperRow, SignoffRequestRow

OPEN_STATUSES = (ConsultationStatus.pending.value, ConsultationStatus.scheduled.value)


def next_open_step(paper: PaperRow) -> ConsultationRow | None:
    """The first step of the Beratungsfolge that has not been dealt with yet."""
    return next((c for c in paper.consultations if c.status in OPEN_STATUSES), None)


def paper_state(config: BodyConfig | None, paper: PaperRow, requests: list[SignoffRequestRow]) -> tuple[str, list[dict[str, Any]]]:
    """draft, signoff, ready (before the first decision: meetprep.signoff), then placed (on a
    meeting's agenda) and decided; and the sign-off steps of its current round."""
    step = next_open_step(paper)
    if step is None:
        return "decided", []
    signoff = state_of(config, paper, requests) if config is not None else None
    steps = signoff.steps if signoff is not None else []
    if step.status == ConsultationStatus.scheduled.value:
        return "placed", steps
    if any(c.status == ConsultationStatus.completed.value for c in paper.consultations):
        return "decided", steps
    return (signoff.state if signoff is not None else "ready"), steps


def list_papers(
    session: Session, body: str | None = None, committee: str | None = None, pending: bool = False,
    configs: Configs | None = None, state: str | None = None,
) -> list[dict[str, Any]]:
    """Papers, optionally only those pending, only those whose next step is `committee`, or only
    those in a state (draft, signoff, ready, placed, decided: given the configs)."""
    query = (
        select(PaperRow)
        .join(BodyRow)
        .options(
            selectinload(PaperRow.consultations).selectinload(ConsultationRow.organization),
            selectinload(PaperRow.consultations).selectinload(ConsultationRow.meeting),
            selectinload(PaperRow.files),
        )
        .order_by(BodyRow.key, PaperRow.reference)
    )
    if body:
        query = query.where(BodyRow.key == body)
    papers = session.execute(query).scalars().all()
    asked: dict[int, list[SignoffRequestRow]] = {}
    if configs is not None and papers:
        for row in session.execute(select(SignoffRequestRow).where(SignoffRequestRow.paper_id.in_([p.id for p in papers]))
                                   .order_by(SignoffRequestRow.round, SignoffRequestRow.position)).scalars():
            asked.setdefault(row.paper_id, []).append(row)
    rows = []
    for paper in papers:
        step = next_open_step(paper)
        current, steps = paper_state(configs.get(paper.body.key) if configs is not None else None, paper,
                                     asked.get(paper.id, []))
        if state and current != state:
            continue
        if (pending or committee) and step is None:
            continue
        if committee and step.organization.key != committee:
            continue
        rows.append(
            {
                "body": paper.body.key,
                "reference": paper.reference,
                "title": paper.title,
                "type": paper.paper_type,
                "access": paper.access,
                "revision": paper.revision,
                "next_committee": step.organization.key if step else None,
                "next_role": step.role if step else None,
                "next_date": (step.target_date.isoformat() if step and step.target_date else None),
                "next_meeting": step.meeting.key if step and step.meeting else None,
                "status": step.status if step else "done",
                "state": current,
                "signoff": steps,
                "attachments": len(paper.files),
                "attachments_to_follow": sum(1 for f in paper.files if f.status == "to_follow"),
            }
        )
    return rows


def list_meetings(session: Session, body: str | None = None, committee: str | None = None) -> list[dict[str, Any]]:
    query = (
        select(MeetingRow, BodyRow, OrganizationRow)
        .join(BodyRow, MeetingRow.body_id == BodyRow.id)
        .join(OrganizationRow, MeetingRow.organization_id == OrganizationRow.id)
        .order_by(BodyRow.key, MeetingRow.start)
    )
    if body:
        query = query.where(BodyRow.key == body)
    if committee:
        query = query.where(OrganizationRow.key == committee)
    rows = []
    for meeting, body_row, org in session.execute(query):
        zone = ZoneInfo(body_row.timezone)
        rows.append(
            {
                "body": body_row.key,
                "key": meeting.key,
                "committee": org.key,
                "committee_name": org.name,
                "start": _local(meeting.start, zone),
                "end": _local(meeting.end, zone) if meeting.end else None,
                "room": meeting.room,
                "address": meeting.address,
                "state": meeting.state,
                "extraordinary": meeting.extraordinary,
            }
        )
    return rows


def _local(moment: dt.datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="minutes")
