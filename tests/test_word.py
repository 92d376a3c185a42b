"""Papers written in Word: the kit, export, import, and what a Word or LibreOffice user leaves in
a document (split runs, fields, content controls, tracked changes, comments, help text)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Callable

import pytest
from docx import Document
from docx.oxml.ns import qn
from sqlalchemy import select

from meetprep.agenda import build
from meetprep.authoring.documents import export, kit
from meetprep.errors import InputError
from meetprep.importing.pipeline import import_files
from meetprep.store import BodyRow, PaperRevisionRow, PaperRow, Store
from tests.conftest import EXAMPLES, ROOT
from tests.docxtext import text

AT = dt.datetime(2025, 2, 1, 8, tzinfo=dt.timezone.utc)
LATER = AT + dt.timedelta(days=3)
PAPERS = [("gentofte", "EMN-2025-05820"), ("koebenhavn", "2010-16508"), ("herzogenrath", "V/2019/367-E04"),
          ("wedel", "BV/2023/162"), ("hamburg-bezirk", "22-4292")]
SENTENCE = "Ein Beschluss des Stadtrates ist insofern nicht erforderlich."


@pytest.fixture
def world(tmp_path, configs):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    import_files(store, configs, [EXAMPLES], AT)
    yield store
    store.close()


def stored(store: Store, body: str, reference: str) -> tuple[int, str, dict]:
    with store.session() as session:
        row = session.execute(select(PaperRow).join(BodyRow).where(BodyRow.key == body,
                                                                   PaperRow.reference == reference)).scalar_one()
        latest = session.execute(select(PaperRevisionRow).where(PaperRevisionRow.paper_id == row.id)
                                 .order_by(PaperRevisionRow.revision.desc())).scalars().first()
        return row.revision, row.checksum, latest.data


def exported(store, configs, tmp_path: Path, body: str, reference: str) -> Path:
    data, _ = export(store, configs, ROOT / "templates", body, reference)
    path = tmp_path / "word" / f"{reference.replace('/', '-')}.docx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def edit_xml(path: Path, change: Callable[[str], str], target: Path | None = None) -> Path:
    """The document with its word/document.xml changed, as Word would leave it after an edit."""
    target = target or path
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: (info, source.read(info.filename)) for info in source.infolist()}
    info, xml = parts["word/document.xml"]
    new = change(xml.decode("utf-8"))
    assert new != xml.decode("utf-8"), "the edit changed nothing"
    parts["word/document.xml"] = (info, new.encode("utf-8"))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in parts.values():
            out.writestr(info, data)
    return target


def refused(store, configs, path: Path) -> str:
    with pytest.raises(InputError) as caught:
        import_files(store, configs, [path], LATER)
    return "\n".join(str(p) for p in caught.value.problems)


@pytest.mark.parametrize("body, reference", PAPERS)
def test_export_then_import_changes_nothing(world, configs, tmp_path, body, reference):
    before = stored(world, body, reference)
    report = import_files(world, configs, [exported(world, configs, tmp_path, body, reference)], LATER)
    assert [p["action"] for p in report.papers] == ["unchanged"]
    assert stored(world, body, reference) == before


def test_an_edited_sentence_is_a_new_revision_with_exactly_that_change(world, configs, tmp_path):
    revision, _, before = stored(world, "herzogenrath", "V/2019/367-E04")
    path = exported(world, configs, tmp_path, "herzogenrath", "V/2019/367-E04")
    edit_xml(path, lambda xml: xml.replace(SENTENCE, "Ein Beschluss des Stadtrates ist nicht erforderlich."))
    report = import_files(world, configs, [path], LATER)
    assert [(p["action"], p["revision"]) for p in report.papers] == [("updated", revision + 1)]
    _, _, after = stored(world, "herzogenrath", "V/2019/367-E04")
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"sections"}
    old, new = before["sections"][0]["text"], after["sections"][0]["text"]
    assert new == old.replace(SENTENCE, "Ein Beschluss des Stadtrates ist nicht erforderlich.")
    # The rebuilt agenda's Vorlage carries the edit.
    day = dt.date(2025, 3, 25)
    result, _ = build.run(world, configs, build.AgendaRequest("herzogenrath", "asi", day - dt.timedelta(days=10), day=day),
                          ROOT / "templates", tmp_path / "out", LATER, pdf=False)
    vorlage = next(Path(d["path"]) for d in result.documents if d["kind"] == "vorlage")
    assert "Ein Beschluss des Stadtrates ist nicht erforderlich." in text(vorlage) and SENTENCE not in text(vorlage)

    # The old export is now stale: importing it would undo the edit.
    problems = refused(world, configs, edit_xml(path, lambda xml: xml.replace("nicht erforderlich.", "erforderlich."),
                                                tmp_path / "older.docx"))
    assert "exported from revision 1" in problems and "revision 2 is stored" in problems


def test_a_moved_section_keeps_its_place_and_the_import_says_so(world, configs, tmp_path):
    before = stored(world, "gentofte", "EMN-2025-05820")
    path = exported(world, configs, tmp_path, "gentofte", "EMN-2025-05820")
    document = Document(str(path))
    body = document.element.body
    children = list(body)

    def starts(name: str) -> int:
        return next(i for i, child in enumerate(children)
                    if any(b.get(qn("w:name")) == name for b in child.iter(qn("w:bookmarkStart"))))

    first, second = starts("mp_section_1"), starts("mp_section_2")
    end = next(i for i in range(second + 1, len(children)) if any(
        (b.get(qn("w:name")) or "").startswith("mp_") for b in children[i].iter(qn("w:bookmarkStart"))))
    headings = [children[first].xpath("string(.)"), children[second].xpath("string(.)")]
    for element in children[second:end]:  # the author cuts the second section and pastes it first
        children[first].addprevious(element)
    document.save(str(path))
    report = import_files(world, configs, [path], LATER)
    assert [p["action"] for p in report.papers] == ["unchanged"] and stored(world, "gentofte", "EMN-2025-05820") == before
    moved = [w.as_dict() for w in report.warnings if w.field == "sections"]
    assert len(moved) == 1 and f"({headings[1]}, {headings[0]}" in moved[0]["message"], moved


def test_word_markup_inside_a_paragraph_reads_as_its_text(world, configs, tmp_path):
    """Runs split inside a word, proofing marks, bookmarks, a smart tag, a simple and a complex
    field, content controls at run and block level, a hyperlink: the sentence is the same."""
    path = exported(world, configs, tmp_path, "herzogenrath", "V/2019/367-E04")
    run = '<w:r><w:t xml:space="preserve">{}</w:t></w:r>'
    messy = (
        run.format("Ein Besch") + '<w:proofErr w:type="spellStart"/>' + run.format("luss")
        + '<w:proofErr w:type="spellEnd"/><w:bookmarkStart w:id="900" w:name="_GoBack"/><w:bookmarkEnd w:id="900"/>'
        + '<w:smartTag w:uri="urn:x" w:element="place">' + run.format(" des ") + "</w:smartTag>"
        + '<w:sdt><w:sdtPr/><w:sdtContent>' + run.format("Stadtrates") + "</w:sdtContent></w:sdt>"
        + '<w:fldSimple w:instr=" DOCPROPERTY x ">' + run.format(" ist") + "</w:fldSimple>"
        + '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> HYPERLINK "x" </w:instrText></w:r>'
        + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + run.format(" insofern")
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        + '<w:hyperlink w:anchor="x">' + run.format(" nicht erforderlich.") + "</w:hyperlink>"
    )

    def mess_up(xml: str) -> str:
        paragraph = re.search(r"<w:p>(?:(?!<w:p>).)*?" + re.escape(SENTENCE) + r".*?</w:p>", xml, flags=re.S).group(0)
        properties = re.search(r"<w:pPr>.*?</w:pPr>", paragraph, flags=re.S)
        # the whole paragraph inside a block-level content control, as Word's forms do
        replacement = ("<w:sdt><w:sdtPr/><w:sdtContent><w:p>" + (properties.group(0) if properties else "")
                       + messy + "</w:p></w:sdtContent></w:sdt>")
        return xml.replace(paragraph, replacement)

    edit_xml(path, mess_up)
    report = import_files(world, configs, [path], LATER)
    assert [p["action"] for p in report.papers] == ["unchanged"]


@pytest.mark.parametrize("case, change, expected", [
    ("tracked insertion", lambda x: x.replace(f"<w:t>{SENTENCE}</w:t>", f'<w:t>{SENTENCE}</w:t></w:r><w:ins w:id="1" '
     'w:author="A" w:date="2026-01-01T00:00:00Z"><w:r><w:t> Neu.</w:t></w:r></w:ins><w:r><w:t/>', 1),
     "tracked changes are still in the document"),
    ("tracked deletion", lambda x: x.replace(f"<w:t>{SENTENCE}</w:t>", '<w:t></w:t></w:r><w:del w:id="1" w:author="A">'
     f'<w:r><w:delText>{SENTENCE}</w:delText></w:r></w:del><w:r><w:t/>', 1),
     "tracked changes are still in the document"),
    ("comment", lambda x: x.replace(f"<w:t>{SENTENCE}</w:t>", f'<w:t>{SENTENCE}</w:t></w:r><w:commentReference '
     'w:id="0"/><w:r><w:t/>', 1), "comments are still in the document"),
    ("help text", lambda x: x.replace(SENTENCE, "[Hilfe] Hier den Abschnitt schreiben.", 1),
     "help text is still in the document"),
    ("changed head", lambda x: x.replace("<w:t>Amt 50 - Sozialamt</w:t>", "<w:t>Amt 51</w:t>", 1),
     "“Federführung” was changed"),
    ("no stamp", lambda x: re.sub(r"meetprep-paper:[^<]*", "", x), "not a meetprep paper"),
])
def test_what_must_not_pass_silently_is_refused_with_its_part_and_nothing_changes(world, configs, tmp_path, case,
                                                                                    change, expected):
    before = stored(world, "herzogenrath", "V/2019/367-E04")
    path = exported(world, configs, tmp_path, "herzogenrath", "V/2019/367-E04")
    edit_xml(path, lambda xml: change(xml.replace(f'<w:t xml:space="preserve">{SENTENCE}</w:t>', f"<w:t>{SENTENCE}</w:t>")))
    problems = refused(world, configs, path)
    assert expected in problems and str(path) in problems, problems
    assert stored(world, "herzogenrath", "V/2019/367-E04") == before


def test_a_plain_word_document_is_not_a_paper(world, configs, tmp_path):
    document = Document()
    document.add_paragraph("Antrag der Fraktion")
    path = tmp_path / "antrag.docx"
    document.save(str(path))
    assert "not a meetprep paper" in refused(world, configs, path)


def _fill(path: Path, texts: dict[str, str]) -> None:
    """What an author does with a kit: replace each help paragraph with text, tick a box."""
    document = Document(str(path))
    for paragraph in document.paragraphs:
        for start, written in texts.items():
            if paragraph.text.startswith(start):
                for run in paragraph.runs[1:]:
                    run.text = ""
                paragraph.runs[0].text = written
                paragraph.runs[0].italic = False
    document.save(str(path))


def test_a_kit_filled_in_becomes_a_paper(world, configs, tmp_path):
    path = tmp_path / "kit.docx"
    path.write_bytes(kit(configs, ROOT / "templates", "herzogenrath", "Beschlussvorlage", "V/2026/001",
                         [("asi", "Entscheidung")], unit="Amt 50 - Sozialamt", officer="Frau Beispiel"))
    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    assert "[Hilfe] Hier den Abschnitt Sachverhalt schreiben." in text and "Beratungsfolge" not in text  # in the head table

    problems = refused(world, configs, path)  # straight from the kit: help text everywhere
    assert "help text is still in the document" in problems

    _fill(path, {"[Hilfe] Betreff": "Neue Sprachkurse im Quartier",
                 "[Hilfe] Hier den Abschnitt Sachverhalt": "Im Quartier fehlen *Sprachkurse* für Erwachsene.",
                 "[Hilfe] Hier den Abschnitt Begründung": "",
                 "[Hilfe] Jeder Punkt": "", "[Hilfe] Eine Anlage": "", "[Hilfe] Zutreffendes": "",
                 "[Hilfe] Auswirkungen auf den Klimaschutz": "",
                 "\u2610 keine": "\u2612 keine Auswirkungen   \u2610 positive Auswirkungen   \u2610 negative Auswirkungen"})
    document = Document(str(path))
    # (the head is in a locked content control, which python-docx does not list among the tables)
    answers = document.tables[0].rows[0].cells[1].paragraphs[0]  # "Der Beschluss hat finanzielle Auswirkungen"
    answers.runs[0].text = answers.text.replace("\u2610 nein", "\u2612 nein")
    for run in answers.runs[1:]:
        run.text = ""
    amounts = document.tables[1]
    amounts.rows[2].cells[2].text = "12.500,50"  # Aufwendungen in the kit's first year
    document.save(str(path))
    document = Document(str(path))
    points = [p for p in document.paragraphs if p.style.name == "List Number" and not p.text]
    points[0].add_run("Der Ausschuss beschließt die Sprachkurse.")
    document.save(str(path))
    report = import_files(world, configs, [path], LATER)
    assert [(p["reference"], p["action"]) for p in report.papers] == [("V/2026/001", "created")]
    _, _, data = stored(world, "herzogenrath", "V/2026/001")
    assert data["title"] == "Neue Sprachkurse im Quartier" and data["type"] == "Beschlussvorlage"
    assert data["sections"][0] == {"heading": "Sachverhalt", "text": "Im Quartier fehlen *Sprachkurse* für Erwachsene."}
    assert data["proposal"]["points"] == ["Der Ausschuss beschließt die Sprachkurse."]
    assert data["originator"] == {"unit": "Amt 50 - Sozialamt", "officer": "Frau Beispiel"}
    assert [(c["committee"], c["role"]) for c in data["consultations"]] == [("asi", "decision")]
    assert data["climate"] == {"impact": "none", "explanation": None}
    assert [(q["text"], q["answer"]) for q in data["financial"]["questions"]] == [
        ("Der Beschluss hat finanzielle Auswirkungen", "no"), ("Mittel sind im Haushalt veranschlagt", None)]
    table = data["financial"]["tables"][0]
    assert (table["title"], table["unit"], len(table["columns"])) == ("Ergebnisplan", "EUR", 4)
    assert [(r["label"], r["values"]) for r in table["rows"]][:2] == [("Erträge", []), ("Aufwendungen", [12500.5, None, None, None])]

    # The same kit again is refused: the paper exists now, and its export is what to edit.
    assert "already stored" in refused(world, configs, path)


def test_the_kit_shows_the_papers_deadline_which_is_not_read_back(world, configs, tmp_path):
    path = tmp_path / "kit.docx"
    path.write_bytes(kit(configs, ROOT / "templates", "herzogenrath", "Beschlussvorlage", "V/2026/002",
                         [("asi", "Entscheidung")], store=world, today=AT.date()))
    head = {row.cells[0].text: row.cells[1].text for row in _head(path).rows}
    # asi meets on 25 March 2025; Herzogenrath's papers are due 14 calendar days before
    assert head["Vorlagenschluss"] == ("11.03.2025 (für Ausschuss für Arbeit, Soziales, Integration, Demografie und "
                                       "Quartiersentwicklung, Sitzung am 25.03.2025)")
    # The deadline is the system's and may move: an author's edit of it is not an edit of the head.
    edit_xml(path, lambda xml: xml.replace("11.03.2025", "31.03.2025"))
    _fill(path, {"[Hilfe] Betreff": "Sprachcafé", "[Hilfe] Hier den Abschnitt Sachverhalt": "Ein Sachverhalt.",
                 "[Hilfe] Hier den Abschnitt Begründung": "", "[Hilfe] Jeder Punkt": "", "[Hilfe] Eine Anlage": "",
                 "[Hilfe] Zutreffendes": "", "[Hilfe] Auswirkungen auf den Klimaschutz": "", **TICKED})
    report = import_files(world, configs, [path], LATER)
    assert [(p["reference"], p["action"]) for p in report.papers] == [("V/2026/002", "created")]
    # After the meeting's deadline passed, the kit names the next meeting's (none here: no row).
    late = kit(configs, ROOT / "templates", "herzogenrath", "Beschlussvorlage", "V/2026/003",
               [("asi", "Entscheidung")], store=world, today=dt.date(2025, 3, 12))
    (tmp_path / "late.docx").write_bytes(late)
    assert "Vorlagenschluss" not in {row.cells[0].text for row in _head(tmp_path / "late.docx").rows}


TICKED = {"\u2610 keine": "\u2612 keine Auswirkungen   \u2610 positive Auswirkungen   \u2610 negative Auswirkungen"}


def _head(path: Path):
    """The head table (in a locked content control, which python-docx does not list)."""
    from docx.table import Table

    document = Document(str(path))
    element = document.element.body.find(".//" + qn("w:tbl"))
    return Table(element, document)


def test_a_body_gives_a_paper_type_its_own_kit(world, configs, tmp_path):
    """Herzogenrath's Mitteilung informs: one mandatory Sachverhalt and no Beschlussvorschlag."""
    path = tmp_path / "mitteilung.docx"
    path.write_bytes(kit(configs, ROOT / "templates", "herzogenrath", "Mitteilung", "V/2026/010", [("asi", "Kenntnisnahme")]))
    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    assert "Sachverhalt" in text and "Begründung" not in text and "Beschlussvorschlag" not in text
    _fill(path, {"[Hilfe] Betreff": "Bericht über das Sprachcafé", "[Hilfe] Hier den Abschnitt Sachverhalt": "",
                 "[Hilfe] Eine Anlage": "", "[Hilfe] Zutreffendes": "", "[Hilfe] Auswirkungen auf den Klimaschutz": "", **TICKED})
    assert "“Sachverhalt” is mandatory and empty" in refused(world, configs, path)
    path.write_bytes(kit(configs, ROOT / "templates", "herzogenrath", "Mitteilung", "V/2026/010", [("asi", "Kenntnisnahme")]))
    _fill(path, {"[Hilfe] Betreff": "Bericht über das Sprachcafé",
                 "[Hilfe] Hier den Abschnitt Sachverhalt": "Das Sprachcafé hatte 40 Gäste.",
                 "[Hilfe] Eine Anlage": "", "[Hilfe] Zutreffendes": "", "[Hilfe] Auswirkungen auf den Klimaschutz": "",
                 **TICKED})
    import_files(world, configs, [path], LATER)
    _, _, data = stored(world, "herzogenrath", "V/2026/010")
    assert data["sections"] == [{"heading": "Sachverhalt", "text": "Das Sprachcafé hatte 40 Gäste."}]
    assert data.get("proposal") is None and data["type"] == "Mitteilung"


