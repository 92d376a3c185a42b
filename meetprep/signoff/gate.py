"""Which due papers may go on an agenda: for a body with sign-off chains, only ready papers, and
of those only the ones that were ready by the papers deadline, unless someone the body allows
recorded an exception for this meeting. Every paper kept off, and every one let on by an
exception, is a problem of the build that says why (the step it waits for and who holds it).

A paper already on the meeting's agenda stays there when a new revision of it goes into
sign-off again: taking an item off a sent agenda is the clerk's decision (withdraw it), not a
side effect; the build says that the revision is not signed yet.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from meetprep.agenda.numbering import Problem
from meetprep.i18n import Catalogue
from meetprep.model import BodyConfig
from meetprep.signoff.rounds import requests_of, state_of
from meetprep.store import ConsultationRow, MeetingRow, PaperRow, SignoffExceptionRow


def gate(session: Session, config: BodyConfig, words: Catalogue, due: list[tuple[PaperRow, ConsultationRow]],
         meeting: MeetingRow, papers_deadline: dt.date, on_agenda: set[str]
         ) -> tuple[list[tuple[PaperRow, ConsultationRow]], list[Problem]]:
    if not config.signoff.chains:
        return due, []
    zone = ZoneInfo(config.body.timezone)
    exceptions = {row.paper_id: row for row in session.execute(
        select(SignoffExceptionRow).where(SignoffExceptionRow.meeting_id == meeting.id)).scalars()}
    admitted: list[tuple[PaperRow, ConsultationRow]] = []
    problems: list[Problem] = []
    for paper, step in due:
        state = state_of(config, paper, requests_of(session, paper.id))
        if not state.needs_signoff:
            admitted.append((paper, step))
            continue
        ready_day = state.ready_at.astimezone(zone).date() if state.ready_at else None
        if state.state == "ready" and (ready_day is None or ready_day <= papers_deadline):
            admitted.append((paper, step))
            continue
        steps = "; ".join(_step_text(config, words, s) for s in state.waiting_for) or "–"
        if paper.reference in on_agenda:
            admitted.append((paper, step))
            problems.append(Problem("signoff_changed", paper.reference, {"revision": str(paper.revision), "steps": steps}))
            continue
        exception = exceptions.get(paper.id)
        if exception is not None:
            admitted.append((paper, step))
            why = (words.text("problems.signoff_why_waiting", steps=steps) if state.state != "ready"
                   else words.text("problems.signoff_why_late", ready=words.date(ready_day, "date_short"),
                                   deadline=words.date(papers_deadline, "date_short")))
            problems.append(Problem("signoff_exception", paper.reference, {
                "why": why, "person": _name(config, exception.person),
                "date": words.date(exception.recorded_at.astimezone(zone).date(), "date_short"),
                "reason": exception.reason}))
        elif state.state == "draft":
            declined = state.declined or {}
            problems.append(Problem("signoff_draft", paper.reference, {
                "step": declined.get("step", "?"), "reason": declined.get("reason") or "–"}))
        elif state.state == "ready":
            problems.append(Problem("signoff_late", paper.reference, {
                "ready": words.date(ready_day, "date_short"), "deadline": words.date(papers_deadline, "date_short")}))
        else:
            problems.append(Problem("signoff_waiting", paper.reference, {"steps": steps}))
    return admitted, problems


def _name(config: BodyConfig, key: str | None) -> str:
    person = config.person(key) if key else None
    return person.name if person else (key or "–")


def _step_text(config: BodyConfig, words: Catalogue, step: dict[str, Any]) -> str:
    if step["state"] == "waiting":
        return words.text("problems.signoff_step_later", step=step["step"])
    due = dt.date.fromisoformat(step["due"]) if step.get("due") else None
    return words.text("problems.signoff_step", step=step["step"], holder=_name(config, step.get("holder")),
                      due=words.date(due, "date_short") if due else "–")


def signatures(session: Session, config: BodyConfig, paper: PaperRow) -> list[dict[str, Any]]:
    """The signatures of the paper's current revision, in the chain's order: step, name, day."""
    if not config.signoff.chains:
        return []
    state = state_of(config, paper, requests_of(session, paper.id))
    zone = ZoneInfo(config.body.timezone)
    return [{"step": s["step"], "name": _name(config, s["answered_by"]),
             "date": dt.datetime.fromisoformat(s["answered_at"]).astimezone(zone).date().isoformat()}
            for s in state.steps if s["state"] == "approved" and s.get("answered_at")]
