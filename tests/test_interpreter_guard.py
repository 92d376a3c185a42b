"""The guard around CPython 3.11's use after free (meetprep/store/cpython311.py)."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from meetprep.store import Store, cpython311
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


def _has_own_dict(state) -> bool:
    """Whether the state's attributes are in a dict object (a referent besides its
    committed_state), not in inline values; found without reading `__dict__`, which makes one."""
    return any(type(r) is dict and r is not state.committed_state for r in gc.get_referents(state))


@affected
def test_every_row_has_its_attribute_dict_from_the_start(tmp_path):
    """A new object's state and a loaded row's: their attributes live in a dict from the start,
    never in inline values that a later store would turn into one (tested both ways: the
    class's own __init__ leaves them inline)."""
    from sqlalchemy import inspect, select

    from meetprep.store import BodyRow

    assert cpython311.AFFECTED and getattr(cpython311.InstanceState, "_meetprep_dict_at_init", False)
    guarded = cpython311.InstanceState.__init__
    try:
        for patched in (True, False):
            if not patched:
                cpython311.InstanceState.__init__ = guarded.__wrapped__
            new = BodyRow(key=f"demo{patched}", name="Demo", locale="de", timezone="Europe/Berlin")
            assert _has_own_dict(inspect(new)) is patched
            with Store(f"sqlite:///{tmp_path / f'store{patched}.sqlite3'}") as store:
                with store.session() as session:
                    session.add(new)
                    session.flush()
                    session.expunge_all()  # loaded anew below, as a query loads rows
                    row = session.execute(select(BodyRow)).scalar_one()
                    assert _has_own_dict(inspect(row)) is patched
    finally:
        cpython311.InstanceState.__init__ = guarded
