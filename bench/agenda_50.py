"""Benchmark: one 50-item meeting built end to end as a clerk runs it, against docxtpl alone.

    .venv/bin/python bench/agenda_50.py [--repeat 5]

Both sides render the same documents from the same templates and contexts in this process:
  baseline   docxtpl alone: load each template, render the prepared context, save to bytes;
  pipeline   meetprep.build.run: select and plan from the store, render, checksum, move into
             place, record the version (no Prefect);
  flow       the build-agenda Prefect flow, warm (its temporary API server already started
             by a first run, as on a machine that has run meetprep before).
Each measured build is a real new version: one paper changes before each run (not timed).
Prints median times and the ratio to the baseline. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import write_meeting_papers  # noqa: E402

CASES = [  # body, committee, meeting day, locale
    ("gentofte", "ebi", dt.date(2025, 9, 22), "da"),
    ("wedel", "sozialausschuss", dt.date(2023, 12, 5), "de"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--items", type=int, default=48, help="papers (plus the standing items: about 50 in all)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="meetprep-bench-"))
    os.environ.update(MEETPREP_HOME=str(work / "home"), PREFECT_HOME=str(work / "prefect"),
                      PREFECT_LOGGING_LEVEL="ERROR", PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
                      PREFECT_SERVER_ANALYTICS_ENABLED="false")

    from docxtpl import DocxTemplate

    from meetprep.agenda import build

    from meetprep.agenda import contexts, documents, rendering
    from meetprep.config import Settings, load_configs
    from meetprep.importing.pipeline import import_files
    from meetprep.store import Store

    settings = Settings.from_env()
    configs = load_configs(settings.config_dir)
    store = Store(settings.database_url)
    rows = []
    for body, committee, day, locale in CASES:
        folder = work / "input" / body
        papers = write_meeting_papers(folder / "papers", body, committee, locale, args.items)
        import_files(store, configs, [ROOT / "examples" / body / "meetings.yaml", folder],
                     dt.datetime.combine(day - dt.timedelta(days=40), dt.time(), dt.timezone.utc))
        request = build.AgendaRequest(body, committee, day - dt.timedelta(days=8), day=day)

        def touch(run: int) -> None:  # one changed paper: the next build is a new version
            text = papers[0].read_text(encoding="utf-8")
            papers[0].write_text(text.replace("title: ", f"title: Rev{run} ", 1) if run == 0 else
                                 text.replace(f"title: Rev{run - 1} ", f"title: Rev{run} ", 1), encoding="utf-8")
            import_files(store, configs, [papers[0]], dt.datetime.now(dt.timezone.utc))

        # The same contexts, prepared once, for the baseline.
        draft = build.prepare(store, configs, request)
        prepared = []
        for plan in documents.planned_documents(draft):
            template = rendering.template_path(settings.templates_dir, locale, plan["kind"])
            context = (contexts.agenda_context(draft, plan["variant"], plan["kind"]) if plan["reference"] is None
                       else contexts.paper_context(draft, plan["reference"], plan["kind"]))
            prepared.append((template, context))

        def baseline() -> None:
            for template, context in prepared:
                document = DocxTemplate(template)
                document.render(context, jinja_env=rendering.plain_jinja_environment(), autoescape=True)
                document.save(io.BytesIO())

        counter = iter(range(10_000))

        def pipeline() -> None:
            build.run(store, configs, request, settings.templates_dir, settings.output_dir,
                      dt.datetime.now(dt.timezone.utc), pdf=False)

        from flows.agenda import build_agenda

        def flow() -> None:
            asyncio.run(build_agenda(body=body, committee=committee, date=day, as_of=request.as_of, pdf=False))

        touch(next(counter))
        flow()  # warm-up: starts Prefect's temporary server and creates its database

        def timed(fn, change: bool) -> float:
            samples = []
            for _ in range(args.repeat):
                if change:
                    touch(next(counter))
                start = time.perf_counter()
                fn()
                samples.append(time.perf_counter() - start)
            return statistics.median(samples)

        base = timed(baseline, change=False)
        rows.append((locale, f"docxtpl alone ({len(prepared)} documents)", base, 1.0))
        for name, fn in (("meetprep pipeline, no Prefect", pipeline), ("build-agenda flow (warm Prefect)", flow)):
            value = timed(fn, change=True)
            rows.append((locale, name, value, value / base))
    store.close()

    print(f"\nOne meeting with {args.items} papers + standing items; median of {args.repeat} runs; no PDF.")
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")
    print(f"{'locale':<7}{'what':<44}{'seconds':>10}{'ratio':>9}")
    for locale, name, seconds, ratio in rows:
        print(f"{locale:<7}{name:<44}{seconds:>10.3f}{ratio:>8.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
