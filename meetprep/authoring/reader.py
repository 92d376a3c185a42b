"""Reading a paper back from the Word document its author edited.

The document's parts are found by the bookmarks on their headings (mp_title, mp_proposal,
mp_section_1, ..., mp_stamp); everything between two of them belongs to the first. The text is
read as Word writes it: runs split inside a word, proofing marks, bookmarks, smart tags, content
controls at every level, simple and complex fields (their result, not their code), hyperlinks.
What an import must not take silently is refused with the part and the paragraph: help text left
in, tracked changes, comments, a changed head (what the system owns), a mandatory part left
empty, a document without a stamp.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from babel.numbers import NumberFormatError, parse_decimal
from lxml import etree

from meetprep.agenda.markup import text_blocks
from meetprep.authoring.stamp import Stamp, decode
from meetprep.authoring.layout import LIST_LINE, owned_rows
from meetprep.i18n import LOCALES, catalogue
from meetprep.model import BodyConfig

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
TRACKED = {f"{{{W}}}{tag}" for tag in ("ins", "del", "moveFrom", "moveTo")}
COMMENT = {f"{{{W}}}{tag}" for tag in ("commentRangeStart", "commentReference")}
HELP = re.compile(r"^[\s*]*\[(%s)\]" % "|".join(re.escape(catalogue(loc).data["kit"]["help"]) for loc in LOCALES), re.I)
CHECKED = {"\u2612", "\u2611", "\u2718", "\u2714"}  # ☒ ☑ ✘ ✔
UNCHECKED = {"\u2610"}


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


@dataclass
class Block:
    """A paragraph (its text in light markup, its style, whether Word numbers or bullets it) or a
    table (rows of cell texts), with the part it stands in."""

    kind: str  # "paragraph" or "table"
    text: str = ""
    style: str = ""
    listed: bool = False
    rows: list[list[str]] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)  # bookmarks that start here
    tracked: bool = False
    commented: bool = False
    index: int = 0  # 1-based paragraph number in the document, for messages


class Refusal(Exception):
    """What an import cannot take, with the part (its heading) and the paragraph; `more` holds the
    others of the same document, so that an author hears of all of them at once."""

    def __init__(self, part: str, paragraph: int | None, message: str, reference: str | None = None,
                 more: list["Refusal"] | None = None):
        super().__init__(message)
        self.part, self.paragraph, self.message = part, paragraph, message
        self.reference, self.more = reference, more or []

    @property
    def all(self) -> list["Refusal"]:
        return [self, *self.more]


def blocks(path: Path) -> tuple[list[Block], dict[str, str]]:
    """The document's paragraphs and tables in order, and its paragraph styles' names by id."""
    with zipfile.ZipFile(path) as archive:
        document = etree.fromstring(archive.read("word/document.xml"))
        styles = {}
        if "word/styles.xml" in archive.namelist():
            for style in etree.fromstring(archive.read("word/styles.xml")).iterfind("w:style", NS):
                name = style.find("w:name", NS)
                styles[style.get(_w("styleId"))] = name.get(_w("val")) if name is not None else ""
        if "word/comments.xml" in archive.namelist():
            comments = etree.fromstring(archive.read("word/comments.xml")).findall("w:comment", NS)
        else:
            comments = []
    body = document.find("w:body", NS)
    found: list[Block] = []
    pending: list[str] = []
    for element in _flatten(body):
        if element.tag == _w("bookmarkStart"):
            pending.append(element.get(_w("name")))
        elif element.tag == _w("p"):
            found.append(_paragraph(element, styles, pending))
            pending = []
        elif element.tag == _w("tbl"):
            rows = [[_cell_text(cell, styles) for cell in row.iterfind("w:tc", NS)] for row in element.iterfind("w:tr", NS)]
            marks = pending + [b.get(_w("name")) for b in element.iter(_w("bookmarkStart"))]
            found.append(Block("table", rows=rows, marks=marks, tracked=_any(element, TRACKED),
                               commented=_any(element, COMMENT)))
            pending = []
        elif element.tag in TRACKED:
            found.append(Block("paragraph", tracked=True))
    for number, block in enumerate(found, start=1):
        block.index = number
    if comments and not any(b.commented for b in found):
        found.append(Block("paragraph", commented=True, index=len(found)))
    return found, styles


def _flatten(parent: Any) -> Iterator[Any]:
    """Body-level elements in order, content controls and custom XML opened up."""
    for child in parent:
        if child.tag in (_w("sdt"), _w("customXml")):
            yield from _flatten(child.find("w:sdtContent", NS) if child.tag == _w("sdt") else child)
        else:
            yield child


def _any(element: Any, tags: set[str]) -> bool:
    return any(node.tag in tags for node in element.iter())


def _paragraph(element: Any, styles: dict[str, str], pending: list[str]) -> Block:
    style_id = element.find("w:pPr/w:pStyle", NS)
    style = styles.get(style_id.get(_w("val")), "") if style_id is not None else ""
    listed = element.find("w:pPr/w:numPr", NS) is not None or style.lower().startswith(("list bullet", "list number"))
    marks = pending + [b.get(_w("name")) for b in element.iter(_w("bookmarkStart"))]
    return Block("paragraph", text=paragraph_text(element), style=style, listed=listed, marks=marks,
                 tracked=_any(element, TRACKED), commented=_any(element, COMMENT))


def _cell_text(cell: Any, styles: dict[str, str]) -> str:
    return "\n".join(paragraph_text(p) for p in cell.iter(_w("p"))).strip()


def paragraph_text(element: Any) -> str:
    """The text of a paragraph as a reader sees it, with *emphasis*: field codes left out, their
    results kept; line breaks as newlines."""
    pieces: list[tuple[str, bool]] = []
    in_code = [False]  # between a complex field's begin and separate: its instruction, not text

    def walk(node: Any) -> None:
        for child in node:
            tag = child.tag
            if tag == _w("r"):
                italic = _italic(child)
                for part in child:
                    if part.tag == _w("fldChar"):
                        kind = part.get(_w("fldCharType"))
                        in_code[0] = kind == "begin" or (in_code[0] and kind != "separate" and kind != "end")
                    elif in_code[0]:
                        continue
                    elif part.tag == _w("t"):
                        pieces.append((part.text or "", italic))
                    elif part.tag == _w("tab"):
                        pieces.append(("\t", False))
                    elif part.tag in (_w("br"), _w("cr")):
                        pieces.append(("\n", False))
                    elif part.tag == _w("noBreakHyphen"):
                        pieces.append(("-", italic))
            elif tag in (_w("del"), _w("moveFrom"), _w("pPr"), _w("rPr")):
                continue  # deleted text is not the document's text (tracked changes are refused anyway)
            elif tag in (_w("sdtPr"), _w("sdtEndPr"), _w("instrText")):
                continue
            else:  # hyperlink, smartTag, sdt/sdtContent, fldSimple, ins, customXml, ...
                walk(child)

    walk(element)
    text, open_italic = [], False
    for piece, italic in pieces:
        if piece.strip() and italic != open_italic:
            text.append("*")
            open_italic = italic
        text.append(piece)
    if open_italic:
        text.append("*")
    return re.sub(r"\*(\s+)\*", r"\1", "".join(text)).replace("\u00a0", " ")


def _italic(run: Any) -> bool:
    flag = run.find("w:rPr/w:i", NS)
    return flag is not None and flag.get(_w("val"), "true") not in ("0", "false", "off")


@dataclass
class Read:
    """A document read back: the stamp, and the paper's data (the system's parts from the stamp,
    the author's from the text)."""

    stamp: Stamp
    data: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # what the import takes differently than it reads


