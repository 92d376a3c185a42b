"""The job behind `minutes record` and the record-minutes flow."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable

from meetprep.agenda.documents import PUBLIC
from meetprep.config import Configs
from meetprep.folders import publish
from meetprep.jobs.publishing import publish_meetings
from meetprep.messages import ledger
from meetprep.minutes import excerpts
from meetprep.minutes.record import mark_minuted, messages, record, render_documents
from meetprep.model import MinutesFile
from meetprep.steps import Step, direct
from sqlalchemy import or_, select

from meetprep.store import AgendaRow, BodyRow, MeetingRow, MinutesRow, Store, the_meeting


def write_documents(store: Store, configs: Configs, settings: Any, body: str, meeting_key: str,
                    pdf: bool) -> tuple[list[dict[str, Any]], list[str]]:
    """Render the referat / Niederschrift and put its public variant under `output/public/`."""
    written, notes = render_documents(store, configs, settings, body, meeting_key, pdf)
    with store.session() as session:
        committee = the_meeting(session, body, meeting_key).organization.key
    publish([Path(item["path"]) for item in written if item["variant"] == PUBLIC],
            settings.output_dir / "public" / body / committee / meeting_key)
    return written, notes


def later_agendas(store: Store, body: str, meeting_key: str) -> set[str]:
    """The committee's later meetings that have an agenda: their planned times follow these minutes."""
    with store.session() as session:
        meeting = the_meeting(session, body, meeting_key)
        return set(session.execute(select(MeetingRow.key).join(AgendaRow, AgendaRow.meeting_id == MeetingRow.id).where(
            MeetingRow.organization_id == meeting.organization_id, MeetingRow.start > meeting.start)).scalars())


def record_minutes(store: Store, configs: Configs, settings: Any, data: MinutesFile, source: str,
                   clock: Callable[[], dt.datetime], transport: ledger.Transport, pdf: bool = True,
                   step: Step = direct) -> dict[str, Any]:
    """Record the decisions and move the papers on, write the minutes (and publish their public
    variant), send them to the members once, mark the meeting minuted, publish the meeting."""
    recorded = step("record-minutes", record, store, configs, data, source, clock())
    files, notes = step("write-minutes", write_documents, store, configs, settings, data.body, data.meeting, pdf)
    report = step("send-minutes", ledger.dispatch, store, messages(store, configs, data.body, data.meeting, files),
                  transport, clock)
    if not report.failed and not report.in_progress:
        mark_minuted(store, data.body, data.meeting, clock())
    shown = {data.meeting}
    if any(item.started and item.ended for item in data.items):  # the later agendas' time plans learn from them
        shown |= later_agendas(store, data.body, data.meeting)
    sent = report.as_dict()
    handed = {"excerpts": [], "waiting": True, "sent": ledger.DispatchReport().as_dict(), "papers": set()}
    if not excerpts.waiting_for_approval(store, configs, data.body, data.meeting):
        handed = hand_over(store, configs, settings, data.body, data.meeting, clock, transport, pdf, step)
        notes = notes + handed["notes"]
    notes = notes + step("publish-portal", publish_meetings, store, configs, settings, clock(), data.body, shown,
                         handed["papers"] or None)
    return {**recorded, "files": files, "notes": notes, "sent": sent,
            "excerpts": {k: v for k, v in handed.items() if k not in ("papers", "notes")}}


def hand_over(store: Store, configs: Configs, settings: Any, body: str, meeting: str,
              clock: Callable[[], dt.datetime], transport: ledger.Transport, pdf: bool = True,
              step: Step = direct) -> dict[str, Any]:
    """The excerpts of a meeting's decisions: rendered, kept as their papers' files, sent to the
    units and case officers once. Publishing is the caller's (the papers that changed are returned)."""
    written = step("write-excerpts", excerpts.render, store, configs, settings, body, meeting, pdf)
    papers = step("attach-excerpts", excerpts.attach, store, body, written, clock())
    report = step("send-excerpts", ledger.dispatch, store, excerpts.messages(store, configs, body, meeting, written),
                  transport, clock)
    return {"excerpts": [{"reference": e.reference, "version": e.version, "public": e.public,
                          "files": [f["path"] for f in e.files]} for e in written],
            "waiting": False, "sent": report.as_dict(), "papers": papers,
            "notes": sorted({n for e in written for n in e.notes})}


def catch_up(store: Store, configs: Configs, settings: Any, now: dt.datetime,
             transport_for: Callable[[Any], ledger.Transport], bodies: list[str] | None = None, pdf: bool = True,
             step: Step = direct, days: int = 14) -> dict[str, Any]:
    """The excerpts of minutes recorded (or approved) in the last `days` days handed over again
    by the daily run: a run that stopped between recording the minutes and sending the excerpts
    is made good the next morning. What was sent already is not sent again (the ledger), what
    was attached is not attached again."""
    since = now - dt.timedelta(days=days)
    with store.session() as session:
        rows = session.execute(
            select(BodyRow.key, MeetingRow.key).select_from(MinutesRow)
            .join(MeetingRow, MinutesRow.meeting_id == MeetingRow.id)
            .join(BodyRow, MeetingRow.body_id == BodyRow.id)
            .where(or_(MinutesRow.recorded_at >= since, MinutesRow.approved_at >= since))
            .order_by(MeetingRow.start)).all()
    sent, notes = ledger.DispatchReport(), []
    for body, meeting in rows:
        if (bodies is not None and body not in bodies) or configs.get(body) is None:
            continue
        if excerpts.waiting_for_approval(store, configs, body, meeting):
            continue
        try:
            handed = hand_over(store, configs, settings, body, meeting, lambda: now,
                               transport_for(configs.get(body)), pdf, step)
        except Exception as exc:  # noqa: BLE001 - one meeting's excerpts must not stop the others'
            notes.append(f"{body}/{meeting}: the excerpts were not handed over ({type(exc).__name__}: {exc})")
            continue
        sent.add(ledger.DispatchReport(**handed["sent"]))
        if handed["papers"]:
            notes += step("publish-portal", publish_meetings, store, configs, settings, now, body, set(),
                          handed["papers"])
    return {"meetings": len(rows), "sent": sent.as_dict(), "notes": notes}


def approve_minutes(store: Store, configs: Configs, settings: Any, body: str, meeting: str,
                    clock: Callable[[], dt.datetime], transport: ledger.Transport, pdf: bool = True,
                    step: Step = direct) -> dict[str, Any]:
    """`meetprep minutes approve`: the recorded minutes approved, then the excerpts handed over
    and their papers published."""
    version = step("approve-minutes", excerpts.approve, store, body, meeting, clock())
    handed = hand_over(store, configs, settings, body, meeting, clock, transport, pdf, step)
    notes = handed["notes"] + step("publish-portal", publish_meetings, store, configs, settings, clock(), body,
                                   {meeting}, handed["papers"] or None)
    return {"meeting": meeting, "approved": version, "notes": notes,
            "excerpts": {k: v for k, v in handed.items() if k not in ("papers", "notes")}}
