"""Write the initial Word templates in templates/<locale>/.

The .docx files in templates/ are the source of truth: clerks edit them in Word or LibreOffice.
This script only made their first version; running it again OVERWRITES such edits, so it
refuses to replace an existing file unless given --force.

Template rules (docxtpl): a {%p ...%} or {%tr ...%} tag stands alone in its paragraph or
table row; {{r ...}} (rich text) stands alone in its run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from docx import Document
from docx.shared import Pt

ROOT = Path(__file__).resolve().parent.parent / "templates"


def new_document():
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    document.styles["Title"].font.size = Pt(20)
    return document


def para(document, *runs, style=None, bold=False, italic=False, align=None):
    """A paragraph of runs; a run given as ("text", {"bold": True}) carries its own format."""
    paragraph = document.add_paragraph(style=style)
    for run in runs:
        text, fmt = (run, {}) if isinstance(run, str) else run
        r = paragraph.add_run(text)
        r.bold = fmt.get("bold", bold) or None
        r.italic = fmt.get("italic", italic) or None
    if align:
        paragraph.alignment = align
    return paragraph


def tag(document, text):
    return para(document, text)


def blocks(document, expression):
    """Section text: plain paragraphs, real bullet list items, numbered items."""
    tag(document, f"{{%p for block in {expression} %}}")
    tag(document, "{%p if block.kind == 'bullet' %}")
    para(document, "{{r block.rich }}", style="List Bullet")
    tag(document, "{%p elif block.kind == 'number' %}")
    # The source text carries its own number: an indented paragraph, not Word's auto-numbering.
    para(document, "{{ block.marker }} ", "{{r block.rich }}", style="List Paragraph")
    tag(document, "{%p else %}")
    para(document, "{{r block.rich }}")
    tag(document, "{%p endif %}")
    tag(document, "{%p endfor %}")


def proposal_points(document, expression):
    tag(document, f"{{%p for point in {expression} %}}")
    tag(document, "{%p if point.style == 'bullets' %}")
    para(document, "{{r point.rich }}", style="List Bullet")
    tag(document, "{%p elif point.style == 'paragraphs' %}")
    para(document, "{{r point.rich }}")
    tag(document, "{%p else %}")
    para(document, "{{ point.marker }} ", "{{r point.rich }}")
    tag(document, "{%p endif %}")
    tag(document, "{%p endfor %}")


def table(document, rows, widths=None):
    """A table whose first row is its header row (repeated on each page; a /TH row in the tagged
    PDF, which PDF/UA asks for: a screen reader names each column by it)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    t = document.add_table(rows=len(rows), cols=len(rows[0]))
    t.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            t.cell(r, c).text = text
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    t.rows[0]._tr.get_or_add_trPr().append(header)
    return t


def labelled(document, label, value):
    para(document, (label, {"bold": True}), "\t", value)


# ---------------------------------------------------------------------------------------------
# Danish: dagsorden and referat (seed 000), indstilling (seed 001)