def read_stamp(path: Path) -> Stamp | None:
    """Only the stamp: which paper a document says it is (None for anything else)."""
    try:
        found, _ = blocks(path)
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, OSError):
        return None
    return _stamp_of(found)


def _stamp_of(found: list[Block]) -> Stamp | None:
    """The stamp: the paragraph bookmarked mp_stamp first (text pasted from another paper may hold
    a stamp too), else any paragraph that is one (an author may have lost the bookmark)."""
    paragraphs = sorted((b for b in found if b.kind == "paragraph"), key=lambda b: "mp_stamp" not in b.marks)
    return next((s for s in (decode(b.text) for b in paragraphs) if s), None)


def read_document(path: Path, config_of: Any) -> Read:
    """Read a paper's .docx; Refusal names the part and paragraph of anything that cannot be taken."""
    try:
        found, _ = blocks(path)
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        raise Refusal("document", None, f"not a Word document (.docx) meetprep can read: {exc}") from None
    stamp = _stamp_of(found)
    if stamp is None:
        raise Refusal("document", None, "not a meetprep paper: it has no meetprep stamp (start from "
                      "`meetprep items kit` or `meetprep items export`)")
    config: BodyConfig | None = config_of(stamp.body)
    if config is None:
        raise Refusal("document", None, f"the stamp names the body {stamp.body!r}, which is not configured")
    parts = _split(found)
    words = catalogue(config.body.locale.value)
    named = {name: _part_name(name, part) for name, part in parts.items()}
    refusals: list[Refusal] = []
    current = None  # the part the block stands in (see _split); None before the first
    for block in found:
        current = next((m for m in block.marks if m.startswith("mp_")), current)
        where = named.get(current, "document")
        if block.tracked:
            refusals.append(Refusal(where, block.index, "tracked changes are still in the document: accept or reject "
                                    "them in Word (Review > Accept) and save again"))
        if block.commented:
            refusals.append(Refusal(where, block.index, "comments are still in the document: resolve and delete them "
                                    "in Word (Review > Delete all comments) and save again"))
        if current is not None and block.kind == "paragraph" and HELP.match(block.text):
            refusals.append(Refusal(where, block.index, "help text is still in the document: "
                                    f"“{block.text.strip().strip('*')[:80]}”; delete it and write the part's text"))
    try:
        _check_owned(parts.get("mp_owned", []), owned_rows(words, config, stamp))
    except Refusal as refusal:
        refusals.append(refusal)
    if refusals:
        raise Refusal(refusals[0].part, refusals[0].paragraph, refusals[0].message, stamp.reference, refusals[1:])
    data: dict[str, Any] = {"body": stamp.body, "reference": stamp.reference, "type": stamp.type, **stamp.owned}
    try:
        data.update(_author_parts(parts, words, stamp, path))
    except Refusal as refusal:
        refusal.reference = stamp.reference
        raise
    empty = [Refusal(heading, None, f"the part “{heading}” is mandatory and empty") for heading in stamp.mandatory
             if not any(s["heading"] == heading and s["text"].strip() for s in data.get("sections", []))]
    if empty:
        raise Refusal(empty[0].part, None, empty[0].message, stamp.reference, empty[1:])
    return Read(stamp, _keep_exported(data, stamp.exported), _moved(parts))


