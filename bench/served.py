"""Benchmark: from a click on "Run" to the documents on disk, on a served stack.

    .venv/bin/python bench/served.py [--repeat 5]

Starts what `meetprep serve` starts (a Prefect server on 127.0.0.1, the deployments of
prefect.yaml, one worker) on a temporary home with the Danish example imported, twice: with the
resident worker that `meetprep serve` starts by default (meetprep.runtime.resident) and with
Prefect's process worker (`meetprep serve --process-workers`). Each
A run triggers the build-agenda deployment for the Danish meeting without PDFs, the way the UI's
"Run" button does (a flow run created through the API), and waits until the new version's
manifest is on disk; one paper changes before each run (not timed), so each run renders. B is
the baseline of bench/cli.py: docxtpl renders the same two documents in a new process. A and B
alternate. Prints min and median of each and the ratio. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cli import AS_OF, BASELINE, BODY, COMMITTEE, CONTEXTS, DAY  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from meetprep.runtime.supervisor import Stack

    python, work = sys.executable, Path(tempfile.mkdtemp(prefix="meetprep-bench-served-"))
    meetprep = str(Path(python).with_name("meetprep"))
    home = work / "home"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("MEETPREP_", "PREFECT_"))},
           "MEETPREP_HOME": str(home)}
    papers = work / "papers"
    shutil.copytree(ROOT / "examples" / BODY, papers)
    subprocess.run([meetprep, "items", "import", str(papers)], env=env, check=True, capture_output=True, cwd=ROOT)
    (work / "baseline.py").write_text(BASELINE)
    (work / "contexts.py").write_text(CONTEXTS.format(body=BODY, committee=COMMITTEE, as_of=AS_OF, day=DAY))
    contexts = work / "contexts.pickle"
    subprocess.run([python, str(work / "contexts.py"), str(contexts)], env=env, check=True, cwd=ROOT)

    results = []
    for label, resident in (("resident worker (serve's default)", True),
                            ("process worker (serve --process-workers)", False)):
        results.append((label, *_measure(Stack, work / ("serve-resident" if resident else "serve-process"), home, env,
                                         papers, meetprep, python, work / "baseline.py", contexts, args.repeat,
                                         resident)))
    print(f"\n{args.repeat} alternating runs each; A: click to documents on disk; B: docxtpl in a new process\n")
    print(f"{'':<44}{'min':>8}{'median':>8}{'A/B':>8}")
    for label, a_times, b_times in results:
        ratio = statistics.median(a_times) / statistics.median(b_times)
        print(f"{'A ' + label:<44}{min(a_times):>8.3f}{statistics.median(a_times):>8.3f}{ratio:>7.1f}x")
        print(f"{'B baseline':<44}{min(b_times):>8.3f}{statistics.median(b_times):>8.3f}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def _measure(Stack, folder: Path, home: Path, env: dict[str, str], papers: Path, meetprep: str, python: str,
             baseline: Path, contexts: Path, repeat: int, resident: bool) -> tuple[list[float], list[float]]:
    stack = Stack(folder, {"MEETPREP_HOME": str(home)})
    kind = "resident" if resident else "process"
    print(f"starting the stack (Prefect server, deployments, one {kind} worker)…", flush=True)
    stack.start(resident=resident)
    try:
        os.environ["PREFECT_API_URL"] = stack.env["PREFECT_API_URL"]
        os.environ["PREFECT_HOME"] = stack.env["PREFECT_HOME"]
        output = home / "output" / BODY / COMMITTEE / f"{COMMITTEE}-{DAY}"
        a_times, b_times = [], []
        for index in range(repeat + 1):
            _touch_a_paper(papers, index + (0 if resident else 100))
            subprocess.run([meetprep, "items", "import", str(papers)], env=env, check=True, capture_output=True, cwd=ROOT)
            version = _versions(output) + 1
            start = time.perf_counter()
            _trigger()
            _wait_for(output / f"v{version}" / "members" / "manifest.json", timeout=180)
            elapsed = time.perf_counter() - start
            begin = time.perf_counter()
            subprocess.run([python, str(baseline), str(contexts)], check=True, cwd=ROOT)
            if index:  # the first run warms the worker's and the server's caches
                a_times.append(elapsed)
                b_times.append(time.perf_counter() - begin)
    finally:
        stack.stop()
    return a_times, b_times


def _touch_a_paper(papers: Path, index: int) -> None:
    """A new title, so that the next build is a new version that renders both documents."""
    paper = sorted((papers / "papers").glob("*.yaml"))[0]
    lines = paper.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [f"title: Ny model for dialog på integrationsområdet (udgave {index})\n" if line.startswith("title:")
             else line for line in lines]
    paper.write_text("".join(lines), encoding="utf-8")


def _versions(output: Path) -> int:
    return max((int(p.name[1:]) for p in output.glob("v[0-9]*")), default=0)


def _trigger() -> None:
    """What the UI's Run button does: a flow run of the deployment, created through the REST API
    (plain HTTP, so that each stack of this benchmark is reached at its own address)."""
    api = os.environ["PREFECT_API_URL"].rstrip("/")
    deployment = json.loads(_http(f"{api}/deployments/name/build-agenda/build-agenda"))
    body = json.dumps({"parameters": {"body": BODY, "committee": COMMITTEE, "date": DAY, "as_of": AS_OF,
                                      "pdf": False}}).encode()
    request = urllib.request.Request(f"{api}/deployments/{deployment['id']}/create_flow_run", data=body,
                                     headers={"Content-Type": "application/json"}, method="POST")
    _http(request)


def _http(request, attempts: int = 20) -> bytes:
    """The response body; a server that answers 503 while it is busy is asked again."""
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            if exc.code != 503 or attempt == attempts - 1:
                raise SystemExit(f"{exc.code} from {exc.url}: {exc.read()[:500]!r}")
            time.sleep(0.5)
    raise AssertionError("unreachable")


def _wait_for(path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"no documents after {timeout} s: {path}")
        time.sleep(0.05)
    json.loads(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    sys.exit(main())
