"""Flow: build a meeting's agenda and render its documents.

Thin wiring: the job meetprep.jobs.agenda.build_agenda runs each of its steps (plan, render,
convert, record, publish) as a task of this flow; the steps are tested without Prefect. The flow
is where the clock enters (`as_of` defaults to today in the body's time zone) and where results
are shown in the Prefect UI (artifacts).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from flows._tasks import as_task
from meetprep.agenda import build
from meetprep.config import Settings, load_configs
from meetprep.jobs.agenda import build_agenda as build_and_publish
from meetprep.store import Store


@task(name="publish-agenda-artifact", cache_policy=NO_CACHE)
def publish_artifact(result: build.BuildResult) -> None:
    create_markdown_artifact(key=artifact_key(result), markdown=agenda_markdown(result),
                             description=f"Agenda {result.meeting}, version {result.version}")


def artifact_key(result: build.BuildResult) -> str:
    # Artifact keys allow lowercase letters, digits and dashes only.
    return re.sub(r"[^a-z0-9-]+", "-", f"agenda-{result.body}-{result.meeting}".lower()).strip("-")


def agenda_markdown(result: build.BuildResult) -> str:
    lines = [f"# {result.meeting}, version {result.version} ({result.action})", "",
             "| No. | Part | Title | Reference |", "|---|---|---|---|"]
    for entry in result.entries:
        title = entry["title"].replace("|", "\\|") + (" *(withdrawn)*" if entry["withdrawn"] else "")
        lines.append(f"| {entry['number']} | {entry['part']} | {title} | {entry['reference'] or ''} |")
    lines += ["", f"## Problems ({len(result.problems)})", ""]
    lines += [f"- **{p['reference'] or 'agenda'}**: {p['message']}" for p in result.problems] or ["None."]
    lines += ["", "## Files", ""] + [f"- `{d['path']}` ({d['variant']})" for d in result.documents]
    return "\n".join(lines)


@flow(name="build-agenda")
async def build_agenda(
    body: str,
    committee: str,
    date: dt.date | None = None,
    meeting: str | None = None,
    as_of: dt.date | None = None,
    renumber: bool = False,
    pdf: bool = True,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Build (or rebuild) the agenda of one meeting and write its documents.

    An async flow only because a synchronous one spends about a second at exit joining its
    heartbeat thread; the tasks are plain synchronous steps.

    Args:
        body: the body's key, e.g. gentofte.
        committee: the committee's key, e.g. ebi.
        date: the meeting's day (or give `meeting`).
        meeting: the meeting's key, e.g. ebi-2025-09-22.
        as_of: the day the agenda is built for (deadlines); default today in the body's time zone.
        renumber: order and number the agenda afresh instead of keeping earlier numbers.
        pdf: also write PDFs (needs LibreOffice).
        settings: where meetprep keeps its data; default the worker's environment (MEETPREP_*).
    """
    settings = settings or Settings.from_env()
    now = dt.datetime.now(dt.timezone.utc)
    if as_of is None:
        config = load_configs(settings.config_dir).get(body)
        as_of = now.astimezone(ZoneInfo(config.body.timezone) if config else dt.timezone.utc).date()
    request = build.AgendaRequest(body=body, committee=committee, as_of=as_of, day=date, meeting=meeting, renumber=renumber)
    result, notes = build_and_publish(Store.shared(settings.database_url), load_configs(settings.config_dir), settings,
                                      request, now, pdf, step=as_task)
    for note in notes:
        get_run_logger().warning(note)
    publish_artifact(quote(result))
    return {**result.as_dict(), "notes": notes}
