"""A decision's tasks: recorded with the minutes, reported done or given a new due date (by the
owner's reply or the clerk), and listed with their state.

A task's state is open, done or dropped (corrected minutes no longer give it). Listed, an open task
is `overdue` after its due date and `due` within the body's `follow_up.remind_days`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from meetprep.agenda.numbering import access_of
from meetprep.config import Configs
from meetprep.errors import InputError, Problem
from meetprep.store import AgendaRow, BodyRow, DecisionRow, DecisionTaskRow, MeetingRow, PaperRow, Store

OPEN, DONE, DROPPED = "open", "done", "dropped"


def record_tasks(session: Session, decision: DecisionRow, tasks: list[Any], now: dt.datetime) -> None:
    """The tasks the minutes give a decision, numbered as listed: new ones opened, changed ones
    updated (a due date the minutes change replaces any later one), ones no longer given dropped
    unless done."""
    existing = {t.number: t for t in session.execute(
        select(DecisionTaskRow).where(DecisionTaskRow.decision_id == decision.id)).scalars()}
    paper = decision.consultation.paper
    for number, task in enumerate(tasks, start=1):
        row = existing.pop(number, None)
        if row is None:
            row = DecisionTaskRow(decision_id=decision.id, paper_id=paper.id, number=number, state=OPEN,
                                  token=secrets.token_hex(6), due=task.due, due_history=[], created_at=now)
            session.add(row)
        elif row.state == DROPPED:
            row.state = OPEN
        minutes_due = row.due_history[0]["due"] if row.due_history else row.due.isoformat()
        if task.due.isoformat() != minutes_due:
            row.due, row.due_history = task.due, []  # the minutes decide the date anew
        row.text, row.owner = task.text, task.owner or paper.originator_unit
        row.updated_at = now
    for row in existing.values():
        if row.state == OPEN:
            row.state, row.updated_at = DROPPED, now


@dataclass
class Report:
    task: int
    result: str  # "done", "extended", "already" (someone reported first), "closed" (not open)
    due: dt.date | None = None


def report(session: Session, row: DecisionTaskRow, kind: str, by: str, text: str | None, now: dt.datetime,
           new_due: dt.date | None = None) -> Report:
    """Done, or a new due date; counted once: a conditional UPDATE on the task's state (and due
    date), so two reports at the same moment cannot both count."""
    if kind == "done":
        changed = session.execute(update(DecisionTaskRow).where(
            DecisionTaskRow.id == row.id, DecisionTaskRow.state == OPEN).values(
            state=DONE, report=text, reported_by=by, done_at=now, updated_at=now)).rowcount
        session.refresh(row)
        return Report(row.id, "done" if changed else ("already" if row.state == DONE else "closed"))
    if new_due is None:
        raise ValueError("a new due date is needed")
    old = row.due
    history = [*row.due_history, {"due": old.isoformat(), "until": new_due.isoformat(), "by": by,
                                  "at": now.isoformat(), "reason": text}]
    changed = session.execute(update(DecisionTaskRow).where(
        DecisionTaskRow.id == row.id, DecisionTaskRow.state == OPEN, DecisionTaskRow.due == old).values(
        due=new_due, due_history=history, asked_due=None, asked_by=None, asked_reason=None, updated_at=now)).rowcount
    session.refresh(row)
    return Report(row.id, "extended" if changed else ("closed" if row.state != OPEN else "already"), row.due)


def ask(session: Session, row: DecisionTaskRow, by: str, reason: str | None, new_due: dt.date,
        now: dt.datetime) -> Report:
    """The owner asks for a new due date; the secretaries grant it (`meetprep decisions extend`).
    Asked once: the same request again changes nothing."""
    changed = session.execute(update(DecisionTaskRow).where(
        DecisionTaskRow.id == row.id, DecisionTaskRow.state == OPEN,
        (DecisionTaskRow.asked_due.is_(None)) | (DecisionTaskRow.asked_due != new_due)).values(
        asked_due=new_due, asked_by=by, asked_reason=reason, updated_at=now)).rowcount
    session.refresh(row)
    return Report(row.id, "asked" if changed else ("closed" if row.state != OPEN else "already"), row.asked_due)


def by_token(session: Session, token: str) -> DecisionTaskRow | None:
    return session.execute(select(DecisionTaskRow).where(DecisionTaskRow.token == token)).scalar_one_or_none()


def find(session: Session, body: str, task_id: int) -> DecisionTaskRow:
    row = session.execute(select(DecisionTaskRow).join(PaperRow, DecisionTaskRow.paper_id == PaperRow.id)
                          .join(BodyRow, PaperRow.body_id == BodyRow.id)
                          .where(BodyRow.key == body, DecisionTaskRow.id == task_id)).scalar_one_or_none()
    if row is None:
        raise InputError([Problem(file="(request)", item=f"task {task_id}", field="task",
                                  message=f"no such task of {body}: `meetprep decisions list --body {body}` lists them")])
    return row


def record_report(store: Store, body: str, task_id: int, kind: str, by: str, text: str | None, now: dt.datetime,
                  new_due: dt.date | None = None) -> Report:
    """The clerk records a task done or gives it a new due date (`meetprep decisions done|extend`)."""
    with store.writing(f"decisions:{body}") as session:
        row = find(session, body, task_id)
        if kind == "extend" and new_due is not None and new_due <= now.date():
            raise InputError([Problem(file="(request)", item=f"task {task_id}", field="due",
                                      message="the new due date has passed already", found=new_due.isoformat())])
        return report(session, row, kind, by, text, now, new_due)


def state_of(row: DecisionTaskRow, today: dt.date, remind_days: int) -> str:
    if row.state != OPEN:
        return row.state
    if row.due < today:
        return "overdue"
    return "due" if (row.due - today).days <= remind_days else OPEN


def listing(store: Store, configs: Configs, today: dt.date, body: str | None = None,
            states: set[str] | None = None, public_only: bool = False) -> list[dict[str, Any]]:
    """Every task (of `body`) with its paper, decision and state, by due date; `states` filters
    (open, due, overdue, done, dropped); `public_only` leaves out closed papers' and closed items'."""
    with store.session() as session:
        query = (select(DecisionTaskRow, PaperRow, DecisionRow, MeetingRow, BodyRow)
                 .join(PaperRow, DecisionTaskRow.paper_id == PaperRow.id)
                 .join(DecisionRow, DecisionTaskRow.decision_id == DecisionRow.id)
                 .join(MeetingRow, DecisionRow.meeting_id == MeetingRow.id)
                 .join(BodyRow, PaperRow.body_id == BodyRow.id)
                 .order_by(DecisionTaskRow.due, DecisionTaskRow.id))
        if body is not None:
            query = query.where(BodyRow.key == body)
        out = []
        seen: dict[int, dict[str, bool]] = {}
        for row, paper, decision, meeting, body_row in session.execute(query).all():
            config = configs.get(body_row.key)
            if config is None:
                continue
            public = access_of(paper.access) == "public" and item_public(session, decision, seen)
            if public_only and not public:
                continue
            state = state_of(row, today, config.body.follow_up.remind_days)
            if states and state not in states:
                continue
            zone = ZoneInfo(config.body.timezone)
            out.append({
                "id": row.id, "body": body_row.key, "reference": paper.reference, "title": paper.title,
                "committee": meeting.organization.key, "committee_name": meeting.organization.name,
                "meeting": meeting.key, "decided_on": meeting.start.astimezone(zone).date().isoformat(),
                "result": decision.result, "number": row.number, "text": row.text, "owner": row.owner,
                "due": row.due.isoformat(), "state": state, "days_left": (row.due - today).days,
                "done_at": row.done_at.isoformat() if row.done_at else None, "report": row.report,
                "reported_by": row.reported_by, "extended": len(row.due_history), "public": public,
                "asked_due": row.asked_due.isoformat() if row.asked_due else None, "asked_reason": row.asked_reason,
                "token": row.token})
        return out


def item_public(session: Session, decision: DecisionRow, seen: dict[int, dict[str, bool]] | None = None) -> bool:
    """Whether the decision was taken on a public item (a public paper may sit in the closed
    part): the meeting's last agenda version says. `seen` keeps each meeting's answer for a
    caller that asks about many decisions."""
    seen = {} if seen is None else seen
    if decision.meeting_id not in seen:
        agenda = session.execute(select(AgendaRow).where(AgendaRow.meeting_id == decision.meeting_id)).scalar_one_or_none()
        entries = agenda.versions[-1].entries if agenda is not None and agenda.versions else []
        seen[decision.meeting_id] = {e["reference"]: access_of(e["access"]) == "public"
                                     for e in entries if e["kind"] == "paper"}
    # not on the agenda (it cannot be said where it stood): not public, failing closed
    return seen[decision.meeting_id].get(decision.consultation.paper.reference, False)
