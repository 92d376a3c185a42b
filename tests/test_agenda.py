"""Ordering and numbering of agendas: pure functions, literal data."""

import datetime as dt

from hypothesis import given, settings as hsettings, strategies as st

from meetprep.agenda.numbering import Candidate, plan, top_level_count
from meetprep.model import AgendaSettings, NumberingScheme, StandingItem

D = dt.date(2025, 9, 1)
PUNKT, TOP = NumberingScheme.punkt, NumberingScheme.top


def paper(ref, access="public", kind="indstilling", day=1, priority=0, amends=None):
    return Candidate(ref, f"Titel {ref}", kind, access, D + dt.timedelta(days=day), priority, amends)


GENTOFTE = AgendaSettings(closing_items=[StandingItem(title="Underskrift EBI", reference="EMN-2021-08175")])
GERMAN = AgendaSettings(
    opening_items=[StandingItem(title="Eröffnung"), StandingItem(title="Genehmigung der Niederschrift")],
    closing_items=[StandingItem(title="Mitteilungen"), StandingItem(title="Verschiedenes")],
    paper_type_order=["Beschlussvorlage", "Antrag", "Mitteilung"],
)


def rows(entries):
    return [(e.number, e.part, e.reference if e.kind == "paper" else e.title, e.withdrawn) for e in entries]


def test_seed_000_agenda_is_punkt_1_and_underskrift_2():
    entries = plan([paper("EMN-2025-05820")], GENTOFTE, PUNKT)
    assert [(e.number, e.title) for e in entries] == [
        ("1", "Titel EMN-2025-05820"),
        ("2", "Underskrift EBI"),
    ]
    assert entries[1].reference == "EMN-2021-08175" and entries[1].kind == "standing"


def test_public_before_closed_then_type_priority_and_date():
    candidates = [
        paper("C1", "closed", day=1),
        paper("P-late", day=9),
        paper("P-early", day=2),
        paper("P-urgent", day=9, priority=5),
    ]
    assert [e.reference for e in plan(candidates, GENTOFTE, PUNKT) if e.kind == "paper"] == [
        "P-urgent", "P-early", "P-late", "C1"]
    mixed = AgendaSettings(closed_items_last=False)
    assert [e.reference for e in plan(candidates, mixed, PUNKT) if e.kind == "paper"] == [
        "P-urgent", "C1", "P-early", "P-late"]


def test_amendment_follows_its_paper_as_sub_item():
    candidates = [paper("A"), paper("B", day=3), paper("B-amend", day=5, amends="B"), paper("B-amend-2", day=4, amends="B")]
    assert rows(plan(candidates, AgendaSettings(), PUNKT)) == [
        ("1", "public", "A", False),
        ("2", "public", "B", False),
        ("2.1", "public", "B-amend-2", False),
        ("2.2", "public", "B-amend", False),
    ]


def test_amendment_whose_paper_is_elsewhere_stands_alone():
    assert rows(plan([paper("X-amend", amends="X")], AgendaSettings(), PUNKT)) == [("1", "public", "X-amend", False)]


def test_german_parts_are_numbered_separately_with_type_order():
    candidates = [
        paper("AN/1", kind="Antrag", day=1),
        paper("BV/1", kind="Beschlussvorlage", day=5),
        paper("BV/2", "closed", kind="Beschlussvorlage"),
        paper("BV/2-E1", "public", kind="Antrag", amends="BV/2"),  # follows its paper into the closed part
    ]
    assert rows(plan(candidates, GERMAN, TOP)) == [
        ("1", "public", "Eröffnung", False),
        ("2", "public", "Genehmigung der Niederschrift", False),
        ("3", "public", "BV/1", False),
        ("4", "public", "AN/1", False),
        ("5", "public", "Mitteilungen", False),
        ("6", "public", "Verschiedenes", False),
        ("1", "closed", "BV/2", False),
        ("1.1", "closed", "BV/2-E1", False),
    ]


def test_continuing_numbers_through_the_year():
    entries = plan([paper("A"), paper("B")], GENTOFTE, PUNKT, first_number=41)
    assert [e.number for e in entries] == ["41", "42", "43"]
    assert top_level_count(entries) == 3


def test_rebuild_keeps_numbers_adds_new_papers_at_the_end_and_marks_departed_ones():
    first = plan([paper("A"), paper("B", day=2), paper("C", day=3), paper("Z", "closed")], GENTOFTE, PUNKT)
    assert rows(first) == [("1", "public", "A", False), ("2", "public", "B", False), ("3", "public", "C", False),
                           ("4", "public", "Z", False), ("5", "public", "Underskrift EBI", False)]
    # B leaves, an early new public paper N arrives, C gets an amendment.
    second = plan([paper("A"), paper("C", day=3), paper("Z", "closed"), paper("N", day=0), paper("C-1", day=4, amends="C")],
                  GENTOFTE, PUNKT, previous=first)
    assert rows(second) == [
        ("1", "public", "A", False),
        ("2", "public", "B", True),
        ("3", "public", "C", False),
        ("3.1", "public", "C-1", False),
        ("4", "public", "N", False),
        ("5", "public", "Z", False),
        ("6", "public", "Underskrift EBI", False),
    ]
    # --renumber starts afresh: the departed paper goes, the order is the natural one.
    assert [e.reference for e in plan([paper("A"), paper("C", day=3), paper("N", day=0)], GENTOFTE, PUNKT,
                                      previous=second, renumber=True) if e.kind == "paper"] == ["N", "A", "C"]


