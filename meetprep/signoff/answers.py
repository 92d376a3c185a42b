"""Recording an answer to a sign-off request: yes, no with a reason, or a comment, once.

An answer is first written to `signoff_answers` under its source (a mail's Message-ID, or the
clerk's recording): the same mail read twice, or by two runs at once, is one row. A yes or no
then moves the request with one conditional UPDATE (only from `requested`), so that of two
answers at the same moment one counts and the other is kept as not counted, with its reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from meetprep.errors import InputError, Problem
from meetprep.model import BodyConfig, SignoffStep
from meetprep.signoff.chains import allowed_signers, steps_for
from meetprep.signoff.rounds import chain_data, current_round, requests_of
from meetprep.store import SignoffAnswerRow, SignoffRequestRow, dialect_insert, paper_by_reference

KINDS = ("approve", "decline", "comment")


@dataclass
class Outcome:
    result: str  # counted, again (this source was recorded before), late (the step was answered or the round ended)
    request_id: int
    answer_id: int | None = None
    message: str = ""


def find_request(session: Session, config: BodyConfig, reference: str, step: str) -> tuple[SignoffRequestRow, SignoffStep]:
    """The paper's open request of that step in its current round, or a clear InputError."""
    where = Problem(file="(request)", item=f"paper {reference}", field="step", message="")
    paper = paper_by_reference(session, config.body.key, reference)
    if paper is None:
        raise InputError([Problem(file="(request)", item=f"paper {reference}", field="reference",
                                  message=f"no paper {reference!r} of {config.body.key!r} is stored")])
    steps = {s.name: s for s in steps_for(config, chain_data(paper))}
    current = [r for r in current_round(requests_of(session, paper.id)) if r.state != "cancelled"]
    row = next((r for r in current if r.step.casefold() == step.casefold()), None)
    if row is None or row.step not in steps:
        names = ", ".join(r.step for r in current) or "none: the paper has no sign-off round"
        raise InputError([_at(where, f"no step {step!r} in the paper's current round", names)])
    return row, steps[row.step]


def _at(where: Problem, message: str, expected: str | None = None) -> Problem:
    return Problem(file=where.file, item=where.item, field=where.field, message=message, expected=expected)


def check_signer(config: BodyConfig, step: SignoffStep, person: str, reference: str) -> None:
    allowed = allowed_signers(step)
    if person not in allowed:
        names = ", ".join(f"{key} ({config.person(key).name})" if config.person(key) else key for key in allowed)
        raise InputError([Problem(file="(request)", item=f"paper {reference}", field="as",
                                  message=f"{person!r} does not sign for {step.name}", expected=names)])


def record(session: Session, request: SignoffRequestRow, kind: str, person: str, text: str | None, source: str,
           now: dt.datetime, recorded_by: str) -> Outcome:
    """Record one answer of `person` (checked by the caller) from `source`, once."""
    if kind not in KINDS:
        raise ValueError(kind)
    inserted = session.execute(dialect_insert(session.get_bind(), SignoffAnswerRow).values(
        request_id=request.id, source=source[:300], kind=kind, person=person, text=text, counted=True, at=now)
        .on_conflict_do_nothing(index_elements=["source"])).rowcount
    if not inserted:
        return Outcome("again", request.id, message="this answer was recorded before")
    answer_id = session.execute(select(SignoffAnswerRow.id).where(SignoffAnswerRow.source == source[:300])).scalar_one()
    if kind == "comment":
        return Outcome("counted", request.id, answer_id)
    moved = session.execute(update(SignoffRequestRow).where(
        SignoffRequestRow.id == request.id, SignoffRequestRow.state == "requested").values(
        state="approved" if kind == "approve" else "declined", answered_at=now, answered_by=person,
        recorded_by=recorded_by, reason=text if kind == "decline" else None)).rowcount
    if not moved:
        session.execute(update(SignoffAnswerRow).where(SignoffAnswerRow.id == answer_id).values(counted=False))
        state = session.execute(select(SignoffRequestRow.state).where(SignoffRequestRow.id == request.id)).scalar_one()
        return Outcome("late", request.id, answer_id, f"the step is {state} already: this answer changes nothing")
    session.expire(request)
    return Outcome("counted", request.id, answer_id)


def request_by_token(session: Session, token: str) -> SignoffRequestRow | None:
    return session.execute(select(SignoffRequestRow).where(SignoffRequestRow.token == token)).scalar_one_or_none()