def _moved(parts: dict[str, list[Block]]) -> list[str]:
    """A section the author moved keeps its place (the paper type's order: nothing is reordered
    by accident); the import says so, naming the sections."""
    found = [(blocks_[0].index, int(name.rsplit("_", 1)[1]), blocks_[0].text.strip())
             for name, blocks_ in parts.items() if name.startswith("mp_section_") and blocks_]
    in_document = [heading for _, _, heading in sorted(found)]
    in_order = [heading for _, _, heading in sorted(found, key=lambda f: f[1])]
    if in_document == in_order:
        return []
    return [f"the sections were moved in the document ({', '.join(in_document)}); they keep the paper's order "
            f"({', '.join(in_order)}): ask the clerk if the order itself should change"]


def _part_name(mark: str, part: list[Block]) -> str:
    """The part as the author sees it: its heading ("Sachverhalt"), the title or the head."""
    if mark == "mp_title":
        return "title"
    if mark == "mp_owned":
        return "head"
    if mark.startswith("mp_") and part and part[0].kind == "paragraph" and part[0].text.strip():
        return part[0].text.strip().strip("*")
    return mark.removeprefix("mp_")


def _split(found: list[Block]) -> dict[str, list[Block]]:
    """Blocks by the part they stand in: each part runs from its bookmark to the next."""
    parts: dict[str, list[Block]] = {}
    current = None
    for block in found:
        mark = next((m for m in block.marks if m.startswith("mp_")), None)
        if mark is not None:
            current = mark
            parts.setdefault(current, [])
        if current is not None:
            parts[current].append(block)
    return parts


