"""Flow: the daily run of every meeting's timeline (`prepare-meetings`).

Thin wiring over `meetprep.timeline`: one task lists the meetings to look at, one task per
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

from meetprep import notify, timeline
from meetprep.config import Settings, load_configs
from meetprep.store import Store


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@task(name="list-meetings", cache_policy=NO_CACHE)
def list_meetings(settings: Settings, bodies: list[str] | None, day: dt.date) -> list[tuple[str, str]]:
    return timeline.upcoming(Store.shared(settings.database_url), load_configs(settings.config_dir), day, bodies)


@task(name="prepare-meeting", cache_policy=NO_CACHE, tags=["meetprep-agenda-write"])
def prepare_meeting(settings: Settings, body: str, meeting: str, day: dt.date, pdf: bool) -> dict[str, Any]:
    configs = load_configs(settings.config_dir)
    transport = notify.transport_for(settings, configs.get(body).body.mail, _now)
    return timeline.prepare_meeting(Store.shared(settings.database_url), configs, settings, body, meeting, day, _now(),
                                    transport, pdf)


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
    result: dict[str, Any] = {"meetings": [], "errors": []}
    seen = []
    for body, key in list_meetings(settings, bodies, min(days.values())):
        try:
            result["meetings"].append(prepare_meeting(settings, body, key, days[body], pdf))
            seen.append((body, key, days[body]))
        except Exception as exc:  # one bad meeting never stops the others; it is in the artifact
            error = "; ".join(str(p) for p in exc.problems) if hasattr(exc, "problems") else f"{type(exc).__name__}: {exc}"
            result["errors"].append({"body": body, "meeting": key, "error": error})
            get_run_logger().error("meeting %s/%s: %s", body, key, error)
    publish_timeline(settings, seen, result["errors"])
    return result
