"""Documents tell the whole truth of a paper and a meeting (issue 14), with papers written for
these tests: a Vorlage postponed twice before it is recommended, a Danish sag through three
bodies, meetings away from the town hall, extraordinary meetings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from meetprep import build, minutes
from meetprep.config import load_configs
from meetprep.importing import import_files
from meetprep.model import MinutesFile
from meetprep.store import Store
from tests.conftest import ROOT, write_yaml
from tests.docxtext import paragraphs, text

CLOCK = dt.datetime(2024, 1, 10, tzinfo=dt.timezone.utc)
BERLIN = "+01:00"


@pytest.fixture
def world(tmp_path):
    configs = load_configs(ROOT / "config")
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    yield store, configs, tmp_path
    store.close()


def build_for(store, configs, out: Path, body: str, committee: str, day: dt.date):
    request = build.AgendaRequest(body, committee, day - dt.timedelta(days=10), day=day)
    result, _ = build.run(store, configs, request, ROOT / "templates", out, CLOCK, pdf=False)
    return result


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
        {"committee": "sozialausschuss", "start": f"2024-04-09T19:00:00+02:00"},
        {"committee": "rat", "start": f"2024-04-25T18:00:00+02:00"},
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

    rat = build_for(store, configs, out, "wedel", "rat", dt.date(2024, 4, 25))
    rows = [t for s, t in paragraphs(document(rat, "vorlage", "BV/2024/007")) if s == "table-row"]
    beratungsfolge = rows[rows.index("Datum | Gremium | Zuständigkeit | Ergebnis") + 1:]
    assert beratungsfolge[:4] == [
        "06.02.2024 | Sozialausschuss | Vorberatung | vertagt",
        "05.03.2024 | Sozialausschuss | Vorberatung | vertagt",
        "09.04.2024 | Sozialausschuss | Vorberatung | empfohlen",
        "25.04.2024 | Rat der Stadt Wedel | Entscheidung | ",
    ]


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
    second = build_for(store, configs, out, "gentofte", "ebi", dt.date(2026, 3, 2))
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
    # Standing items print no empty labels.
    assert "Sags ID: \n" not in content + "\n" and "Tidligere beslutninger:\n." not in content
