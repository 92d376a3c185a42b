"""Planning an agenda: which items, in which order, with which numbers. Pure functions.

The input is plain data (candidate papers, the committee's agenda settings, the previous
version if there is one); the output is the list of agenda entries. Nothing here touches the
store, the clock or the file system; `meetprep.build` does that around these functions.

Order: opening standing items; papers (public before closed where configured; then by the
configured order of paper types, priority, submission date and reference), each followed by its
amendments as sub-items (6, 6.1); closing standing items. With the German scheme the public
(TOP Ö) and non-public (TOP N) parts are numbered separately, each with its own standing items.

Rebuilding keeps numbers stable: entries of the previous version keep their order, new papers
join the end of their part (before the closing items), and a paper that left the agenda stays
as a withdrawn entry (udgår / abgesetzt) so that nobody's "Punkt 4" silently becomes "Punkt 3".
A paper that moves between the public and the non-public part leaves no placeholder (its title
may no longer be shown publicly), so the entries after it in its old part move up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Iterable

from meetprep.model import Access, AgendaSettings, NumberingScheme


@dataclass(frozen=True)
class Candidate:
    """A paper that is due for this meeting."""

    reference: str
    title: str
    paper_type: str
    access: str  # "public" or "closed"; anything else counts as closed
    submitted: dt.date
    priority: int = 0
    amends: str | None = None
    paper_id: int | None = None
    agenda_number: str | None = None  # the number the clerk asked for ("7", "4.2"), if any


@dataclass(frozen=True)
class Entry:
    """One line of the agenda."""

    key: str  # stable identity across versions: "paper:<reference>" or "standing:<title>"
    kind: str  # "paper" or "standing"
    title: str
    access: str  # "public" or "closed"
    number: str = ""  # "1", "6.1"
    part: str = "public"  # the numbering part: "public" (TOP Ö) or "closed" (TOP N); one part for Punkt
    reference: str | None = None
    paper_id: int | None = None
    parent: str | None = None  # key of the entry this one is a sub-item of
    withdrawn: bool = False
    standing_text: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Entry":
        return cls(**data)


def access_of(value: str | None) -> str:
    """Fail closed: only an explicit "public" is public."""
    return Access.public.value if value == Access.public.value else Access.closed.value


def _paper_sort_key(candidate: Candidate, settings: AgendaSettings) -> tuple[Any, ...]:
    order = [t.casefold() for t in settings.paper_type_order]
    folded = candidate.paper_type.casefold()
    type_rank = order.index(folded) if folded in order else len(order)
    return (type_rank, -candidate.priority, candidate.submitted, candidate.reference)


def _paper_entry(candidate: Candidate, parent: str | None = None) -> Entry:
    # `parent` is the key of the entry this one is placed under (see _parents).
    return Entry(
        key=f"paper:{candidate.reference}",
        kind="paper",
        title=candidate.title,
        access=access_of(candidate.access),
        reference=candidate.reference,
        paper_id=candidate.paper_id,
        parent=parent,
    )


def _standing_entries(settings: AgendaSettings, which: str) -> list[Entry]:
    items = settings.opening_items if which == "opening" else settings.closing_items
    return [
        Entry(
            key=f"standing:{item.title}",
            kind="standing",
            title=item.title,
            access=access_of(item.access.value),
            reference=item.reference,
            standing_text=item.text,
        )
        for item in items
    ]


def _parents(candidates: list[Candidate]) -> dict[str, str | None]:
    """Which candidate each one is a sub-item of: the paper it amends, where that is on the agenda.

    Amendments that go in a circle (the import refuses them; the planner must still lose no
    paper) are broken at the earliest paper of the circle, which becomes a top-level item.
    """
    present = {c.reference: c for c in candidates}
    parent = {c.reference: (c.amends if c.amends in present and c.amends != c.reference else None) for c in candidates}
    for start in sorted(parent):
        path: list[str] = []
        node: str | None = start
        while node is not None and node not in path:
            path.append(node)
            node = parent[node]
        if node is not None:  # came back to `node`: the circle is path[path.index(node):]
            circle = path[path.index(node):]
            first = min(circle, key=lambda r: (present[r].submitted, r))
            parent[first] = None
    return parent


def _under_headings(entries: list[Entry], settings: AgendaSettings, candidates: list[Candidate]) -> list[Entry]:
    """Papers whose type a standing heading item collects ("Anträge": Antrag) become its
    sub-items (4.1, 4.2), in their order, right after it; in the heading's part only."""
    headings = {f"standing:{item.title}": {t.casefold() for t in item.heading_for}
                for item in [*settings.opening_items, *settings.closing_items] if item.heading_for}
    if not headings:
        return entries
    kinds = {f"paper:{c.reference}": c.paper_type.casefold() for c in candidates}
    result = list(entries)
    for heading, types in headings.items():
        at = next((i for i, e in enumerate(result) if e.key == heading), None)
        if at is None:
            continue
        part = result[at].part
        family = [e for e in result if e.kind == "paper" and e.parent is None and e.part == part
                  and kinds.get(e.key) in types]
        moving = set()
        for top in family:
            moving.add(top.key)
            moving.update(_descendant_keys(result, top.key))
        block = [replace(e, parent=heading) if e.key in {t.key for t in family} else e for e in result if e.key in moving]
        result = [e for e in result if e.key not in moving]
        at = next(i for i, e in enumerate(result) if e.key == heading)
        end = _after_descendants(result, at)
        result[end:end] = block
    return result


