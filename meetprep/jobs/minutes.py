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
from sqlalchemy import select

from meetprep.store import AgendaRow, MeetingRow, Store, the_meeting


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
