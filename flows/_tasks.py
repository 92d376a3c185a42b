"""Run a job's steps as Prefect tasks: the runner the flows hand to meetprep.jobs.

A job calls `step("send-invitations", dispatch, ...)`; here that becomes a task run of that name, so
the UI shows where a run stands (reading replies, planning, sending, publishing) without the
flow writing the sequence of steps again. Arguments are passed with `quote()`: they are plain data
with no futures in them, and without it Prefect walks every nested value of each (a third of a
small build's time).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

# The tag lets an operator bound concurrent writes on a server:
#   prefect concurrency-limit create meetprep-agenda-write 4
# (correctness does not depend on it: the store locks what it writes).
WRITES = {"tags": ["meetprep-agenda-write"]}
OPTIONS: dict[str, dict[str, Any]] = {
    "convert-to-pdf": {"timeout_seconds": 900},
    "record-version": WRITES,
    "record-minutes": WRITES,
    "record-delivery": WRITES,
    "read-replies": WRITES,
    "prepare-meeting": WRITES,
    "write-minutes": {"timeout_seconds": 900},
}


@lru_cache(maxsize=None)
def _task(name: str, function: Callable[..., Any]) -> Any:
    return task(name=name, cache_policy=NO_CACHE, **OPTIONS.get(name, {}))(function)


def as_task(name: str, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """A meetprep.steps.Step: run `function` as the task `name` of the current flow run."""
    return _task(name, function)(*(quote(a) for a in args), **{k: quote(v) for k, v in kwargs.items()})
