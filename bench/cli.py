"""Benchmark: what a clerk feels at the command line, whole processes against docxtpl alone.

    .venv/bin/python bench/cli.py [--repeat 7]

Every measurement is a new process, timed from start to exit, alternating A (meetprep) and B
(the baseline) so that a busy machine slows both alike. The baseline is a plain script that
renders the same Word documents from the same templates and contexts with docxtpl in a new
process (the contexts are prepared beforehand, not timed).

  build      `meetprep agenda build` of the Danish meeting (two documents, no PDFs), each run
             on a fresh copy of a store where the meeting's papers are imported and nothing is
             built yet (copying is not timed), with the cache an earlier command left;
  rebuild    the same command again on a store where that agenda is built: nothing changed;
  refused    the same command with one config file broken (an unknown time zone): the error;
  list       `meetprep items list` of the body (reads the store, prints a table).

Each case runs twice: with each command in its own process (MEETPREP_FORKSERVER=off: the first
command of a session, or scripts that turn the fork server off) and through a warm fork server
(what a clerk at a terminal gets from the second command on; started before measuring).

Prints min and median of each side and the ratio of the medians. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
BODY, COMMITTEE, DAY, AS_OF = "gentofte", "ebi", "2025-09-22", "2025-09-14"

BASELINE = '''
import io, pickle, sys
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
for template, context in pickle.load(open(sys.argv[1], "rb")):
    document = DocxTemplate(template)
    document.render(context, jinja_env=SandboxedEnvironment(undefined=StrictUndefined, autoescape=True), autoescape=True)
    document.save(io.BytesIO())
'''

CONTEXTS = '''
import datetime as dt, pickle, sys
from meetprep.agenda import build
from meetprep.agenda import contexts, documents, rendering
from meetprep.config import Settings, load_configs
from meetprep.store import Store
settings = Settings.from_env(); configs = load_configs(settings.config_dir)
with Store(settings.database_url) as store:
    draft = build.prepare(store, configs, build.AgendaRequest("{body}", "{committee}", dt.date.fromisoformat("{as_of}"),
                                                              day=dt.date.fromisoformat("{day}")))
out = []
for plan in documents.planned_documents(draft):
    context = contexts.agenda_context(draft, plan["variant"], plan["kind"])
    out.append((str(rendering.template_path(settings.templates_dir, draft.body["locale"], plan["kind"])), context))
pickle.dump(out, open(sys.argv[1], "wb"))
'''


def run(command: list[str], env: dict[str, str], expect: int = 0) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode != expect:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr.decode()[-2000:]}")
    return elapsed


def paired(repeat: int, a: Callable[[], float], b: Callable[[], float]) -> tuple[list[float], list[float]]:
    a_times, b_times = [], []
    for _ in range(repeat):
        a_times.append(a())
        b_times.append(b())
    return a_times, b_times


def wait_for_server(python: str, env: dict[str, str]) -> str:
    probe = "from meetprep.runtime import socket_folder as f; print(f.socket_path(f.folder()))"
    socket_path = subprocess.run([python, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout.strip()
    from meetprep.runtime import launch

    deadline = time.monotonic() + 60
    while not (os.path.exists(socket_path) and launch.running(socket_path)):
        if time.monotonic() > deadline:
            raise SystemExit(f"no fork server on {socket_path}")
        time.sleep(0.1)
    return socket_path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    python = sys.executable
    meetprep = str(Path(python).with_name("meetprep"))
    work = Path(tempfile.mkdtemp(prefix="meetprep-bench-cli-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEETPREP_", "PREFECT_API_URL"))}
    env["MEETPREP_FORKSERVER"] = "off"
    imported = work / "imported"
    home_env = {**env, "MEETPREP_HOME": str(imported)}
    run([meetprep, "items", "import", str(ROOT / "examples" / BODY)], home_env)
    (work / "baseline.py").write_text(BASELINE)
    (work / "contexts.py").write_text(CONTEXTS.format(body=BODY, committee=COMMITTEE, as_of=AS_OF, day=DAY))
    contexts = work / "contexts.pickle"
    run([python, str(work / "contexts.py"), str(contexts)], home_env)
    baseline = [python, str(work / "baseline.py"), str(contexts)]
    build = [meetprep, "agenda", "build", "--body", BODY, "--committee", COMMITTEE, "--date", DAY, "--as-of", AS_OF,
             "--no-pdf"]

    fresh = work / "fresh"

    def build_fresh(extra: dict[str, str]) -> float:
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.copytree(imported, fresh)
        return run(build, {**env, **extra, "MEETPREP_HOME": str(fresh)})

    built = work / "built"
    shutil.copytree(imported, built)
    built_env = {**env, "MEETPREP_HOME": str(built)}
    run(build, built_env)
    # As on a machine where meetprep has run before: the fresh copies start with the command's
    # cache (validated configs, the year's holidays) that the first build left behind.
    shutil.rmtree(imported / "cache", ignore_errors=True)
    shutil.copytree(built / "cache", imported / "cache")
    broken = work / "broken-config"
    shutil.copytree(ROOT / "config", broken)
    text = (broken / f"{BODY}.yaml").read_text(encoding="utf-8")
    (broken / f"{BODY}.yaml").write_text(text.replace("Europe/Copenhagen", "Europe/Gentofte", 1), encoding="utf-8")
    broken_env = {**built_env, "MEETPREP_CONFIG_DIR": str(broken)}
    run(build, broken_env, expect=1)  # the command's own cache of the good files is warm, as for a clerk

    def base() -> float:
        return run(baseline, env)

    cases = [
        ("build: a new agenda, 2 documents", lambda extra: build_fresh(extra)),
        ("rebuild: nothing changed", lambda extra: run(build, {**built_env, **extra})),
        ("refused: a broken config file", lambda extra: run(build, {**broken_env, **extra}, expect=1)),
        ("items list", lambda extra: run([meetprep, "items", "list", "--body", BODY], {**built_env, **extra})),
    ]
    forkserver = {"MEETPREP_FORKSERVER": "on", "MEETPREP_FORKSERVER_DIR": str(work / "fs")}
    run([meetprep, "--version"], {**env, **forkserver})  # starts the server in the background
    socket_path = wait_for_server(python, {**env, **forkserver})
    print(f"\n{args.repeat} alternating runs each; {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.machine()}; baseline B: docxtpl renders the same 2 documents in a new process\n")
    print(f"{'A':<48}{'A min':>8}{'A med':>8}{'B min':>8}{'B med':>8}{'A/B med':>9}")
    for mode, extra in (("alone", {}), ("fork server", forkserver)):
        for name, case in cases:
            a_times, b_times = paired(args.repeat, lambda: case(extra), base)
            a_med, b_med = statistics.median(a_times), statistics.median(b_times)
            print(f"{name + ' (' + mode + ')':<48}{min(a_times):>8.3f}{a_med:>8.3f}{min(b_times):>8.3f}{b_med:>8.3f}"
                  f"{a_med / b_med:>8.2f}x")
    run([meetprep, "forkserver", "stop"], {**env, **forkserver})
    assert not os.path.exists(socket_path)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