def danish_meeting_document(minutes: bool):
    d = new_document()
    para(d, "{{ document.title }} {{ committee.heading }} d. {{ meeting.date_short }}", style="Title")
    tag(d, "{%p if meeting.extraordinary %}")
    para(d, "{{ labels.extraordinary }}", bold=True)
    tag(d, "{%p endif %}")
    tag(d, "{%p if document.public %}")
    para(d, "Offentlig udgave: lukkede punkter vises kun med nummer.", italic=True)
    tag(d, "{%p endif %}")
    labelled(d, "Mødedato", "{{ meeting.when }}")
    labelled(d, "Mødested", "{{ meeting.place }}{% if meeting.place and meeting.address %}, {% endif %}{{ meeting.address }}")
    tag(d, "{%p if meeting.planned_end %}")
    labelled(d, "Forventet sluttid", "kl. {{ meeting.planned_end }}")
    tag(d, "{%p endif %}")
    labelled(d, "Mødedeltagere", "{{ participants_text }}")
    para(d, "Indholdsfortegnelse", style="Heading 1")
    tag(d, "{%p for item in items %}")
    para(d, "{{ item.label }}: {{ item.title }}{% if item.withdrawn %} ({{ item.withdrawn_label }}){% endif %}"
            "{% if item.planned_start %} (kl. {{ item.planned_start }}){% endif %}")
    tag(d, "{%p endfor %}")
    tag(d, "{%p for item in items %}")
    para(d, "{{ item.label }}: {{ item.title }}", style="Heading 1")
    tag(d, "{%p if not item.hidden %}")
    para(d, "{{ item.reference }}")
    tag(d, "{%p if item.files %}")
    para(d, "Bilag", bold=True)
    tag(d, "{%p for f in item.files %}")
    para(d, "{{ f.title }}{{ f.suffix }}")
    tag(d, "{%p endfor %}")
    tag(d, "{%p endif %}")
    para(d, "{{ item.number }} ({{ item.access_label }}) {{ item.title }}", style="Heading 2")
    tag(d, "{%p if item.reference %}")
    para(d, "Sags ID: {{ item.reference }}")
    tag(d, "{%p endif %}")
    tag(d, "{%p if item.case_type %}")
    para(d, "Sagstype: {{ item.case_type }}")
    tag(d, "{%p endif %}")
    tag(d, "{%p if item.course %}")
    para(d, "Sagsgang: {{ item.course }}")
    tag(d, "{%p endif %}")
    tag(d, "{%p if item.withdrawn %}")
    para(d, "{{ item.withdrawn_label }}", bold=True)
    tag(d, "{%p endif %}")
    blocks(d, "item.text")
    tag(d, "{%p for section in item.sections %}")
    para(d, "{{ section.heading }}", style="Heading 3")
    blocks(d, "section.blocks")
    tag(d, "{%p endfor %}")
    tag(d, "{%p if item.proposal %}")
    para(d, "{{ item.proposal.heading }}", style="Heading 3")
    blocks(d, "item.proposal.intro")
    proposal_points(d, "item.proposal.points")
    tag(d, "{%p endif %}")
    tag(d, "{%p if item.signoff %}")
    para(d, "Godkendt af: {% for s in item.signoff %}{% if not loop.first %}; {% endif %}{{ s.line }}{% endfor %}", italic=True)
    tag(d, "{%p endif %}")
    tag(d, "{%p if item.earlier %}")
    para(d, "Tidligere beslutninger:", bold=True)
    tag(d, "{%p for decision in item.earlier %}")
    para(d, "Udvalg: {{ decision.committee }}")
    tag(d, "{%p if decision.date %}")
    para(d, "Dato: {{ decision.date }}")
    tag(d, "{%p endif %}")
    para(d, "{{ decision.text }}")
    tag(d, "{%p endfor %}")
    tag(d, "{%p endif %}")
    if minutes:
        tag(d, "{%p if item.decision %}")
        para(d, "Beslutninger:", bold=True)
        para(d, "{{ committee.name }} den {{ meeting.day_month }}")
        para(d, "{{ item.decision }}")
        tag(d, "{%p if item.vote %}")
        para(d, "{{ item.vote }}")
        tag(d, "{%p endif %}")
        tag(d, "{%p for line in item.biased_lines %}")
        para(d, "{{ line }}")
        tag(d, "{%p endfor %}")
        tag(d, "{%p endif %}")
    tag(d, "{%p if item.files %}")
    para(d, "Bilag", style="Heading 3")
    tag(d, "{%p for f in item.files %}")
    para(d, "{{ f.listing }}")
    tag(d, "{%p endfor %}")
    tag(d, "{%p endif %}")
    tag(d, "{%p endif %}")
    tag(d, "{%p endfor %}")
    if minutes:
        signature_block(d)
    return d


def signature_lines(d):
    """A line to sign on for each of `signatures`, the name and role under it."""
    tag(d, "{%p for signature in signatures %}")
    para(d, "")
    para(d, "______________________________")
    para(d, "{{ signature.name }} ({{ signature.role }})")
    tag(d, "{%p endfor %}")


def signature_block(d):
    tag(d, "{%p if signatures %}")
    para(d, "")
    signature_lines(d)
    tag(d, "{%p endif %}")


