"""How a job runs its steps: directly (the CLI, tests), or as Prefect tasks (flows/_tasks.py).

It lives at the bottom of the package because domain sequences (an agenda build) take a runner too.

A job calls `step("read-replies", take, store, inbox, now)` for each step a clerk would want to
see. The default runner just calls the function; a flow passes one that runs it as a task of the
same name, so the sequence of steps is written once, in the job.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol


class Step(Protocol):
    def __call__(self, name: str, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any: ...


def direct(name: str, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Run the step here and now (the name only matters to a runner that shows it)."""
    return function(*args, **kwargs)
