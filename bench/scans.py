"""Benchmark: the daily reminder and chase scans cost what is due, not what is stored.

    .venv/bin/python bench/scans.py

Builds two stores of a large city (60 committees): 1,000 meetings with 10,000 papers, and
10,000 meetings with 100,000 papers. Both have the same upcoming fortnight (the same meetings,
papers and attachments to follow); the larger one only has ten times more history. Times
`reminders.due_reminders` and `attachments.chase` on each and prints the ratio. Not a test.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COMMITTEES = 60
AS_OF = dt.date(2026, 3, 2)


def write_config(folder: Path) -> None:
    persons = [{"key": f"p{c}-{m}", "name": f"Person {c}-{m}", "email": f"p{c}-{m}@example.org"}
               for c in range(COMMITTEES) for m in range(8)]
    orgs = [{"key": f"c{c}", "name": f"Udvalg {c}", "memberships":
             [{"person": f"p{c}-{m}", "role": "chair" if m == 0 else ("secretary" if m == 7 else "member")}
              for m in range(8)]} for c in range(COMMITTEES)]
    config = {"body": {"key": "bigcity", "name": "Storby Kommune", "locale": "da", "timezone": "Europe/Copenhagen",
                       "holidays": "DK"}, "persons": persons, "organizations": orgs}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bigcity.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")


def populate(store, configs, meetings_per_committee: int, papers_per_meeting: int = 10) -> tuple[int, int]:
    """History before AS_OF (decided papers, attachments present) and the same two upcoming meetings."""
    from sqlalchemy import insert, select

    from meetprep.mirror import sync_config
    from meetprep.store import BodyRow, ConsultationRow, FileRow, MeetingRow, OrganizationRow, PaperRow

    zone = dt.timezone(dt.timedelta(hours=1))
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    with store.session() as session:
        sync_config(session, configs)
        body = session.execute(select(BodyRow)).scalar_one()
        orgs = {o.key: o.id for o in session.execute(select(OrganizationRow)).scalars()}
    meetings, papers, steps, files = [], [], [], []
    meeting_id = paper_id = 0
    for c in range(COMMITTEES):
        for k in range(-(meetings_per_committee - 2), 2):  # two upcoming meetings per committee, the rest past
            meeting_id += 1
            day = AS_OF + dt.timedelta(days=(c % 10) + 1 + 14 * k)
            start = dt.datetime.combine(day, dt.time(16, 30), zone)
            upcoming = k >= 0
            meetings.append({"id": meeting_id, "body_id": body.id, "organization_id": orgs[f"c{c}"], "key": f"c{c}-{day}",
                             "start": start.astimezone(dt.timezone.utc), "state":
                             "agenda_built" if upcoming else "minuted", "extraordinary": False, "sequence": 0,
                             "updated_at": now})
            for p in range(papers_per_meeting):
                paper_id += 1
                papers.append({"id": paper_id, "body_id": body.id, "reference": f"EMN-{paper_id:07d}", "title": f"Sag {paper_id}",
                               "paper_type": "indstilling", "access": "public", "sections": [], "signatories": [],
                               "related": [], "priority": 0, "revision": 1, "checksum": "0",
                               "created_at": now, "updated_at": now})
                steps.append({"paper_id": paper_id, "position": 0, "organization_id": orgs[f"c{c}"], "role": "decision",
                              "authoritative": True, "meeting_id": meeting_id,
                              "status": "scheduled" if upcoming else "completed", "result": None if upcoming else "decided"})
                files.append({"paper_id": paper_id, "position": 0, "title": f"Bilag {paper_id}",
                              "status": "to_follow" if upcoming else "present", "access": "public",
                              "sha256": None if upcoming else "0" * 64, "path": None})
    with store.engine.begin() as connection:
        for table, rows in ((MeetingRow, meetings), (PaperRow, papers), (ConsultationRow, steps), (FileRow, files)):
            for start in range(0, len(rows), 5000):
                connection.execute(insert(table.__table__), rows[start:start + 5000])
    return len(meetings), len(papers)


def main() -> int:
    from meetprep.attachments import core as attachments
    from meetprep.messages import reminders
    from meetprep.config import load_configs
    from meetprep.store import Store

    work = Path(tempfile.mkdtemp(prefix="meetprep-scans-"))
    write_config(work / "config")
    configs = load_configs(work / "config")
    rows = []
    for label, per_committee in (("small", 17), ("large", 167)):
        store = Store(f"sqlite:///{work / label}.sqlite3")
        meetings, papers = populate(store, configs, per_committee)
        timings = {}
        for name, scan in (("reminders", lambda: reminders.due_reminders(store, configs, AS_OF)),
                           ("chase", lambda: attachments.chase(store, configs, AS_OF))):
            samples, found = [], 0
            for _ in range(5):
                start = time.perf_counter()
                found = len(scan())
                samples.append(time.perf_counter() - start)
            timings[name] = (statistics.median(samples), found)
        rows.append((label, meetings, papers, timings))
        store.close()
    print(f"\nDaily scans as of {AS_OF}; median of 5; SQLite; {os.cpu_count()} cores\n")
    print(f"{'store':<8}{'meetings':>10}{'papers':>10}{'reminders s':>14}{'due':>6}{'chase s':>10}{'due':>6}")
    for label, meetings, papers, t in rows:
        print(f"{label:<8}{meetings:>10}{papers:>10}{t['reminders'][0]:>14.3f}{t['reminders'][1]:>6}"
              f"{t['chase'][0]:>10.3f}{t['chase'][1]:>6}")
    small, large = rows[0][3], rows[1][3]
    print(f"\nratio large/small: reminders {large['reminders'][0] / small['reminders'][0]:.2f}x, "
          f"chase {large['chase'][0] / small['chase'][0]:.2f}x (store 10x larger, same work due)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
