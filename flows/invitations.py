"""Flows: send a meeting's invitations, and the daily reminders. Thin wiring over
meetprep.jobs.invitations (each of its steps a task) and meetprep.messages.reminders: the same
jobs the command line runs without Prefect, with their reports as artifacts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput

from flows._tasks import as_task
from meetprep.agenda import build
from meetprep.jobs.agenda import rebuild_before_sending
from meetprep.jobs.invitations import send_invitations as send_job
from meetprep.messages import ledger, reminders
from meetprep.config import Settings, load_configs
from meetprep.store import Store


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@task(name="send-reminders", cache_policy=NO_CACHE)
def send_reminders_of(settings: Settings, body: str, day: dt.date) -> ledger.DispatchReport:
    configs = load_configs(settings.config_dir)
    transport = ledger.transport_for(settings, configs.get(body).body.mail, _now)
    return reminders.send_day(Store.shared(settings.database_url), configs, body, day, _now, transport)


@task(name="report-messages", cache_policy=NO_CACHE)
def report(key: str, title: str, result: dict[str, Any], problems: list[dict[str, Any]]) -> None:
    lines = [f"# {title}", "", f"Sent {len(result['sent'])}, already sent earlier {len(result['skipped'])}, "
             f"in progress in another run {len(result['in_progress'])}, failed {len(result['failed'])}.", ""]
    if result["failed"] or problems:
        lines += ["## Not delivered", "", "| recipient | kind | error |", "|---|---|---|"]
        lines += [f"| {f['recipient']} | {f['kind']} | {f['error']} |" for f in result["failed"]]
        lines += [f"| {p['person']} | - | {p['message']} |" for p in problems]
    create_markdown_artifact(key=re.sub(r"[^a-z0-9-]+", "-", key.lower()).strip("-"), markdown="\n".join(lines),
                             description=title)


class Approval(RunInput):
    """The clerk's approval of an agenda version before it is sent (shown as a form in the UI)."""

    version: int
    approve: bool = False
    comment: str = ""


@flow(name="send-invitations")
async def send_invitations(body: str, committee: str, date: dt.date | None = None, meeting: str | None = None,
                           pdf: bool = True, settings: Settings | None = None) -> dict[str, Any]:
    """Send a meeting's invitations (or its update, change notice or cancellation) to members and guests.

    The agenda is rebuilt first, so that nobody gets an older state of the meeting.

    Args:
        body: the body's key, e.g. gentofte.
        committee: the committee's key, e.g. ebi.
        date: the meeting's day (or give `meeting`).
        meeting: the meeting's key.
        pdf: write PDFs when the rebuild makes a new version.
        settings: where meetprep keeps its data; default the worker's environment (MEETPREP_*).
    """
    settings = settings or Settings.from_env()
    store = Store.shared(settings.database_url)
    configs = load_configs(settings.config_dir)
    zone = ZoneInfo(configs.get(body).body.timezone) if configs.get(body) else dt.timezone.utc
    request = build.AgendaRequest(body, committee, _now().astimezone(zone).date(), day=date, meeting=meeting)
    rebuild_before_sending(store, configs, settings, request, _now(), pdf, step=as_task)
    state = build.approval_state(store, configs, request)
    if state["required"] and state["current"] and state["approved"] != state["current"]:
        # The committee wants the clerk to approve the agenda first: wait for the form in the UI.
        get_run_logger().info("Waiting for approval of version %s of the agenda in %s", state["current"], state["output_dir"])
        answer = await pause_flow_run(wait_for_input=Approval.with_initial_data(version=state["current"]),
                                      timeout=7 * 24 * 3600, poll_interval=5)
        if not answer.approve or answer.version != state["current"]:
            return {"meeting": state["meeting"], "approved": False, "comment": answer.comment,
                    **ledger.DispatchReport().as_dict(), "problems": [], "feeds": []}
        build.approve(store, configs, request, _now())
    # Each message at most once, claimed in the store's ledger before it goes.
    transport = ledger.transport_for(settings, configs.get(body).body.mail, _now)
    result = send_job(store, configs, settings, request, _now, transport, pdf, step=as_task)
    report(f"invitations-{body}-{result['meeting']}", f"Invitations for {result['meeting']}", result, result["problems"])
    if result["failed"]:
        get_run_logger().warning("%d invitation(s) could not be delivered", len(result["failed"]))
    return result


@flow(name="send-reminders")
async def send_reminders(bodies: list[str] | None = None, as_of: dt.date | None = None,
                         settings: Settings | None = None) -> dict[str, Any]:
    """Send every reminder that is due (daily): before meetings, and to owners of planning tasks.

    Args:
        bodies: body keys, e.g. [gentofte, koebenhavn]; all configured bodies when empty.
        as_of: the day to send for; default today in each body's time zone.
        settings: where meetprep keeps its data; default the worker's environment (MEETPREP_*).
    """
    settings = settings or Settings.from_env()
    results = ledger.DispatchReport()
    for config in load_configs(settings.config_dir):
        if bodies and config.body.key not in bodies:
            continue
        day = as_of or _now().astimezone(ZoneInfo(config.body.timezone)).date()
        results.add(send_reminders_of(settings, config.body.key, day))
    report("reminders", "Reminders", results.as_dict(), [])
    return results.as_dict()
