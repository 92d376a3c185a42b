"""The jobs behind `items import` (papers and meetings imported all or nothing, then the calendar
feeds rewritten where a meeting's time, place or state changed) and `items take` / the take-papers
flow (the papers inbox, then the sign-off round: meetprep.jobs.signoff)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable

from meetprep.config import Configs
from meetprep.importing import intake
from meetprep.importing.pipeline import ImportReport, import_files
from meetprep.jobs.publishing import publish_meetings, write_feeds
from meetprep.jobs.signoff import run_signoff
from meetprep.messages import ledger
from meetprep.messages.replies import inbox_for
from meetprep.steps import Step, direct
from meetprep.store import Store


def import_papers(store: Store, configs: Configs, settings: Any, paths: list[Path], now: dt.datetime,
                  root: Path | None = None) -> ImportReport:
    """Import all or nothing, then rewrite the feeds where a meeting changed and publish what the
    import changed: new and changed meetings, and changed papers (their public pages show the
    stored paper), so that the portal and OParl never wait for the next build."""
    report = import_files(store, configs, paths, now, root)
    if any(m["action"] != "unchanged" for m in report.meetings):
        # Subscribed calendars follow every change of a meeting's time, place or state.
        write_feeds(store, configs, settings, now)
    report.notes += publish_imported(store, configs, settings, now, report)
    return report


def publish_imported(store: Store, configs: Configs, settings: Any, now: dt.datetime, report: ImportReport) -> list[str]:
    meetings: dict[str, set[str]] = {}
    papers: dict[str, set[str]] = {}
    for row in report.meetings:
        if row["action"] != "unchanged":
            meetings.setdefault(row["body"], set()).add(row["key"])
    for row in report.papers:
        # a new paper is on no agenda yet, so on nothing public: only a changed one can show
        if row["action"] not in ("unchanged", "created"):
            papers.setdefault(row["body"], set()).add(row["reference"])
    notes = []
    for body in sorted(set(meetings) | set(papers)):
        notes += publish_meetings(store, configs, settings, now, body, meetings.get(body, set()), papers.get(body))
    return notes


def take_papers(store: Store, configs: Configs, settings: Any, clock: Callable[[], dt.datetime],
                step: Step = direct) -> dict[str, Any]:
    """The papers inbox (MEETPREP_HOME/inbox/papers/): each document imported on its own, refused
    ones filed with their reason and their committee's secretary told (once), the feeds rewritten."""
    mailed: dict[str, Any] = {"files": [], "aside": []}
    if getattr(settings, "papers_mail", None):
        with inbox_for(settings, settings.papers_mail) as opened:
            mailed = step("read-mailed-papers", intake.collect_mail, opened, settings.home / "inbox", clock())
    report, notices = step("take-papers", intake.take_papers, store, configs, settings.home / "inbox", clock())
    sent = ledger.DispatchReport()
    for body, messages in notices.items():
        transport = ledger.transport_for(settings, configs.get(body).body.mail, clock)
        sent.add(step("send-refusals", ledger.dispatch, store, messages, transport, clock))
    if report.imported:
        step("write-feeds", write_feeds, store, configs, settings, clock())
    # Papers taken in go into sign-off at once; answers are read, requests and reminders sent.
    signoff = run_signoff(store, configs, settings, clock(),
                          lambda config: ledger.transport_for(settings, config.body.mail, clock), step=step)
    return {**report.as_dict(), "mailed": mailed, "notices": sent.as_dict(), "signoff": signoff}
