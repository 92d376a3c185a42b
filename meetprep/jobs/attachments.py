"""The jobs behind `attachments deliver` and the daily chase: a delivered file recorded, the agenda
that shows it rebuilt and published, the notices sent; the inbox taken in, then what is still
missing chased."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from meetprep.attachments.core import (
    chase,
    check_inbox_file,
    file_away,
    notices,
    outstanding,
    rebuild_request,
    record_delivery,
    resolve_reference,
    take_inbox_files,
)
from meetprep.config import Configs, Settings
from meetprep.errors import InputError, Problem
from meetprep.jobs.agenda import build_agenda
from meetprep.messages import ledger
from meetprep.steps import Step, direct
from meetprep.store import Store


def deliver(store: Store, configs: Configs, settings: Settings, body: str, reference: str, source: Path,
            position: int | None, as_of: dt.date, clock: Callable[[], dt.datetime], transport: ledger.Transport,
            pdf: bool = True, step: Step = direct) -> dict[str, Any]:
    """Record a delivered file, rebuild the agenda that shows it, and send the notices (each once)."""
    delivery = step("record-delivery", record_delivery, store, configs, settings, body, reference, source, clock(),
                    position)
    request = rebuild_request(store, delivery, as_of)
    rebuilt = None
    if request is not None:
        rebuilt, _ = build_agenda(store, configs, settings, request, clock(), pdf, step)
    report = step("send-notices", ledger.dispatch, store, notices(store, configs, delivery), transport, clock)
    return {"body": body, "reference": reference, "attachment": delivery.position + 1, "title": delivery.title,
            "again": delivery.again, "stored": delivery.path, "sha256": delivery.sha256, "meeting": delivery.meeting,
            "agenda_version": rebuilt.version if rebuilt else None, "notices": report.as_dict()}


def chase_day(store: Store, configs: Configs, settings: Settings, body: str, day: dt.date,
              clock: Callable[[], dt.datetime], transport: ledger.Transport, pdf: bool = True,
              step: Step = direct) -> dict[str, Any]:
    """One body's daily run: take in the files dropped into the inbox, then chase what is still missing."""
    inbox = settings.home / "inbox"
    result: dict[str, Any] = {"delivered": [], "rejected": [], **ledger.DispatchReport().as_dict(), "outstanding": []}
    for item in take_inbox_files(inbox, body):
        dropped = inbox / body / item.folder / item.name
        reference = resolve_reference(store, body, item.folder)
        try:
            if reference is None:
                raise InputError([Problem(file=str(dropped), field="folder",
                                          message=f"no paper of {body} matches the folder name {item.folder!r}")])
            refused = check_inbox_file(item)
            if refused:
                raise InputError([Problem(file=str(dropped), field="file", message=refused)])
            result["delivered"].append(deliver(store, configs, settings, body, reference, item.path, None, day, clock,
                                               transport, pdf, step))
            file_away(item, inbox, "done", clock())
        except InputError as exc:
            # Named as the clerk dropped it, not by its place in .processing/.
            reason = "\n".join(str(replace(p, file=str(dropped)) if p.file == str(item.path) else p)
                               for p in exc.problems)
            kept = file_away(item, inbox, "rejected", clock(), reason)
            result["rejected"].append({"file": str(kept), "reason": reason})
    chased = step("chase-attachments", ledger.dispatch, store, chase(store, configs, day, [body]), transport, clock)
    for name, rows in chased.as_dict().items():
        result[name] += rows
    result["outstanding"] = [o.as_dict() for o in outstanding(store, configs, day, [body])]
    return result