def test_rebuild_without_change_is_identical():
    candidates = [paper("A"), paper("B", "closed"), paper("A-1", amends="A")]
    first = plan(candidates, GERMAN, TOP)
    assert plan(candidates, GERMAN, TOP, previous=first) == first


def test_paper_that_became_closed_moves_to_the_closed_part():
    first = plan([paper("A"), paper("B", day=2)], GERMAN, TOP)
    second = plan([paper("A"), paper("B", "closed", day=2)], GERMAN, TOP, previous=first)
    assert [(e.number, e.part) for e in second if e.reference == "B"] == [("1", "closed")]
    assert [e.reference for e in second if e.part == "public" and e.kind == "paper"] == ["A"]


references = st.text(alphabet="ABCXYZ0123456789", min_size=1, max_size=6)


@hsettings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(references, st.sampled_from(["public", "closed", None]), st.integers(0, 30)), max_size=12, unique_by=lambda t: t[0]),
    st.lists(st.tuples(references, st.sampled_from(["public", "closed", None]), st.integers(0, 30)), max_size=12, unique_by=lambda t: t[0]),
    st.sampled_from([PUNKT, TOP]),
)
def test_any_rebuild_keeps_every_surviving_number(before, after, scheme):
    first = plan([paper(r, a, day=d) for r, a, d in before], GERMAN, scheme)
    second = plan([paper(r, a, day=d) for r, a, d in after], GERMAN, scheme, previous=first)
    old = {e.key: (e.part, e.number) for e in first}
    new = {e.key: (e.part, e.number) for e in second}
    # Every paper of the new candidates is on the agenda exactly once, every departed one is withdrawn.
    assert sorted(e.reference for e in second if e.kind == "paper" and not e.withdrawn) == sorted(r for r, _, _ in after)
    # A paper that stays in its part keeps its number, unless something before it in that part
    # was added (only a first public paper goes before closed ones) or moved to the other part
    # (a paper that became closed leaves no placeholder: its title must not stay in public view).
    positions = [x.key for x in second]
    for key, (part, value) in old.items():
        if not (key.startswith("paper:") and key in new and new[key][0] == part):
            continue
        before_old = [e for e in first[: [x.key for x in first].index(key)] if e.part == part]
        moved_away = any(e.key in new and new[e.key][0] != part for e in before_old)
        added_before = any(e.key not in old and e.part == part and positions.index(e.key) < positions.index(key)
                           for e in second)
        if not (moved_away or added_before):
            assert new[key][1] == value, (key, old, new)
    # Closed entries never get a public number in the German scheme.
    if scheme is TOP:
        assert all(e.part == "closed" for e in second if e.kind == "paper" and e.access == "closed" and e.parent is None)


# A pool of papers; each version of the agenda is drawn from it: which papers are due, whether
# each is public or closed, and which paper (if any) it amends (cycles included: the planner
# must not lose a paper even where the import would have refused the cycle).
POOL = ["A", "B", "C", "D", "E", "F"]
version = st.lists(
    st.tuples(st.sampled_from(POOL), st.sampled_from(["public", "closed"]), st.sampled_from([None, *POOL]),
              st.integers(0, 5)),
    max_size=6, unique_by=lambda t: t[0])


@hsettings(max_examples=400, deadline=None)
@given(st.lists(version, min_size=2, max_size=6), st.sampled_from([PUNKT, TOP]), st.booleans())
def test_any_sequence_of_rebuilds_is_a_consistent_agenda(versions, scheme, renumber_last):
    previous = None
    for index, chosen in enumerate(versions):
        candidates = [paper(r, a, day=d, amends=m if m != r else None) for r, a, m, d in chosen]
        renumber = renumber_last and index == len(versions) - 1
        entries = plan(candidates, GERMAN, scheme, previous=previous, renumber=renumber)
        live = [e for e in entries if e.kind == "paper" and not e.withdrawn]
        # Every due paper exactly once; a withdrawn entry only for a paper no longer due.
        assert sorted(e.reference for e in live) == sorted(c.reference for c in candidates)
        assert all(e.reference not in {c.reference for c in candidates} for e in entries if e.withdrawn)
        # Parents come first, and a sub-item's number extends its parent's.
        numbers = {}
        for entry in entries:
            if entry.parent is not None:
                assert entry.parent in numbers, (entry, entries)
                assert entry.number.startswith(numbers[entry.parent] + ".")
            numbers[entry.key] = entry.number
        # One number per item within its part.
        per_part = [(e.part, e.number) for e in entries]
        assert len(per_part) == len(set(per_part)), per_part
        if scheme is TOP:
            assert all(e.part == "closed" for e in entries if e.kind == "paper" and e.access == "closed" and e.parent is None)
        previous = entries
