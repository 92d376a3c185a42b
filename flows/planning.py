"""Flows: plan the year's recurring events (yearly), and generate a committee's meeting calendar.

Thin wiring over meetprep.jobs.planning: the same jobs the command line runs without Prefect, each
of their steps a task, with the plan and the budget as artifacts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows._tasks import as_task
from meetprep.jobs import planning
from meetprep.messages import ledger
from meetprep.config import Settings, load_configs
from meetprep.store import Store


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def run_year(settings: Settings, year: int, bodies: list[str] | None) -> dict[str, Any]:
    """The events, their checklists and orientation papers, invitations to partners (each once), the budget."""
    configs = load_configs(settings.config_dir)
    return planning.plan_year(Store.shared(settings.database_url), configs, settings, year, bodies, _now,
                              lambda config: ledger.transport_for(settings, config.body.mail, _now), step=as_task)


def generate(settings: Settings, body: str, committee: str, year: int) -> dict[str, Any]:
    return planning.generate_calendar(Store.shared(settings.database_url), load_configs(settings.config_dir), settings,
                                      body, committee, year, _now(), step=as_task)


@task(name="publish-plan", cache_policy=NO_CACHE)
def publish(result: dict[str, Any]) -> None:
    year = result["year"]
    lines = [f"# Events {year}", ""]
    for event in result["events"]:
        lines += [f"## {event['name']} ({event['body']}): {event['date']}", "", "| task | due | owner |", "|---|---|---|"]
        lines += [f"| {t['name']} | {t['due']} | {t['owner'] or '-'} |" for t in event["tasks"]]
        lines += [""]
    lines += [f"- warning: {w}" for w in result["warnings"]]
    create_markdown_artifact(key=f"events-{year}", markdown="\n".join(lines))
    rows = [{"body": line["body"], "budget line": line["line"], "budget": line["budget"], "planned": line["planned"],
             "actual": line["actual"], "left": line["left"]} for line in result["budget"]["lines"]]
    create_table_artifact(key=f"budget-{year}", table=rows or [{"budget line": "none"}],
                          description="Planned and actual spend against the annual budget")


@flow(name="plan-year")
async def plan_year(year: int | None = None, bodies: list[str] | None = None,
                    settings: Settings | None = None) -> dict[str, Any]:
    """Plan the year's recurring events: dates, checklists, planning meetings, orientation papers,
    invitations to partners, and the budget report. Running it twice creates nothing twice.

    Args:
        year: the year to plan; default next year.
        bodies: body keys; all when empty.
        settings: where meetprep keeps its data; default the worker's environment (MEETPREP_*).
    """
    settings = settings or Settings.from_env()
    result = run_year(settings, year or _now().year + 1, bodies)
    publish(result)
    return result


@flow(name="generate-meeting-calendar")
async def generate_meeting_calendar(body: str, committee: str, year: int,
                                    settings: Settings | None = None) -> dict[str, Any]:
    """Put a committee's regular meetings for a year into the store and rewrite the feeds.

    Args:
        body: the body's key.
        committee: the committee's key.
        year: the year.
        settings: where meetprep keeps its data; default the worker's environment (MEETPREP_*).
    """
    return generate(settings or Settings.from_env(), body, committee, year)
