"""Documents tell the whole truth of a paper and a meeting (issue 14), with papers written for
these tests: a Vorlage postponed twice before it is recommended, a Danish sag through three
bodies, meetings away from the town hall, extraordinary meetings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from meetprep.agenda import build

from meetprep.minutes import record as minutes
from meetprep.config import load_configs
from meetprep.importing.pipeline import import_files
from meetprep.model import MinutesFile
from meetprep.store import Store
from tests.conftest import ROOT, config_with, write_yaml
from tests.docxtext import paragraphs, text

CLOCK = dt.datetime(2024, 1, 10, tzinfo=dt.timezone.utc)
BERLIN = "+01:00"


@pytest.fixture
def world(tmp_path):
    configs = load_configs(ROOT / "config")
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    yield store, configs, tmp_path
    store.close()


def build_for(store, configs, out: Path, body: str, committee: str, day: dt.date, pdf: bool = False):
    request = build.AgendaRequest(body, committee, day - dt.timedelta(days=10), day=day)
    result, _ = build.run(store, configs, request, ROOT / "templates", out, CLOCK, pdf=pdf)
    return result


def libreoffice() -> bool:
    from meetprep.agenda import pdf

    if pdf.soffice() is None:
        if __import__("os").environ.get("CI"):
            pytest.fail("LibreOffice is missing in CI; scripts/test.sh installs libreoffice-writer-nogui")
        return False
    return True


def assert_accessible(result) -> None:
    """Every PDF of the build passes the machine-checkable PDF/UA-1 rules (the pdfua package)."""
    from pdfua import validate

    pdfs = [d["path"] for d in result.documents if d["path"].endswith(".pdf")]
    assert pdfs
    for path in pdfs:
        assert [(f.rule_id, f.message) for f in validate(path).findings] == [], path


def pdf_text(result, kind: str, variant: str | None = None) -> str:
    """The text of a PDF of the build, whitespace folded (PDF text breaks lines where it likes)."""
    from pypdf import PdfReader

    path = next(Path(d["path"]) for d in result.documents
                if d["kind"] == kind and variant in (None, d["variant"]) and d["path"].endswith(".pdf")
                and not d["path"].endswith("-bilag.pdf"))
    return " ".join(" ".join(page.extract_text() for page in PdfReader(str(path)).pages).split())


def document(result, kind: str, reference: str | None = None, variant: str | None = None) -> Path:
    """A document of the build (a public paper has only its public variant)."""
    return next(Path(d["path"]) for d in result.documents
                if d["kind"] == kind and variant in (None, d["variant"]) and d["path"].endswith(".docx")
                and (reference is None or d.get("reference") == reference))


def test_a_vorlage_postponed_twice_lists_every_session_with_its_own_date(world):
    store, configs, tmp = world
    papers = tmp / "wedel"
    write_yaml(papers / "meetings.yaml", {"body": "wedel", "meetings": [
        {"committee": "sozialausschuss", "start": f"2024-02-06T19:00:00{BERLIN}"},
        {"committee": "sozialausschuss", "start": f"2024-03-05T19:00:00{BERLIN}"},
        {"committee": "sozialausschuss", "start": "2024-04-09T19:00:00+02:00"},
        {"committee": "rat", "start": "2024-04-25T18:00:00+02:00"},
    ]})
    write_yaml(papers / "papers" / "bv-2024-007.yaml", {
        "body": "wedel", "reference": "BV/2024/007", "title": "Neue Spielplatzsatzung", "type": "Beschlussvorlage",
        "access": "öffentlich", "proposal": {"points": ["Der Rat beschließt die Spielplatzsatzung."]},
        "consultations": [{"committee": "sozialausschuss", "role": "Vorberatung"},
                          {"committee": "rat", "role": "Entscheidung"}]})
    import_files(store, configs, [papers], CLOCK)
    out = tmp / "out"

    first = build_for(store, configs, out, "wedel", "sozialausschuss", dt.date(2024, 2, 6))
    rows = [t for s, t in paragraphs(document(first, "vorlage")) if s == "table-row"]
    beratungsfolge = rows[rows.index("Datum | Gremium | Zuständigkeit | Ergebnis") + 1:]
    # Before any session: this meeting, then the Rat without a date of its own (blank, not 06.02.2024).
    assert beratungsfolge[:2] == ["06.02.2024 | Sozialausschuss | Vorberatung | ",
                                  " | Rat der Stadt Wedel | Entscheidung | "]
    for meeting, day in (("sozialausschuss-2024-02-06", dt.date(2024, 2, 6)),
                         ("sozialausschuss-2024-03-05", dt.date(2024, 3, 5))):
        if day != dt.date(2024, 2, 6):
            build_for(store, configs, out, "wedel", "sozialausschuss", day)
        minutes.record(store, configs, MinutesFile.model_validate({
            "kind": "minutes", "body": "wedel", "meeting": meeting,
            "items": [{"reference": "BV/2024/007", "result": "vertagt"}]}), "minutes.yaml", CLOCK)

    third = build_for(store, configs, out, "wedel", "sozialausschuss", dt.date(2024, 4, 9))
    assert "BV/2024/007" in [e["reference"] for e in third.entries]
    minutes.record(store, configs, MinutesFile.model_validate({
        "kind": "minutes", "body": "wedel", "meeting": "sozialausschuss-2024-04-09",
        "items": [{"reference": "BV/2024/007", "result": "empfohlen", "votes": {"yes": 7, "no": 1, "abstain": 1}}]}),
        "minutes.yaml", CLOCK)

    with_pdf = libreoffice()
    rat = build_for(store, configs, out, "wedel", "rat", dt.date(2024, 4, 25), pdf=with_pdf)
    rows = [t for s, t in paragraphs(document(rat, "vorlage", "BV/2024/007")) if s == "table-row"]
    beratungsfolge = rows[rows.index("Datum | Gremium | Zuständigkeit | Ergebnis") + 1:]
    assert beratungsfolge[:4] == [
        "06.02.2024 | Sozialausschuss | Vorberatung | vertagt",
        "05.03.2024 | Sozialausschuss | Vorberatung | vertagt",
        "09.04.2024 | Sozialausschuss | Vorberatung | empfohlen",
        "25.04.2024 | Rat der Stadt Wedel | Entscheidung | ",
    ]
    if with_pdf:
        assert_accessible(rat)
        printed = pdf_text(rat, "vorlage")
        assert "06.02.2024 Sozialausschuss Vorberatung vertagt" in printed
        assert "09.04.2024 Sozialausschuss Vorberatung empfohlen" in printed


def test_a_danish_sag_shows_its_whole_sagsgang_its_type_and_its_udsat_sessions(world):
    store, configs, tmp = world
    papers = tmp / "gentofte"
    write_yaml(papers / "meetings.yaml", {"body": "gentofte", "meetings": [
        {"committee": "ebi", "start": "2026-02-02T16:30:00+01:00", "location": {"room": "Mødelokale 3"}},
        {"committee": "ebi", "start": "2026-03-02T16:30:00+01:00",
         "location": {"room": "Festsalen", "address": "Netværkshuset, Lyngbyvej 100, 2900 Hellerup"},
         "extraordinary": True},
        {"committee": "oeu", "start": "2026-03-16T17:00:00+01:00"},
    ]})
    write_yaml(papers / "papers" / "emn-2026-00042.yaml", {
        "body": "gentofte", "reference": "EMN-2026-00042", "title": "Ny aftale om busdrift", "type": "indstilling",
        "access": "åben", "proposal": {"points": ["At aftalen godkendes."]},
        "consultations": [{"committee": "ebi", "role": "indstilling"}, {"committee": "oeu", "role": "indstilling"},
                          {"committee": "kb", "role": "beslutning"}]})
    import_files(store, configs, [papers], dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc))
    out = tmp / "out"
    build_for(store, configs, out, "gentofte", "ebi", dt.date(2026, 2, 2))
    minutes.record(store, configs, MinutesFile.model_validate({
        "kind": "minutes", "body": "gentofte", "meeting": "ebi-2026-02-02",
        "items": [{"reference": "EMN-2026-00042", "result": "udsat", "text": "Udsat."}]}), "minutes.yaml", CLOCK)
    with_pdf = libreoffice()
    second = build_for(store, configs, out, "gentofte", "ebi", dt.date(2026, 3, 2), pdf=with_pdf)
    content = text(document(second, "dagsorden", variant="members"))
    # The header says where and that it is extraordinary, from the catalogue's wording.
    assert "Mødested\tFestsalen, Netværkshuset, Lyngbyvej 100, 2900 Hellerup" in content
    assert content.splitlines()[1] == "Ekstraordinært møde"
    assert "Sagstype: Beslutningssag" in content
    assert "Sagsgang: Erhvervs-, Beskæftigelses- og Integrationsudvalget → Økonomiudvalget → Kommunalbestyrelsen" in content
    # The udsat session with its own date; then ØU on its meeting's date, KB with no date at all.
    assert ("Tidligere beslutninger:\nUdvalg: Erhvervs-, Beskæftigelses- og Integrationsudvalget\nDato: 02-02-2026\n"
            "Udsat.\nUdvalg: Økonomiudvalget\nBeslutning foreligger ikke endnu.\n"
            "Udvalg: Kommunalbestyrelsen\nBeslutning foreligger ikke endnu.") in content
    assert "Dato: 02-03-2026\nBeslutning foreligger ikke endnu." not in content
    if with_pdf:
        assert_accessible(second)
        printed = pdf_text(second, "dagsorden", "members")
        assert "Ekstraordinært møde" in printed and "Netværkshuset, Lyngbyvej 100, 2900 Hellerup" in printed
        assert "Sagstype: Beslutningssag" in printed and "Dato: 02-02-2026 Udsat." in printed
    # Standing items print no empty labels.
    assert "Sags ID: \n" not in content + "\n" and "Tidligere beslutninger:\n." not in content


@pytest.mark.parametrize(("locale", "abstain", "expected"), [
    ("de", 1, "einstimmig bei 1 Enthaltung"),
    ("de", 2, "einstimmig bei 2 Enthaltungen"),
    ("da", 1, "Enstemmigt, 1 undlod at stemme."),
    ("da", 3, "Enstemmigt, 3 undlod at stemme."),
])
def test_counted_phrases_follow_the_languages_plural_rules(locale, abstain, expected):
    from meetprep.i18n import catalogue
    from meetprep.minutes.record import vote_text

    assert vote_text(catalogue(locale), {"yes": 9, "no": 0, "abstain": abstain}, unanimous=True) == expected


def test_standing_items_name_their_meeting_and_leave_empty_labels_out(tmp_path):
    def opening(ebi: dict) -> None:
        ebi["agenda"]["opening_items"] = [{"title": "Godkendelse af dagsorden til mødet den {date}",
                                           "text": "{committee} godkender dagsordenen ({date_short} kl. {time})."}]

    folder = config_with(tmp_path, "gentofte", "ebi", opening)
    configs = load_configs(folder)
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    papers = tmp_path / "gentofte"
    write_yaml(papers / "meetings.yaml", {"body": "gentofte", "meetings": [
        {"committee": "ebi", "start": "2026-02-02T16:30:00+01:00", "location": {"room": "Mødelokale 3"}}]})
    write_yaml(papers / "papers" / "emn-2026-00050.yaml", {
        "body": "gentofte", "reference": "EMN-2026-00050", "title": "Orientering om ledighed", "type": "indstilling",
        "access": "åben", "consultations": [{"committee": "ebi", "role": "orientering"}]})
    import_files(store, configs, [papers], dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc))
    result = build_for(store, configs, tmp_path / "out", "gentofte", "ebi", dt.date(2026, 2, 2))
    content = text(document(result, "dagsorden", variant="members"))
    assert "Punkt 1: Godkendelse af dagsorden til mødet den 2. februar 2026" in content
    assert ("Erhvervs-, Beskæftigelses- og Integrationsudvalget godkender dagsordenen (02-02-2026 kl. 16:30)."
            in content)
    assert "Sagstype: Orienteringssag" in content
    # A standing item without a reference prints no "Sags ID:", and nothing says "Tidligere beslutninger" for it.
    opening = content.split("1 (Åben) Godkendelse af dagsorden til mødet den 2. februar 2026", 1)[1].split("2 (Åben)")[0]
    assert "Sags ID" not in opening and "Tidligere beslutninger" not in opening and "Sagstype" not in opening
    store.close()


def test_a_calendar_day_deadline_on_a_holiday_moves_to_the_business_day_before_unless_kept():
    from meetprep.meetings.deadlines import deadline
    from meetprep.model import DeadlineRule, HolidayCalendar

    denmark = HolidayCalendar(country="DK")
    # 7 days before Monday 13 April 2026 is 2. påskedag; skærtorsdag and langfredag come before it.
    assert deadline(dt.date(2026, 4, 13), DeadlineRule(days=7), denmark) == dt.date(2026, 4, 1)
    assert deadline(dt.date(2026, 4, 13), DeadlineRule(days=7, closed_day="keep"), denmark) == dt.date(2026, 4, 6)
    # 14 days before a Sunday event is a Sunday: the Friday before.
    assert deadline(dt.date(2026, 11, 29), DeadlineRule(days=14), denmark) == dt.date(2026, 11, 13)
    # German holidays by Land: Fronleichnam (4 June 2026) in NRW, not in Schleswig-Holstein.
    rule = DeadlineRule(days=5)
    assert deadline(dt.date(2026, 6, 9), rule, HolidayCalendar(country="DE", subdivision="NW")) == dt.date(2026, 6, 3)
    assert deadline(dt.date(2026, 6, 9), rule, HolidayCalendar(country="DE", subdivision="SH")) == dt.date(2026, 6, 4)


def test_sub_items_under_a_heading_and_numbers_asked_for_or_reported(tmp_path):
    def heading(committee: dict) -> None:
        committee["agenda"]["closing_items"] = [{"title": "Anträge", "heading_for": ["Antrag"]},
                                                *committee["agenda"]["closing_items"]]

    folder = config_with(tmp_path, "wedel", "sozialausschuss", heading)
    configs = load_configs(folder)
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    papers = tmp_path / "wedel"
    write_yaml(papers / "meetings.yaml", {"body": "wedel", "meetings": [
        {"committee": "sozialausschuss", "start": "2024-05-14T19:00:00+02:00"}]})

    def paper(reference, kind, title, number=None):
        step = {"committee": "sozialausschuss", "role": "Entscheidung"}
        if number:
            step["agenda_number"] = number
        write_yaml(papers / "papers" / f"{reference.replace('/', '-')}.yaml", {
            "body": "wedel", "reference": reference, "title": title, "type": kind, "access": "öffentlich",
            "date": "2024-04-01", "proposal": {"points": ["Beschluss."]}, "consultations": [step]})

    paper("BV/2024/010", "Beschlussvorlage", "Sanierung Kita Rosenweg")
    paper("AN/2024/001", "Antrag", "Antrag der Fraktion A: Sitzbänke")
    paper("AN/2024/002", "Antrag", "Antrag der Fraktion B: Trinkbrunnen")
    paper("MV/2024/003", "Mitteilungsvorlage", "Bericht Jugendzentrum", number="3")
    paper("BV/2024/011", "Beschlussvorlage", "Nachtrag Haushalt", number="4.7")
    paper("BV/2024/012", "Beschlussvorlage", "Gebührensatzung", number="99")
    import_files(store, configs, [papers], CLOCK)
    result = build_for(store, configs, tmp_path / "out", "wedel", "sozialausschuss", dt.date(2024, 5, 14))
    numbers = [(e["number"], e["title"]) for e in result.entries if e["part"] == "public"]
    assert numbers == [
        ("1", "Eröffnung und Feststellung der Beschlussfähigkeit"),
        ("2", "Genehmigung der Niederschrift"),
        ("3", "Bericht Jugendzentrum"),                   # asked for 3: placed there
        ("4", "Sanierung Kita Rosenweg"),
        ("4.1", "Nachtrag Haushalt"),                      # asked for 4.7: under 4, as its only sub-item
        ("5", "Gebührensatzung"),                          # asked for 99: no such number, left in its place
        ("6", "Anträge"),
        ("6.1", "Antrag der Fraktion A: Sitzbänke"),
        ("6.2", "Antrag der Fraktion B: Trinkbrunnen"),
        ("7", "Mitteilungen"),
        ("8", "Verschiedenes"),
    ]
    problems = {p["reference"]: p["message"] for p in result.problems if p["code"] == "agenda_number"}
    assert set(problems) == {"BV/2024/011", "BV/2024/012"}
    assert "TOP 4.7" in problems["BV/2024/011"] and "TOP 4.1" in problems["BV/2024/011"]
    agenda = text(document(result, "tagesordnung", variant="members"))
    assert "Ö 6.1 | Antrag der Fraktion A: Sitzbänke | AN/2024/001" in agenda
    store.close()


def test_a_german_sondersitzung_away_from_the_town_hall_says_so_everywhere(world):
    import icalendar

    from meetprep.messages import invitations

    store, configs, tmp = world
    papers = tmp / "wedel"
    write_yaml(papers / "meetings.yaml", {"body": "wedel", "meetings": [
        {"committee": "sozialausschuss", "start": "2024-06-11T18:00:00+02:00", "extraordinary": True,
         "location": {"room": "Aula", "address": "Johann-Rist-Gymnasium, Am Redder 8, 22880 Wedel"}}]})
    write_yaml(papers / "papers" / "bv-2024-020.yaml", {
        "body": "wedel", "reference": "BV/2024/020", "title": "Notunterkunft Sporthalle", "type": "Beschlussvorlage",
        "access": "öffentlich", "proposal": {"points": ["Beschluss."]},
        "consultations": [{"committee": "sozialausschuss", "role": "Entscheidung"}]})
    import_files(store, configs, [papers], CLOCK)
    result = build_for(store, configs, tmp / "out", "wedel", "sozialausschuss", dt.date(2024, 6, 11))
    agenda = text(document(result, "tagesordnung", variant="members"))
    assert "zur Sondersitzung des Gremiums" in agenda
    assert "Ort:\tAula, Johann-Rist-Gymnasium, Am Redder 8, 22880 Wedel" in agenda
    planned = invitations.plan_invitations(store, configs, "wedel", "sozialausschuss", CLOCK, day=dt.date(2024, 6, 11))
    message = planned.messages[0]
    assert message.subject == "Einladung: Sozialausschuss, Sondersitzung, Dienstag, 11. Juni 2024, 18:00 Uhr"
    event = icalendar.Calendar.from_ical(message.calendar).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Sozialausschuss, Sondersitzung"
    assert str(event["LOCATION"]) == "Aula, Johann-Rist-Gymnasium, Am Redder 8, 22880 Wedel"
    assert "Es handelt sich um eine Sondersitzung." in message.text
    assert "Ort: Aula, Johann-Rist-Gymnasium, Am Redder 8, 22880 Wedel" in message.text
