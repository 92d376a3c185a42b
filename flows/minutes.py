"""Flow: record a meeting's minutes, move its papers on, write and send the referat / Niederschrift.

The minutes come from a YAML file (`minutes_file`) or, without one, from a form in the Prefect
UI: the flow pauses with a typed input (one row per agenda item, prefilled) and goes on when the
clerk submits it. Thin wiring over meetprep.jobs.minutes, each of its steps a task.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from pydantic import BaseModel
from sqlalchemy import select

from flows._tasks import as_task
from meetprep.jobs.minutes import approve_minutes as approve_job, record_minutes as record_job
from meetprep.messages import ledger
from meetprep.minutes import record as minutes
from meetprep.config import Settings, load_configs
from meetprep.model import MinutesFile
from meetprep.store import AgendaRow, Store, meeting_by_key

Result = Literal["decided", "recommended", "rejected", "postponed", "withdrawn", "noted"]


class ItemRow(BaseModel):
    number: str
    reference: str | None = None
    title: str = ""
    result: Result | None = None
    text: str | None = None
    yes: int | None = None
    no: int | None = None
    abstain: int | None = None
    biased: int | None = None
    unanimous: bool = False
    biased_persons: list[str] = []  # who was biased and took no part (person keys)
    task: str | None = None  # what the decision orders done (one here; more in a minutes file)
    task_due: dt.date | None = None
    task_owner: str | None = None  # default: the paper's unit


class MinutesForm(RunInput):
    """What the clerk fills in in the Prefect UI."""

    started: dt.datetime | None = None
    ended: dt.datetime | None = None
    absent: list[str] = []
    items: list[ItemRow] = []


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def form_defaults(store: Store, body: str, meeting_key: str) -> dict[str, Any]:
    with store.session() as session:
        meeting = meeting_by_key(session, body, meeting_key)
        agenda = session.execute(select(AgendaRow).where(AgendaRow.meeting_id == meeting.id)).scalar_one()
        items = [ItemRow(number=f"{'N ' if e['part'] == 'closed' else ''}{e['number']}", reference=e["reference"]
                         if e["kind"] == "paper" else None, title=e["title"]) for e in agenda.versions[-1].entries]
        return {"started": meeting.start, "items": items}


def from_form(body: str, meeting_key: str, form: MinutesForm) -> MinutesFile:
    items = []
    for row in form.items:
        votes = None if all(v is None for v in (row.yes, row.no, row.abstain, row.biased)) else {
            "yes": row.yes or 0, "no": row.no or 0, "abstain": row.abstain or 0, "biased": row.biased or 0}
        item = {"result": row.result, "text": row.text, "votes": votes, "unanimous": row.unanimous,
                "biased": row.biased_persons,
                "tasks": [{"text": row.task, "due": row.task_due, "owner": row.task_owner}] if row.task else []}
        item.update({"reference": row.reference} if row.reference else {"number": row.number})
        items.append(item)
    return MinutesFile.model_validate({"kind": "minutes", "body": body, "meeting": meeting_key, "started": form.started,
                                       "ended": form.ended, "attendance": {"absent": form.absent}, "items": items})


@task(name="publish-minutes-artifact", cache_policy=NO_CACHE)
def publish(body: str, meeting: str, recorded: dict[str, Any]) -> None:
    lines = [f"# Minutes of {meeting}", "", "| paper | result |", "|---|---|"]
    lines += [f"| {ref} | {result} |" for ref, result in recorded["decisions"].items()]
    lines += ["", "## Files", ""] + [f"- `{f['path']}` ({f['variant']})" for f in recorded["files"]]
    create_markdown_artifact(key=f"minutes-{body}-{meeting}".lower().replace("_", "-"), markdown="\n".join(lines))


@flow(name="record-minutes")
async def record_minutes(body: str, meeting: str, minutes_file: str | None = None, pdf: bool = True,
                         settings: Settings | None = None) -> dict[str, Any]:
    """Record a meeting's minutes, move its papers on, write the referat / Niederschrift, send it.

    Args:
        body: the body's key, e.g. gentofte.
        meeting: the meeting's key, e.g. ebi-2025-09-22.
        minutes_file: a minutes YAML file; without one the flow waits for the form in the UI.
        pdf: also write PDFs.
        settings: where meetprep keeps its data; default the worker's environment (MEETPREP_*).
    """
    settings = settings or Settings.from_env()
    if minutes_file:
        data, source = minutes.load(Path(minutes_file)), minutes_file
    else:
        defaults = form_defaults(Store.shared(settings.database_url), body, meeting)
        form = await pause_flow_run(wait_for_input=MinutesForm.with_initial_data(**defaults), timeout=7 * 24 * 3600,
                                    poll_interval=5)
        data, source = from_form(body, meeting, form), "(Prefect form)"
    configs = load_configs(settings.config_dir)
    transport = ledger.transport_for(settings, configs.get(data.body).body.mail, _now)
    result = record_job(Store.shared(settings.database_url), configs, settings, data, source, _now, transport, pdf,
                        step=as_task)
    publish(body, meeting, result)
    return result


@flow(name="approve-minutes")
def approve_minutes(body: str, meeting: str, pdf: bool = True, settings: Settings | None = None) -> dict[str, Any]:
    """Approve a meeting's recorded minutes (Genehmigung der Niederschrift; godkendelse af
    referatet), for a committee that sets agenda.minutes_approval: then the excerpts go to the
    units and case officers, are kept with their papers and published.

    Args:
        body: the body's key, e.g. herzogenrath.
        meeting: the meeting's key, e.g. asi-2026-06-02.
        pdf: also write the excerpts' PDFs.
        settings: where meetprep keeps its data; default the worker's environment (MEETPREP_*).
    """
    settings = settings or Settings.from_env()
    configs = load_configs(settings.config_dir)
    transport = ledger.transport_for(settings, configs.get(body).body.mail, _now)
    return approve_job(Store.shared(settings.database_url), configs, settings, body, meeting, _now, transport, pdf,
                       step=as_task)
