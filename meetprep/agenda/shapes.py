"""The named shapes of what a Word template receives: the fields a clerk may use in a template.

Each context builder in meetprep.agenda.contexts returns one of AgendaContext, MinutesContext
or PaperContext; every field is a TypedDict below. docs/templates.md lists them, written from
these classes (`python scripts/template_fields.py` prints the list; a test keeps the page and
the classes equal), and `meetprep templates check` walks a template and names every field it
uses that does not exist here, with the nearest valid names.

All text is ready to print: escaped by the renderer, dates and numbers in the body's language.
"""

from __future__ import annotations

import difflib
import inspect
import re
from typing import Any, TypedDict, get_args, get_origin, get_type_hints


class Block(TypedDict):
    """One block of prose: a paragraph or a list item (input: blank lines, '- ', '1. ')."""

    kind: str  # "paragraph", "bullet" or "number"
    text: str
    marker: str  # "1." for a numbered item, "" otherwise
    rich: Any  # the text with *emphasis* as docxtpl RichText: {{r block.rich }}


class Document(TypedDict):
    kind: str  # dagsorden, tagesordnung, referat, niederschrift, indstilling, vorlage
    title: str  # DAGSORDEN
    name: str  # Dagsorden
    variant: str  # "members" or "public"
    public: bool
    variant_label: str  # "medlemmer" / "offentlig"


class Body(TypedDict):
    name: str


class Committee(TypedDict):
    name: str
    heading: str  # the name with the period: "Erhvervs-, Beskæftigelses- og Integrationsudvalget (2022-2025)"
    short_name: str


class Meeting(TypedDict):
    key: str
    when: str  # "Mandag d. 22. september 2025 kl. 16:30"
    date: str  # "Mandag d. 22. september 2025"
    date_short: str  # "22-09-2025"
    date_text: str  # "22. september 2025"
    day_month: str  # "22. september"
    time: str  # "16:30"
    end_time: str  # "" without an end
    planned_end: str  # "18:10": when the time plan ends ("" where the body prints no times)
    place: str
    address: str
    extraordinary: bool


class Participant(TypedDict):
    name: str
    absent: bool


class Properties(TypedDict):
    """The document's core properties (title, language): what a screen reader announces."""

    title: str
    language: str  # "da-DK"


class FileEntry(TypedDict):
    """An attachment (bilag, Anlage); the public variant lists only public ones."""

    index: int
    title: str
    number: str
    to_follow: bool  # "eftersendes" / "wird nachgereicht"
    suffix: str  # " (eftersendes)" or ""
    listing: str  # "1. Title (6455036 - EMN-2025-05820)"


class ProposalPoint(TypedDict):
    marker: str  # "1.", "–" or ""
    text: str
    rich: Any
    style: str


class Proposal(TypedDict):
    """Indstilling / Beschlussvorschlag."""

    heading: str
    intro: list[Block]
    points: list[ProposalPoint]
    style: str  # "numbered", "bullets" or "paragraphs"


class Section(TypedDict):
    heading: str  # Sachverhalt, Begründung, Baggrund, Økonomi, ...
    blocks: list[Block]


class Earlier(TypedDict):
    """Tidligere beslutninger: an earlier session's decision, or a step still to come."""

    committee: str
    date: str
    text: str


class SignedOff(TypedDict):
    """One step of the sign-off (Mitzeichnung; godkendelse) that signed the paper's revision."""

    step: str  # Kämmerei, Rechtsamt, Afdelingschef
    name: str  # who signed
    date: str  # when, as the locale writes a short date
    line: str  # "Rechtsamt: Rita Recht, 05.02.2025" / "Direktør: Dorte Direktør (05.02.2025)"