def _descendant_keys(entries: list[Entry], key: str) -> set[str]:
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for entry in entries:
            if entry.parent is not None and (entry.parent == key or entry.parent in found) and entry.key not in found:
                found.add(entry.key)
                changed = True
    return found


def _place_requested(entries: list[Entry], candidates: list[Candidate], first_number: int) -> list[Entry]:
    """Put each paper whose step asks for a number ("7", "4.2") where it gets that number, if it
    can: "4.2" under the top-level item numbered 4 of its part, "7" before the item now numbered
    7. What cannot be honoured stays where it is; the build reports it (build._problems)."""
    wanted = {f"paper:{c.reference}": c.agenda_number.strip() for c in candidates
              if c.agenda_number and c.agenda_number.strip()}
    result = list(entries)
    for key, asked in sorted(wanted.items(), key=lambda kv: [int(x) if x.isdigit() else 0 for x in kv[1].split(".")]):
        pieces = asked.split(".")
        if not all(p.isdigit() for p in pieces) or len(pieces) > 2:
            continue
        at = next((i for i, e in enumerate(result) if e.key == key), None)
        if at is None or result[at].withdrawn or (result[at].parent is not None
                                                    and not result[at].parent.startswith("standing:")):
            continue  # not on the agenda, or an amendment (it follows its paper)
        entry = result[at]
        moving = {key} | _descendant_keys(result, key)
        block = [e for e in result if e.key in moving]
        rest = [e for e in result if e.key not in moving]
        numbered = number(rest, first_number)
        head = pieces[0]
        anchor = next((i for i, e in enumerate(numbered) if e.parent is None and e.part == entry.part and e.number == head),
                      None)
        if len(pieces) == 2:
            if anchor is None:
                continue
            parent = numbered[anchor].key
            children = [i for i, e in enumerate(numbered) if e.parent == parent]
            index = int(pieces[1]) - 1
            position = children[index] if 0 <= index < len(children) else _after_descendants(numbered, anchor)
            block[0] = replace(block[0], parent=parent)
        else:
            if anchor is None:
                continue
            position = anchor
            block[0] = replace(block[0], parent=None)
        rest[position:position] = block
        result = rest
    return result


def _papers_in_order(candidates: Iterable[Candidate], settings: AgendaSettings) -> list[Entry]:
    """Top-level papers in order, each directly followed by its amendments."""
    candidates = list(candidates)
    parent_of = _parents(candidates)
    amendments: dict[str, list[Candidate]] = {}
    top: list[Candidate] = []
    for candidate in candidates:
        parent = parent_of[candidate.reference]
        if parent is not None:
            amendments.setdefault(parent, []).append(candidate)
        else:
            top.append(candidate)
    entries: list[Entry] = []

    def add(candidate: Candidate, parent: str | None) -> None:
        entry = _paper_entry(candidate, parent)
        entries.append(entry)
        for child in sorted(amendments.get(candidate.reference, []), key=lambda c: (c.submitted, c.reference)):
            add(child, entry.key)  # amendments of amendments nest further (6.1.1)

    for candidate in sorted(top, key=lambda c: _paper_sort_key(c, settings)):
        add(candidate, None)
    return entries


