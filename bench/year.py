"""Benchmark: a year of a large city on two cores, against docxtpl alone in two processes.

    .venv/bin/python bench/year.py [--scale 1.0]

A German city (Tagesordnung ×2 and one Vorlage per paper for every meeting): 60 committees,
11 meetings each, 25 papers per meeting at --scale 1 (17,820 documents); --scale 0.1 keeps
6 committees. Both sides run in two processes, each taking half of the meetings:
  baseline  docxtpl alone renders the documents from contexts prepared beforehand;
  meetprep  `meetprep.build.run` builds each agenda end to end (select, plan, render, record),
            then publishes the meeting to the portal and OParl, as `meetprep agenda build` does.
Prints documents per second, the ratio (target: meetprep at least 80 % of the baseline's
throughput), each process's peak memory (target: under 500 MB), and the mean seconds of a
meetprep build among the first and the last tenth of each process's builds (a build must not
slow down as the store fills). Not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import multiprocessing
import os
import platform
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEAR = 2027


def write_world(work: Path, committees: int, meetings: int, papers: int) -> list[tuple[str, dt.date]]:
    from bench.synthetic import paper

    import random

    rng = random.Random(11)
    persons = [{"key": f"p{c}-{m}", "name": f"Mitglied {c}-{m}", "email": f"p{c}-{m}@example.org"}
               for c in range(committees) for m in range(6)]
    orgs = [{"key": f"a{c}", "name": f"Ausschuss {c}", "agenda": {"numbering": {"scheme": "top"},
             "opening_items": [{"title": "Eröffnung"}], "closing_items": [{"title": "Verschiedenes"}]},
             "memberships": [{"person": f"p{c}-{m}", "role": "chair" if m == 0 else "member"} for m in range(6)]}
            for c in range(committees)]
    (work / "config").mkdir(parents=True)
    (work / "config/grossstadt.yaml").write_text(yaml.safe_dump({
        "body": {"key": "grossstadt", "name": "Großstadt", "locale": "de", "timezone": "Europe/Berlin", "holidays": "DE-NW"},
        "persons": persons, "organizations": orgs}, allow_unicode=True), encoding="utf-8")
    meeting_list, days = [], []
    for c in range(committees):
        for m in range(meetings):
            day = dt.date(YEAR, 1 + m + (m >= 6), 10 + c % 15)  # eleven months, no July
            start = dt.datetime.combine(day, dt.time(17), ZoneInfo("Europe/Berlin"))
            meeting_list.append({"committee": f"a{c}", "start": start.isoformat()})
            days.append((f"a{c}", day))
            for p in range(papers):
                number = (c * meetings + m) * papers + p
                data = paper(rng, "grossstadt", f"BV/{YEAR}/{number:05d}", f"a{c}", "de", "public")
                data["consultations"] = [{"committee": f"a{c}", "role": "Entscheidung", "meeting": f"a{c}-{day.isoformat()}"}]
                data["attachments"] = []
                (work / "papers").mkdir(exist_ok=True)
                (work / f"papers/{number:05d}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (work / "papers/meetings.yaml").write_text(yaml.safe_dump({"body": "grossstadt", "meetings": meeting_list}), encoding="utf-8")
    return days


def _environment(work: Path) -> None:
    os.environ.update(MEETPREP_HOME=str(work / "home"), MEETPREP_CONFIG_DIR=str(work / "config"))


def peak_kb() -> int:
    """This process's own peak resident memory (VmHWM). Not getrusage's ru_maxrss: on Linux that
    keeps the high-water mark across fork and exec, so a spawned worker reports its parent's."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmHWM:")[1].split()[0])
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def baseline_worker(args) -> tuple[int, float, int]:
    work, share = args
    _environment(work)
    from docxtpl import DocxTemplate

    from meetprep.agenda import build

    from meetprep.agenda import contexts, documents, rendering
    from meetprep.config import Settings, load_configs
    from meetprep.store import Store

    settings = Settings.from_env()
    configs = load_configs(settings.config_dir)
    store = Store(settings.database_url)
    jobs = []
    for committee, day in share:  # contexts prepared before the clock starts
        draft = build.prepare(store, configs, build.AgendaRequest("grossstadt", committee, day - dt.timedelta(days=8), day=day))
        for plan in documents.planned_documents(draft):
            context = (contexts.agenda_context(draft, plan["variant"], plan["kind"]) if plan["reference"] is None
                       else contexts.paper_context(draft, plan["reference"], plan["kind"]))
            jobs.append((rendering.template_path(settings.templates_dir, "de", plan["kind"]), context))
    start = time.perf_counter()
    for template, context in jobs:
        document = DocxTemplate(template)
        document.render(context, jinja_env=rendering.plain_jinja_environment(), autoescape=True)
        document.save(io.BytesIO())
    return len(jobs), time.perf_counter() - start, peak_kb()


