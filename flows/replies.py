"""Flow: take the replies to meeting requests (every ten minutes), call in substitutes, watch
the quorum.

Thin wiring over meetprep.jobs.replies: the job the command line runs without Prefect, each of its
steps (read replies, send to substitutes, notices) a task, with each meeting's attendance as a
table artifact."""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows._tasks import as_task
from meetprep.jobs.replies import take_replies as take_job
from meetprep.messages.replies import inbox_for
from meetprep.config import Settings, load_configs
from meetprep.store import Store


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@task(name="publish-attendance", cache_policy=NO_CACHE)
def publish_attendance(meetings: list[dict[str, Any]]) -> None:
    """A table artifact per run: who comes to each meeting whose replies changed."""
    rows = [{"meeting": m["meeting"], "person": p["name"], "role": p["role"], "answer": p["answer"],
             "stands in for": p["stands_in_for"] or "-",
             "quorum": f"{m['expected']}/{m['quorum']}" + (" at risk" if m["at_risk"] else "")}
            for m in meetings for p in m["people"]]
    create_table_artifact(key="attendance", table=rows or [{"meeting": "no new replies"}],
                          description="Attendance per meeting: answers to the meeting requests, substitutes, quorum")


@flow(name="take-replies")
async def take_replies(source: str | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """Read the replies (Accept/Decline) to meeting requests, each once; invite substitutes for
    members who declined; tell the secretary and the chair when the quorum is at risk.

    Args:
        source: a maildir folder or an imaps:// URL (default: MEETPREP_REPLIES, else MEETPREP_HOME/replies).
    """
    settings = settings or Settings.from_env()
    result = take_job(Store.shared(settings.database_url), load_configs(settings.config_dir), settings,
                      inbox_for(settings, source), _now, step=as_task)
    publish_attendance(result["attendance"])
    logger = get_run_logger()
    logger.info("%d replies counted, %d kept aside, %d messages sent", len(result["replies"]["counted"]),
                len(result["replies"]["aside"]), len(result["messages"]["sent"]))
    return result
