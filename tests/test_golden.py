"""The reader-visible text of the demo's output per locale, against tests/golden/: one invitation
as its members receive it (with its calendar part), one committee's public calendar feed, and
every kind of document (members' and public variant of the agenda). The Niederschrift's golden
file is checked in test_minutes (the demo's German bodies hold no minutes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.golden import readable

# (golden file, glob under the demo's folder: the last match in sorted order is taken)
SELECTED = [
    ("da/invitation.eml.txt", "outbox/gentofte_ebi-2025-09-22_anton-bruniche-olsen_invitation_0-*.eml"),
    ("da/ebi.ics.txt", "output/public/gentofte/feeds/ebi.ics"),
    ("da/dagsorden-medlemmer.txt", "output/gentofte/ebi/ebi-2025-09-22/v*/members/dagsorden-*.docx"),
    ("da/dagsorden-offentlig.txt", "output/gentofte/ebi/ebi-2025-09-22/v*/public/dagsorden-*.docx"),
    ("da/indstilling.txt", "output/koebenhavn/biu/biu-2010-01-27/v*/*/indstilling-2010-16508.docx"),
    ("da/referat.txt", "output/gentofte/ebi/ebi-2025-09-22/minutes/*/members/referat-*.docx"),
    ("de/invitation.eml.txt", "outbox/herzogenrath_asi-2025-03-25_*_invitation_0-*.eml"),
    ("de/asi.ics.txt", "output/public/herzogenrath/feeds/asi.ics"),
    ("de/tagesordnung-mitglieder.txt", "output/herzogenrath/asi/asi-2025-03-25/v*/members/tagesordnung-*.docx"),
    ("de/tagesordnung-oeffentlich.txt", "output/herzogenrath/asi/asi-2025-03-25/v*/public/tagesordnung-*.docx"),
    ("de/vorlage.txt", "output/herzogenrath/asi/asi-2025-03-25/v*/*/vorlage-V-2019-367-E04.docx"),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("golden") / "demo"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MEETPREP_")}, "MEETPREP_FORKSERVER": "off"}
    subprocess.run([sys.executable, "-m", "meetprep.runtime.launch", "demo", "--out", str(out), "--no-pdf"],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    return out


def _newest(matches: list[Path]) -> Path:
    # v10 after v9: the version folder's number, not its spelling
    def order(path: Path):
        return [int(part[1:]) if part[:1] == "v" and part[1:].isdigit() else part for part in path.parts]
    return sorted(matches, key=order)[-1]


@pytest.mark.parametrize("name, pattern", SELECTED, ids=[name for name, _ in SELECTED])
def test_the_demo_writes_what_the_golden_files_say(demo, golden, name, pattern):
    matches = list(demo.glob(pattern))
    assert matches, f"the demo wrote nothing like {pattern}"
    golden(name, readable(_newest(matches), demo))
