"""Flows: deliver an attachment that was still to follow, and chase the ones still missing (daily).

Thin wiring over meetprep.jobs.attachments: the same jobs the command line runs without Prefect,
each of their steps a task, with what is outstanding as a table artifact."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows._tasks import as_task
from meetprep.jobs import attachments
from meetprep.messages import ledger
from meetprep.config import Settings, load_configs
from meetprep.store import Store


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _transport(settings: Settings, body: str) -> ledger.Transport:
    return ledger.transport_for(settings, load_configs(settings.config_dir).get(body).body.mail, _now)


def deliver(settings: Settings, body: str, reference: str, source: Path, position: int | None, as_of: dt.date,
            pdf: bool) -> dict[str, Any]:
    return attachments.deliver(Store.shared(settings.database_url), load_configs(settings.config_dir), settings, body,
                               reference, source, position, as_of, _now, _transport(settings, body), pdf, step=as_task)


def chase_body(settings: Settings, body: str, day: dt.date, pdf: bool) -> dict[str, Any]:
    return attachments.chase_day(Store.shared(settings.database_url), load_configs(settings.config_dir), settings, body,
                                 day, _now, _transport(settings, body), pdf, step=as_task)


@task(name="publish-outstanding", cache_policy=NO_CACHE)
def publish_outstanding(items: list[dict[str, Any]]) -> None:
    """A table artifact: the attachments still to follow, per meeting, with the days left."""
    rows = [{"body": o["body"], "meeting": o["meeting"] or "-", "paper": o["reference"], "attachment": o["title"],
             "responsible": o["responsible"] or "-", "due": o["due"] or "-",
             "days left": o["days_left"] if o["days_left"] is not None else "-"} for o in items]
    create_table_artifact(key="attachments-outstanding", table=rows or [{"attachment": "nothing outstanding"}],
                          description="Attachments still to follow, per meeting, with the days left")


@flow(name="deliver-attachment")
async def deliver_attachment(body: str, reference: str, file: str, attachment: int | None = None,
                             as_of: dt.date | None = None, pdf: bool = True,
                             settings: Settings | None = None) -> dict[str, Any]:
    """Record a file that was still to follow, rebuild the agenda and send the members a notice.

    Args:
        body: the body's key.
        reference: the paper's reference, e.g. V/2019/367-E04.
        file: the path of the delivered file.
        attachment: which attachment (1, 2, ...) when several are still to follow.
        as_of: the day (deadlines of the rebuilt agenda); default today.
        pdf: also write PDFs of the rebuilt agenda.
        settings: where meetprep keeps its data; default the worker's environment (MEETPREP_*).
    """
    settings = settings or Settings.from_env()
    day = as_of or _now().astimezone(ZoneInfo(load_configs(settings.config_dir).get(body).body.timezone)).date()
    return deliver(settings, body, reference, Path(file), attachment, day, pdf)


@flow(name="chase-attachments")
async def chase_attachments(bodies: list[str] | None = None, as_of: dt.date | None = None, pdf: bool = True,
                            settings: Settings | None = None) -> dict[str, Any]:
    """Daily: take in files dropped into the inbox, then chase every attachment still missing.

    Args:
        bodies: body keys; all when empty.
        as_of: the day to chase for; default today in each body's time zone.
        pdf: write PDFs when a delivery rebuilds an agenda.
        settings: where meetprep keeps its data; default the worker's environment (MEETPREP_*).
    """
    settings = settings or Settings.from_env()
    result: dict[str, Any] = {"delivered": [], "rejected": [], **ledger.DispatchReport().as_dict(), "outstanding": []}
    for config in load_configs(settings.config_dir):
        if bodies and config.body.key not in bodies:
            continue
        day = as_of or _now().astimezone(ZoneInfo(config.body.timezone)).date()
        for name, rows in chase_body(settings, config.body.key, day, pdf).items():
            result[name] += rows
    for rejected in result["rejected"]:
        get_run_logger().warning("inbox file refused: %s", rejected["reason"])
    publish_outstanding(result["outstanding"])
    return result
