"""The jobs of the sign-off round: `run_signoff` (in the take-papers flow every few minutes, in
`meetprep items take` and in the daily timeline) reads the approvers' answers, moves every
paper's round on, and sends what is due: requests with the paper attached (Word and PDF), the
decline or comment to the author, reminders before a step is due, the deputies after, the
secretary when even they are late. `record_answer` is what a clerk records for someone
(`meetprep items signoff`, the record-signoff flow's form); `record_exception` lets a late
paper on one meeting's agenda.

Everything is claimed in the store first (answers by their source, request states by a
conditional UPDATE, rounds under the body's write lock) and sent through the ledger, so
overlapping runs count each answer once and send each message once.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import tempfile
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select

from meetprep.agenda import pdf
from meetprep.attachments.core import responsible_recipients
from meetprep.authoring.documents import export
from meetprep.config import Configs
from meetprep.errors import InputError, Problem
from meetprep.folders import write_atomically
from meetprep.i18n import catalogue
from meetprep.meetings.deadlines import add_days, subtract_days
from meetprep.messages import ledger
from meetprep.messages.replies import inbox_for
from meetprep.model import BodyConfig, DayCount
from meetprep.signoff import answers as answering
from meetprep.signoff import notices, rounds
from meetprep.signoff.chains import allowed_signers, steps_for
from meetprep.signoff.replies import Unreadable, read_answer, token_of
from meetprep.steps import Step, direct
from meetprep.store import (
    BodyRow,
    ConsultationRow,
    MembershipRow,
    OrganizationRow,
    PaperRow,
    PersonRow,
    SignoffExceptionRow,
    SignoffRequestRow,
    Store,
    committee_secretaries,
    meeting_by_key,
    paper_by_reference,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _today(config: BodyConfig, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(config.body.timezone)).date()


def run_signoff(store: Store, configs: Configs, settings: Any, now: dt.datetime,
                transport_for: Callable[[BodyConfig], ledger.Transport], bodies: list[str] | None = None,
                pdf_too: bool = True, step: Step = direct) -> dict[str, Any]:
    chosen = [c for c in configs if c.body.key in (bodies or [c.body.key]) and c.signoff.chains]
    if not chosen:
        return {"answers": [], "aside": [], "changes": [], **ledger.DispatchReport().as_dict()}
    taken = step("read-signoff-answers", take_answers, store, configs, settings, now)
    report = ledger.DispatchReport()
    changes: list[dict[str, Any]] = []
    for config in chosen:
        moved, messages = step("advance-signoff", advance_body, store, configs, settings, config.body.key, now, pdf_too)
        messages += taken["messages"].get(config.body.key, [])
        messages += step("signoff-reminders", due_notices, store, configs, settings, config, now, pdf_too)
        changes += moved
        if messages:
            report.add(step("send-signoff", ledger.dispatch, store, messages, transport_for(config), lambda: now))
    return {"answers": taken["answers"], "aside": taken["aside"], "changes": changes, **report.as_dict()}


def advance_body(store: Store, configs: Configs, settings: Any, body: str, now: dt.datetime,
                 pdf_too: bool = True) -> tuple[list[dict[str, Any]], list[ledger.Outgoing]]:
    """Move every paper of the body that needs sign-off on; the messages its changes call for."""
    config = configs.get(body)
    today = _today(config, now)
    types = {t for chain in config.signoff.chains for t in chain.types}
    events: list[tuple[str, int, int | None, int | None]] = []  # kind, paper id, request id, previous revision
    with store.writing(f"signoff:{body}") as session:
        # Papers before their first decision only: a decided paper is past sign-off.
        query = select(PaperRow).join(BodyRow).where(
            BodyRow.key == body, ~PaperRow.consultations.any(ConsultationRow.status == "completed"))
        if "*" not in types:
            query = query.where(PaperRow.paper_type.in_(types))
        for paper in session.execute(query).scalars():
            for change in rounds.advance(session, config, paper, today, now):
                events.append((change.kind, paper.id, change.request.id if change.request else None,
                               change.previous_revision))
    previous = {paper_id: prev for kind, paper_id, _, prev in events if kind == "round"}
    messages: list[ledger.Outgoing] = []
    moved: list[dict[str, Any]] = []
    documents: dict[int, list[ledger.Attachment]] = {}
    with store.session() as session:
        for kind, paper_id, request_id, _ in events:
            paper = session.get(PaperRow, paper_id)
            moved.append({"body": body, "reference": paper.reference, "change": kind,
                          "step": session.get(SignoffRequestRow, request_id).step if request_id else None})
            if kind == "requested":
                row = session.get(SignoffRequestRow, request_id)
                chain_step = _step(config, paper, row.step)
                if paper_id not in documents:
                    documents[paper_id] = _paper_files(store, configs, settings, body, paper.reference, pdf_too)
                before = previous.get(paper_id)
                changed = notices.what_changed(rounds.revision_data(session, paper_id, before),
                                               rounds.latest_data(paper)) if before else None
                messages += notices.requests(config, paper, row, chain_step, documents[paper_id], changed, before)
            elif kind == "ready":
                steps = ", ".join(r["step"] for r in rounds.state_of(config, paper, rounds.requests_of(session, paper_id)).steps)
                messages += notices.to_author(config, paper, None, "ready", _authors(session, config, paper), steps=steps)
    return moved, messages


def _step(config: BodyConfig, paper: PaperRow, name: str):
    return next(s for s in steps_for(config, rounds.chain_data(paper)) if s.name == name)


def _paper_files(store: Store, configs: Configs, settings: Any, body: str, reference: str,
                 pdf_too: bool) -> list[ledger.Attachment]:
    """The paper as its Word document, and as a PDF where LibreOffice is there."""
    data, revision = export(store, configs, settings.templates_dir, body, reference)
    name = f"{reference.replace('/', '-')}-{revision}"
    files = [ledger.Attachment(f"{name}.docx", data, DOCX)]
    if pdf_too and pdf.soffice() is not None:
        with tempfile.TemporaryDirectory(prefix="meetprep-signoff-") as folder:
            document = Path(folder) / f"{name}.docx"
            document.write_bytes(data)
            converted = pdf.convert([document], settings.pdf_seconds or pdf.SECONDS_PER_DOCUMENT)
            if document in converted.pdfs:
                files.append(ledger.Attachment(f"{name}.pdf", converted.pdfs[document].read_bytes(), "application/pdf"))
    return files


def _authors(session, config: BodyConfig, paper: PaperRow) -> list[tuple[str | None, str, str]]:
    """The paper's case officer (or its unit, or its committee's secretary)."""
    first = paper.consultations[0].organization_id if paper.consultations else None
    found = []
    for person, address, channel in responsible_recipients(session, config, [paper.case_officer, paper.originator_unit],
                                                            first):
        if channel == "email":
            found.append((person.key if person else None, address, person.name if person else (paper.case_officer or address)))
    return found


def _secretaries(session, paper: PaperRow) -> list[tuple[str, str, str]]:
    first = paper.consultations[0].organization_id if paper.consultations else None
    return [(p.key, p.email, p.name) for p in committee_secretaries(session, first)]


def due_notices(store: Store, configs: Configs, settings: Any, config: BodyConfig, now: dt.datetime,
                pdf_too: bool = True) -> list[ledger.Outgoing]:
    """For each open request with a due day: the reminder from `remind_days` before it, the
    request to the deputies (with the paper) the day after it, the secretary `escalate_days` later."""
    body = config.body
    today = _today(config, now)
    holidays, saturday = body.holidays, body.deadlines.saturday_is_business_day
    rules = config.signoff
    out: list[ledger.Outgoing] = []
    with store.session() as session:
        rows = session.execute(select(SignoffRequestRow).join(PaperRow).join(BodyRow).where(
            BodyRow.key == body.key, SignoffRequestRow.state == "requested",
            SignoffRequestRow.due.is_not(None))).scalars().all()
        for row in rows:
            paper = row.paper
            step = next((s for s in steps_for(config, rounds.chain_data(paper)) if s.name == row.step), None)
            if step is None:
                continue
            asked_today = row.requested_at is not None and _today(config, row.requested_at) >= today
            if not asked_today and subtract_days(row.due, rules.remind_days, DayCount.business, holidays,
                                                 saturday) <= today <= row.due:
                out += ledger.unsent(store, notices.reminders(config, paper, row, step))
            if today > row.due:
                deputies = [d for d in step.deputy if d != row.holder]
                # built without the paper first: its files are made only for a request still to send
                late = ledger.unsent(store, notices.requests(config, paper, row, step, [], to=deputies, kind="signoff-deputy"))
                if late:
                    files = _paper_files(store, configs, settings, body.key, paper.reference, pdf_too)
                    out += [m for m in notices.requests(config, paper, row, step, files, to=deputies, kind="signoff-deputy")
                            if m.key in {u.key for u in late}]
                if today > add_days(row.due, rules.escalate_days, DayCount.business, holidays, saturday):
                    out += ledger.unsent(store, notices.to_secretaries(config, paper, row, step, _secretaries(session, paper)))
    return out


# ---------------------------------------------------------------------------------------------
# Answers


def take_answers(store: Store, configs: Configs, settings: Any, now: dt.datetime) -> dict[str, Any]:
    """Read the sign-off mailbox: each unread reply recorded once (or kept aside with its reason),
    marked read only after that."""
    source = getattr(settings, "signoff_mail", None)
    result: dict[str, Any] = {"answers": [], "aside": [], "messages": {}}
    with inbox_for(settings, source or str(settings.home / "signoff")) as box:
        for key, where, raw in box.unread():
            try:
                result["answers"].append(_take_one(store, configs, raw, now, result["messages"]))
            except Unreadable as why:
                kept = settings.home / "inbox" / ".rejected" / now.strftime("%Y-%m-%d") / (
                    f"signoff-{hashlib.sha256(raw).hexdigest()[:12]}.eml")
                write_atomically(kept, raw)
                kept.with_name(kept.name + ".reason.txt").write_text(f"{where}: {why}\n", encoding="utf-8")
                result["aside"].append({"source": where, "reason": str(why), "kept": str(kept)})
            box.mark_read(key)
    return result


def _take_one(store: Store, configs: Configs, raw: bytes, now: dt.datetime,
              messages: dict[str, list[ledger.Outgoing]]) -> dict[str, Any]:
    token = token_of(raw)
    if token is None:
        raise Unreadable("no sign-off request is named (the subject's [MZ ...] / [GK ...] is missing)")
    with store.session() as session:
        row = answering.request_by_token(session, token)
        if row is None:
            raise Unreadable(f"the request [{token}] is not known here")
        body = row.paper.body.key
    config = configs.get(body)
    answer = read_answer(raw, catalogue(config.body.locale.value))
    with store.writing(f"signoff:{body}") as session:
        row = answering.request_by_token(session, token)
        paper = row.paper
        step = next((s for s in steps_for(config, rounds.chain_data(paper)) if s.name == row.step), None)
        if step is None:
            raise Unreadable(f"the step {row.step} is no longer asked of {paper.reference}")
        person = next((key for key in allowed_signers(step)
                       if config.person(key) and str(config.person(key).email or "").lower() == answer.sender), None)
        if person is None:
            raise Unreadable(f"{answer.sender} does not sign for {row.step} (nor is a deputy)")
        outcome = answering.record(session, row, answer.kind, person, answer.text, answer.source, now, "mail")
        messages.setdefault(body, []).extend(_after_answer(session, config, row, answer.kind, person, answer.text,
                                                           outcome))
        return {"body": body, "reference": paper.reference, "step": row.step, "kind": answer.kind, "person": person,
                "result": outcome.result, "message": outcome.message}


def _after_answer(session, config: BodyConfig, row: SignoffRequestRow, kind: str, person: str, text: str | None,
                  outcome: answering.Outcome) -> list[ledger.Outgoing]:
    """The author hears of a counted decline and of every comment."""
    if outcome.result != "counted" or kind == "approve":
        return []
    session.refresh(row)
    name = config.person(person).name if config.person(person) else person
    if kind == "decline":
        return notices.to_author(config, row.paper, row, "declined", _authors(session, config, row.paper),
                                 person=name, reason=text or "")
    return notices.to_author(config, row.paper, row, "comment", _authors(session, config, row.paper), person=name,
                             comment=text or "", answer_id=f"-{outcome.answer_id}")


def record_answer(store: Store, configs: Configs, body: str, reference: str, step_name: str, kind: str,
                  person: str | None, text: str | None, now: dt.datetime, clerk: str | None = None) -> dict[str, Any]:
    """What a clerk records for an approver (`--as`, default: the step's holder)."""
    config = configs.get(body)
    if config is None:
        raise InputError([Problem(file="(request)", field="body", message=f"no body {body!r} is configured",
                                  expected=", ".join(configs.keys()))])
    if kind == "decline" and not (text or "").strip():
        raise InputError([Problem(file="(request)", item=f"paper {reference}", field="decline",
                                  message="a decline needs its reason")])
    clerk = clerk or getpass.getuser()
    with store.writing(f"signoff:{body}") as session:
        row, step = answering.find_request(session, config, reference, step_name)
        person = person or row.holder or (step.signers[0] if step.signers else None)
        answering.check_signer(config, step, person, reference)
        source = f"clerk:{clerk}:{row.id}:{kind}:{hashlib.sha256((text or '').encode()).hexdigest()[:12]}:{now.isoformat()}"
        outcome = answering.record(session, row, kind, person, text, source, now, f"clerk {clerk}")
        if outcome.result == "late":
            raise InputError([Problem(file="(request)", item=f"paper {reference}", field="step",
                                      message=f"{row.step}: {outcome.message}")])
        messages = _after_answer(session, config, row, kind, person, text, outcome)
        return {"body": body, "reference": reference, "step": row.step, "kind": kind, "person": person,
                "result": outcome.result, "messages": messages}


def record_exception(store: Store, configs: Configs, body: str, reference: str, meeting: str, person: str,
                     reason: str, now: dt.datetime) -> dict[str, Any]:
    """Let a late paper on one meeting's agenda: by someone the body allows, with the reason."""
    config = configs.get(body)
    where = {"file": "(request)", "item": f"paper {reference}"}
    if config is None:
        raise InputError([Problem(file="(request)", field="body", message=f"no body {body!r} is configured")])
    if not reason.strip():
        raise InputError([Problem(**where, field="reason", message="an exception needs its reason")])
    with store.writing(f"signoff:{body}") as session:
        paper = paper_by_reference(session, body, reference)
        if paper is None:
            raise InputError([Problem(**where, field="reference", message=f"no paper {reference!r} of {body!r} is stored")])
        row = meeting_by_key(session, body, meeting)
        if row is None:
            raise InputError([Problem(**where, field="meeting", message=f"no meeting {meeting!r} of {body!r}")])
        roles = set(session.execute(select(MembershipRow.role).join(PersonRow, MembershipRow.person_id == PersonRow.id)
                                    .join(OrganizationRow, MembershipRow.organization_id == OrganizationRow.id)
                                    .where(OrganizationRow.id == row.organization_id, PersonRow.key == person)).scalars())
        allowed = set(config.signoff.exceptions_by)
        if not roles & allowed:
            raise InputError([Problem(**where, field="by", message=f"{person!r} may not let a late paper on this "
                                      f"meeting's agenda", expected=" or ".join(sorted(allowed)) + " of the committee")])
        existing = session.execute(select(SignoffExceptionRow).where(SignoffExceptionRow.paper_id == paper.id,
                                                                    SignoffExceptionRow.meeting_id == row.id)).scalar_one_or_none()
        if existing is None:
            session.add(SignoffExceptionRow(paper_id=paper.id, meeting_id=row.id, person=person, reason=reason.strip(),
                                            recorded_at=now))
        else:
            existing.person, existing.reason, existing.recorded_at = person, reason.strip(), now
    return {"body": body, "reference": reference, "meeting": meeting, "by": person, "reason": reason.strip()}


def overview(store: Store, configs: Configs, body: str | None = None) -> list[dict[str, Any]]:
    """One row per paper in sign-off or back with its author: what it waits for, and who holds it."""
    from meetprep.agenda.listing import list_papers

    with store.session() as session:
        rows = [r for state in ("signoff", "draft")
                for r in list_papers(session, body=body, configs=configs, state=state)]
    return [{"paper": r["reference"], "title": r["title"][:80], "state": r["state"],
             "steps": "; ".join(f"{s['step']}: {s['state']}" + (f" ({s['holder']}, due {s['due']})" if s.get("holder") else "")
                                for s in r["signoff"])} for r in rows]
