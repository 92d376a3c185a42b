"""Flows: plan the year's recurring events (yearly), and generate a committee's meeting calendar.

Thin wiring over `meetprep.planning`, `meetprep.invitations` (feeds) and `meetprep.notify`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from meetprep import invitations, notify, planning
from meetprep.config import Settings, load_configs
from meetprep.store import Store


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@task(name="plan-events", cache_policy=NO_CACHE)
def plan_events(settings: Settings, year: int, bodies: list[str] | None) -> planning.PlanReport:
    return planning.plan_year(Store.shared(settings.database_url), load_configs(settings.config_dir), year, _now(), bodies)


@task(name="invite-partners", cache_policy=NO_CACHE)
def invite_partners(settings: Settings, year: int, bodies: list[str] | None) -> notify.DispatchReport:
    store = Store.shared(settings.database_url)
    configs = load_configs(settings.config_dir)
    result = notify.DispatchReport()
    for config in configs:
        if bodies and config.body.key not in bodies:
            continue
        messages = planning.invitations(store, configs, year, _now(), [config.body.key])
        result.add(notify.dispatch(store, messages, notify.transport_for(settings, config.body.mail, _now), _now))
    return result


@task(name="budget-report", cache_policy=NO_CACHE)
def report_budget(settings: Settings, year: int) -> dict[str, Any]:
    report = planning.budget_report(Store.shared(settings.database_url), load_configs(settings.config_dir), year)
    rows = [{"body": line["body"], "budget line": line["line"], "budget": line["budget"], "planned": line["planned"],
             "actual": line["actual"], "left": line["left"]} for line in report["lines"]]
    create_table_artifact(key=f"budget-{year}", table=rows or [{"budget line": "none"}],
                          description="Planned and actual spend against the annual budget"
                                      + ("; WARNING: " + " ".join(report["warnings"]) if report["warnings"] else ""))
    return report


@task(name="publish-plan", cache_policy=NO_CACHE)
def publish_plan(report: planning.PlanReport) -> None:
    lines = [f"# Events {report.year}", ""]
    for event in report.events:
        lines += [f"## {event['name']} ({event['body']}): {event['date']}", "", "| task | due | owner |", "|---|---|---|"]
        lines += [f"| {t['name']} | {t['due']} | {t['owner'] or '-'} |" for t in event["tasks"]]
        lines += [""]
    lines += [f"- warning: {w}" for w in report.warnings]
    create_markdown_artifact(key=f"events-{report.year}", markdown="\n".join(lines))


@flow(name="plan-year")
async def plan_year(year: int | None = None, bodies: list[str] | None = None) -> dict[str, Any]:
    """Plan the year's recurring events: dates, checklists, planning meetings, orientation papers,
    invitations to partners, and the budget report. Running it twice creates nothing twice.

    Args:
        year: the year to plan; default next year.
        bodies: body keys; all when empty.
    """
    settings = Settings.from_env()
    year = year or _now().year + 1
    report = plan_events(settings, year, bodies)
    invited = invite_partners(settings, year, bodies)
    budget = report_budget(settings, year)
    publish_plan(quote(report))
    return {**report.as_dict(), "invitations": invited.as_dict(), "budget": budget}


@flow(name="generate-meeting-calendar")
async def generate_meeting_calendar(body: str, committee: str, year: int) -> dict[str, Any]:
    """Put a committee's regular meetings for a year into the store and rewrite the feeds.

    Args:
        body: the body's key.
        committee: the committee's key.
        year: the year.
    """
    settings = Settings.from_env()
    store = Store.shared(settings.database_url)
    configs = load_configs(settings.config_dir)
    result = planning.generate_calendar(store, configs, body, committee, year, _now())
    feeds = invitations.write_feeds(store, configs, settings.output_dir, _now(), invitations.feed_secret(settings.home))
    return {**result, "feeds": [str(f) for f in feeds if f.parent.name == body]}
