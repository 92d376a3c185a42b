"""Use after free in CPython 3.11's instance attribute store (Objects/dictobject.c).

Setting a new attribute on an object whose attributes still live in its inline values makes a
dict from those values (make_dict_from_instance_attributes). Allocating that dict can start a
garbage collection; a weakref callback run by that collection sets attributes on the same object,
materializes its own dict from the same values and, growing it, frees them (dictresize ->
free_values). The outer store then builds its dict on the freed values and writes into them.

    python tests/cpython311_uaf.py            dies of SIGSEGV on CPython 3.11 (3.11.2, 3.11.7 seen)
    python tests/cpython311_uaf.py --guard    the object's dict made first: runs through

meetprep.store.cpython311 applies the guard to SQLAlchemy's InstanceState, whose weakref callback
(`_cleanup`) is the callback of this kind that corrupted meetprep's workers. Python 3.12 runs the
collector only between bytecodes (gh-97922): the callback cannot run inside the store there.
"""
import sys
import gc
import weakref


class State:  # like SQLAlchemy's InstanceState: attributes set after creation
    pass


class Target:
    pass


def run(rounds: int = 200) -> int:
    called = 0
    full = State()
    for n in range(40):  # the type's shared keys full: a new name makes a dict of the inline values
        setattr(full, f"k{n}", n)
    for i in range(rounds):
        state = State()
        state.k0 = 1  # inline values
        if GUARD:
            state.__dict__  # noqa: B018 - the dict made now: the store below never makes one

        def callback(ref, state=state):
            nonlocal called
            called += 1
            for n in range(10):  # what SQLAlchemy's InstanceState._cleanup does: set attributes on the state
                setattr(state, f"cb{n}", n)

        gc.disable()
        target = Target()
        target.cycle = target  # only the collector frees it, and then calls back
        ref = weakref.ref(target, callback)
        del target
        hold = [{} for _ in range(100)]  # the dict free list empty: the next dict is a GC allocation
        gc.set_threshold(1)
        gc.enable()
        state.outer = i  # a new key: a dict made from the inline values; its allocation collects
        del hold, ref
    return called


GUARD = "--guard" in sys.argv
print("callbacks run during the store:", run())
