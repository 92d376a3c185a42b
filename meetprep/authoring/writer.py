"""Writing a paper as the Word document its author edits: a kit for a new paper, or a stored
paper exported with its current text.

The document is made from the body's own template for papers (templates/<locale>/vorlage.docx
or indstilling.docx: its page, styles, headers and footers, with the template's fields taken
out), so the author writes in the look the paper will be printed in. Its parts:

- the title, then a table of what the system owns (body, reference, type, unit, Beratungsfolge,
  revision), read-only for the author and checked on import;
- the proposal, each text section, the finances (tick boxes ☐/☒, amount tables), the climate
  impact and the attachments, each under a heading that carries a bookmark (mp_proposal,
  mp_section_1, ...). Bookmarks survive Word and LibreOffice, span nothing, and let an author
  add paragraphs, lists and tables anywhere in a part;
- help paragraphs "[Hilfe] ..." / "[Hjælp] ..." (grey, in the style "meetprep help"), refused
  on import when left in: recognised by their text, so that a help text pasted elsewhere or
  restyled is still caught;
- the stamp (meetprep.authoring.stamp) as hidden text at the end.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import RGBColor

from meetprep.agenda.rendering import template_path
from meetprep.authoring.layout import BOXES, LIST_LINE, author_part, owned_part, owned_rows
from meetprep.authoring.stamp import Stamp
from meetprep.i18n import Catalogue, catalogue
from meetprep.model import BodyConfig, Paper

HELP_STYLE = "meetprep help"
PAPER_KINDS = {"da": "indstilling", "de": "vorlage"}


def write_document(paper: Paper, config: BodyConfig, templates_dir: Path, revision: int | None,
                   mandatory: list[str] | None = None, kit: bool = False,
                   files: list[dict[str, Any]] | None = None, climate: bool = False,
                   shown: list[tuple[str, str]] | None = None, proposal: bool = True) -> bytes:
    """The .docx of a paper (a kit when `kit`: help text in every part, the author's parts empty
    but for their headings; a kit asks for a proposal unless its type has none). `shown` are
    rows of the head the author sees but that are not read back (the papers deadline)."""
    locale = config.body.locale.value
    words = catalogue(locale)
    kit_words = words.data["kit"]
    document = _from_template(template_path(templates_dir, locale, PAPER_KINDS[locale]))
    stamp = Stamp(body=paper.body, reference=paper.reference, type=paper.paper_type, revision=revision,
                  owned=owned_part(paper), exported={} if kit else author_part(paper),
                  mandatory=list(mandatory or []), files=list(files or []))

    title = document.add_paragraph(style=_style(document, "Title"))
    if kit:
        _help(document, title, kit_words["title_help"])
    else:
        title.add_run(paper.title)
    _bookmark(title, "mp_title")

    note = document.add_paragraph(kit_words["owned_note"], style=_style(document, "No Spacing"))
    note.runs[0].italic = True
    table = document.add_table(rows=0, cols=2)
    _grid(document, table)
    for label, value in owned_rows(words, config, stamp) + list(shown or []):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
        cells[0].paragraphs[0].runs[0].bold = True
    _bookmark(table.rows[0].cells[0].paragraphs[0], "mp_owned")
    _lock(table)

    asks = proposal
    proposal = paper.proposal
    if proposal is not None or (kit and asks):
        _heading(document, (proposal.heading if proposal and proposal.heading
                            else words.text("labels.proposal_heading")), "mp_proposal")
        if kit:
            _help(document, None, kit_words["proposal_help"])
            document.add_paragraph(style=_style(document, "List Number"))
        else:
            for chunk in _chunks(proposal.intro or ""):
                _prose_paragraph(document, chunk, "Body Text")
            style = {"numbered": "List Number", "bullets": "List Bullet"}.get(proposal.style.value, "List Continue")
            for point in proposal.points:
                for index, chunk in enumerate(_chunks(point)):
                    _prose_paragraph(document, chunk, style if index == 0 else "List Continue")

    for index, section in enumerate(paper.sections, start=1):
        _heading(document, section.heading, f"mp_section_{index}")
        if kit:
            _help(document, None, kit_words["section_help"].format(heading=section.heading))
        write_prose(document, section.text)

    if paper.financial is not None:
        _write_financial(document, words, paper.financial.model_dump(mode="json"), kit)
    if paper.climate is not None or (kit and climate):
        _heading(document, kit_words["climate_heading"], "mp_climate")
        if kit:
            _help(document, None, kit_words["climate_help"])
        labels = words.section("climate")
        impact = paper.climate.impact.value if paper.climate else None
        document.add_paragraph("   ".join(f"{BOXES[key == impact]} {labels[key]}" for key in ("none", "positive", "negative")))
        write_prose(document, (paper.climate.explanation or "") if paper.climate else "")

    _heading(document, kit_words["attachments"], "mp_attachments")
    if kit:
        _help(document, None, kit_words["attachments_help"])
    for file in paper.attachments:
        name = f" ({Path(file.path).name})" if file.path else ""
        document.add_paragraph(f"{file.title}{name}", style=_style(document, "List Number"))

    stamp_paragraph = document.add_paragraph()
    run = stamp_paragraph.add_run(stamp.encode())
    run.font.hidden = True
    _bookmark(stamp_paragraph, "mp_stamp")
    core = document.core_properties
    core.title = f"{paper.title} ({paper.reference})" if not kit else paper.reference
    core.language = words.babel_locale.replace("_", "-")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _write_financial(document: Any, words: Catalogue, financial: dict[str, Any], kit: bool = False) -> None:
    kit_words = words.data["kit"]
    answers = words.section("answers")
    _heading(document, kit_words["financial_heading"], "mp_financial")
    if kit:
        _help(document, None, kit_words["financial_help"])
    if financial["questions"]:
        table = document.add_table(rows=0, cols=2)
        _grid(document, table)
        for question in financial["questions"]:
            cells = table.add_row().cells
            cells[0].text = question["text"]
            cells[1].text = "   ".join(f"{BOXES[option == question['answer']]} {answers[option]}"
                                       for option in question["options"])
    write_prose(document, financial.get("text") or "")
    for index, amounts in enumerate(financial["tables"], start=1):
        caption = document.add_paragraph(amounts["title"], style=_style(document, "Caption"))
        _bookmark(caption, f"mp_amounts_{index}")
        table = document.add_table(rows=1, cols=len(amounts["columns"]) + 2)
        _grid(document, table)
        header = table.rows[0].cells
        header[0].text, header[1].text = kit_words.get("group", "") or "", amounts.get("unit") or ""
        for cell, column in zip(header[2:], amounts["columns"]):
            cell.text = column
        for row in amounts["rows"]:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = row.get("group") or "", row["label"]
            for cell, value in zip(cells[2:], row.get("values") or []):
                cell.text = "" if value is None else format_decimal(value, locale=words.babel_locale,
                                                                    decimal_quantization=False)
        write_prose(document, amounts.get("note") or "")


def _chunks(text: str) -> list[str]:
    return [chunk for chunk in re.split(r"\n\s*\n", text.strip()) if chunk.strip()]


def write_prose(document: Any, text: str) -> None:
    """Light markup as Word paragraphs: a paragraph per chunk (its line breaks kept), '- ' lines
    as bulleted paragraphs, numbered lines as they are written (the number is part of the text)."""
    for chunk in _chunks(text):
        plain: list[str] = []
        for line in chunk.splitlines():
            bullet = LIST_LINE.match(line.strip())
            if bullet:
                if plain:
                    _prose_paragraph(document, "\n".join(plain), "Normal")
                    plain = []
                _prose_paragraph(document, bullet.group(1), "List Bullet")
            else:
                plain.append(line)
        if plain:
            _prose_paragraph(document, "\n".join(plain), "Normal")


EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")


def _prose_paragraph(document: Any, text: str, style: str) -> Any:
    paragraph = document.add_paragraph(style=_style(document, style))
    position = 0
    for match in EMPHASIS.finditer(text):
        _runs(paragraph, text[position:match.start()], italic=False)
        _runs(paragraph, match.group(1), italic=True)
        position = match.end()
    _runs(paragraph, text[position:], italic=False)
    return paragraph


def _runs(paragraph: Any, text: str, italic: bool) -> None:
    for index, line in enumerate(text.split("\n")):
        if index:
            paragraph.add_run().add_break()
        if line:
            run = paragraph.add_run(line)
            run.italic = italic or None


def _heading(document: Any, text: str, bookmark: str) -> Any:
    paragraph = document.add_paragraph(text, style=_style(document, "Heading 2"))
    _bookmark(paragraph, bookmark)
    return paragraph


def _help(document: Any, paragraph: Any, text: str) -> None:
    if paragraph is None:
        paragraph = document.add_paragraph(style=_style(document, HELP_STYLE))
    paragraph.add_run(text).italic = True


def _bookmark(paragraph: Any, name: str) -> None:
    # Ids are unique within the document: one more than the highest already in it.
    ids = [int(b.get(qn("w:id"))) for b in paragraph._p.getroottree().iter(qn("w:bookmarkStart"))]
    number = str(max(ids, default=100) + 1)
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), number)
    start.set(qn("w:name"), name)
    end.set(qn("w:id"), number)
    properties = paragraph._p.find(qn("w:pPr"))
    paragraph._p.insert(1 if properties is not None else 0, start)
    paragraph._p.append(end)


def _lock(table: Any) -> None:
    """Word keeps a locked content control's content from edits; LibreOffice ignores the lock, and
    an import compares the head with the stamp anyway."""
    sdt, properties, content = OxmlElement("w:sdt"), OxmlElement("w:sdtPr"), OxmlElement("w:sdtContent")
    lock = OxmlElement("w:lock")
    lock.set(qn("w:val"), "sdtContentLocked")
    properties.append(lock)
    sdt.append(properties)
    table._tbl.addprevious(sdt)
    content.append(table._tbl)
    sdt.append(content)


def _grid(document: Any, table: Any) -> None:
    """Lines around the cells, where the body's template has Word's "Table Grid"."""
    if any(style.name == "Table Grid" for style in document.styles):
        table.style = document.styles["Table Grid"]


def _style(document: Any, name: str) -> Any:
    styles = document.styles
    try:
        return styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        if name == HELP_STYLE:
            style.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
            style.font.italic = True
        return style


def _from_template(path: Path) -> Any:
    """The body's paper template with its body emptied and its fields ({{ }}, {% %}) taken out of
    headers and footers: its page, styles and letterhead stay."""
    document = Document(str(path))
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    for section in document.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer):
            for paragraph in part.paragraphs:
                if "{{" in paragraph.text or "{%" in paragraph.text:
                    for run in paragraph.runs:
                        run.text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", run.text)
    return document
