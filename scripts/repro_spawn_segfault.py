"""Reproduced a segmentation fault seen on 2026-11-22 (Python 3.11.7, SQLite 3.40.1, SQLAlchemy 2.0.58).

    .venv/bin/python scripts/repro_spawn_segfault.py [--start-method spawn|fork]

Builds and publishes (as `meetprep agenda build` does) the 66 meetings of a six-committee German
city, one after the other, in one worker process. Up to commit 7bd9f2f, started with "spawn" the
worker died of SIGSEGV or "free(): invalid pointer" every time (ten runs), after 1-2 minutes,
at varying places: a corrupted allocator free list (gdb on a core file: pymalloc_alloc; with
PYTHONMALLOC=malloc MALLOC_CHECK_=3 glibc aborts later in an unrelated fdopen, "malloc_consolidate():
unaligned fastbin chunk", so the damage is done earlier and elsewhere). It stayed with SQLAlchemy's
C extensions off, with markupsafe's, PyYAML's and greenlet's C extensions blocked (--block), without
Word rendering (--skip-word), with sqlite3's statement cache off (cached_statements=0), with an
unlimited stack and with Debian's own Python 3.11.2.

Bisected on 2026-11-22: the trigger is the rendering of the static OParl list pages through
`oparl.output()` (each page loads its 100 objects and all their embedded children from the ledger,
thousands of JSON rows through large IN lists, and renders them). Since commit c7c2d05 a static page
is spliced from its objects' files instead, and the worker has not crashed since (four runs of this
script on spawn and fork, two with only that change on top of 7bd9f2f, and `bench/year.py --scale 1`
on spawn). The cause inside CPython or SQLAlchemy is not found. Run again on 2026-12-02 at
7bd9f2f (a git worktree, PYTHONPATH pointing at it): it still crashes; under PYTHONMALLOC=debug as a
use after free (no guard bytes overwritten), with gdb in pymalloc_alloc (docs/performance.md).
Since then the served OParl API (meetprep.publish.server) splices its list pages from the
objects' files as well; bench/soak.py keeps a worker and the served API busy together.
Named on 2026-12-03 (valgrind memcheck): a use after free in CPython 3.11's attribute store, reached
through SQLAlchemy's InstanceState._cleanup weakref callback during a collection inside a dict
allocation; tests/cpython311_uaf.py reproduces it in pure Python, meetprep/store/cpython311.py
guards around it, docs/performance.md tells the story. With the guard added at 7bd9f2f the worker
lives (three runs on spawn, one on fork); without it, it still dies.
Prints the worker's exit code (-11: the crash) and, if it lived, its first and last build times.
"""

from __future__ import annotations

import argparse
import faulthandler
import multiprocessing
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def worker(args, queue, blocked: list[str], skip_word: bool = False, fork_per_build: bool = False) -> None:
    faulthandler.enable(file=sys.stderr)
    for name in blocked:  # an optional C extension: its package falls back to pure Python
        sys.modules[name] = None
    if skip_word:  # each "document" is its template's bytes: docxtpl and lxml do no work
        from meetprep.agenda import documents

        documents.render_docx = lambda template, context: Path(template).read_bytes()
    from bench import year

    if fork_per_build:  # as the fork server runs commands: each build and publish in a child
        import os

        import meetprep.publish.oparl  # noqa: F401 - imported once, before the children
        import meetprep.publish.site  # noqa: F401
        work, days = args
        codes = []
        for day in days:
            child = os.fork()
            if child == 0:
                year.meetprep_worker((work, [day]))
                os._exit(0)
            codes.append(os.waitpid(child, 0)[1])
        queue.put((len(days), "child statuses", sorted(set(codes))))
        return
    result = year.meetprep_worker(args)
    queue.put((result[0], result[3][:2], result[3][-2:]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start-method", default="spawn", choices=["spawn", "fork", "forkserver"])
    parser.add_argument("--block", action="append", default=[], metavar="MODULE",
                        help="make importing MODULE fail in the worker, e.g. markupsafe._speedups, yaml._yaml, greenlet")
    parser.add_argument("--skip-word", action="store_true", help="do not render the Word documents (no lxml work)")
    parser.add_argument("--fork-per-build", action="store_true", help="each build and publish in a forked child")
    options = parser.parse_args()
    from bench import year

    work = Path(tempfile.mkdtemp(prefix="meetprep-segv-"))
    days = year.write_world(work, 6, 11, 25)
    year.import_world(work)
    context = multiprocessing.get_context(options.start_method)
    queue = context.Queue()
    process = context.Process(target=worker, args=((work, days), queue, options.block, options.skip_word, options.fork_per_build))
    process.start()
    process.join()
    print("worker exit code", process.exitcode, queue.get() if process.exitcode == 0 else "")
    return 0 if process.exitcode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