def _split_by_access(entries: list[Entry]) -> tuple[list[Entry], list[Entry]]:
    """Split keeping every amendment with its top-level paper (it follows its parent's part)."""
    public: list[Entry] = []
    closed: list[Entry] = []
    bucket = public
    for entry in entries:
        if entry.parent is None:
            bucket = public if entry.access == Access.public.value else closed
        bucket.append(entry)
    return public, closed


def fresh_order(candidates: Iterable[Candidate], settings: AgendaSettings, scheme: NumberingScheme) -> list[Entry]:
    """Entries in their natural order, with their part, not yet numbered."""
    papers = _papers_in_order(candidates, settings)
    opening = _standing_entries(settings, "opening")
    closing = _standing_entries(settings, "closing")
    if scheme is NumberingScheme.top:
        parts = []
        for part in (Access.public.value, Access.closed.value):
            public_papers, closed_papers = _split_by_access(papers)
            chosen = public_papers if part == Access.public.value else closed_papers
            section = [e for e in opening if e.access == part] + chosen + [e for e in closing if e.access == part]
            parts += [replace(e, part=part) for e in section]
        return parts
    if settings.closed_items_last:
        public_papers, closed_papers = _split_by_access(papers)
        papers = public_papers + closed_papers
    return [replace(e, part=Access.public.value) for e in opening + papers + closing]


def _stable_order(fresh: list[Entry], previous: list[Entry]) -> list[Entry]:
    """Keep the previous order; add new entries at the end of their part; keep departed papers as withdrawn."""
    fresh_by_key = {e.key: e for e in fresh}
    result: list[Entry] = []
    kept: set[str] = set()
    for old in previous:
        if old.parent is not None and old.parent not in kept:
            continue  # its paper moved (to the other part, under another paper): it follows anew below
        new = fresh_by_key.get(old.key)
        if new is not None and new.part == old.part and new.parent == old.parent:
            result.append(new)
        elif new is not None:
            continue  # moved to the other part or under another paper: placed anew below
        elif old.kind == "paper":
            result.append(replace(old, withdrawn=True))
        else:
            continue
        kept.add(old.key)
    for entry in fresh:
        if entry.key in kept:
            continue
        result.insert(_insertion_point(result, entry), entry)
        kept.add(entry.key)
    return result


def _insertion_point(entries: list[Entry], entry: Entry) -> int:
    if entry.parent is not None:  # after the parent's last descendant
        index = next((i for i, e in enumerate(entries) if e.key == entry.parent), None)
        return len(entries) if index is None else _after_descendants(entries, index)
    same_part = [i for i, e in enumerate(entries) if e.part == entry.part]
    if entry.kind == "standing":
        return (same_part[-1] + 1) if same_part else len(entries)
    top_papers = [i for i in same_part if entries[i].kind == "paper" and entries[i].parent is None]
    alike = [i for i in top_papers if entries[i].access == entry.access]
    if alike:
        return _after_descendants(entries, alike[-1])
    if top_papers and entry.access == Access.public.value:
        return top_papers[0]  # the first public paper goes before the closed ones
    if top_papers:
        return _after_descendants(entries, top_papers[-1])
    # No paper yet in this part: after its opening standing items.
    openings = [i for i in same_part if entries[i].kind == "standing" and not _is_after_papers(entries, i)]
    if openings:
        return openings[-1] + 1
    return same_part[0] if same_part else len(entries)


def _after_descendants(entries: list[Entry], index: int) -> int:
    family = {entries[index].key}
    position = index + 1
    while position < len(entries) and entries[position].parent in family:
        family.add(entries[position].key)
        position += 1
    return position


def _is_after_papers(entries: list[Entry], index: int) -> bool:
    part = entries[index].part
    return any(e.kind == "paper" and e.part == part for e in entries[:index])


def number(entries: list[Entry], first_number: int = 1) -> list[Entry]:
    """Number top-level entries per part from `first_number`, sub-items as 6.1, 6.1.1."""
    counters: dict[str, int] = {}
    numbers: dict[str, str] = {}
    children: dict[str, int] = {}
    result = []
    for entry in entries:
        if entry.parent is not None and entry.parent not in numbers:
            entry = replace(entry, parent=None)  # never reached by plan(); a number is better than a crash
        if entry.parent is None:
            counters[entry.part] = counters.get(entry.part, first_number - 1) + 1
            value = str(counters[entry.part])
        else:
            children[entry.parent] = children.get(entry.parent, 0) + 1
            value = f"{numbers[entry.parent]}.{children[entry.parent]}"
        numbers[entry.key] = value
        result.append(replace(entry, number=value))
    return result


