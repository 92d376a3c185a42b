"""The jobs behind `planning plan` and `meetings generate`: a year's events planned and their
partners invited, a committee's regular meetings put in the calendar; feeds and portal after."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from meetprep import planning
from meetprep.config import Configs
from meetprep.jobs.publishing import publish_meetings, write_feeds
from meetprep.messages import ledger
from meetprep.model import BodyConfig
from meetprep.steps import Step, direct
from meetprep.store import Store


def plan_year(store: Store, configs: Configs, settings: Any, year: int, bodies: list[str] | None,
              clock: Callable[[], dt.datetime], transport_for: Callable[[BodyConfig], ledger.Transport],
              step: Step = direct) -> dict[str, Any]:
    """The events of the year, their invitations (each sent once), the budget report, the feeds."""
    report = step("plan-events", planning.plan_year, store, configs, year, clock(), bodies)
    invited = ledger.DispatchReport()
    for config in configs:
        if bodies and config.body.key not in bodies:
            continue
        messages = planning.invitations(store, configs, year, clock(), [config.body.key])
        invited.add(step("send-event-invitations", ledger.dispatch, store, messages, transport_for(config), clock))
    step("write-feeds", write_feeds, store, configs, settings, clock())
    notes = [note for config in configs if not bodies or config.body.key in bodies
             for note in step("publish-portal", publish_meetings, store, configs, settings, clock(), config.body.key)]
    return {**report.as_dict(), "invitations": invited.as_dict(),
            "budget": planning.budget_report(store, configs, year), "notes": notes}


def generate_calendar(store: Store, configs: Configs, settings: Any, body: str, committee: str, year: int,
                      now: dt.datetime, step: Step = direct) -> dict[str, Any]:
    """A committee's regular meetings for a year, the feeds rewritten, the portal published."""
    result = step("generate-meetings", planning.generate_calendar, store, configs, body, committee, year, now)
    feeds = step("write-feeds", write_feeds, store, configs, settings, now)
    notes = step("publish-portal", publish_meetings, store, configs, settings, now, body)
    return {**result, "feeds": [str(f) for f in feeds if f.parent.name == body], "notes": notes}