def test_a_mandatory_section_left_empty_is_refused(world, configs, tmp_path):
    path = tmp_path / "kit.docx"
    path.write_bytes(kit(configs, ROOT / "templates", "gentofte", "indstilling", "EMN-2026-00001", [("ebi", "indstilling")]))
    _fill(path, {"[Hjælp] Skriv sagens titel": "Titel", "[Hjælp] Skriv afsnittet": "", "[Hjælp] Skriv hvert punkt": "",
                 "[Hjælp] Ét bilag": ""})
    problems = refused(world, configs, path)
    assert "“Resumé” is mandatory and empty" in problems and "“Baggrund” is mandatory and empty" in problems
    assert "Økonomi" not in problems  # not mandatory


def test_a_papers_expected_minutes_show_in_its_head_and_survive_a_round_trip(world, configs, tmp_path):
    """The time plan's minutes of a paper are the clerk's (system-owned): the head shows them, an
    export read back keeps them."""
    import yaml

    import shutil

    shutil.copytree(EXAMPLES / "wedel", tmp_path / "wedel")  # the attachment's relative path still leads to it
    paper_file = tmp_path / "wedel" / "papers" / "BV-2023-162.yaml"
    source = yaml.safe_load(paper_file.read_text(encoding="utf-8"))
    source["expected_minutes"] = 25
    paper_file.write_text(yaml.safe_dump(source, allow_unicode=True), encoding="utf-8")
    import_files(world, configs, [tmp_path / "wedel"], AT + dt.timedelta(days=1))
    before = stored(world, "wedel", source["reference"])
    path = exported(world, configs, tmp_path, "wedel", source["reference"])
    with zipfile.ZipFile(path) as document:  # the head is a locked table (a content control) of its own
        head = re.sub(r"<[^>]+>", "", document.read("word/document.xml").decode("utf-8"))
    assert "Zeitbedarf25 min." in head
    report = import_files(world, configs, [path], LATER)
    assert [p["action"] for p in report.papers] == ["unchanged"]
    assert stored(world, "wedel", source["reference"]) == before and before[2]["expected_minutes"] == 25
