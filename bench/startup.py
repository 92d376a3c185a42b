"""Benchmark: `meetprep --help` start-up against `python -c pass`, in new processes.

    .venv/bin/python bench/startup.py [--repeat 15]

Prints the median wall time of each and the ratio. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description="meetprep start-up against a bare interpreter")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    meetprep = str(Path(sys.executable).with_name("meetprep"))
    rows = [
        ("python -c pass", timed([sys.executable, "-c", "pass"], args.repeat)),
        ("meetprep --help", timed([meetprep, "--help"], args.repeat)),
        ("meetprep items list --help", timed([meetprep, "items", "list", "--help"], args.repeat)),
        ("python -c 'import prefect' (for scale)", timed([sys.executable, "-c", "import prefect"], max(3, args.repeat // 5))),
    ]
    base = rows[0][1]
    print(f"\nMedian of {args.repeat} new processes; {os.cpu_count()} cores, Python {platform.python_version()}\n")
    print(f"{'what':<42}{'seconds':>10}{'ratio':>9}")
    for name, seconds in rows:
        print(f"{name:<42}{seconds:>10.3f}{seconds / base:>8.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