def _check_owned(blocks_: list[Block], expected: list[tuple[str, str]]) -> None:
    table = next((b for b in blocks_ if b.kind == "table"), None)
    if table is None:
        raise Refusal("head", None, "the table of what the system owns (reference, type, Beratungsfolge) is missing")
    shown = {row[0].strip(): row[1].strip() for row in table.rows if len(row) >= 2}
    for label, value in expected:
        if shown.get(label, "").split() != value.split():
            raise Refusal("head", table.index, f"“{label}” was changed (the document says {shown.get(label)!r}, the "
                          f"system {value!r}): only the clerk changes what the system owns")


def _prose(blocks_: list[Block]) -> str:
    """Paragraphs back into light markup: list paragraphs one per line, others separated by a blank line."""
    chunks: list[str] = []
    previous_listed = False
    for block in blocks_:
        if block.kind == "table":
            lines = [" | ".join(cell for cell in row) for row in block.rows]
            chunks.append("\n".join(lines))
            previous_listed = False
            continue
        text = block.text.strip()
        if not text:
            continue
        if block.listed:
            line = f"- {text}" if not re.match(r"^\d{1,3}[.)]\s", text) else text
            if previous_listed and chunks:
                chunks[-1] += "\n" + line
            else:
                chunks.append(line)
            previous_listed = True
        else:
            listed_text = bool(LIST_LINE.match(text) or re.match(r"^\d{1,3}[.)]\s", text))
            if listed_text and previous_listed and chunks:
                chunks[-1] += "\n" + text
            else:
                chunks.append(text)
            previous_listed = listed_text
    return "\n\n".join(chunks)


def _author_parts(parts: dict[str, list[Block]], words: Any, stamp: Stamp, path: Path) -> dict[str, Any]:
    data: dict[str, Any] = {}
    title = parts.get("mp_title", [])
    data["title"] = title[0].text.strip() if title else ""
    sections = []
    for name in sorted((n for n in parts if n.startswith("mp_section_")), key=lambda n: int(n.rsplit("_", 1)[1])):
        heading, *body = parts[name]
        sections.append({"heading": heading.text.strip(), "text": _prose(body)})
    data["sections"] = sections
    if "mp_proposal" in parts:
        data["proposal"] = _proposal(parts["mp_proposal"])
    if "mp_financial" in parts:
        data["financial"] = _financial(parts, words)
    if "mp_climate" in parts:
        data["climate"] = _climate(parts["mp_climate"][1:], words)
    data["attachments"] = _attachments(parts.get("mp_attachments", [])[1:], stamp, path)
    return data


def _proposal(part: list[Block]) -> dict[str, Any] | None:
    heading, *body = part
    intro: list[Block] = []
    points: list[str] = []
    style = "paragraphs"
    for block in body:
        text = block.text.strip()
        if block.kind != "paragraph" or not text:
            continue
        lowered = block.style.lower()
        bullet = lowered.startswith("list bullet")
        if lowered.startswith("list number") or (block.listed and not bullet):
            style = "numbered"
            points.append(text)
        elif bullet:
            style = "bullets"
            points.append(text)
        elif points and style != "paragraphs":
            points[-1] += "\n\n" + text  # a further paragraph of the point above
        elif points or lowered.startswith("list continue"):
            points.append(text)  # a Beschlussvorschlag in plain paragraphs: each is a point
        else:
            intro.append(block)
    if not points:
        if not intro:
            return None
        points, intro, style = [b.text.strip() for b in intro], [], "paragraphs"
    return {"heading": heading.text.strip() or None, "intro": _prose(intro) or None, "style": style, "points": points}


def _boxes(text: str) -> tuple[list[str], str | None]:
    """'☐ Ja   ☒ Nein' -> (['Ja', 'Nein'], 'Nein')."""
    options, chosen = [], None
    for mark, label in re.findall(r"([\u2610\u2612\u2611\u2718\u2714])\s*([^\u2610\u2612\u2611\u2718\u2714]+)", text):
        options.append(label.strip())
        if mark in CHECKED:
            chosen = label.strip()
    return options, chosen


def _code(words: Any, section: str, label: str | None) -> str | None:
    if label is None:
        return None
    for code, text in words.section(section).items():
        if text.casefold() == label.casefold():
            return code
    return label