class Item(TypedDict):
    """One agenda item. A closed item in the public variant is `hidden`: its number, label and a
    neutral title, and every other field empty."""

    number: str
    label: str  # "Punkt 1", "TOP Ö 3"
    part: str  # "public" or "closed"
    sub: bool  # an item under another (TOP 1.1)
    hidden: bool
    closed: bool
    access_label: str  # Åben / Lukket, öffentlich / nichtöffentlich
    withdrawn: bool
    withdrawn_label: str
    is_paper: bool
    title: str
    reference: str
    type: str
    sections: list[Section]
    proposal: Proposal | None
    earlier: list[Earlier]
    course: str  # the sagsgang: "EBI → Økonomiudvalget → Kommunalbestyrelsen"
    case_type: str  # Beslutningssag / Orienteringssag
    files: list[FileEntry]
    text: list[Block]  # a standing item's text
    decision: str  # filled in the minutes
    vote: str
    result: str
    signoff: list[SignedOff]  # empty in public documents where the body prints no signatures
    planned_start: str  # "16:45": the time plan's start of the item ("" where none is printed)
    planned_minutes: str  # "20": its expected minutes ("" for a withdrawn item or a heading)
    biased_lines: list[str]  # the minutes: who was biased and took no part ("... deltog ikke ... (inhabil).")


class ConsultationRow(TypedDict):
    """A line of the Beratungsfolge table."""

    date: str
    committee: str
    role: str  # Vorberatung, Entscheidung, ...
    result: str
    result_text: str
    current: bool  # this meeting's step
    held: bool


class Climate(TypedDict):
    none_box: str  # ☒ or ☐
    positive_box: str
    negative_box: str
    labels: dict[str, str]
    explanation: str


class Question(TypedDict):
    text: str
    boxes: str  # "☒ Ja  ☐ Nein"
    answer: str


class AmountLine(TypedDict):
    label: str
    group: str
    cells: list[str]


class AmountTable(TypedDict):
    title: str
    unit: str
    columns: list[str]
    rows: list[AmountLine]
    note: list[Block]


class Financial(TypedDict):
    """Finanzielle Auswirkungen: the questions with their tick boxes, text and amount tables."""

    questions: list[Question]
    text: list[Block]
    tables: list[AmountTable]


class Paper(TypedDict):
    """The paper of its own document (Vorlage, indstilling)."""

    reference: str
    title: str
    type: str
    type_upper: str
    access_label: str
    originator: str
    officer: str
    file_number: str
    date: str
    related: str
    amends: str
    number: str
    top: str  # "Ö 3"
    consultations: list[ConsultationRow]
    earlier: list[Earlier]
    course: str
    case_type: str
    proposal: Proposal | None
    sections: list[Section]
    climate: Climate | None
    financial: Financial | None
    files: list[FileEntry]
    signatories: list[str]
    signoff: list[SignedOff]  # empty in public documents where the body prints no signatures


class Minutes(TypedDict):
    started: str
    ended: str
    present: list[str]
    absent: list[str]


class Signature(TypedDict):
    role: str
    name: str


class Common(TypedDict):
    document: Document
    body: Body
    committee: Committee
    meeting: Meeting
    participants: list[Participant]
    participants_text: str
    labels: dict[str, str]  # every label of the catalogue: {{ labels.attachments }}
    properties: Properties


class AgendaContext(Common):
    """Dagsorden, Tagesordnung."""

    items: list[Item]
    public_items: list[Item]
    closed_items: list[Item]


class MinutesContext(AgendaContext):
    """Referat, Niederschrift: the agenda with each item's decision, vote and result."""

    minutes: Minutes
    signatures: list[Signature]


class ExcerptTask(TypedDict):
    text: str
    due: str  # "31-03-2027"
    owner: str  # the unit (or person) that owns it


class Excerpt(TypedDict):
    """What the excerpt adds to the item: who took part, who was biased, the certification."""

    present: list[str]  # present and taking part (the biased left out)
    absent: list[str]
    biased: list[str]  # who declared themselves biased (befangen; inhabil) and took no part
    biased_lines: list[str]  # "Jonas Muster hat wegen Befangenheit ... nicht teilgenommen."
    unit: str  # the originating unit
    officer: str  # the case officer
    tasks: list[ExcerptTask]  # what the decision orders done by a date
    certified: str  # the day the excerpt certifies (the minutes recorded, or approved): "24-09-2025"
    certified_text: str  # "Gentofte Kommune, den 24-09-2025" / "Stadt Wedel, den 07.12.2023"