def plan(
    candidates: Iterable[Candidate],
    settings: AgendaSettings,
    scheme: NumberingScheme,
    first_number: int = 1,
    previous: list[Entry] | None = None,
    renumber: bool = False,
) -> list[Entry]:
    """The numbered entries of the agenda (see the module docstring for the rules)."""
    candidates = list(candidates)
    fresh = _under_headings(fresh_order(candidates, settings, scheme), settings, candidates)
    ordered = fresh if (renumber or not previous) else _stable_order(fresh, previous)
    return number(_place_requested(ordered, candidates, first_number), first_number)


def top_level_count(entries: Iterable[Entry]) -> int:
    """How many numbers an agenda used: what the next meeting continues from."""
    return sum(1 for e in entries if e.parent is None)


@dataclass(frozen=True)
class Problem:
    """Something the clerk should look at; it does not stop the build."""

    code: str  # a key under "problems" in the message catalogue
    reference: str | None
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    """One line of a change notice (tillægsdagsorden, Nachtrag zur Tagesordnung)."""

    change: str  # added, withdrawn, renumbered, moved, revised, attachment
    part: str
    number: str
    title: str | None  # None: a closed item, shown to the public only as "closed item"
    old_part: str | None = None
    old_number: str | None = None
    attachment: str | None = None
    reference: str | None = None


def changes(old_entries: list[dict[str, Any]], old_papers: dict[str, Any] | None, new_entries: list[dict[str, Any]],
            new_papers: dict[str, Any] | None, public: bool) -> list[Change]:
    """What changed between two versions of an agenda, in the order of the new one.

    Added and withdrawn items, items with a new number (renumbered) or in another part or under
    another item (moved), papers with a new revision (revised), and attachments that are new or
    have arrived. For the public (`public=True`) a closed item is only "closed item" and its
    attachments and revisions are not mentioned at all.
    """
    old = {e["key"]: e for e in old_entries}
    old_papers, new_papers = old_papers or {}, new_papers or {}
    found: list[Change] = []

    def shown(entry: dict[str, Any]) -> str | None:
        return None if public and access_of(entry["access"]) != "public" else entry["title"]

    def visible(entry: dict[str, Any]) -> bool:
        return not public or access_of(entry["access"]) == "public"

    for entry in new_entries:
        before = old.get(entry["key"])
        live, was_live = not entry["withdrawn"], before is not None and not before["withdrawn"]
        base = dict(part=entry["part"], number=entry["number"], title=shown(entry), reference=entry.get("reference"))
        if live and not was_live:
            found.append(Change("added", **base))
            continue
        if was_live and not live:
            found.append(Change("withdrawn", **base))
            continue
        if not live:
            continue
        if public and visible(before) and not visible(entry):
            # Public before, closed now: to the public its old number is gone and a closed item came.
            found.append(Change("withdrawn", part=before["part"], number=before["number"], title=None))
            found.append(Change("added", **base))
            continue
        if before["part"] != entry["part"] or before.get("parent") != entry.get("parent"):
            found.append(Change("moved", old_part=before["part"], old_number=before["number"], **base))
        elif before["number"] != entry["number"]:
            found.append(Change("renumbered", old_part=before["part"], old_number=before["number"], **base))
        if entry["kind"] != "paper" or not visible(entry):
            continue
        then, now = old_papers.get(entry["reference"]), new_papers.get(entry["reference"])
        if then is None or now is None:
            continue
        if now["revision"] != then["revision"]:
            found.append(Change("revised", **base))
        known = {f["sha256"] for f in then["files"] if f["status"] == "present"}
        for file in now["files"]:
            if file["status"] == "present" and file["sha256"] not in known and (
                    not public or access_of(file["access"]) == "public"):
                found.append(Change("attachment", attachment=file["title"], **base))
    for key, before in old.items():  # gone without a trace (only a paper that moved part leaves none)
        if key not in {e["key"] for e in new_entries} and not before["withdrawn"]:
            found.append(Change("withdrawn", part=before["part"], number=before["number"], title=shown(before),
                                reference=before.get("reference")))
    return found