def danish_indstilling():
    d = new_document()
    para(d, "{{ committee.name }}, {{ meeting.date_text }}", italic=True)
    para(d, "{{ paper.number }}. {{ paper.title }} ({{ paper.reference }})", style="Heading 1")
    tag(d, "{%p if paper.case_type %}")
    para(d, "Sagstype: {{ paper.case_type }}")
    tag(d, "{%p endif %}")
    tag(d, "{%p if paper.course %}")
    para(d, "Sagsgang: {{ paper.course }}")
    tag(d, "{%p endif %}")
    tag(d, "{%p if paper.proposal %}")
    para(d, "{{ paper.proposal.heading | upper }}", style="Heading 2")
    blocks(d, "paper.proposal.intro")
    proposal_points(d, "paper.proposal.points")
    tag(d, "{%p endif %}")
    tag(d, "{%p for section in paper.sections %}")
    para(d, "{{ section.heading }}", style="Heading 2")
    blocks(d, "section.blocks")
    tag(d, "{%p endfor %}")
    tag(d, "{%p if paper.files %}")
    para(d, "BILAG", style="Heading 2")
    tag(d, "{%p for f in paper.files %}")
    para(d, "{{ f.index }}. {{ f.title }}{{ f.suffix }}")
    tag(d, "{%p endfor %}")
    tag(d, "{%p endif %}")
    tag(d, "{%p if paper.signoff %}")
    para(d, "Godkendt af: {% for s in paper.signoff %}{% if not loop.first %}; {% endif %}{{ s.line }}{% endfor %}", italic=True)
    tag(d, "{%p endif %}")
    tag(d, "{%p for name in paper.signatories %}")
    para(d, "{% if not loop.first %}/ {% endif %}{{ name }}")
    tag(d, "{%p endfor %}")
    return d


# ---------------------------------------------------------------------------------------------
# German: Einladung/Tagesordnung, Vorlage (seeds 002, 003, 004)


def agenda_table(d, items):
    t = table(d, [
        ["TOP", "Betreff", "Drucksache", "Zeit"],
        [f"{{%tr for item in {items} %}}", "", "", ""],
        ["{{ item.label }}", "{{ item.title }}{% if item.withdrawn %} ({{ item.withdrawn_label }}){% endif %}", "{{ item.reference }}",
         "{% if item.planned_start %}{{ item.planned_start }}{% endif %}"],
        ["{%tr endfor %}", "", "", ""],
    ])
    for cell in t.rows[0].cells:
        for run in cell.paragraphs[0].runs:
            run.bold = True


def german_tagesordnung():
    d = new_document()
    para(d, "{{ body.name }}", bold=True)
    para(d, "Einladung", style="Title")
    para(d, "zur {% if meeting.extraordinary %}{{ labels.extraordinary }}{% else %}Sitzung{% endif %} des Gremiums")
    para(d, "{{ committee.heading }}", bold=True)
    labelled(d, "Datum:", "{{ meeting.date }}")
    labelled(d, "Uhrzeit:", "{{ meeting.time }} Uhr")
    tag(d, "{%p if meeting.planned_end %}")
    labelled(d, "Voraussichtliches Ende:", "{{ meeting.planned_end }} Uhr")
    tag(d, "{%p endif %}")
    labelled(d, "Ort:", "{{ meeting.place }}{% if meeting.place and meeting.address %}, {% endif %}{{ meeting.address }}")
    tag(d, "{%p if document.public %}")
    para(d, "Öffentliche Fassung: nichtöffentliche Tagesordnungspunkte ohne Inhalt.", italic=True)
    tag(d, "{%p endif %}")
    para(d, "Tagesordnung", style="Heading 1")
    para(d, "Öffentlicher Teil", style="Heading 2")
    agenda_table(d, "public_items")
    tag(d, "{%p if closed_items %}")
    para(d, "Nichtöffentlicher Teil", style="Heading 2")
    agenda_table(d, "closed_items")
    tag(d, "{%p endif %}")
    return d


