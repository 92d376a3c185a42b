"""Flow: record a sign-off answer from the Prefect UI (the run form is the input: body, paper,
step, answer, reason, who), then ask the next step; its outcome and the papers still in
sign-off as artifacts.

Thin wiring over meetprep.jobs.signoff; requests, reading replies, reminders and escalation run
in the take-papers flow every few minutes and in the daily timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows._tasks import as_task
from meetprep.config import Settings, load_configs
from meetprep.jobs.signoff import overview, record_answer, run_signoff
from meetprep.messages import ledger
from meetprep.store import Store


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@task(name="report-signoff", cache_policy=NO_CACHE)
def report(rows: list[dict[str, Any]]) -> None:
    create_table_artifact(key="signoff", table=rows or [{"paper": "no paper in sign-off"}],
                          description="Papers in sign-off (Mitzeichnung; godkendelse): the step each waits for, "
                                      "and who holds it")


@flow(name="record-signoff")
async def record_signoff(body: str, reference: str, step: str, answer: Literal["approve", "decline", "comment"],
                         text: str = "", as_person: str = "", pdf: bool = True,
                         settings: Settings | None = None) -> dict[str, Any]:
    """Record an approver's answer given another way (phone, paper, in person): approve, decline
    (text: the reason, sent to the author) or comment; `as_person`: who answers (default: whom
    the step was asked of)."""
    settings = settings or Settings.from_env()
    configs = load_configs(settings.config_dir)
    store = Store.shared(settings.database_url)
    now = _now()
    config = configs.get(body)
    transport = ledger.transport_for(settings, config.body.mail, _now) if config else None
    run_signoff(store, configs, settings, now, lambda c: transport, [body], pdf, step=as_task)  # a new paper's round
    recorded = as_task("record-answer", record_answer, store, configs, body, reference, step, answer,
                       as_person or None, text or None, now, "prefect")
    sent = as_task("send-notices", ledger.dispatch, store, recorded.pop("messages"), transport, _now)
    followed = run_signoff(store, configs, settings, now, lambda c: transport, [body], pdf, step=as_task)
    report(as_task("overview", overview, store, configs, body))
    return {**recorded, "notified": sent.as_dict(), "next": followed}
