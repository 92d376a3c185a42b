"""Jobs on an agenda: build it and publish what changed; rebuild it before anything is sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from meetprep.agenda import build
from meetprep.agenda.draft import AgendaRequest, BuildResult
from meetprep.config import Configs
from meetprep.jobs.publishing import publish_meetings
from meetprep.model import MeetingState
from meetprep.steps import Step, direct
from meetprep.store import Store


def build_agenda(store: Store, configs: Configs, settings: Any, request: AgendaRequest, now: dt.datetime,
                 pdf: bool = True, step: Step = direct) -> tuple[BuildResult, list[str]]:
    """Build (or rebuild) one agenda and, where that made a new version, publish the meeting and its
    papers. Returns the result and notes (a PDF that failed, the portal not updated)."""
    result, notes = build.run(store, configs, request, settings.templates_dir, settings.output_dir, now, pdf=pdf,
                              pdf_seconds=getattr(settings, "pdf_seconds", None), step=step)
    if result.action == "created":
        notes = notes + step("publish-portal", publish_meetings, store, configs, settings, now, request.body,
                             {result.meeting})
    return result, notes


def rebuild_before_sending(store: Store, configs: Configs, settings: Any, request: AgendaRequest, now: dt.datetime,
                           pdf: bool = True, step: Step = direct) -> BuildResult | None:
    """Rebuild the agenda before anything is sent, so that no message carries an older state of the
    meeting (a new version only if something changed). None for a cancelled meeting."""
    with store.session() as session:
        _, meeting = build.find_meeting(session, configs, request)
        if meeting.state == MeetingState.cancelled.value:
            return None
    result, _ = build_agenda(store, configs, settings, request, now, pdf, step)
    return result