def _financial(parts: dict[str, list[Block]], words: Any) -> dict[str, Any]:
    heading, *body = parts["mp_financial"]
    questions, text_blocks_ = [], []
    for block in body:
        if block.kind == "table" and all(len(r) >= 2 and set(r[1]) & (CHECKED | UNCHECKED) for r in block.rows):
            for row in block.rows:
                options, chosen = _boxes(row[1])
                questions.append({"text": row[0], "options": [_code(words, "answers", o) for o in options],
                                  "answer": _code(words, "answers", chosen)})
        else:
            text_blocks_.append(block)
    tables = []
    for name in sorted((n for n in parts if n.startswith("mp_amounts_")), key=lambda n: int(n.rsplit("_", 1)[1])):
        caption, *rest = parts[name]
        table = next((b for b in rest if b.kind == "table"), None)
        if table is None or not table.rows:
            continue
        header = table.rows[0]
        rows = []
        for row in table.rows[1:]:
            values = [_number(cell, words.babel_locale, caption.text) for cell in row[2:]]
            rows.append({"label": row[1], "group": row[0] or None,
                         "values": values if any(v is not None for v in values) else []})
        note = _prose([b for b in rest if b.kind == "paragraph"])
        tables.append({"title": caption.text.strip(), "unit": header[1] or None, "columns": header[2:],
                       "rows": rows, "note": note or None})
    return {"questions": questions, "text": _prose(text_blocks_) or None, "tables": tables}


def _number(cell: str, locale: str, table: str) -> float | None:
    cell = cell.strip()
    if not cell:
        return None
    try:
        return float(parse_decimal(cell, locale=locale, strict=False))
    except NumberFormatError:
        raise Refusal(table, None, f"“{cell}” in the table “{table}” is not an amount") from None


def _climate(body: list[Block], words: Any) -> dict[str, Any]:
    boxes = next((b for b in body if b.kind == "paragraph" and set(b.text) & (CHECKED | UNCHECKED)), None)
    _, chosen = _boxes(boxes.text) if boxes else ([], None)
    if chosen is None:
        raise Refusal("mp_climate", boxes.index if boxes else None, "tick one of the climate boxes (☒)")
    rest = [b for b in body if b is not boxes]
    return {"impact": _code(words, "climate", chosen), "explanation": _prose(rest) or None}


def _attachments(body: list[Block], stamp: Stamp, path: Path) -> list[dict[str, Any]]:
    exported = {f.get("title"): f for f in stamp.exported.get("attachments", [])}
    files = []
    for block in body:
        text = block.text.strip()
        if block.kind != "paragraph" or not text:
            continue
        match = re.match(r"^(.*?)\s*\(([^()/\\]+\.[A-Za-z0-9]{1,6})\)$", text)
        title, name = (match.group(1), match.group(2)) if match else (text, None)
        if title in exported and (name is None or Path(exported[title].get("path") or "").name == name):
            files.append(exported[title])
        elif name and (path.parent / name).is_file():
            files.append({"title": title, "path": name, "status": "present"})
        else:
            files.append({"title": title, "status": "to_follow"})
    return files


def _same_text(a: Any, b: Any) -> bool:
    """Equal as a reader sees them: the same blocks of text (markup spelled either way)."""
    if isinstance(a, str) and isinstance(b, str):
        return [(x.kind, " ".join(x.text.split())) for x in text_blocks(a)] == \
               [(x.kind, " ".join(x.text.split())) for x in text_blocks(b)]
    if isinstance(a, dict) and isinstance(b, dict):
        keys = {k for k in set(a) | set(b) if a.get(k) not in (None, [], "") or b.get(k) not in (None, [], "")}
        return all(_same_text(a.get(k), b.get(k)) for k in keys)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_text(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and float(a) == float(b)
    return a == b


def _keep_exported(data: dict[str, Any], exported: dict[str, Any]) -> dict[str, Any]:
    """Where a part reads the same as it was exported, the exported value itself: an unedited
    document imports as no change at all."""
    for key, value in exported.items():
        if key in data and _same_text(data[key], value):
            data[key] = value
    return data
