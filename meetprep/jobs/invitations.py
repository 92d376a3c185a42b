"""The job behind `invitations send` and the send-invitations flow."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from meetprep.agenda.draft import AgendaRequest
from meetprep.config import Configs
from meetprep.jobs.agenda import rebuild_before_sending
from meetprep.jobs.publishing import write_feeds
from meetprep.messages import ledger
from meetprep.messages.invitations import mark_invited, plan_invitations
from meetprep.steps import Step, direct
from meetprep.store import Store


def send_invitations(store: Store, configs: Configs, settings: Any, request: AgendaRequest,
                     clock: Callable[[], dt.datetime], transport: ledger.Transport, pdf: bool = True,
                     step: Step = direct) -> dict[str, Any]:
    """Rebuild the agenda, plan every member's and guest's message (invitation, update, change notice
    or cancellation), send each once, mark the meeting invited, rewrite the feeds."""
    step("rebuild-agenda", rebuild_before_sending, store, configs, settings, request, clock(), pdf)
    planned = step("plan-invitations", plan_invitations, store, configs, request.body, request.committee, clock(),
                   day=request.day, meeting_key=request.meeting)
    report = step("send-invitations", ledger.dispatch, store, planned.messages, transport, clock)
    if not report.failed and not report.in_progress:
        mark_invited(store, planned.meeting_id, clock())
    feeds = step("write-feeds", write_feeds, store, configs, settings, clock())
    return {"meeting": planned.meeting_key, **report.as_dict(), "problems": planned.problems,
            "feeds": [str(p) for p in feeds]}
