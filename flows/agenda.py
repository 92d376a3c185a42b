"""Flow: build a meeting's agenda and render its documents.

Thin wiring: each task is one step of `meetprep.build` / `meetprep.documents`, which do the
work and are tested without Prefect. The flow is where the clock enters (`as_of` defaults to
today in the body's time zone) and where results are shown in the Prefect UI (artifacts).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from meetprep import build, documents
from meetprep.config import Settings, load_configs
from meetprep.folders import staging
from meetprep.store import Store


@task(name="plan-agenda", cache_policy=NO_CACHE)
def plan_agenda(settings: Settings, request: build.AgendaRequest) -> tuple[build.Draft, str]:
    draft = build.prepare(Store.shared(settings.database_url), load_configs(settings.config_dir), request)
    digest = build.checksum(draft, documents.template_hashes(settings.templates_dir, draft.body["locale"], draft.documents))
    return draft, digest


@task(name="render-documents", cache_policy=NO_CACHE)
def render_documents(settings: Settings, draft: build.Draft, staging: Path) -> list[dict[str, Any]]:
    return documents.render_all(draft, settings.templates_dir, staging)


@task(name="convert-to-pdf", timeout_seconds=900, cache_policy=NO_CACHE)
def convert_to_pdf(settings: Settings, draft: build.Draft, written: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    added, notes = documents.add_pdfs(draft, written, settings.pdf_seconds)
    for note in notes:
        get_run_logger().warning(note)
    return added, notes


# The tag lets an operator bound concurrent writes on a server:
#   prefect concurrency-limit create meetprep-agenda-write 4
# (correctness does not depend on it: the store locks the meeting; see meetprep.build.record).
@task(name="record-version", cache_policy=NO_CACHE, tags=["meetprep-agenda-write"])
def record_version(settings: Settings, draft: build.Draft, digest: str, files: list[dict[str, Any]],
                   now: dt.datetime) -> build.BuildResult:
    return build.record(Store.shared(settings.database_url), draft, digest, files, settings.output_dir, now)


@task(name="publish-portal", cache_policy=NO_CACHE)
def publish_portal(settings: Settings, body: str, meeting: str, now: dt.datetime) -> list[str]:
    """The meeting and its papers on the public portal and in OParl (meetprep.publish)."""
    from meetprep.publish import after

    notes = after(Store.shared(settings.database_url), load_configs(settings.config_dir), settings, now, body, {meeting})
    for note in notes:
        get_run_logger().warning(note)
    return notes


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
    draft, digest = plan_agenda(settings, request)
    notes: list[str] = []
    if digest == draft.previous_checksum:
        result = record_version(settings, quote(draft), digest, [], now)
    else:
        with staging(settings.output_dir, prefix="build-") as folder:
            # quote(): the draft is plain data with no futures in it; without it Prefect walks
            # every nested value of it for each task (a third of a small build's time).
            written = render_documents(settings, quote(draft), folder)
            if pdf:
                added, more = convert_to_pdf(settings, quote(draft), quote(written))
                written = written + added
                notes += more
            result = record_version(settings, quote(draft), digest, quote(written), now)
    if result.action == "created":
        notes += publish_portal(settings, body, result.meeting, now)
    publish_artifact(quote(result))
    return {**result.as_dict(), "notes": notes}
