"""Flow: check the public portal for the accessibility statement (weekly, and from the UI after a
template change): every page (html-validate; axe-core in Chromium) and PDF (pdfua, outloud), the
statement published from the result, which is also the run's artifact.

Thin wiring over meetprep.jobs.accessibility."""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows._tasks import as_task
from meetprep.config import Settings, load_configs
from meetprep.jobs.accessibility import check_accessibility as check
from meetprep.store import Store


@task(name="report-accessibility", cache_policy=NO_CACHE)
def report(results: list[dict[str, Any]]) -> None:
    create_table_artifact(key="accessibility", table=[
        {"body": r["body"], "status": r["conformance"], "pages": r["pages"], "pages with findings": r["page_problems"],
         "documents": r["documents"], "documents with findings": r["document_problems"],
         "third-party files": r["third_party"], "not accessible": r["third_party_inaccessible"],
         "not run": "; ".join(r["not_run"]) or "-", "statement": r["statement"]} for r in results],
        description="The checks behind each portal's accessibility statement")


@flow(name="check-accessibility")
async def check_accessibility(body: str | None = None, settings: Settings | None = None) -> list[dict[str, Any]]:
    """Check one body's portal (default: every body) and publish its accessibility statement."""
    settings = settings or Settings.from_env()
    configs = load_configs(settings.config_dir)
    store = Store.shared(settings.database_url)
    results = as_task("check-portal", check, store, configs, settings, dt.datetime.now(dt.timezone.utc), body)
    report(results)
    return results
