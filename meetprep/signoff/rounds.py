"""A paper's sign-off rounds: the steps asked in their order, a new round for a new revision, and
the state the paper is in.

A paper whose type has a chain is *in sign-off* from its import until every step it needs has
signed its current revision; then it is *ready* and may go on an agenda. A step that declines
ends the round: the paper is a *draft* again, back with its author, until a new revision comes;
that revision starts the next round, in which the steps that signed keep their signature unless
the chain says `again` (the default: they are asked again, with what changed). A paper that has
been decided once (a step of its Beratungsfolge completed) is past sign-off.

`advance` is the one place that moves a round on; it runs under the body's write lock, and
returns what changed, for meetprep.signoff.notices to tell.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from meetprep.meetings.deadlines import subtract_days
from meetprep.meetings.target import reaching_meeting
from meetprep.model import BodyConfig, SignoffStep
from meetprep.signoff.chains import steps_for
from meetprep.store import PaperRevisionRow, PaperRow, SignoffRequestRow

OPEN = ("waiting", "requested")


@dataclass
class Change:
    """What `advance` did that someone is to hear of."""

    kind: str  # requested, ready, round (a new round for a new revision)
    request: SignoffRequestRow | None = None
    step: SignoffStep | None = None
    previous_revision: int | None = None


@dataclass
class State:
    state: str  # draft, signoff, ready (papers without a chain, or past sign-off: ready)
    steps: list[dict[str, Any]] = field(default_factory=list)
    ready_at: dt.datetime | None = None
    needs_signoff: bool = False

    @property
    def waiting_for(self) -> list[dict[str, Any]]:
        return [s for s in self.steps if s["state"] in OPEN]

    @property
    def declined(self) -> dict[str, Any] | None:
        return next((s for s in self.steps if s["state"] == "declined"), None)


def chain_data(paper: PaperRow) -> dict[str, Any]:
    """What a chain's conditions read of the paper's current revision (its type, its money, its
    unit), from the paper's own columns: no revision is loaded to list a thousand papers."""
    return {"type": paper.paper_type, "financial": paper.financial, "originator": {"unit": paper.originator_unit}}


def latest_data(paper: PaperRow) -> dict[str, Any]:
    """The current revision as imported (for what changed since an earlier one)."""
    return max(paper.revisions, key=lambda r: r.revision).data if paper.revisions else chain_data(paper)


def past_signoff(paper: PaperRow) -> bool:
    return any(c.status == "completed" for c in paper.consultations)


def requests_of(session: Session, paper_id: int) -> list[SignoffRequestRow]:
    return list(session.execute(select(SignoffRequestRow).where(SignoffRequestRow.paper_id == paper_id)
                                .order_by(SignoffRequestRow.round, SignoffRequestRow.position)).scalars())


def current_round(requests: list[SignoffRequestRow]) -> list[SignoffRequestRow]:
    last = max((r.round for r in requests), default=0)
    return [r for r in requests if r.round == last]


def state_of(config: BodyConfig, paper: PaperRow, requests: list[SignoffRequestRow]) -> State:
    """Where the paper stands. Pure over what was read."""
    if past_signoff(paper):
        return State("ready")
    steps = steps_for(config, chain_data(paper))
    if not steps:
        return State("ready", ready_at=paper.updated_at)
    current = current_round(requests)
    shown = [_step_view(r) for r in current if r.state != "cancelled"]
    if not current or current[0].revision != paper.revision:
        asked = [{"step": s.name, "state": "waiting", "holder": None, "due": None} for s in steps]
        return State("signoff", asked, needs_signoff=True)
    if any(r.state == "declined" for r in current):
        return State("draft", shown, needs_signoff=True)
    needed = {s.name for s in steps}
    signed = {r.step: r for r in current if r.state == "approved"}
    if needed <= set(signed):
        return State("ready", shown, max(r.answered_at for r in signed.values() if r.answered_at) if signed else None,
                     needs_signoff=True)
    return State("signoff", shown, needs_signoff=True)