def german_vorlage():
    d = new_document()
    para(d, "{{ body.name }}", bold=True)
    para(d, "{{ paper.type_upper }}", style="Title")
    table(d, [
        ["Drucksachen-Nr:", "{{ paper.reference }}"],
        ["Vorlageart:", "{{ paper.type }}"],
        ["Status:", "{{ paper.access_label }}"],
        ["Erstellt durch / Verantwortlich:", "{{ paper.originator }}"],
        ["Geschäftszeichen:", "{{ paper.file_number }}"],
        ["Datum:", "{{ paper.date }}"],
        ["Bezug:", "{{ paper.related }}"],
        ["TOP:", "{{ paper.top }}"],
    ])
    para(d, "")
    table(d, [["Einst.", "Ja", "Nein", "Enth."], ["", "", "", ""]])
    para(d, "{{ paper.title }}", style="Heading 1")
    para(d, "Beratungsfolge", style="Heading 2")
    table(d, [
        ["Datum", "Gremium", "Zuständigkeit", "Ergebnis"],
        ["{%tr for step in paper.consultations %}", "", "", ""],
        ["{{ step.date }}", "{{ step.committee }}", "{{ step.role }}", "{{ step.result }}"],
        ["{%tr endfor %}", "", "", ""],
    ])
    tag(d, "{%p if paper.proposal %}")
    para(d, "{{ paper.proposal.heading }}:", style="Heading 2")
    blocks(d, "paper.proposal.intro")
    proposal_points(d, "paper.proposal.points")
    tag(d, "{%p endif %}")
    tag(d, "{%p if paper.climate %}")
    para(d, "Auswirkungen auf den Klimaschutz:", style="Heading 2")
    para(d, "{{ paper.climate.none_box }} keine Auswirkungen")
    para(d, "{{ paper.climate.positive_box }} positive Auswirkungen")
    para(d, "{{ paper.climate.negative_box }} negative Auswirkungen")
    para(d, "Kurze Erläuterung: {{ paper.climate.explanation }}")
    tag(d, "{%p endif %}")
    tag(d, "{%p for section in paper.sections %}")
    para(d, "{{ section.heading }}:", style="Heading 2")
    blocks(d, "section.blocks")
    tag(d, "{%p endfor %}")
    tag(d, "{%p if paper.financial %}")
    para(d, "Finanzielle Auswirkungen", style="Heading 2")
    tag(d, "{%p for question in paper.financial.questions %}")
    para(d, "{{ question.text }}:  {{ question.boxes }}")
    tag(d, "{%p endfor %}")
    blocks(d, "paper.financial.text")
    tag(d, "{%p for plan in paper.financial.tables %}")
    para(d, "{{ plan.title }}{% if plan.unit %} (in {{ plan.unit }}){% endif %}", bold=True)
    table(d, [
        ["{{ plan.title }}", "{%tc for column in plan.columns %}", "{{ column }}", "{%tc endfor %}"],
        ["{%tr for row in plan.rows %}", "", "", ""],
        ["{% if row.group %}{{ row.group }}: {% endif %}{{ row.label }}", "{%tc for value in row.cells %}", "{{ value }}", "{%tc endfor %}"],
        ["{%tr endfor %}", "", "", ""],
    ])
    blocks(d, "plan.note")
    tag(d, "{%p endfor %}")
    tag(d, "{%p endif %}")
    para(d, "Anlage/n", style="Heading 2")
    tag(d, "{%p for f in paper.files %}")
    para(d, "{{ f.number }} - {{ f.title }}{{ f.suffix }}")
    tag(d, "{%p endfor %}")
    tag(d, "{%p if paper.signoff %}")
    para(d, "Beteiligte Stellen / Mitzeichnung", style="Heading 2")
    table(d, [
        ["Stelle", "Mitgezeichnet von", "Datum"],
        ["{%tr for s in paper.signoff %}", "", ""],
        ["{{ s.step }}", "{{ s.name }}", "{{ s.date }}"],
        ["{%tr endfor %}", "", ""],
    ])
    tag(d, "{%p endif %}")
    return d


