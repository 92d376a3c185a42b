"""Runs that overlap for real: N processes that start one piece of work at the same instant.

Each child opens its own store and does what a flow run does; a barrier lets them all start
together. Children report plain data back, or the traceback of what went wrong.

They come from a fork server: a clean, single-threaded process with meetprep imported once,
which forks each child. Forking the test process itself would copy the locks of its server
threads (SMTP, HTTP) in whatever state they are in, and a child can hang on one for ever.
"""

from __future__ import annotations

import multiprocessing
import traceback
from typing import Any, Callable


def _child(barrier, results, index: int, work: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        barrier.wait(timeout=60)
        results.put((index, work(*args), None))
    except BaseException:  # reported to the test, which fails with it
        results.put((index, None, traceback.format_exc()))


_PRELOAD = ["meetprep.agenda.build", "meetprep.jobs.invitations", "meetprep.jobs.attachments", "meetprep.jobs.minutes",
            "meetprep.jobs.planning", "meetprep.minutes.record", "meetprep.attachments.core", "meetprep.messages.invitations",
            "meetprep.planning", "meetprep.messages.reminders", "meetprep.messages.ledger", "meetprep.importing.pipeline", "sqlalchemy",
            "docxtpl", "apprise", "psycopg"]


def _context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


def overlapping(runs: int, work: Callable[..., Any], *args: Any, timeout: float = 180) -> list[Any]:
    """Start `runs` processes doing work(*args) at once; their results in start order.

    Raises AssertionError with the child's traceback if any run failed or did not finish.
    """
    context = _context()
    barrier = context.Barrier(runs)
    results = context.Queue()
    processes = [context.Process(target=_child, args=(barrier, results, i, work, args)) for i in range(runs)]
    for process in processes:
        process.start()
    collected: dict[int, Any] = {}
    errors = []
    for _ in processes:
        index, value, error = results.get(timeout=timeout)
        collected[index] = value
        if error:
            errors.append(f"run {index}:\n{error}")
    for process in processes:
        process.join(timeout=30)
    assert not errors, "\n".join(errors)
    assert all(p.exitcode == 0 for p in processes), [p.exitcode for p in processes]
    return [collected[i] for i in range(runs)]
