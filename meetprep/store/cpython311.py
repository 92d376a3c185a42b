"""A guard around a use-after-free in CPython 3.11 that killed long-running workers (SIGSEGV).

The bug (found 2026-12-03 with valgrind's memcheck, docs/performance.md; a pure-Python
reproducer is tests/cpython311_uaf.py): in CPython 3.11, storing an attribute that an object's
inline values have no slot for turns those values into a dict
(`_PyObject_StoreInstanceAttribute` -> `make_dict_from_instance_attributes`). Allocating that
dict is a GC allocation, and in 3.11 the cyclic garbage collector runs inside allocations. If the
collection calls a weakref callback that stores attributes on the *same* object, the callback
makes its own dict from the same values and, growing it, frees them (`dictresize` ->
`free_values`); the outer store then builds its dict on the freed memory and writes into it.
The heap is corrupted there and the process dies later, somewhere else.

SQLAlchemy's `InstanceState._cleanup` is such a callback: it runs when an ORM object in a
reference cycle is collected and sets `session_id` and `_strong_obj` on its state, while the
session may be setting attributes on that state at the same moment (closing the session, in
`_detach_states`). A worker that loads thousands of rows per build and closes its session
met it within minutes.

Python 3.12 runs the collector only between bytecodes, never inside an allocation (gh-97922),
so the race is gone there. On 3.11 this module gives each state its attribute dict when it is
made, while nothing else touches it: later stores go to that dict and never turn inline values
into one. It costs a small dict per loaded row.
"""

from __future__ import annotations

import sys

from sqlalchemy.orm.state import InstanceState

AFFECTED = sys.version_info < (3, 12)


def guard_instance_states() -> bool:
    """Patch InstanceState.__init__ once on an affected interpreter; True if it was patched now."""
    if not AFFECTED or getattr(InstanceState, "_meetprep_dict_at_init", False):
        return False
    original = InstanceState.__init__

    def __init__(self, obj, manager):  # noqa: N807 - replaces the class's own
        original(self, obj, manager)
        self.__dict__  # noqa: B018 - reading it makes the dict now, outside any store

    __init__.__wrapped__ = original  # type: ignore[attr-defined]
    InstanceState.__init__ = __init__
    InstanceState._meetprep_dict_at_init = True
    return True


guard_instance_states()
