"""The reader-visible text of the demo's output per locale, against tests/golden/: one invitation
as its members receive it (with its calendar part), one committee's public calendar feed, and
every kind of document (members' and public variant of the agenda). The Niederschrift's golden
file is checked in test_minutes (the demo's German bodies hold no minutes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docxtext import text
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
def demo(demo_run) -> Path:
    return demo_run[0]


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


def test_demo_tells_the_whole_story(demo_run):
    out, data = demo_run
    assert data["home"] == str(out) and (out / "meetprep.sqlite3").exists()
    built = {(a["body"], a["meeting"]): a for a in data["agendas"]}
    assert set(built) == {
        ("gentofte", "ebi-2025-09-22"), ("koebenhavn", "biu-2010-01-27"), ("herzogenrath", "asi-2025-03-25"),
        ("wedel", "sozialausschuss-2023-12-05"), ("hamburg-bezirk", "bv-2023-12-07"),
    }
    assert all(a["action"] == "created" for a in built.values())
    assert len(data["chase"]["sent"]) == 1 and data["delivery"]["agenda_version"] == 2
    assert {e["event"]: e["date"] for e in data["planning"]["events"]} == {"dialogmoede": "2026-09-01", "julestue": "2026-11-29"}
    assert len(data["planning"]["invitations"]["sent"]) == 12  # (3 partners + organiser) x 2 + (1 + 1) x 2
    steps = [(s.get("minutes") or s.get("timeline"), s.get("decisions")) for s in data["gentofte_path"]]
    assert steps == [
        ("ebi-2025-09-22", {"EMN-2025-05820": "recommended"}),
        ("oeu-2025-10-06", None), ("oeu-2025-10-06", {"EMN-2025-05820": "recommended"}),
        ("kb-2025-10-27", None), ("kb-2025-10-27", {"EMN-2025-05820": "decided"}),
    ]
    # Økonomiudvalget and Kommunalbestyrelsen prepare themselves, day by day on the story's clock.
    kb = next(s["days"] for s in data["gentofte_path"] if s.get("timeline") == "kb-2025-10-27")
    assert "2025-10-13 kb-2025-10-27: draft_agenda (draft-digest to kb-sekretariat@example.org)" in kb
    assert any(line.startswith("2025-10-23 kb-2025-10-27: agenda_out (invitation to ") for line in kb)
    assert "2025-10-07 oeu-2025-10-06: minutes_reminder (nothing to send: the minutes are recorded)" in kb
    assert len(data["delivery"]["notices"]["sent"]) == 4
    assert any("attachment-delivered" not in f and "V_2019_367-E04_attachment-0_reminder" in f for f in data["outbox_files"])
    # The story's clock: built a week ahead, so the only problem is the Druckfassung still to follow.
    problems = [(p["reference"], p["code"]) for a in built.values() for p in a["problems"]]
    assert problems == [("V/2019/367-E04", "attachment_to_follow")]
    invited = [m for m in data["messages"][0::2]]
    # Members and guests; the two substitutes (Herzogenrath, København) only if called in.
    assert sum(len(m["sent"]) for m in invited) == 26 and all(m["failed"] == [] for m in data["messages"])
    # The five meetings; ØU (3) and KB (9) invited by their timelines; the planned events' invitations.
    assert len([f for f in data["outbox_files"] if "_invitation_" in f]) == 26 + 3 + 9 + 12
    assert any("_reminder-7d_" in f for f in data["outbox_files"])
    agenda = next(Path(d["path"]) for d in built[("gentofte", "ebi-2025-09-22")]["documents"] if d["variant"] == "public")
    assert agenda.is_relative_to(out / "output")
    assert "Punkt 1: Ny model for dialog på integrationsområdet" in text(agenda)
