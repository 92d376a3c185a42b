"""Rendering the Word documents of an agenda version with docxtpl.

Templates are data: `templates/<locale>/<kind>.docx`, edited in Word or LibreOffice. They are
rendered in a sandboxed, autoescaping Jinja environment with StrictUndefined, so text with
&, <, {{ }} or XML in it comes out literally, and a misspelt field in a template is an error
naming the template instead of an empty spot in a document sent to a council.

Contexts are built by pure functions from the plain data of a `Draft`. The public variant is
built to fail closed: a closed item (or one without an explicit "public") becomes its number
and a neutral title, and none of its text, attachments or people reach the context at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from meetprep.agenda.numbering import access_of
from meetprep.errors import TemplateProblem
from meetprep.filecheck import sha256_of
from meetprep.i18n import Catalogue, catalogue

MEMBERS, PUBLIC = "members", "public"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
AGENDA_KINDS = ("dagsorden", "tagesordnung", "referat", "niederschrift")
PAPER_KINDS = ("indstilling", "vorlage")
BOX_CHECKED, BOX_EMPTY = "\u2612", "\u2610"  # ☒ ☐

# XML 1.0 forbids most control characters; docxtpl turns \a, \f and \t in values into
# paragraph breaks, page breaks and tabs. Input text keeps only its line breaks.
_ILLEGAL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_BULLET = re.compile(r"^[-•–*]\s+(.*)$")
_NUMBERED = re.compile(r"^(\d{1,3})[.)]\s+(.*)$")


def clean(text: Any) -> str:
    if text is None:
        return ""
    return _ILLEGAL.sub("", str(text).replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n"))


@dataclass(frozen=True)
class Block:
    """A paragraph of section text: plain, a bullet list item or a numbered list item."""

    kind: str  # "paragraph", "bullet" or "number"
    text: str
    marker: str = ""

    def as_context(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "marker": self.marker, "rich": rich(self.text)}


def text_blocks(text: str | None) -> list[Block]:
    """Split light markup into blocks: blank lines end paragraphs, "- " and "1. " start list items."""
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block("paragraph", " ".join(paragraph)))
            paragraph.clear()

    for line in clean(text).split("\n"):
        stripped = line.strip()
        if not stripped:
            flush()
        elif match := _BULLET.match(stripped):
            flush()
            blocks.append(Block("bullet", match.group(1)))
        elif match := _NUMBERED.match(stripped):
            flush()
            blocks.append(Block("number", match.group(2), marker=f"{match.group(1)}."))
        else:
            paragraph.append(stripped)
    flush()
    return blocks


def rich(text: str):
    """A docxtpl RichText of `text`, with *emphasis* in italics; RichText escapes the text."""
    from docxtpl import RichText

    value = RichText()
    position = 0
    for match in _EMPHASIS.finditer(text):
        if match.start() > position:
            value.add(text[position : match.start()])
        value.add(match.group(1), italic=True)
        position = match.end()
    if position < len(text) or not text:
        value.add(text[position:])
    return value


# ---------------------------------------------------------------------------------------------
# Contexts


def _date(words: Catalogue, iso: str | None, style: str = "date_short") -> str:
    return words.date(dt.date.fromisoformat(iso[:10]), style, capitalize=False) if iso else ""


def _files(words: Catalogue, paper: dict[str, Any], variant: str) -> list[dict[str, Any]]:
    files = []
    for index, f in enumerate(paper["files"], start=1):
        if variant == PUBLIC and access_of(f["access"]) != "public":
            continue
        suffix = f" {words.text('labels.to_follow')}" if f["status"] == "to_follow" else ""
        # A records-system number is shown with the case (6455036 - EMN-2025-05820); a plain
        # running number (Anlage 1) is the index itself.
        number = f" ({f['number']} - {paper['reference']})" if f.get("number") and f["number"] != str(index) else ""
        files.append(
            {
                "index": index,
                "title": clean(f["title"]),
                "number": clean(f.get("number") or str(index)),
                "to_follow": f["status"] == "to_follow",
                "suffix": suffix,
                "listing": f"{index}. {clean(f['title'])}{number}{suffix}",
            }
        )
    return files


def _proposal(words: Catalogue, proposal: dict[str, Any] | None) -> dict[str, Any] | None:
    if not proposal:
        return None
    style = proposal.get("style", "numbered")
    points = []
    for index, point in enumerate(proposal["points"], start=1):
        marker = f"{index}." if style == "numbered" else ("–" if style == "bullets" else "")
        points.append({"marker": marker, "text": clean(point), "rich": rich(clean(point)), "style": style})
    return {
        "heading": clean(proposal.get("heading") or words.text("labels.proposal_heading")),
        "intro": [b.as_context() for b in text_blocks(proposal.get("intro"))],
        "points": points,
        "style": style,
    }


def _sections(paper: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"heading": clean(s["heading"]), "blocks": [b.as_context() for b in text_blocks(s.get("text"))]}
        for s in paper["sections"]
    ]


def _sessions(paper: dict[str, Any]) -> list[dict[str, Any]]:
    # Drafts recorded before the whole Beratungsfolge was kept carry only the steps.
    if "sessions" in paper:
        return paper["sessions"]
    return [{**c, "held": c["status"] == "completed", "date": c["date"]} for c in paper["consultations"]]


def _earlier(words: Catalogue, paper: dict[str, Any], meeting_key: str) -> list[dict[str, Any]]:
    """Tidligere beslutninger: every earlier session with its decision (udsat included), then each
    step still to come after this one, "no decision yet", dated only where it has a date of its own."""
    sessions = _sessions(paper)
    # this meeting's step: on the agenda, or (in the referat) dealt with at this meeting
    current = next((s for s in sessions if s.get("current") or (s["held"] and s.get("meeting") == meeting_key)), None)
    if current is None:
        return []
    earlier = []
    for session in sessions:
        if session["held"] and session.get("meeting") != meeting_key:
            text = session["result_text"] or (words.text(f"results.{session['result']}") if session["result"] else "")
            earlier.append({"committee": clean(session["committee_name"]), "date": _date(words, session["date"]),
                            "text": clean(text)})
    for session in sessions:
        if not session["held"] and session["position"] > current["position"]:
            earlier.append({"committee": clean(session["committee_name"]), "date": _date(words, session["date"]),
                            "text": words.text("labels.no_decision_yet")})
    return earlier


def _consultations(words: Catalogue, paper: dict[str, Any]) -> list[dict[str, Any]]:
    """The Beratungsfolge table: every session held (with its meeting's date and result, vertagt
    included), then the steps to come with their planned date or none."""
    return [
        {
            "date": _date(words, s["date"]),
            "committee": clean(s["committee_name"]),
            "role": words.text(f"roles.{s['role']}"),
            "result": words.text(f"results.{s['result']}") if s["result"] else "",
            "result_text": clean(s["result_text"]),
            "current": bool(s.get("current")),
            "held": bool(s["held"]),
        }
        for s in _sessions(paper)
    ]


def _course(paper: dict[str, Any]) -> str:
    """The sagsgang: every body the paper goes through, in order (EBI → Økonomiudvalget → KB)."""
    return " → ".join(clean(c["committee_name"]) for c in sorted(paper["consultations"], key=lambda c: c["position"])
                      if c["status"] != "withdrawn" or c["result"])


def _case_type(words: Catalogue, paper: dict[str, Any]) -> str:
    """Beslutningssag / Orienteringssag: what the committee does with it at this meeting."""
    current = next((c for c in paper["consultations"] if c["current"]), None)
    return words.text(f"case_types.{current['role']}") if current else ""


def item_label(words: Catalogue, entry: dict[str, Any]) -> str:
    """'Punkt 1', 'TOP Ö 3', 'TOP N 1.1': the pattern and part letters are in the catalogue."""
    return words.text("numbering.item", part=words.data["numbering"]["part"][entry["part"]], number=entry["number"]).strip()


def _item(words: Catalogue, entry: dict[str, Any], draft: Any, variant: str) -> dict[str, Any]:
    closed = access_of(entry["access"]) != "public"
    hidden = closed and variant == PUBLIC
    base = {
        "number": entry["number"],
        "label": item_label(words, entry),
        "part": entry["part"],
        "sub": entry["parent"] is not None,
        "hidden": hidden,
        "closed": closed,
        "access_label": words.text("labels.closed" if closed else "labels.public"),
        "withdrawn": entry["withdrawn"],
        "withdrawn_label": words.text("labels.withdrawn") if entry["withdrawn"] else "",
        "is_paper": entry["kind"] == "paper",
        "title": words.text("labels.closed_item_title"),
        "reference": "",
        "type": "",
        "sections": [],
        "proposal": None,
        "earlier": [],
        "course": "",
        "case_type": "",
        "files": [],
        "text": [],
        "decision": "",
        "vote": "",
        "result": "",
    }
    if hidden:
        return base  # nothing else of a closed item may reach a public document
    base.update(title=clean(entry["title"]), reference=clean(entry["reference"] or ""))
    if entry["kind"] == "standing":
        base["text"] = [b.as_context() for b in text_blocks(entry.get("standing_text"))]
        return base
    paper = draft.papers.get(entry["reference"])
    if paper is None or entry["withdrawn"]:
        return base
    base.update(
        type=clean(paper["type"]),
        sections=_sections(paper),
        proposal=_proposal(words, paper["proposal"]),
        earlier=_earlier(words, paper, draft.meeting["key"]),
        course=_course(paper),
        case_type=_case_type(words, paper),
        files=_files(words, paper, variant),
        decision=_decision(words, paper, draft.meeting["key"]),
    )
    return base


def _decision(words: Catalogue, paper: dict[str, Any], meeting_key: str) -> str:
    """What this meeting decided on the paper (the referat's "Beslutninger"), if recorded."""
    for step in paper["consultations"]:
        if step["meeting"] == meeting_key and step["result"]:
            return clean(step["result_text"] or words.text(f"results.{step['result']}"))
    return ""


def _meeting(words: Catalogue, draft: Any) -> dict[str, Any]:
    start = dt.datetime.fromisoformat(draft.meeting["start"])
    end = dt.datetime.fromisoformat(draft.meeting["end"]) if draft.meeting["end"] else None
    return {
        "key": draft.meeting["key"],
        "when": words.datetime(start),
        "date": words.date(start.date()),
        "date_short": words.date(start.date(), "date_short", capitalize=False),
        "date_text": words.date(start.date(), "date_text", capitalize=False),
        "day_month": words.date(start.date(), "date_day_month", capitalize=False),
        "time": words.time(start),
        "end_time": words.time(end) if end else "",
        "place": clean(draft.meeting["room"]),
        "address": clean(draft.meeting["address"]),
        "extraordinary": draft.meeting["extraordinary"],
    }


def _common(words: Catalogue, draft: Any, variant: str, kind: str) -> dict[str, Any]:
    committee = draft.committee
    heading = clean(committee["name"]) + (f" ({clean(committee['period'])})" if committee.get("period") else "")
    members = [p for p in draft.participants if p["role"] != "secretary"]
    return {
        "document": {
            "kind": kind,
            "title": words.text(f"documents.{kind}").upper(),
            "name": words.text(f"documents.{kind}"),
            "variant": variant,
            "public": variant == PUBLIC,
            "variant_label": words.text("labels.public_variant" if variant == PUBLIC else "labels.members_variant"),
        },
        "body": {"name": clean(draft.body["name"])},
        "committee": {"name": clean(committee["name"]), "heading": heading, "short_name": clean(committee.get("short_name"))},
        "meeting": _meeting(words, draft),
        "participants": [{"name": clean(p["name"]), "absent": bool(p.get("absent"))} for p in members],
        "participants_text": ", ".join(
            clean(p["name"]) + (f" ({words.text('labels.absent')})" if p.get("absent") else "") for p in members),
        "labels": words.section("labels"),
        "properties": {"title": f"{words.text(f'documents.{kind}')}: {clean(committee['name'])}, "
                                f"{words.date(dt.datetime.fromisoformat(draft.meeting['start']).date(), 'date_text', capitalize=False)}",
                       "language": words.babel_locale.replace("_", "-")},
    }


def agenda_context(draft: Any, variant: str, kind: str) -> dict[str, Any]:
    """The context of an agenda-level document (dagsorden, Tagesordnung, referat)."""
    words = catalogue(draft.body["locale"])
    items = [_item(words, entry, draft, variant) for entry in draft.entries]
    context = _common(words, draft, variant, kind)
    context.update(
        items=items,
        public_items=[i for i in items if i["part"] == "public"],
        closed_items=[i for i in items if i["part"] == "closed"],
    )
    return context


def minutes_context(draft: Any, extra: dict[str, Any], variant: str, kind: str) -> dict[str, Any]:
    """The referat / Niederschrift: the agenda as built, with each item's decision and vote."""
    context = agenda_context(draft, variant, kind)
    for item, entry in zip(context["items"], draft.entries):
        if item["hidden"]:
            continue  # a closed item's decision stays out of the public minutes too
        if entry["kind"] == "paper" and entry["reference"] in extra["decisions"]:
            info = extra["decisions"][entry["reference"]]
            item.update(decision=clean(info["text"]), vote=clean(info["votes"]), result=clean(info["result"]))
        elif entry["key"] in extra.get("texts", {}):
            item["decision"] = clean(extra["texts"][entry["key"]])
    present = [p for p in draft.participants if not p.get("absent")]
    context["minutes"] = {
        "started": extra["started"],
        "ended": extra["ended"],
        "present": [clean(p["name"]) for p in present],
        "absent": [clean(p["name"]) for p in draft.participants if p.get("absent")],
    }
    context["signatures"] = [{"role": clean(s["role"]), "name": clean(s["name"])} for s in extra["signatures"]]
    return context


def closed_details(paper: dict[str, Any]) -> bool:
    """Whether a paper's own document says more to members than to the public: closed attachments,
    or a reference to a closed paper (the paper it amends, a related paper)."""
    return any(access_of(f["access"]) != "public" for f in paper["files"]) or bool(paper.get("hidden_references"))


def paper_context(draft: Any, reference: str, kind: str, variant: str | None = None) -> dict[str, Any]:
    """The context of one paper's own document (Vorlage, indstilling).

    A closed paper has only a members' variant. The public variant of a public paper is built
    from its public parts only: closed attachments and references to closed papers are left out.
    """
    words = catalogue(draft.body["locale"])
    paper = draft.papers[reference]
    entry = next(e for e in draft.entries if e["reference"] == reference and e["kind"] == "paper")
    public_paper = access_of(paper["access"]) == "public"
    variant = variant or (PUBLIC if public_paper else MEMBERS)
    if variant == PUBLIC and not public_paper:
        raise ValueError(f"paper {reference} is closed: it has no public document")
    hidden = set(paper.get("hidden_references") or []) if variant == PUBLIC else set()
    context = _common(words, draft, variant, kind)
    climate = paper.get("climate")
    financial = paper.get("financial")
    context["properties"]["title"] = f"{clean(paper['title'])} ({clean(reference)})"
    context["paper"] = {
        "reference": clean(reference),
        "title": clean(paper["title"]),
        "type": clean(paper["type"]),
        "type_upper": clean(paper["type"]).upper(),
        "access_label": words.text("labels.closed" if access_of(paper["access"]) != "public" else "labels.public"),
        "originator": clean(paper["originator_unit"]),
        "officer": clean(paper["case_officer"]),
        "file_number": clean(paper["file_number"]),
        "date": _date(words, paper["date"]),
        "related": ", ".join(clean(r) for r in paper["related"] if r not in hidden),
        "amends": clean(paper.get("amends")) if paper.get("amends") not in hidden else "",
        "number": entry["number"],
        "top": f"{words.data['numbering']['part'][entry['part']]} {entry['number']}".strip(),
        "consultations": _consultations(words, paper),
        "earlier": _earlier(words, paper, draft.meeting["key"]),
        "course": _course(paper),
        "case_type": _case_type(words, paper),
        "proposal": _proposal(words, paper["proposal"]),
        "sections": _sections(paper),
        "climate": None if not climate else {
            **{f"{k}_box": BOX_CHECKED if climate["impact"] == k else BOX_EMPTY for k in ("none", "positive", "negative")},
            "labels": words.section("climate"),
            "explanation": clean(climate.get("explanation")),
        },
        "financial": None if not financial else _financial(words, financial),
        "files": _files(words, paper, variant),
        "signatories": [clean(s) for s in paper["signatories"]],
    }
    return context


def _financial(words: Catalogue, financial: dict[str, Any]) -> dict[str, Any]:
    answers = words.section("answers")
    questions = []
    for q in financial["questions"]:
        boxes = "  ".join(f"{BOX_CHECKED if q['answer'] == option else BOX_EMPTY} {answers[option]}" for option in q["options"])
        questions.append({"text": clean(q["text"]), "boxes": boxes, "answer": answers.get(q["answer"] or "", "")})
    tables = []
    for t in financial["tables"]:
        rows = [
            {"label": clean(r["label"]), "group": clean(r.get("group")),
             "cells": [words.number(v) if v is not None else "" for v in (r.get("values") or [None] * len(t["columns"]))]}
            for r in t["rows"]
        ]
        tables.append({"title": clean(t["title"]), "unit": clean(t.get("unit")), "columns": [clean(c) for c in t["columns"]],
                       "rows": rows, "note": [b.as_context() for b in text_blocks(t.get("note"))]})
    return {"questions": questions, "text": [b.as_context() for b in text_blocks(financial.get("text"))], "tables": tables}


# ---------------------------------------------------------------------------------------------
# Rendering


def plain_jinja_environment():
    """A new sandboxed, autoescaping environment, as a docxtpl user would pass one."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


@lru_cache(maxsize=1)
def jinja_environment():
    """The process's sandboxed environment for Word templates, which compiles each template
    part once. docxtpl compiles a part's XML with `from_string` for every document it renders:
    the 25 papers of a meeting from one template were 25 compilations of the same text, a third
    of the rendering time. A template edited in Word has new XML, so it is compiled anew; the
    context of each document is passed to `render`, never kept in the environment."""
    from collections import OrderedDict

    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    class CompilingOnce(SandboxedEnvironment):
        size = 64  # template parts (document, headers, footers) of a few dozen templates

        def __init__(self, **options: Any):
            super().__init__(**options)
            self.compiled: OrderedDict[tuple[str, bool], Any] = OrderedDict()

        def from_string(self, source, globals=None, template_class=None):
            if globals or template_class or not isinstance(source, str):
                return super().from_string(source, globals, template_class)
            key = (source, bool(self.autoescape))  # docxtpl sets autoescape before it renders
            template = self.compiled.get(key)
            if template is None:
                template = self.compiled[key] = super().from_string(source)
                if len(self.compiled) > self.size:
                    self.compiled.popitem(last=False)
            else:
                self.compiled.move_to_end(key)
            return template

    return CompilingOnce(undefined=StrictUndefined, autoescape=True)


def render_docx(template: Path, context: dict[str, Any]) -> bytes:
    """Render one template to the bytes of a .docx."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError

    if not template.is_file():
        raise TemplateProblem(f"template {template} is missing")
    document = DocxTemplate(template)
    try:
        document.render(context, jinja_env=jinja_environment(), autoescape=True)
    except TemplateError as exc:
        raise TemplateProblem(f"template {template} cannot be rendered: {exc}") from exc
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:  # saved as something other than .docx, or damaged
        raise TemplateProblem(f"template {template} cannot be opened as a Word document "
                              f"({type(exc).__name__}: {exc}); save it again as .docx") from exc
    properties = context.get("properties") or {}
    if properties:
        # The PDF's /Title and /Lang come from these (PDF/UA: a title shown instead of the file name).
        core = document.docx.core_properties
        core.title = properties.get("title") or core.title
        if properties.get("language"):
            core.language = properties["language"]
            _set_language(document.docx, properties["language"])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _set_language(docx: Any, language: str) -> None:
    """The text's language (the styles' w:lang), which LibreOffice writes as the PDF's /Lang. A
    template made from Word's default carries en-US; the body's language wins."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    styles = docx.styles.element
    langs = styles.findall(".//" + qn("w:lang"))
    if not langs:
        defaults = styles.find(qn("w:docDefaults"))
        rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")) if defaults is not None else None
        if rpr is None:
            return
        langs = [OxmlElement("w:lang")]
        rpr.append(langs[0])
    for lang in langs:
        lang.set(qn("w:val"), language)


def template_path(templates_dir: Path, locale: str, kind: str) -> Path:
    return templates_dir / locale / f"{kind}.docx"


def template_hashes(templates_dir: Path, locale: str, kinds: list[str]) -> dict[str, str]:
    hashes = {}
    for kind in kinds:
        path = template_path(templates_dir, locale, kind)
        hashes[kind] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"
    return hashes


_TRANSLITERATE = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa", "ä": "ae",
                                "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def slug(text: str) -> str:
    """A file-name-safe form: ASCII (øu -> oeu), letters, digits, dot, dash and underscore."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text.translate(_TRANSLITERATE)).strip("-")


def planned_documents(draft: Any) -> list[dict[str, Any]]:
    """Which files a draft turns into: kind, variant, file name and (for paper documents) the paper."""
    words = catalogue(draft.body["locale"])
    committee = slug(draft.committee.get("short_name") or draft.committee["key"]).lower()
    day = draft.meeting["start"][:10]
    planned = []
    for kind in draft.documents:
        name = slug(words.text(f"documents.{kind}")).lower()
        if kind in AGENDA_KINDS:
            for variant in (MEMBERS, PUBLIC):
                label = words.text("labels.public_variant" if variant == PUBLIC else "labels.members_variant")
                planned.append({"kind": kind, "variant": variant, "reference": None,
                                "file": f"{name}-{committee}-{day}-{label}.docx"})
        else:
            for entry in draft.entries:
                if entry["kind"] != "paper" or entry["withdrawn"] or entry["reference"] not in draft.papers:
                    continue
                paper = draft.papers[entry["reference"]]
                # A public paper's document is public; where it has closed details, members get
                # their own copy with them (same name, in the members' folder).
                if access_of(paper["access"]) != "public":
                    variants = [MEMBERS]
                else:
                    variants = [PUBLIC, MEMBERS] if closed_details(paper) else [PUBLIC]
                for variant in variants:
                    planned.append({"kind": kind, "variant": variant, "reference": entry["reference"],
                                    "file": f"{name}-{slug(entry['reference'])}.docx"})
    return planned


def variant_folder(variant: str) -> str:
    """Where a variant's files live in a version folder: public/ may be published as it is."""
    return "public" if variant == PUBLIC else "members"


MINUTES_KINDS = ("referat", "niederschrift")


def render_all(draft: Any, templates_dir: Path, target: Path, minutes: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Render every document of the draft into `target`; returns what was written.

    `minutes` (what was decided, see meetprep.minutes) is needed for a referat / Niederschrift.
    """
    written = []
    for plan in planned_documents(draft):
        template = template_path(templates_dir, draft.body["locale"], plan["kind"])
        if plan["kind"] in MINUTES_KINDS:
            context = minutes_context(draft, minutes or {"decisions": {}, "started": "", "ended": "", "signatures": []},
                                      plan["variant"], plan["kind"])
        elif plan["reference"] is None:
            context = agenda_context(draft, plan["variant"], plan["kind"])
        else:
            context = paper_context(draft, plan["reference"], plan["kind"], plan["variant"])
        path = target / variant_folder(plan["variant"]) / plan["file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        data = render_docx(template, context)
        path.write_bytes(data)
        written.append(_file_entry(plan["kind"], plan["variant"], plan["reference"], path, DOCX, data))
    return written


def add_pdfs(draft: Any, written: list[dict[str, Any]], seconds_per_document: float | None = None
             ) -> tuple[list[dict[str, Any]], list[str]]:
    """Accessible (tagged, PDF/UA) PDFs of every written document, each beside its .docx; where the
    body wants it (`public_bundle`), the public agenda bundled with the public attachments.

    Returns the new file entries and notes: LibreOffice missing, a document that did not convert
    (by name; the others still get their PDFs), an attachment left out of the bundle and why.
    """
    from meetprep.agenda import pdf

    if pdf.soffice() is None:
        return [], ["LibreOffice is not installed: no PDFs were written"]
    limit = seconds_per_document or pdf.SECONDS_PER_DOCUMENT
    conversion = pdf.convert([Path(item["path"]) for item in written], limit)
    notes = [f"no PDF of {source.name}: {reason}" for source, reason in conversion.failed.items()]
    added = []
    public_agenda = None
    for item in written:
        converted = conversion.pdfs.get(Path(item["path"]))
        if converted is None:
            continue
        added.append(_file_entry(item["kind"], item["variant"], item["reference"], converted, "application/pdf"))
        if public_agenda is None and item["variant"] == PUBLIC and item["kind"] in AGENDA_KINDS:
            public_agenda = converted
    if not draft.body.get("public_bundle"):
        return added, notes
    attachments, left_out = _public_pdf_attachments(draft)
    notes += left_out
    if public_agenda is not None and attachments:
        words = catalogue(draft.body["locale"])
        target_path = public_agenda.with_name(public_agenda.stem + "-" + slug(words.text("labels.attachments")).lower() + ".pdf")
        try:
            pdf.bundle(public_agenda, words.text(f"documents.{draft.documents[0]}"), attachments, target_path)
        except Exception as exc:  # pypdf on a file it cannot read: the documents themselves are still good
            target_path.unlink(missing_ok=True)
            notes.append(f"no bundle of the public agenda with its attachments: {type(exc).__name__}: {exc}")
        else:
            added.append(_file_entry("bundle", PUBLIC, None, target_path, "application/pdf"))
    return added, notes


def _public_pdf_attachments(draft: Any) -> tuple[list[tuple[str, Path]], list[str]]:
    """Attachments of public papers that are public, present and PDF, in agenda order, each still the
    file that was checked at import (same SHA-256); and a note for each one left out."""
    found, notes = [], []
    for entry in draft.entries:
        paper = draft.papers.get(entry["reference"]) if entry["kind"] == "paper" else None
        if paper is None or entry["withdrawn"] or access_of(paper["access"]) != "public":
            continue
        for f in paper["files"]:
            path = Path(f["path"]) if f.get("path") else None
            if not (access_of(f["access"]) == "public" and f["status"] == "present" and path is not None
                    and f.get("media_type") == "application/pdf"):
                continue
            if not path.is_file() or path.is_symlink() or sha256_of(path) != f.get("sha256"):
                notes.append(f"attachment \u201c{clean(f['title'])}\u201d of {entry['reference']} is left out of the "
                             "public bundle: its file is gone or changed since it was imported (import it again)")
                continue
            found.append((f"{entry['number']} {clean(f['title'])}", path))
    return found, notes


def _file_entry(kind: str, variant: str, reference: str | None, path: Path, media_type: str,
                data: bytes | None = None) -> dict[str, Any]:
    data = path.read_bytes() if data is None else data
    return {"kind": kind, "variant": variant, "reference": reference, "path": str(path), "media_type": media_type,
            "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
