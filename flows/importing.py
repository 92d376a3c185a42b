"""Flow: the papers inbox, every few minutes: Word documents (and YAML papers) dropped into
MEETPREP_HOME/inbox/papers/ imported, each on its own; refused ones filed with their reason and
their sender told; then the sign-off round (answers read, requests, reminders and escalation
sent), with the papers in sign-off as an artifact.

Thin wiring over meetprep.jobs.importing.take_papers, each step a task, the run's outcome as a
table artifact."""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows._tasks import as_task
from flows.signoff import report as signoff_report
from meetprep.config import Settings, load_configs
from meetprep.jobs.importing import take_papers as take_job
from meetprep.jobs.signoff import overview
from meetprep.store import Store


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@task(name="report-intake", cache_policy=NO_CACHE)
def report(result: dict[str, Any]) -> None:
    rows = [{"file": p["file"], "paper": p["reference"], "outcome": p["action"], "revision": p["revision"]}
            for p in result["imported"]]
    rows += [{"file": r["file"], "paper": "-", "outcome": "refused", "revision": "; ".join(r["problems"])[:500]}
             for r in result["rejected"]]
    create_table_artifact(key="papers-inbox", table=rows or [{"file": "nothing waiting"}],
                          description="Papers taken from the inbox: imported, or refused with the reason")


@flow(name="take-papers")
async def take_papers(settings: Settings | None = None) -> dict[str, Any]:
    """Take in the papers dropped into the papers inbox (MEETPREP_HOME/inbox/papers/)."""
    settings = settings or Settings.from_env()
    result = take_job(Store.shared(settings.database_url), load_configs(settings.config_dir), settings, _now,
                      step=as_task)
    report(result)
    signoff_report(as_task("signoff-overview", overview, Store.shared(settings.database_url),
                           load_configs(settings.config_dir)))
    get_run_logger().info("%d papers imported, %d documents refused", len(result["imported"]), len(result["rejected"]))
    return result
