"""The follow-up of decisions' tasks: the daily run's part (owners' replies read, reminders and
escalations sent, the public follow-up published when a task changed) and the clerk's commands."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Callable
from zoneinfo import ZoneInfo

from meetprep.config import Configs
from meetprep.decisions import followup, replies, tasks
from meetprep.folders import write_atomically
from meetprep.jobs.publishing import publish_meetings
from meetprep.messages import ledger
from meetprep.messages.replies import inbox_for
from meetprep.steps import Step, direct
from meetprep.store import Store


def follow_up(store: Store, configs: Configs, settings: Any, now: dt.datetime,
              transport_for: Callable[[Any], ledger.Transport], bodies: list[str] | None = None,
              step: Step = direct) -> dict[str, Any]:
    """Read the owners' replies (MEETPREP_DECISIONS_MAIL, default MEETPREP_HOME/decisions), each
    recorded once and marked read after that; send today's reminders and escalations and the
    answers, each once; publish the papers whose tasks changed (and the follow-up page)."""

    def aside(where: str, raw: bytes, reason: str) -> dict[str, str]:
        kept = settings.home / "inbox" / ".rejected" / now.strftime("%Y-%m-%d") / (
            f"decisions-{hashlib.sha256(raw).hexdigest()[:12]}.eml")
        write_atomically(kept, raw)
        kept.with_name(kept.name + ".reason.txt").write_text(f"{where}: {reason}\n", encoding="utf-8")
        return {"source": where, "reason": reason, "kept": str(kept)}

    with inbox_for(settings, getattr(settings, "decisions_mail", None) or str(settings.home / "decisions")) as box:
        taken = step("read-task-replies", replies.take_all, store, configs, box, now, aside)
    sent = ledger.DispatchReport()
    notes: list[str] = []
    for config in configs:
        body = config.body.key
        if bodies is not None and body not in bodies:
            continue
        today = now.astimezone(ZoneInfo(config.body.timezone)).date()
        outgoing = [m for m in taken["messages"] if m.key.startswith(f"{body}/")]
        outgoing += followup.messages(store, configs, body, today)
        if outgoing:
            sent.add(step("send-follow-up", ledger.dispatch, store, outgoing, transport_for(config), lambda: now))
        changed = {t["reference"] for t in taken["taken"] if t["body"] == body and t["result"] in ("done", "extended")}
        if changed:
            notes += step("publish-portal", publish_meetings, store, configs, settings, now, body, set(), changed)
    return {"taken": taken["taken"], "aside": taken["aside"], "sent": sent.as_dict(), "notes": notes}


def record_report(store: Store, configs: Configs, settings: Any, body: str, task_id: int, kind: str, by: str,
                  text: str | None, now: dt.datetime, new_due: dt.date | None = None) -> dict[str, Any]:
    """`meetprep decisions done|extend`: the clerk's record, then the paper published anew."""
    outcome = tasks.record_report(store, body, task_id, kind, by, text, now, new_due)
    with store.session() as session:
        reference = tasks.find(session, body, task_id).paper.reference
    notes = publish_meetings(store, configs, settings, now, body, set(), {reference}) \
        if outcome.result in ("done", "extended") else []
    return {"task": task_id, "reference": reference, "result": outcome.result,
            "due": outcome.due.isoformat() if outcome.due else None, "notes": notes}