def german_minutes_items(d, items):
    tag(d, f"{{%p for item in {items} %}}")
    para(d, "{{ item.label }}: {{ item.title }}", style="Heading 3")
    tag(d, "{%p if not item.hidden %}")
    tag(d, "{%p if item.reference %}")
    para(d, "Vorlage: {{ item.reference }}")
    tag(d, "{%p endif %}")
    tag(d, "{%p if item.decision %}")
    tag(d, "{%p if item.is_paper %}")
    para(d, ("Beschluss:", {"bold": True}))
    tag(d, "{%p endif %}")
    para(d, "{{ item.decision }}")
    tag(d, "{%p endif %}")
    tag(d, "{%p if item.vote %}")
    para(d, ("Abstimmungsergebnis: ", {"bold": True}), "{{ item.vote }}")
    tag(d, "{%p endif %}")
    tag(d, "{%p for line in item.biased_lines %}")
    para(d, "{{ line }}")
    tag(d, "{%p endfor %}")
    tag(d, "{%p endif %}")
    tag(d, "{%p endfor %}")


def german_niederschrift():
    d = new_document()
    para(d, "{{ body.name }}", bold=True)
    para(d, "Niederschrift", style="Title")
    para(d, "über die {% if meeting.extraordinary %}{{ labels.extraordinary }}{% else %}Sitzung{% endif %} des Gremiums")
    para(d, "{{ committee.heading }}", bold=True)
    tag(d, "{%p if document.public %}")
    para(d, "Öffentliche Fassung: Beschlüsse im nichtöffentlichen Teil sind nicht enthalten.", italic=True)
    tag(d, "{%p endif %}")
    labelled(d, "Datum:", "{{ meeting.date }}")
    labelled(d, "Beginn:", "{{ minutes.started }} Uhr")
    labelled(d, "Ende:", "{{ minutes.ended }}{% if minutes.ended %} Uhr{% endif %}")
    labelled(d, "Ort:", "{{ meeting.place }}{% if meeting.place and meeting.address %}, {% endif %}{{ meeting.address }}")
    para(d, "Anwesend:", style="Heading 2")
    tag(d, "{%p for name in minutes.present %}")
    para(d, "{{ name }}")
    tag(d, "{%p endfor %}")
    para(d, "Entschuldigt:", style="Heading 2")
    tag(d, "{%p for name in minutes.absent %}")
    para(d, "{{ name }}")
    tag(d, "{%p else %}")
    para(d, "–")
    tag(d, "{%p endfor %}")
    para(d, "Öffentlicher Teil", style="Heading 1")
    german_minutes_items(d, "public_items")
    tag(d, "{%p if closed_items %}")
    para(d, "Nichtöffentlicher Teil", style="Heading 1")
    german_minutes_items(d, "closed_items")
    tag(d, "{%p endif %}")
    signature_block(d)
    return d


# ---------------------------------------------------------------------------------------------
# Excerpts of the minutes for the originating unit: beslutningsuddrag (da), Protokollauszug (de)


def excerpt_tasks(d, heading, due_label, owner_label):
    tag(d, "{%p if excerpt.tasks %}")
    para(d, heading, bold=True)
    tag(d, "{%p for task in excerpt.tasks %}")
    para(d, "{{ task.text }} (" + owner_label + " {{ task.owner }}, " + due_label + " {{ task.due }})", style="List Bullet")
    tag(d, "{%p endfor %}")
    tag(d, "{%p endif %}")


def excerpt_signature(d, heading):
    para(d, "")
    para(d, heading)
    para(d, "{{ excerpt.certified_text }}")
    signature_lines(d)


def danish_beslutningsuddrag():
    d = new_document()
    para(d, "{{ body.name }}", bold=True)
    para(d, "BESLUTNINGSUDDRAG", style="Title")
    para(d, "fra mødet i {{ committee.heading }} {{ meeting.when }}")
    para(d, "{{ item.label }} ({{ item.access_label }}) {{ item.title }}", style="Heading 1")
    labelled(d, "Sags ID", "{{ item.reference }}")
    tag(d, "{%p if excerpt.unit %}")
    labelled(d, "Forvaltning", "{{ excerpt.unit }}")
    tag(d, "{%p endif %}")
    tag(d, "{%p if excerpt.officer %}")
    labelled(d, "Sagsbehandler", "{{ excerpt.officer }}")
    tag(d, "{%p endif %}")
    tag(d, "{%p if item.proposal %}")
    para(d, "{{ item.proposal.heading }}", style="Heading 2")
    blocks(d, "item.proposal.intro")
    proposal_points(d, "item.proposal.points")
    tag(d, "{%p endif %}")
    para(d, "Beslutning", style="Heading 2")
    para(d, "{{ committee.name }} den {{ meeting.day_month }}")
    para(d, "{{ item.decision }}")
    tag(d, "{%p if item.vote %}")
    para(d, "{{ item.vote }}")
    tag(d, "{%p endif %}")
    tag(d, "{%p for line in excerpt.biased_lines %}")
    para(d, "{{ line }}")
    tag(d, "{%p endfor %}")
    excerpt_tasks(d, "Opfølgning", "frist", "ansvarlig:")
    para(d, "Mødedeltagere", style="Heading 2")
    para(d, "{% for name in excerpt.present %}{% if not loop.first %}, {% endif %}{{ name }}{% endfor %}"
            "{% for name in excerpt.absent %}, {{ name }} ({{ labels.absent }}){% endfor %}")
    excerpt_signature(d, "Uddraget bekræftes:")
    return d


