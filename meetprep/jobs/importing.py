"""The job behind `items import`: papers and meetings imported all or nothing, then the calendar
feeds rewritten where a meeting's time, place or state changed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from meetprep.config import Configs
from meetprep.importing.pipeline import ImportReport, import_files
from meetprep.jobs.publishing import write_feeds
from meetprep.store import Store


def import_papers(store: Store, configs: Configs, settings: Any, paths: list[Path], now: dt.datetime,
                  root: Path | None = None) -> ImportReport:
    report = import_files(store, configs, paths, now, root)
    if any(m["action"] != "unchanged" for m in report.meetings):
        # Subscribed calendars follow every change of a meeting's time, place or state.
        write_feeds(store, configs, settings, now)
    return report
