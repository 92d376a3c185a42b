"""Benchmark: a city's year of papers imported, against parsing the same files with libyaml alone.

    .venv/bin/python bench/import.py [--scale 1.0] [--runs 1]

The world is bench/year.py's: 60 committees, 11 meetings each, 25 papers per meeting at
--scale 1 (16,500 papers and their meetings file); --scale 0.1 keeps 6 committees. Each side
runs as its own process, alternating A and B:
  baseline  yaml.load(..., CSafeLoader) of every file, nothing else;
  meetprep  `meetprep items import papers/` as a clerk runs it: a fresh store, all or nothing.
Prints each side's seconds, the ratio, meetprep's papers per second and each process's peak
memory (targets for --scale 1 on two cores: at most 90 s and 400 MB). Not a test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASELINE = """
import resource, sys, yaml
from pathlib import Path
for path in sorted(Path(sys.argv[1]).glob("*.yaml")):
    yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

MEETPREP = """
import resource, sys
from meetprep.cli import main
sys.argv = ["meetprep", "items", "import", sys.argv[1], "--json"]
try:
    main()
except SystemExit as exit:
    if exit.code:
        raise
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def run(code: str, papers: Path, env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, str(papers)], env=env, capture_output=True, text=True,
                          timeout=3600)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"failed:\n{done.stderr[-3000:]}")
    peak = int((done.stderr if "meetprep" in code else done.stdout).strip().splitlines()[-1])
    return seconds, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    from bench.year import write_world

    committees = max(1, round(60 * args.scale))
    with tempfile.TemporaryDirectory(prefix="meetprep-import-") as folder:
        work = Path(folder)
        write_world(work, committees, 11, 25)
        papers = work / "papers"
        count = len(list(papers.glob("*.yaml"))) - 1
        print(f"{count:,} papers and a meetings file in {papers}")
        base_times, base_peaks, times, peaks = [], [], [], []
        for attempt in range(args.runs):
            home = work / f"home-{attempt}"
            env = {**os.environ, "MEETPREP_HOME": str(home), "MEETPREP_CONFIG_DIR": str(work / "config"),
                   "MEETPREP_FORKSERVER": "off", "PYTHONPATH": str(ROOT)}
            seconds, peak = run(BASELINE, papers, env)
            base_times.append(seconds)
            base_peaks.append(peak)
            seconds, peak = run(MEETPREP, papers, env)
            times.append(seconds)
            peaks.append(peak)
        base, ours = min(base_times), min(times)
        print(f"baseline (CSafeLoader only): {base:6.1f} s   peak {max(base_peaks) / 1024:6.0f} MB")
        print(f"meetprep items import:       {ours:6.1f} s   peak {max(peaks) / 1024:6.0f} MB   "
              f"{count / ours:,.0f} papers/s")
        print(f"ratio meetprep / baseline:   {ours / base:6.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
