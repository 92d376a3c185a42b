"""Flows: deliver an attachment that was still to follow, and chase the ones still missing (daily).

Thin wiring over `meetprep.attachments`, `meetprep.build` and `meetprep.notify`."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from meetprep import attachments, build, notify
from meetprep.config import Settings, load_configs
from meetprep.problems import InputError, Problem
from meetprep.store import Store


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@task(name="record-delivery", cache_policy=NO_CACHE)
def record_delivery(settings: Settings, body: str, reference: str, source: Path, position: int | None) -> attachments.Delivery:
    return attachments.record_delivery(Store.shared(settings.database_url), load_configs(settings.config_dir), settings,
                                       body, reference, source, _now(), position)


@task(name="rebuild-agenda", cache_policy=NO_CACHE)
def rebuild_agenda(settings: Settings, delivery: attachments.Delivery, as_of: dt.date, pdf: bool) -> dict[str, Any] | None:
    store = Store.shared(settings.database_url)
    request = attachments.rebuild_request(store, delivery, as_of)
    if request is None:
        return None
    result, _ = build.run(store, load_configs(settings.config_dir), request, settings.templates_dir,
                          settings.output_dir, _now(), pdf=pdf, pdf_seconds=settings.pdf_seconds)
    return result.as_dict()


@task(name="send-messages", cache_policy=NO_CACHE)
def send(settings: Settings, body: str, messages: list[notify.Outgoing]) -> notify.DispatchReport:
    config = load_configs(settings.config_dir).get(body)
    return notify.dispatch(Store.shared(settings.database_url), messages,
                           notify.transport_for(settings, config.body.mail, _now), _now)


@task(name="publish-outstanding", cache_policy=NO_CACHE)
def publish_outstanding(items: list[dict[str, Any]]) -> None:
    """A table artifact: the attachments still to follow, per meeting, with the days left."""
    rows = [{"body": o["body"], "meeting": o["meeting"] or "-", "paper": o["reference"], "attachment": o["title"],
             "responsible": o["responsible"] or "-", "due": o["due"] or "-",
             "days left": o["days_left"] if o["days_left"] is not None else "-"} for o in items]
    create_table_artifact(key="attachments-outstanding", table=rows or [{"attachment": "nothing outstanding"}],
                          description="Attachments still to follow, per meeting, with the days left")


def _deliver(settings: Settings, body: str, reference: str, source: Path, position: int | None, as_of: dt.date,
             pdf: bool) -> dict[str, Any]:
    delivery = record_delivery(settings, body, reference, source, position)
    rebuilt = rebuild_agenda(settings, quote(delivery), as_of, pdf)
    messages = attachments.notices(Store.shared(settings.database_url), load_configs(settings.config_dir), delivery)
    report = send(settings, body, quote(messages))
    return {"body": body, "reference": reference, "attachment": delivery.position + 1, "title": delivery.title,
            "again": delivery.again,
            "stored": delivery.path, "sha256": delivery.sha256, "meeting": delivery.meeting,
            "agenda_version": rebuilt["version"] if rebuilt else None, "notices": report.as_dict()}


@flow(name="deliver-attachment")
async def deliver_attachment(body: str, reference: str, file: str, attachment: int | None = None,
                             as_of: dt.date | None = None, pdf: bool = True) -> dict[str, Any]:
    """Record a file that was still to follow, rebuild the agenda and send the members a notice.

    Args:
        body: the body's key.
        reference: the paper's reference, e.g. V/2019/367-E04.
        file: the path of the delivered file.
        attachment: which attachment (1, 2, ...) when several are still to follow.
        as_of: the day (deadlines of the rebuilt agenda); default today.
        pdf: also write PDFs of the rebuilt agenda.
    """
    settings = Settings.from_env()
    day = as_of or _now().astimezone(ZoneInfo(load_configs(settings.config_dir).get(body).body.timezone)).date()
    return _deliver(settings, body, reference, Path(file), attachment, day, pdf)


@flow(name="chase-attachments")
async def chase_attachments(bodies: list[str] | None = None, as_of: dt.date | None = None, pdf: bool = True) -> dict[str, Any]:
    """Daily: take in files dropped into the inbox, then chase every attachment still missing.

    Args:
        bodies: body keys; all when empty.
        as_of: the day to chase for; default today in each body's time zone.
        pdf: write PDFs when a delivery rebuilds an agenda.
    """
    settings = Settings.from_env()
    configs = load_configs(settings.config_dir)
    store = Store.shared(settings.database_url)
    inbox = settings.home / "inbox"
    result: dict[str, Any] = {"delivered": [], "rejected": [], "sent": [], "skipped": [], "in_progress": [], "failed": [],
                              "outstanding": []}
    for config in configs:
        if bodies and config.body.key not in bodies:
            continue
        key = config.body.key
        day = as_of or _now().astimezone(ZoneInfo(config.body.timezone)).date()
        for item in attachments.take_inbox_files(inbox, key):
            dropped = inbox / key / item.folder / item.name
            reference = attachments.resolve_reference(store, key, item.folder)
            try:
                if reference is None:
                    raise InputError([Problem(file=str(dropped), field="folder",
                                              message=f"no paper of {key} matches the folder name {item.folder!r}")])
                refused = attachments.check_inbox_file(item)
                if refused:
                    raise InputError([Problem(file=str(dropped), field="file", message=refused)])
                delivered = _deliver(settings, key, reference, item.path, None, day, pdf)
                attachments.file_away(item, inbox, "done", _now())
                result["delivered"].append(delivered)
            except InputError as exc:
                # Named as the clerk dropped it, not by its place in .processing/.
                reason = "\n".join(str(replace(p, file=str(dropped)) if p.file == str(item.path) else p)
                                   for p in exc.problems)
                kept = attachments.file_away(item, inbox, "rejected", _now(), reason)
                result["rejected"].append({"file": str(kept), "reason": reason})
                get_run_logger().warning("inbox file refused: %s", reason)
        outcome = send(settings, key, quote(attachments.chase(store, configs, day, [key])))
        for name, rows in outcome.as_dict().items():
            result[name] += rows
        result["outstanding"] += [o.as_dict() for o in attachments.outstanding(store, configs, day, [key])]
    publish_outstanding(quote(result["outstanding"]))
    return result
