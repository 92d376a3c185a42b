"""Flow: the daily run of every meeting's timeline (`prepare-meetings`).

Thin wiring over meetprep.jobs.timeline.run_day: one task lists the meetings to look at, one task per
meeting does what is due for it (a failing meeting is reported and the others go on), and a
table artifact shows every meeting's timeline as the clerk reads it each morning.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows._tasks import as_task
from meetprep.jobs.timeline import run_day
from meetprep.meetings import timeline
from meetprep.messages import ledger
from meetprep.config import Settings, load_configs
from meetprep.store import Store


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@task(name="publish-timeline", cache_policy=NO_CACHE)
def publish_timeline(settings: Settings, meetings: list[tuple[str, str, dt.date]], errors: list[dict[str, Any]]) -> None:
    store, configs = Store.shared(settings.database_url), load_configs(settings.config_dir)
    rows = []
    for body, key, day in meetings:
        for step in timeline.view(store, configs, body, key, day)["steps"]:
            rows.append({"body": body, "meeting": key, "date": step["date"], "step": step["label"],
                         "state": step["state_label"]})
    rows += [{"body": e["body"], "meeting": e["meeting"], "date": "-", "step": "error", "state": e["error"]}
             for e in errors]
    create_table_artifact(key="meeting-timeline", table=rows or [{"meeting": "no meeting in its timeline"}],
                          description="Every meeting's timeline: each step with its date and state")


@flow(name="prepare-meetings")
async def prepare_meetings(bodies: list[str] | None = None, as_of: dt.date | None = None,
                           pdf: bool = True, settings: Settings | None = None) -> dict[str, Any]:
    """Do what each upcoming meeting's timeline has due today: papers reminders, the draft agenda
    and its digest, the invitations on the agenda-out day, change notices, minutes reminders.

    Args:
        bodies: body keys, e.g. [gentofte, koebenhavn]; all configured bodies when empty.
        as_of: the day to run for; default today in each body's time zone.
        pdf: also write PDFs of the agendas it builds.
        settings: where meetprep keeps its data; default the worker's environment (MEETPREP_*).
    """
    settings = settings or Settings.from_env()
    configs = load_configs(settings.config_dir)
    days = {c.body.key: as_of or _now().astimezone(ZoneInfo(c.body.timezone)).date() for c in configs}
    result = run_day(Store.shared(settings.database_url), configs, settings, lambda config: days[config.body.key], _now(),
                     lambda config: ledger.transport_for(settings, config.body.mail, _now), bodies, pdf, step=as_task)
    for error in result["errors"]:  # one bad meeting never stops the others; it is in the artifact
        get_run_logger().error("meeting %s/%s: %s", error["body"], error["meeting"], error["error"])
    publish_timeline(settings, [(m["body"], m["meeting"], dt.date.fromisoformat(m["day"])) for m in result["meetings"]],
                     result["errors"])
    return result