class ExcerptContext(MinutesContext):
    """Beslutningsuddrag, Protokollauszug: one decided item of the minutes, for its unit."""

    item: Item
    excerpt: Excerpt


class PaperContext(Common):
    """Indstilling, Vorlage."""

    paper: Paper


CONTEXTS: dict[str, type] = {
    "dagsorden": AgendaContext, "tagesordnung": AgendaContext,
    "referat": MinutesContext, "niederschrift": MinutesContext,
    "indstilling": PaperContext, "vorlage": PaperContext,
    "beslutningsuddrag": ExcerptContext, "protokollauszug": ExcerptContext,
}


def fields(shape: type) -> dict[str, Any]:
    """The fields of a shape and their types."""
    return get_type_hints(shape)


def element(kind: Any) -> Any:
    """What a field holds once optional and list wrappers are seen through: the TypedDict of
    `list[Item]` or `Proposal | None`, `dict` for a free mapping, or None for plain text."""
    while True:
        origin = get_origin(kind)
        if origin is list:
            kind = get_args(kind)[0]
        elif origin is dict:
            return dict
        elif get_args(kind) and type(None) in get_args(kind):
            kind = next(a for a in get_args(kind) if a is not type(None))
        else:
            return kind if isinstance(kind, type) and hasattr(kind, "__annotations__") and kind is not Any else None


def nearest(name: str, shape: type) -> list[str]:
    """The valid field names closest to a misspelt one (titel -> title)."""
    names = list(fields(shape))
    return difflib.get_close_matches(name, names, n=3, cutoff=0.5) or sorted(names)[:8]


def _comments(shape: type) -> dict[str, str]:
    """The comment after each field in the class's source: what the field holds, for the docs."""
    comments = {}
    for line in inspect.getsource(shape).splitlines():
        match = re.match(r"\s+(\w+): [^#]+#\s*(.*)$", line)
        if match:
            comments[match.group(1)] = match.group(2).strip()
    return comments


def _kind_name(kind: Any) -> str:
    origin, args = get_origin(kind), get_args(kind)
    if origin is list:
        return f"list of {_kind_name(args[0])}"
    if origin is dict:
        return "labels by key"
    if args and type(None) in args:
        return f"{_kind_name(next(a for a in args if a is not type(None)))} or nothing"
    if isinstance(kind, type) and hasattr(kind, "__annotations__") and kind is not Any:
        return f"[{kind.__name__}](#{kind.__name__.lower()})"
    return {str: "text", bool: "yes/no", int: "number"}.get(kind, "formatted text")


def shapes_markdown() -> str:
    """The field reference of docs/templates.md, written from the classes above."""
    order: list[type] = []

    def visit(shape: type) -> None:
        if shape in order:
            return
        order.append(shape)
        for kind in fields(shape).values():
            inner = element(kind)
            if inner not in (None, dict):
                visit(inner)

    for shape in (AgendaContext, MinutesContext, PaperContext):
        visit(shape)
    kinds = {}
    for kind, shape in CONTEXTS.items():
        kinds.setdefault(shape, []).append(f"{kind}.docx")
    out = []
    for shape in order:
        out.append(f"### {shape.__name__}\n")
        doc = inspect.getdoc(shape)
        if doc and doc != inspect.getdoc(dict):
            out.append(doc + "\n")
        if shape in kinds:
            out.append("Templates: " + ", ".join(f"`{k}`" for k in kinds[shape]) + "\n")
        out.append("| field | holds | |\n|---|---|---|")
        comments = _comments(shape)
        for name, kind in fields(shape).items():
            out.append(f"| `{name}` | {_kind_name(kind)} | {comments.get(name, '')} |")
        out.append("")
    return "\n".join(out)