def _step_view(row: SignoffRequestRow) -> dict[str, Any]:
    return {"step": row.step, "state": row.state, "holder": row.holder, "due": row.due.isoformat() if row.due else None,
            "answered_by": row.answered_by, "answered_at": row.answered_at.isoformat() if row.answered_at else None,
            "reason": row.reason, "carried": row.carried, "round": row.round, "revision": row.revision}


def advance(session: Session, config: BodyConfig, paper: PaperRow, today: dt.date, now: dt.datetime) -> list[Change]:
    """Start the round the paper's revision needs, ask the steps whose turn it is, and say when
    the paper became ready. Idempotent: run again with nothing new, it changes nothing."""
    if past_signoff(paper):
        return []
    steps = {s.name: s for s in steps_for(config, chain_data(paper))}
    requests = requests_of(session, paper.id)
    current = current_round(requests)
    changes: list[Change] = []
    if not steps:
        for row in current:
            if row.state in OPEN:
                row.state = "cancelled"
        return changes
    if not current or current[0].revision < paper.revision:
        current = _new_round(session, config, paper, list(steps.values()), current, now)
        changes.append(Change("round", previous_revision=None if not requests else requests[-1].revision))
    elif any(r.state == "declined" for r in current):
        return changes  # a draft: back with its author until a new revision comes
    for row in current:
        if row.state in OPEN and row.step not in steps:
            row.state = "cancelled"  # the chain no longer has this step for this paper
    signed = {r.step for r in current if r.state == "approved"}
    for row in current:
        step = steps.get(row.step)
        if row.state != "waiting" or step is None:
            continue
        if all(name in signed or name not in steps for name in step.after):
            row.state, row.requested_at = "requested", now
            row.holder = holder_on(config, step, today)
            row.due = _due(session, config, paper, step, today)
            changes.append(Change("requested", row, step))
    live = [r for r in current if r.state != "cancelled"]
    if live and all(r.state == "approved" for r in live) and set(steps) <= {r.step for r in live}:
        changes.append(Change("ready"))
    session.flush()
    return changes


def _new_round(session: Session, config: BodyConfig, paper: PaperRow, steps: list[SignoffStep],
               previous: list[SignoffRequestRow], now: dt.datetime) -> list[SignoffRequestRow]:
    signed_before = {r.step: r for r in previous if r.state == "approved"}
    for row in previous:
        if row.state in OPEN:
            row.state = "cancelled"
    number = max((r.round for r in previous), default=0) + 1
    rows = []
    for position, step in enumerate(steps):
        before = signed_before.get(step.name)
        row = SignoffRequestRow(paper_id=paper.id, round=number, revision=paper.revision, step=step.name,
                                position=position, state="waiting", token=secrets.token_hex(6))
        if before is not None and not step.again:
            row.state, row.carried = "approved", True
            row.answered_by, row.answered_at, row.recorded_by = before.answered_by, before.answered_at, before.recorded_by
            row.holder = before.holder
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def holder_on(config: BodyConfig, step: SignoffStep, day: dt.date) -> str | None:
    """Whom the step is asked of: its person, or while they are away the first deputy who is not;
    None for a group (every member is asked)."""
    if step.person is None:
        return None
    person = config.person(step.person)
    if person is not None and person.away_on(day):
        for deputy in step.deputy:
            found = config.person(deputy)
            if found is not None and not found.away_on(day):
                return deputy
    return step.person


def _due(session: Session, config: BodyConfig, paper: PaperRow, step: SignoffStep, today: dt.date) -> dt.date | None:
    """`days` before the papers deadline of the meeting the paper's first step will reach."""
    first = paper.consultations[0] if paper.consultations else None
    if first is None:
        return None
    target = reaching_meeting(session, config, first.organization.key, first.meeting.key if first.meeting else None,
                              today)
    if target is None:
        return None
    body = config.body
    return subtract_days(target.papers_due, step.days, step.count, body.holidays,
                         body.deadlines.saturday_is_business_day)


def revision_data(session: Session, paper_id: int, revision: int) -> dict[str, Any] | None:
    row = session.execute(select(PaperRevisionRow).where(PaperRevisionRow.paper_id == paper_id,
                                                         PaperRevisionRow.revision == revision)).scalar_one_or_none()
    return row.data if row else None
