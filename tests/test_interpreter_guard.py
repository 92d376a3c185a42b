"""The guard around CPython 3.11's use after free (meetprep/store/cpython311.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from meetprep.store import cpython311
from tests.conftest import ROOT

affected = pytest.mark.skipif(sys.version_info >= (3, 12), reason="CPython 3.12 collects only between bytecodes")


@affected
def test_the_interpreter_bug_is_real_here_and_the_guard_avoids_it():
    """Without the guard the pure-Python reproducer kills the interpreter; with it, it runs."""
    script = str(ROOT / "tests" / "cpython311_uaf.py")
    bare = subprocess.run([sys.executable, script], capture_output=True, timeout=120)
    guarded = subprocess.run([sys.executable, script, "--guard"], capture_output=True, text=True, timeout=120)
    assert bare.returncode < 0 or bare.returncode == 134, (bare.returncode, bare.stdout, bare.stderr[-500:])
    assert guarded.returncode == 0 and "callbacks run" in guarded.stdout, guarded.stderr[-2000:]


CHECK = """
import gc, sys, tempfile
from sqlalchemy import inspect, select
from meetprep.store import BodyRow, Store, cpython311

def own_dict(state):
    return any(type(r) is dict and r is not state.committed_state for r in gc.get_referents(state))

patched = sys.argv[1] == "guarded"
if not patched:
    cpython311.InstanceState.__init__ = cpython311.InstanceState.__init__.__wrapped__
new = BodyRow(key="demo", name="Demo", locale="de", timezone="Europe/Berlin")
found = [own_dict(inspect(new))]
with Store(f"sqlite:///{tempfile.mkdtemp()}/store.sqlite3") as store:
    with store.session() as session:
        session.add(new)
        session.flush()
        session.expunge_all()
        found.append(own_dict(inspect(session.execute(select(BodyRow)).scalar_one())))
print(found)
"""


@affected
def test_every_row_has_its_attribute_dict_from_the_start():
    """A new object's state and a loaded row's: their attributes live in a dict from the start,
    never in inline values that a later store would turn into one. In a fresh interpreter (a
    long-lived one may have stopped giving InstanceState inline values at all): with the guard
    both have a dict, with the class's own __init__ neither has."""
    assert cpython311.AFFECTED and getattr(cpython311.InstanceState, "_meetprep_dict_at_init", False)
    for mode, expected in (("guarded", "[True, True]"), ("bare", "[False, False]")):
        done = subprocess.run([sys.executable, "-c", CHECK, mode], capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip() == expected, (mode, done.stdout)
