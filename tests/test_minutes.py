"""Minutes: decisions move papers along the Beratungsfolge; referat and Niederschrift read back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from meetprep.agenda import build

from meetprep.minutes import record as minutes
from meetprep.jobs.minutes import write_documents as write_minutes
from meetprep.config import Settings
from meetprep.i18n import catalogue
from meetprep.importing.pipeline import import_files
from meetprep.agenda.listing import list_papers
from meetprep.model import MinutesFile
from meetprep.errors import InputError
from meetprep.store import DecisionRow, MeetingRow
from tests.conftest import EXAMPLES, ROOT, snapshot, write_yaml
from tests.docxtext import text
from tests.golden import readable

CLOCK = dt.datetime(2025, 8, 20, tzinfo=dt.timezone.utc)


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("MEETPREP_HOME", str(tmp_path / "home"))
    return Settings.from_env()


def build_for(store, configs, settings, body, committee, day):
    request = build.AgendaRequest(body, committee, day - dt.timedelta(days=7), day=day)
    result, _ = build.run(store, configs, request, ROOT / "templates", settings.output_dir, CLOCK, pdf=False)
    return result


def doc(files, kind, variant="members") -> Path:
    return next(Path(f["path"]) for f in files if f["kind"] == kind and f["variant"] == variant and f["path"].endswith(".docx"))


def record(store, configs, settings, path_or_data, now=CLOCK):
    data = minutes.load(path_or_data) if isinstance(path_or_data, Path) else MinutesFile.model_validate(path_or_data)
    recorded = minutes.record(store, configs, data, "minutes.yaml", now)
    files, _ = write_minutes(store, configs, settings, data.body, data.meeting, pdf=False)
    return recorded, files


def test_gentofte_path_ebi_then_oekonomiudvalget_then_kommunalbestyrelsen(store, configs, settings):
    import_files(store, configs, [EXAMPLES / "gentofte"], CLOCK)
    build_for(store, configs, settings, "gentofte", "ebi", dt.date(2025, 9, 22))
    recorded, files = record(store, configs, settings, EXAMPLES / "gentofte/minutes/ebi-2025-09-22.yaml")
    assert recorded["decisions"] == {"EMN-2025-05820": "recommended"}
    referat = text(doc(files, "referat"))
    assert referat.startswith("REFERAT Erhvervs-, Beskæftigelses- og Integrationsudvalget (2017-2025) d. 22-09-2025")
    assert "Mødedeltagere\tSøren B. Heisel, Jesper Marcus, Katja Johansen, Stig Wall (Fravær), Anton Brüniche-Olsen" in referat
    # The rest of the sagsgang, undated: neither step has a meeting or a date of its own yet.
    assert ("Tidligere beslutninger:\nUdvalg: Økonomiudvalget\nBeslutning foreligger ikke endnu.\n"
            "Udvalg: Kommunalbestyrelsen\nBeslutning foreligger ikke endnu.\n"
            "Beslutninger:\nErhvervs-, Beskæftigelses- og Integrationsudvalget den 22. september\n"
            "Pkt. 1-3: Anbefales til Økonomiudvalget og Kommunalbestyrelsen.") in referat
    assert "2 (Åben) Underskrift EBI" in referat
    public = settings.output_dir / "public/gentofte/ebi/ebi-2025-09-22/referat-ebi-2025-09-22-offentlig.docx"
    assert "Pkt. 1-3: Anbefales" in text(public)
    with store.session() as session:
        assert [p["next_committee"] for p in list_papers(session, body="gentofte", pending=True)] == ["oeu"]
        meeting = session.execute(select(MeetingRow).where(MeetingRow.key == "ebi-2025-09-22")).scalar_one()
        assert meeting.state == "held"

    oeu = build_for(store, configs, settings, "gentofte", "oeu", dt.date(2025, 10, 6))
    assert [e["reference"] for e in oeu.entries if e["kind"] == "paper"] == ["EMN-2025-05820"]
    agenda = text(doc(oeu.documents, "dagsorden"))
    assert ("Tidligere beslutninger:\nUdvalg: Erhvervs-, Beskæftigelses- og Integrationsudvalget\nDato: 22-09-2025\n"
            "Pkt. 1-3: Anbefales til Økonomiudvalget og Kommunalbestyrelsen.\n"
            "Udvalg: Kommunalbestyrelsen\nBeslutning foreligger ikke endnu.") in agenda
    record(store, configs, settings, EXAMPLES / "gentofte/minutes/oeu-2025-10-06.yaml")

    kb = build_for(store, configs, settings, "gentofte", "kb", dt.date(2025, 10, 27))
    agenda = text(doc(kb.documents, "dagsorden"))
    assert ("Udvalg: Erhvervs-, Beskæftigelses- og Integrationsudvalget\nDato: 22-09-2025\nPkt. 1-3: Anbefales"
            in agenda) and "Udvalg: Økonomiudvalget\nDato: 06-10-2025\nAnbefales." in agenda
    recorded, files = record(store, configs, settings, EXAMPLES / "gentofte/minutes/kb-2025-10-27.yaml")
    assert "Godkendt.\nFor: 8, imod: 0, undlod at stemme: 1." in text(doc(files, "referat"))
    with store.session() as session:
        assert list_papers(session, body="gentofte", pending=True) == []  # the deciding step ends it
        history = [(d.consultation.organization.key, d.result, d.decided_on.isoformat(), d.votes_yes)
                   for d in session.execute(select(DecisionRow).order_by(DecisionRow.decided_on)).scalars()]
        assert history == [("ebi", "recommended", "2025-09-22", None), ("oeu", "recommended", "2025-10-06", None),
                           ("kb", "decided", "2025-10-27", 8)]


def test_wedel_vorberatung_then_entscheidung_with_a_niederschrift(store, configs, settings, golden):
    import_files(store, configs, [EXAMPLES / "wedel"], dt.datetime(2023, 11, 1, tzinfo=dt.timezone.utc))
    build_for(store, configs, settings, "wedel", "sozialausschuss", dt.date(2023, 12, 5))
    _, files = record(store, configs, settings, {
        "kind": "minutes", "body": "wedel", "meeting": "sozialausschuss-2023-12-05",
        "started": "2023-12-05T19:00:00+01:00", "ended": "2023-12-05T20:40:00+01:00",
        "attendance": {"absent": ["mitglied-sozial-2"]},
        "items": [{"reference": "BV/2023/162", "result": "empfohlen", "unanimous": True, "votes": {"yes": 6, "abstain": 2},
                   "text": "Der Sozialausschuss empfiehlt dem Rat, das fortgeschriebene Integrationskonzept 2023-2026 zu beschließen."},
                  {"number": "Ö 4", "text": "Keine Mitteilungen."}]})
    niederschrift = text(doc(files, "niederschrift"))
    for fact in ["NIEDERSCHRIFT".title(), "Beginn:\t19:00 Uhr", "Ende:\t20:40 Uhr", "Anwesend:\nKarin Beispiel\nTorben Muster",
                 "Entschuldigt:\nFatma Beispiel", "TOP Ö 3: Fortgeschriebenes Integrationskonzept 2023 - 2026",
                 "Beschluss:\nDer Sozialausschuss empfiehlt dem Rat", "Abstimmungsergebnis: einstimmig bei 2 Enthaltungen",
                 "TOP Ö 4: Mitteilungen\nKeine Mitteilungen.", "Karin Beispiel (Vorsitz)", "Fachdienst Soziales (Schriftführung)"]:
        assert fact in niederschrift, fact
    golden("de/niederschrift.txt", readable(doc(files, "niederschrift"), settings.output_dir))

    rat = build_for(store, configs, settings, "wedel", "rat", dt.date(2023, 12, 21))
    vorlage = text(doc(rat.documents, "vorlage", "public"))
    assert "05.12.2023 | Sozialausschuss | Vorberatung | empfohlen\n21.12.2023 | Rat der Stadt Wedel | Entscheidung | " in vorlage
    _, files = record(store, configs, settings, {
        "kind": "minutes", "body": "wedel", "meeting": "rat-2023-12-21",
        "items": [{"reference": "BV/2023/162", "result": "beschlossen", "votes": {"yes": 2, "no": 1, "abstain": 0, "biased": 1},
                   "text": "Der Rat beschließt das fortgeschriebene Integrationskonzept 2023-2026."}]})
    assert "Abstimmungsergebnis: Ja: 2, Nein: 1, Enthaltungen: 0, befangen: 1" in text(doc(files, "niederschrift"))
    with store.session() as session:
        assert list_papers(session, body="wedel", pending=True) == []


def test_a_paper_postponed_twice_comes_back_each_time(store, configs, settings, tmp_path):
    import_files(store, configs, [EXAMPLES / "gentofte"], CLOCK)
    write_yaml(tmp_path / "more.yaml", {"body": "gentofte", "meetings": [
        {"committee": "ebi", "start": "2025-10-20T16:30:00+02:00"}, {"committee": "ebi", "start": "2025-11-17T16:30:00+01:00"}]})
    import_files(store, configs, [tmp_path / "more.yaml"], CLOCK)
    for key, day in (("ebi-2025-09-22", dt.date(2025, 9, 22)), ("ebi-2025-10-20", dt.date(2025, 10, 20))):
        result = build_for(store, configs, settings, "gentofte", "ebi", day)
        assert "EMN-2025-05820" in [e["reference"] for e in result.entries]
        record(store, configs, settings, {"kind": "minutes", "body": "gentofte", "meeting": key,
                                          "items": [{"reference": "EMN-2025-05820", "result": "udsat", "text": "Udsat."}]})
    third = build_for(store, configs, settings, "gentofte", "ebi", dt.date(2025, 11, 17))
    assert "EMN-2025-05820" in [e["reference"] for e in third.entries]
    with store.session() as session:
        assert [(d.meeting.key, d.result) for d in session.execute(select(DecisionRow).order_by(DecisionRow.id)).scalars()] == [
            ("ebi-2025-09-22", "postponed"), ("ebi-2025-10-20", "postponed")]


@pytest.mark.parametrize("locale, votes, unanimous, expected", [
    ("de", {"abstain": 2}, True, "einstimmig bei 2 Enthaltungen"),
    ("de", {}, True, "einstimmig"),
    ("de", {"yes": 8, "no": 2, "abstain": 1, "biased": 1}, False, "Ja: 8, Nein: 2, Enthaltungen: 1, befangen: 1"),
    ("da", {}, True, "Enstemmigt."),
    ("da", {"abstain": 1}, True, "Enstemmigt, 1 undlod at stemme."),
    ("da", {"yes": 5, "no": 2}, False, "For: 5, imod: 2, undlod at stemme: 0."),
    ("da", None, False, ""),
])
def test_votes_in_both_languages(locale, votes, unanimous, expected):
    assert minutes.vote_text(catalogue(locale), votes, unanimous) == expected


def test_bad_minutes_list_every_problem_and_change_nothing(store, configs, settings):
    import_files(store, configs, [EXAMPLES / "gentofte"], CLOCK)
    build_for(store, configs, settings, "gentofte", "ebi", dt.date(2025, 9, 22))
    before = snapshot(store)
    data = MinutesFile.model_validate({"kind": "minutes", "body": "gentofte", "meeting": "ebi-2025-09-22",
                                       "attendance": {"absent": ["ole-eksempel"], "substitutes": [{"person": "nobody", "for": "stig-wall"}]},
                                       "items": [{"number": 7, "text": "?"}]})
    with pytest.raises(InputError) as caught:
        minutes.record(store, configs, data, "ebi.yaml", CLOCK)
    found = {(p.field, p.message) for p in caught.value.problems}
    assert found == {
        ("attendance.absent[0]", "not a member of the committee"),
        ("attendance.substitutes[0].person", "unknown person"),
        ("items[0]", "no such item on the agenda"),
        ("items", "no result for paper EMN-2025-05820 (Ny model for dialog på integrationsområdet)"),
        ("attendance.substitutes[0].for",
         "stig-wall is not listed as absent (attendance.absent), so nobody needs to stand in for them"),
    }
    assert all(p.file == "ebi.yaml" and p.item == "minutes of ebi-2025-09-22" for p in caught.value.problems)
    assert snapshot(store) == before


IMPLAUSIBLE = [
    # (change to valid minutes, field, message, what the named line says). EBI has seven members,
    # all with a vote; Stig Wall is absent.
    ({"items": [{"reference": "EMN-2025-05820", "result": "recommended", "votes": {"yes": 7}}]},
     "items[0].votes", "7 votes, but only 6 voting members were present (7 with a vote, 1 absent, 0 substitutes)",
     "votes:"),
    ({"items": [{"reference": "EMN-2025-05820", "result": "recommended", "unanimous": True, "votes": {"yes": 4, "no": 1}}]},
     "items[0].unanimous", "unanimous, but 1 voted against", "unanimous: true"),
    ({"items": [{"reference": "EMN-2025-05820", "result": "recommended"}, {"number": 1, "result": "rejected"}]},
     "items[1]", "item 1 (EMN-2025-05820) is already given as items[0]: one result per item", "number: 1"),
    ({"started": "2025-09-22T18:00:00+02:00", "ended": "2025-09-22T16:30:00+02:00"},
     "ended", "the meeting ends before it starts", "ended:"),
    ({"attendance": {"absent": ["stig-wall"], "substitutes": [{"person": "stig-wall", "for": "stig-wall"}]}},
     "attendance.substitutes[0].for", "a substitute stands in for someone else, not for themselves", "for: stig-wall"),
    ({"attendance": {"absent": ["stig-wall"], "substitutes": [{"person": "katja-johansen", "for": "stig-wall"}]}},
     "attendance.substitutes[0].person",
     "is a voting member who is present: they cannot also vote in someone else's place", "person: katja-johansen"),
]


@pytest.mark.parametrize("change, field, message, line", IMPLAUSIBLE, ids=[c[1] for c in IMPLAUSIBLE])
def test_implausible_minutes_are_refused_by_file_field_and_line(store, configs, settings, tmp_path, change, field,
                                                                  message, line):
    import_files(store, configs, [EXAMPLES / "gentofte"], CLOCK)
    build_for(store, configs, settings, "gentofte", "ebi", dt.date(2025, 9, 22))
    data = {"kind": "minutes", "body": "gentofte", "meeting": "ebi-2025-09-22", "attendance": {"absent": ["stig-wall"]},
            "items": [{"reference": "EMN-2025-05820", "result": "recommended"}], **change}
    path = write_yaml(tmp_path / "referat.yaml", data)
    before = snapshot(store)
    with pytest.raises(InputError) as caught:
        minutes.record(store, configs, minutes.load(path), str(path), CLOCK)
    (problem,) = [p for p in caught.value.problems if p.field == field]
    assert problem.message.startswith(message) and problem.file == str(path)
    assert line in path.read_text(encoding="utf-8").splitlines()[problem.line - 1], problem
    assert snapshot(store) == before