def german_protokollauszug():
    d = new_document()
    para(d, "{{ body.name }}", bold=True)
    para(d, "Auszug aus der Niederschrift", style="Title")
    para(d, "über die {% if item.closed %}nichtöffentliche{% else %}öffentliche{% endif %} "
            "{% if meeting.extraordinary %}{{ labels.extraordinary }}{% else %}Sitzung{% endif %} des Gremiums")
    para(d, "{{ committee.heading }}", bold=True)
    labelled(d, "Datum:", "{{ meeting.date }}")
    labelled(d, "Ort:", "{{ meeting.place }}{% if meeting.place and meeting.address %}, {% endif %}{{ meeting.address }}")
    para(d, "{{ item.label }}: {{ item.title }}", style="Heading 1")
    labelled(d, "Vorlage:", "{{ item.reference }}")
    tag(d, "{%p if excerpt.unit %}")
    labelled(d, "Federführung:", "{{ excerpt.unit }}")
    tag(d, "{%p endif %}")
    tag(d, "{%p if excerpt.officer %}")
    labelled(d, "Sachbearbeitung:", "{{ excerpt.officer }}")
    tag(d, "{%p endif %}")
    para(d, "Beschluss:", style="Heading 2")
    para(d, "{{ item.decision }}")
    tag(d, "{%p if item.vote %}")
    para(d, ("Abstimmungsergebnis: ", {"bold": True}), "{{ item.vote }}")
    tag(d, "{%p endif %}")
    tag(d, "{%p for line in excerpt.biased_lines %}")
    para(d, "{{ line }}")
    tag(d, "{%p endfor %}")
    excerpt_tasks(d, "Aufträge", "bis", "zuständig:")
    para(d, "Anwesend:", style="Heading 2")
    tag(d, "{%p for name in excerpt.present %}")
    para(d, "{{ name }}")
    tag(d, "{%p endfor %}")
    tag(d, "{%p if excerpt.absent %}")
    para(d, "Entschuldigt:", style="Heading 2")
    tag(d, "{%p for name in excerpt.absent %}")
    para(d, "{{ name }}")
    tag(d, "{%p endfor %}")
    tag(d, "{%p endif %}")
    excerpt_signature(d, "Für die Richtigkeit des Auszugs:")
    return d


TEMPLATES = {
    ("da", "dagsorden"): lambda: danish_meeting_document(minutes=False),
    ("da", "referat"): lambda: danish_meeting_document(minutes=True),
    ("da", "indstilling"): danish_indstilling,
    ("de", "tagesordnung"): german_tagesordnung,
    ("de", "vorlage"): german_vorlage,
    ("de", "niederschrift"): german_niederschrift,
    ("da", "beslutningsuddrag"): danish_beslutningsuddrag,
    ("de", "protokollauszug"): german_protokollauszug,
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="overwrite existing templates (loses clerks' edits)")
    parser.add_argument("--only", nargs="*", help="only these kinds, e.g. referat niederschrift")
    args = parser.parse_args(argv)
    for (locale, kind), make in TEMPLATES.items():
        if args.only and kind not in args.only:
            continue
        path = ROOT / locale / f"{kind}.docx"
        if path.exists() and not args.force:
            print(f"kept {path} (exists; --force overwrites)")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        make().save(path)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
