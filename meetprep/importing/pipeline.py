"""Import of papers and meetings from YAML files (format: docs/input-format.md).

A batch is checked as a whole before anything is written: every file is parsed and
validated, cross-references are resolved against the config, the batch and the store, and
if anything is wrong nothing is imported and every problem is reported (InputError). A valid
batch is written in one transaction. Import is idempotent by (body, reference): importing the
same file again changes nothing, and a changed file makes a new revision of the paper while
its history (earlier revisions, decisions already taken) is kept.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from meetprep.config import Configs
from meetprep.mirror import sync_config
from meetprep.errors import InputError, Problem, display_path
from meetprep.importing.checks import check_meetings, check_papers
from meetprep.importing.reading import Batch, ImportReport, collect_files, parse_file
from meetprep.importing.writing import write_meetings, write_papers
from meetprep.store import Store


def import_files(store: Store, configs: Configs, paths: list[Path], now: dt.datetime,
                 root: Path | None = None) -> ImportReport:
    """Validate and import a batch of paper and meeting files. All or nothing.

    Attachments must lie inside `root`, by default the folder named (or the folder of a file
    named on its own). Raises InputError with every problem found; then the store is unchanged.
    """
    if now.tzinfo is None:
        raise ValueError("'now' must be timezone-aware")
    files = collect_files(paths, root)
    batch = Batch(warnings=list(configs.warnings))
    problems: list[Problem] = []
    if not files:
        raise InputError([Problem(file=", ".join(display_path(p) for p in paths), message="no *.yaml files found")])
    for path, base in files:
        problems += parse_file(path, base, batch, configs)
    problems += check_meetings(batch, configs)
    # Checked and written under the bodies' write lock: a second import at the same moment waits,
    # then checks against what this one wrote (and finds its papers unchanged).
    touched = {p.paper.body for p in batch.papers} | {m.meetings.body for m in batch.meetings}
    with store.writing(*(f"body:{key}" for key in configs.keys() if key in touched)) as session:
        problems += check_papers(batch, configs, session)
        if problems:
            raise InputError(problems)
        report = ImportReport(warnings=batch.warnings, skipped=batch.skipped)
        sync_config(session, configs)
        write_meetings(session, configs, batch, now, report)
        write_papers(session, batch, now, report)
    return report
