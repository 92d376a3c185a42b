"""The jobs behind `meetprep accessibility`: check each body's published portal
(meetprep.publish.checks), keep the report and publish the statement; read the feedback the
statement asks for, acknowledge it and pass it on (meetprep.messages.feedback)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Callable

from meetprep.config import Configs
from meetprep.folders import write_atomically
from meetprep.jobs.publishing import publish_meetings
from meetprep.messages import feedback, ledger
from meetprep.messages.replies import inbox_for
from meetprep.publish import public_root
from meetprep.publish.checks import check_portal, conformance, report_path
from meetprep.publish.view import public_body
from meetprep.steps import Step, direct
from meetprep.store import Store


def check_accessibility(store: Store, configs: Configs, settings: Any, now: dt.datetime, body: str | None = None,
                        progress: Callable[[str], None] = lambda _: None) -> list[dict[str, Any]]:
    """Check the portal of one body (or each), write output/accessibility/<body>.json and publish
    the statement from it; what was found, body by body."""
    results = []
    for config in configs:
        key = config.body.key
        if body is not None and key != body:
            continue
        progress(key)
        with store.session() as session:
            view = public_body(session, config, settings.output_dir)
        report = check_portal(view, public_root(settings.output_dir) / key, now)
        path = write_atomically(report_path(settings.output_dir, key),
                                json.dumps(report, ensure_ascii=False, indent=1).encode("utf-8"))
        notes = publish_meetings(store, configs, settings, now, key, set())  # the statement, from this report
        results.append({
            "body": key, "conformance": conformance(report), "report": str(path),
            "statement": str(public_root(settings.output_dir) / key / "accessibility.html"),
            "pages": report["pages"]["checked"], "page_problems": len(report["pages"]["problems"]),
            "documents": report["documents"]["checked"], "document_problems": len(report["documents"]["problems"]),
            "third_party": len(report["third_party"]),
            "third_party_inaccessible": sum(1 for e in report["third_party"] if e.get("problems") or not e.get("checked")),
            "not_run": report["not_run"], "notes": notes})
    return results


def take_feedback(store: Store, configs: Configs, settings: Any, now: dt.datetime,
                  transport_for: Callable[[Any], ledger.Transport], bodies: list[str] | None = None,
                  step: Step = direct) -> dict[str, Any]:
    """Read the accessibility feedback mailbox (MEETPREP_FEEDBACK_MAIL, default MEETPREP_HOME/
    feedback): each message recorded once, its sender acknowledged and its handlers sent a copy,
    each message once (the daily run and `meetprep accessibility feedback`)."""
    with inbox_for(settings, getattr(settings, "feedback_mail", None) or str(settings.home / "feedback")) as box:
        report = step("read-feedback", feedback.take, store, configs, box, now)
    sent = ledger.DispatchReport()
    for config in configs:
        if bodies is not None and config.body.key not in bodies:
            continue
        outgoing = feedback.messages(store, configs, config.body.key, now)
        if outgoing:
            sent.add(step("send-feedback", ledger.dispatch, store, outgoing, transport_for(config), lambda: now))
    return {**report.as_dict(), "sent": sent.as_dict()}