def meetprep_worker(args) -> tuple[int, float, int, list[float]]:
    work, share = args
    _environment(work)
    from meetprep import publish
    from meetprep.agenda import build
    from meetprep.config import Settings, load_configs
    from meetprep.store import Store

    settings = Settings.from_env()
    configs = load_configs(settings.config_dir)
    store = Store(settings.database_url)
    written, each = 0, []
    start = time.perf_counter()
    for committee, day in share:
        began = time.perf_counter()
        now = dt.datetime.now(dt.timezone.utc)
        result, _ = build.run(store, configs, build.AgendaRequest("grossstadt", committee, day - dt.timedelta(days=8), day=day),
                              settings.templates_dir, settings.output_dir, now, pdf=False)
        if result.action == "created":
            notes = publish.after(store, configs, settings, now, "grossstadt", {result.meeting})
            assert not notes, notes
        written += len(result.documents)
        each.append(time.perf_counter() - began)
        if os.environ.get("YEAR_PROGRESS"):
            print(len(each), committee, day, f"{each[-1]:.2f}", flush=True)
    return written, time.perf_counter() - start, peak_kb(), each


def meetprep_forking_worker(args) -> tuple[int, float, int, list[float]]:
    """As meetprep_worker, but each build (and publish) in a child forked from this process with
    meetprep imported: how the fork server runs a clerk's commands. Peak memory: the largest
    child's own high-water mark (it counts the pages it shares with this process)."""
    import json

    work, share = args
    _environment(work)
    import meetprep.agenda.build  # noqa: F401 - imported once, before the children
    import meetprep.publish.oparl  # noqa: F401
    import meetprep.publish.site  # noqa: F401

    written, each, peak = 0, [], 0
    start = time.perf_counter()
    for item in share:
        read, write = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(read)
            code = 1
            try:
                documents, _seconds, child_peak, times = meetprep_worker((work, [item]))
                os.write(write, json.dumps([documents, child_peak, times[0]]).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            report = pipe.read()
        _, status = os.waitpid(child, 0)
        if status != 0 or not report:
            raise RuntimeError(f"the build of {item} ended with status {status}")
        documents, child_peak, seconds = json.loads(report)
        written, peak = written + documents, max(peak, child_peak)
        each.append(seconds)
    return written, time.perf_counter() - start, max(peak, peak_kb()), each


def import_world(work: Path) -> None:
    _environment(work)
    from meetprep.config import Settings, load_configs
    from meetprep.importing.pipeline import import_files
    from meetprep.store import Store

    settings = Settings.from_env()
    with Store(settings.database_url) as store:
        import_files(store, load_configs(settings.config_dir), [work / "papers"], dt.datetime(YEAR - 1, 12, 1, tzinfo=dt.timezone.utc))


def main() -> int:
    parser = argparse.ArgumentParser(description="a year of a large city")
    parser.add_argument("--scale", type=float, default=0.1)
    args = parser.parse_args()
    committees = max(2, round(60 * args.scale))
    work = Path(tempfile.mkdtemp(prefix="meetprep-year-"))
    days = write_world(work, committees, 11, 25)
    # The import in a process of its own: it holds what it reads (1.3 GB at scale 1), and forked
    # workers would count its pages as their own.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(import_world, work).result()
    shares = [(work, days[0::2]), (work, days[1::2])]
    # A worker that dies must stop the bench, not hang it (multiprocessing.Pool waits forever for
    # a task whose process is gone): ProcessPoolExecutor raises BrokenProcessPool instead.
    # Workers that build and publish died of a segmentation fault here until commit c7c2d05
    # (2026-11-22, Python 3.11.7): see scripts/repro_spawn_segfault.py. YEAR_START_METHOD
    # chooses how the workers start (spawn, fork); YEAR_FORK_PER_BUILD=1 runs each build in a
    # child of its worker, as the fork server runs a clerk's commands.
    context = multiprocessing.get_context(os.environ.get("YEAR_START_METHOD", "spawn"))
    rows = []
    meetprep = meetprep_forking_worker if os.environ.get("YEAR_FORK_PER_BUILD") else meetprep_worker
    for name, worker in (("docxtpl alone, 2 processes", baseline_worker), ("meetprep build, 2 processes", meetprep)):
        with ProcessPoolExecutor(2, mp_context=context) as pool:
            start = time.perf_counter()
            results = list(pool.map(worker, shares))
            wall = time.perf_counter() - start
        documents = sum(r[0] for r in results)
        busy = max(r[1] for r in results)  # the slower process decides
        rows.append((name, documents, busy, documents / busy, max(r[2] for r in results) / 1024, wall))
        if len(results[0]) > 3:
            tenth = max(1, min(len(r[3]) for r in results) // 10)
            first = [t for r in results for t in r[3][:tenth]]
            last = [t for r in results for t in r[3][-tenth:]]
            growth = (f"a build (and publish), mean of the first and last {tenth} of each process: "
                      f"{sum(first) / len(first):.3f} s and {sum(last) / len(last):.3f} s")
    base = rows[0][3]
    print(f"\nA year of a city: {committees} committees x 11 meetings x 25 papers (scale {args.scale}); "
          f"{os.cpu_count()} cores, Python {platform.python_version()}\n")
    print(f"{'what':<30}{'documents':>10}{'seconds':>9}{'docs/s':>9}{'of base':>9}{'peak MB':>9}")
    for name, documents, busy, rate, peak, _ in rows:
        print(f"{name:<30}{documents:>10}{busy:>9.1f}{rate:>9.1f}{rate / base:>8.0%}{peak:>9.0f}")
    print(f"\n{growth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
