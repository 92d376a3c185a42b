"""Paper and meeting import: the shipped examples, idempotence, history, and bad input."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from meetprep.importing.pipeline import import_files
from meetprep.errors import InputError
from meetprep.store import MeetingRow, PaperRow
from tests.conftest import EXAMPLES, NOW, snapshot, write_yaml


def paper_row(session, reference: str) -> PaperRow:
    return session.execute(select(PaperRow).where(PaperRow.reference == reference)).scalar_one()


def test_examples_import_on_sqlite_and_postgresql(store, configs):
    report = import_files(store, configs, [EXAMPLES], NOW)
    assert sorted(p["reference"] for p in report.papers) == sorted(
        ["EMN-2025-05820", "V/2019/367-E04", "BV/2023/162", "22-4292", "2010-16508"]
    )
    assert {p["action"] for p in report.papers} == {"created"}
    assert len(report.meetings) == 9 and report.warnings == []
    with store.session() as session:
        meeting = session.execute(select(MeetingRow).where(MeetingRow.key == "ebi-2025-09-22")).scalar_one()
        assert meeting.start == dt.datetime(2025, 9, 22, 14, 30, tzinfo=dt.timezone.utc)
        assert meeting.room == "Udvalgsværelse A/B"


def test_gentofte_paper_carries_the_facts_of_seed_000(store, configs):
    import_files(store, configs, [EXAMPLES / "gentofte"], NOW)
    with store.session() as session:
        paper = paper_row(session, "EMN-2025-05820")
        assert paper.title == "Ny model for dialog på integrationsområdet" and paper.access == "public"
        headings = [s["heading"] for s in paper.sections]
        assert headings[:2] == ["Resumé", "Baggrund"] and "Økonomiske konsekvenser" in headings
        economy = next(s["text"] for s in paper.sections if s["heading"] == "Økonomiske konsekvenser")
        assert "43.000 kr." in economy
        assert "Amneh Hawwa" in paper.sections[2]["text"]
        assert paper.proposal["heading"] == "Indstilling" and len(paper.proposal["points"]) == 3
        assert paper.proposal["points"][1] == "At julestuen fortsat afholdes fra 1. advent 2026."
        assert "Til Erhvervs-, Beskæftigelses- og Integrationsudvalget, Økonomiudvalget og Kommunalbestyrelsen:" in paper.proposal["intro"]
        steps = [(c.organization.key, c.role, c.authoritative, c.status) for c in paper.consultations]
        assert steps == [
            ("ebi", "deliberation", False, "pending"),
            ("oeu", "deliberation", False, "pending"),
            ("kb", "decision", True, "pending"),
        ]
        assert paper.consultations[0].meeting.key == "ebi-2025-09-22"
        assert [(f.number, f.status, f.media_type) for f in paper.files] == [
            ("6455036", "present", "application/pdf"),
            ("6444136", "present", "application/pdf"),
        ]
        assert all(len(f.sha256) == 64 and f.size > 0 for f in paper.files)


def test_the_german_seed_papers_carry_their_facts(store, configs):
    import_files(store, configs, [EXAMPLES / "herzogenrath", EXAMPLES / "wedel", EXAMPLES / "hamburg-bezirk"], NOW)
    with store.session() as session:
        herzogenrath = paper_row(session, "V/2019/367-E04")
        assert herzogenrath.paper_type == "Sitzungsvorlage" and herzogenrath.originator_unit == "Amt 50 - Sozialamt"
        assert herzogenrath.climate == {"impact": "none", "explanation": None}
        assert herzogenrath.proposal["style"] == "paragraphs" and len(herzogenrath.proposal["points"]) == 2
        (concept,) = herzogenrath.files
        assert (concept.title, concept.status, concept.path, concept.responsible) == (
            "250317_Integrationskonzept", "to_follow", None, "Amt 50 - Sozialamt",
        )
        assert [(c.role, c.authoritative, c.target_date) for c in herzogenrath.consultations] == [
            ("decision", True, dt.date(2025, 3, 25))
        ]

        wedel = paper_row(session, "BV/2023/162")
        assert (wedel.file_number, wedel.date, wedel.originator_unit) == ("1-50/JSA", dt.date(2023, 11, 20), "Fachdienst Soziales")
        assert wedel.related == ["BV/2022/462"]
        answers = [(q["text"], q["answer"]) for q in wedel.financial["questions"]]
        assert answers[:2] == [("Der Beschluss hat finanzielle Auswirkungen", "no"), ("Mittel sind im Haushalt bereits veranschlagt", "yes")]
        (plan,) = wedel.financial["tables"]
        assert plan["columns"] == ["2023 alt", "2023 neu", "2024", "2025", "2026", "2027 ff."]
        assert [r["label"] for r in plan["rows"]][:3] == ["Erträge*", "Aufwendungen*", "Saldo (E-A)"]
        assert [(c.organization.key, c.role, c.target_date) for c in wedel.consultations] == [
            ("sozialausschuss", "deliberation", dt.date(2023, 12, 5)),
            ("rat", "decision", dt.date(2023, 12, 21)),
        ]

        hamburg = paper_row(session, "22-4292")
        assert hamburg.paper_type == "Antrag" and hamburg.originator_unit == "SPD-, CDU- und FDP-Fraktion"
        assert hamburg.proposal["heading"] == "Petitum/Beschluss" and hamburg.proposal["style"] == "bullets"
        assert hamburg.proposal["points"][0].startswith("20.000 EUR für die Organisation")
        assert hamburg.proposal["points"][2] == "Die Konferenz soll im 2. Halbjahr 2024 durchgeführt werden."


def test_copenhagen_paper_carries_the_facts_of_seed_001(store, configs):
    import_files(store, configs, [EXAMPLES / "koebenhavn"], NOW)
    with store.session() as session:
        paper = paper_row(session, "2010-16508")
        assert paper.title == 'Underskrivelse af "Integrating Cities Charter"'
        assert [s["heading"] for s in paper.sections] == ["Problemstilling", "Løsning", "Økonomi", "Videre proces"]
        assert paper.signatories == ["Morten Binder", "Kaj Ove Christiansen"]
        assert [f.title for f in paper.files] == ["EUROCITIES Charter on Integrating Cities", "Konferenceprogram"]
        biu, br = paper.consultations
        assert (biu.role, biu.agenda_number, biu.target_date) == ("recommendation", "12", dt.date(2010, 1, 27))
        assert (br.organization.key, br.authoritative, br.target_date) == ("br", True, dt.date(2010, 2, 12))


def test_reimport_is_idempotent(store, configs):
    import_files(store, configs, [EXAMPLES], NOW)
    before = snapshot(store)
    report = import_files(store, configs, [EXAMPLES], NOW + dt.timedelta(days=1))
    assert {p["action"] for p in report.papers} == {"unchanged"}
    assert {m["action"] for m in report.meetings} == {"unchanged"}
    assert snapshot(store) == before


def test_changed_paper_gets_a_new_revision_and_keeps_its_history(store, configs, copy_examples):
    folder = copy_examples("gentofte")
    import_files(store, configs, [folder], NOW)
    path = folder / "gentofte" / "papers" / "EMN-2025-05820.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "title: Ny model for dialog på integrationsområdet", "title: Ny model for dialog (revideret)"), encoding="utf-8")
    later = NOW + dt.timedelta(days=2)
    report = import_files(store, configs, [folder], later)
    (changed,) = [p for p in report.papers if p["action"] == "updated"]
    assert changed["reference"] == "EMN-2025-05820" and changed["revision"] == 2
    with store.session() as session:
        paper = paper_row(session, "EMN-2025-05820")
        assert paper.title == "Ny model for dialog (revideret)"
        assert [(r.revision, r.data["title"], r.imported_at) for r in paper.revisions] == [
            (1, "Ny model for dialog på integrationsområdet", NOW),
            (2, "Ny model for dialog (revideret)", later),
        ]


def test_reimport_keeps_decisions_already_recorded(store, configs, copy_examples):
    folder = copy_examples("gentofte")
    import_files(store, configs, [folder], NOW)
    with store.session() as session:
        step = paper_row(session, "EMN-2025-05820").consultations[0]
        step.status, step.result, step.result_text = "completed", "recommended", "Pkt. 1-3: Anbefales til Økonomiudvalget og Kommunalbestyrelsen."
    path = folder / "gentofte" / "papers" / "EMN-2025-05820.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Modellen er godkendt", "Modellen blev godkendt"), encoding="utf-8")
    import_files(store, configs, [folder], NOW)
    with store.session() as session:
        step = paper_row(session, "EMN-2025-05820").consultations[0]
        assert (step.status, step.result) == ("completed", "recommended")
        assert step.result_text.startswith("Pkt. 1-3")

    # Dropping that step from the file would erase history: refused, and nothing changes.
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["consultations"] = data["consultations"][1:]
    write_yaml(path, data)
    before = snapshot(store)
    with pytest.raises(InputError) as caught:
        import_files(store, configs, [folder], NOW)
    (problem,) = caught.value.problems
    assert problem.field == "consultations[0]" and "already completed (recommended)" in problem.message
    assert snapshot(store) == before


def test_missing_access_flag_is_stored_closed_with_a_warning(store, configs, paper_file):
    import_files(store, configs, [EXAMPLES / "gentofte" / "meetings.yaml"], NOW)
    report = import_files(store, configs, [paper_file(access=None)], NOW)
    (warning,) = report.warnings
    assert warning.field == "access" and "treated as closed" in warning.message
    with store.session() as session:
        assert paper_row(session, "EMN-2025-09999").access == "closed"


def test_amendment_points_at_its_paper(store, configs, paper_file):
    main = paper_file("main.yaml", reference="EMN-2025-00001")
    amendment = paper_file("amendment.yaml", reference="EMN-2025-00002", amends="EMN-2025-00001", type="ændringsforslag")
    import_files(store, configs, [amendment, main], NOW)
    with store.session() as session:
        assert paper_row(session, "EMN-2025-00002").amends.reference == "EMN-2025-00001"


# ---------------------------------------------------------------------------------------------
# Bad input: each case names file, item and field, and leaves the store as it was.


def _replace(old: str, new: str):
    return lambda text: text.replace(old, new, 1)


BAD_PAPERS = {
    # case: (edit of the Gentofte example paper, expected field, words in the message)
    "wrong type": (_replace("access: public", "access: public\npriority: high"), "priority", "valid integer"),
    "unknown committee": (_replace("{committee: oeu,", "{committee: finans,"), "consultations[1].committee", "unknown committee"),
    "unknown keys": (_replace("type: indstilling", "type: indstilling\nsubtitle: x"), "subtitle", "unknown field"),
    "missing attachment file": (_replace("referat-integrationsraadet-2025-08-14.pdf", "gone.pdf"), "attachments[1].path", "not found"),
    "malformed YAML": (_replace("title: Ny model", "title: [Ny model"), None, "malformed YAML"),
    "missing title": (_replace("title: Ny model for dialog på integrationsområdet\n", ""), "title", "required field is missing"),
    "bad reference": (_replace("reference: EMN-2025-05820", "reference: EMN 2025 05820"), "reference", "pattern"),
    "reference outside the body's pattern": (_replace("reference: EMN-2025-05820", "reference: GK-12"), "reference", "pattern"),
    "unknown body": (_replace("body: gentofte", "body: gentofte-kommune"), "body", "unknown body"),
    "unknown meeting": (_replace("meeting: ebi-2025-09-22", "meeting: ebi-2025-09-23"), "consultations[0].meeting", "unknown meeting"),
    "meeting of another committee": (_replace("meeting: ebi-2025-09-22", "meeting: kb-2025-10-27"), "consultations[0].meeting", "not of 'ebi'"),
    "unknown role": (_replace("role: beslutning", "role: afgørelse"), "consultations[2].role", "Input should be"),
    "amends an unknown paper": (_replace("type: indstilling", "type: indstilling\namends: EMN-2025-00000"), "amends", "neither in the store"),
    "duplicate key": (_replace("type: indstilling", "type: indstilling\ntitle: igen"), "title", "duplicate key"),
}


@pytest.fixture
def gentofte_copy(store, configs, copy_examples):
    """A private copy of the Gentofte examples, imported once so that the store is not empty."""
    folder = copy_examples("gentofte") / "gentofte"
    import_files(store, configs, [folder / "meetings.yaml"], NOW)
    return folder


@pytest.mark.parametrize("case", BAD_PAPERS, ids=list(BAD_PAPERS))
def test_bad_paper_is_reported_and_nothing_is_written(case, store, configs, gentofte_copy):
    edit, field, words = BAD_PAPERS[case]
    path = gentofte_copy / "papers" / "EMN-2025-05820.yaml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    before = snapshot(store)
    with pytest.raises(InputError) as caught:
        import_files(store, configs, [gentofte_copy], NOW)
    problems = caught.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    (problem,) = problems
    assert problem.file.endswith("EMN-2025-05820.yaml")
    assert problem.field == field
    assert words in str(problem)
    assert problem.line is not None
    if case != "malformed YAML":  # a file that does not parse has no item to name
        reference = yaml.safe_load(edit((EXAMPLES / "gentofte/papers/EMN-2025-05820.yaml").read_text(encoding="utf-8")))["reference"]
        assert problem.item == f"paper {reference}"
    assert snapshot(store) == before


def test_empty_attachment_file(store, configs, gentofte_copy):
    (gentofte_copy / "files" / "forslag-til-model-for-ny-organisering.pdf").write_bytes(b"")
    with pytest.raises(InputError) as caught:
        import_files(store, configs, [gentofte_copy], NOW)
    (problem,) = caught.value.problems
    assert problem.field == "attachments[0].path" and "empty" in problem.message


BAD_MEETINGS = {
    "date without time zone": ("start: 2025-09-22T16:30:00+02:00", "start: 2025-09-22 16:30", "meetings[0].start", "timezone-aware"),
    "offset of the wrong season": ("start: 2025-09-22T16:30:00+02:00", "start: 2025-09-22T16:30:00+01:00", "meetings[0].start", "expected +02:00, found +01:00"),
    "unknown committee": ("committee: oeu", "committee: finans", "meetings[1].committee", "unknown committee"),
    "end before start": ("end: 2025-09-22T18:30:00+02:00", "end: 2025-09-22T15:30:00+02:00", "meetings[0]", "must be after"),
}


@pytest.mark.parametrize("case", BAD_MEETINGS, ids=list(BAD_MEETINGS))
def test_bad_meeting_is_reported_and_nothing_is_written(case, store, configs, copy_examples):
    old, new, field, words = BAD_MEETINGS[case]
    folder = copy_examples("gentofte") / "gentofte"
    path = folder / "meetings.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    before = snapshot(store)
    with pytest.raises(InputError) as caught:
        import_files(store, configs, [path], NOW)
    (problem,) = caught.value.problems
    assert problem.file.endswith("meetings.yaml") and problem.field == field and words in str(problem)
    assert problem.line is not None
    assert snapshot(store) == before


def test_duplicate_reference_in_one_batch(store, configs, gentofte_copy):
    shutil.copy(gentofte_copy / "papers" / "EMN-2025-05820.yaml", gentofte_copy / "papers" / "copy.yaml")
    with pytest.raises(InputError) as caught:
        import_files(store, configs, [gentofte_copy], NOW)
    (problem,) = caught.value.problems
    assert problem.field == "reference" and "duplicate reference" in problem.message
    assert "EMN-2025-05820.yaml" in problem.message or "copy.yaml" in problem.message


def test_one_bad_file_blocks_the_batch_and_every_problem_is_listed(store, configs, gentofte_copy, paper_file):
    good = paper_file("good.yaml", reference="EMN-2025-00001")
    bad_one = paper_file("bad1.yaml", reference="EMN-2025-00002", consultations=[{"committee": "nope", "role": "indstilling"}])
    bad_two = paper_file("bad2.yaml", reference="EMN-2025-00003", access="semi")
    before = snapshot(store)
    with pytest.raises(InputError) as caught:
        import_files(store, configs, [good, bad_one, bad_two], NOW)
    reported = {(Path(p.file).name, p.field) for p in caught.value.problems}
    assert reported == {("bad1.yaml", "consultations[0].committee"), ("bad2.yaml", "access")}
    assert snapshot(store) == before


def test_bad_config_leaves_the_store_unchanged(store, configs, tmp_path):
    from meetprep.config import load_configs

    import_files(store, configs, [EXAMPLES / "gentofte"], NOW)
    before = snapshot(store)
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "gentofte.yaml").write_text(
        (EXAMPLES.parent / "config" / "gentofte.yaml").read_text(encoding="utf-8").replace(
            "email: stig.wall@example.org", "email: stig.wall@"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_files(store, load_configs(folder), [EXAMPLES / "gentofte"], NOW)
    (problem,) = caught.value.problems
    assert problem.file.endswith("gentofte.yaml") and problem.field == "persons[3].email"
    assert snapshot(store) == before


def test_no_such_path(store, configs, tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        import_files(store, configs, [tmp_path / "missing"], NOW)


def test_a_long_circle_of_amendments_is_found(tmp_path, configs):
    """Each paper amends at most one other: the check walks every path once, however long, and
    finds a circle of 120 papers (the old walk gave up after 50)."""
    from meetprep.errors import InputError
    from meetprep.importing.pipeline import import_files
    from meetprep.store import Store

    folder = tmp_path / "papers"
    folder.mkdir()
    for index in range(120):
        (folder / f"p{index}.yaml").write_text(
            f"body: herzogenrath\nreference: V/2030/{index}\ntitle: Antrag {index}\ntype: Antrag\naccess: public\n"
            f"amends: V/2030/{(index + 1) % 120}\nconsultations:\n  - {{committee: asi, role: decision}}\n",
            encoding="utf-8")
    with Store(f"sqlite:///{tmp_path / 'store.sqlite3'}") as store:
        with pytest.raises(InputError) as refused:
            import_files(store, configs, [folder], dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc))
    circles = [p for p in refused.value.problems if "circle of 120" in p.message]
    assert len(circles) == 120 and circles[0].field == "amends"
    assert "V/2030/0 amends V/2030/1 amends" in next(p.message for p in circles if p.item == "paper V/2030/0")


def test_a_paper_is_not_placed_on_a_meeting_that_was_held(tmp_path, configs):
    """A consultation placed on a meeting that was held (and has its minutes) is refused; one that
    was placed there before stays, as history."""
    from meetprep.store import Store, meeting_by_key

    with Store(f"sqlite:///{tmp_path / 'store.sqlite3'}") as store:
        import_files(store, configs, [EXAMPLES / "gentofte"], dt.datetime(2025, 9, 1, tzinfo=dt.timezone.utc))
        with store.session() as session:
            meeting_by_key(session, "gentofte", "ebi-2025-09-22").state = "held"
        again = import_files(store, configs, [EXAMPLES / "gentofte"], dt.datetime(2025, 9, 30, tzinfo=dt.timezone.utc))
        assert {p["action"] for p in again.papers} == {"unchanged"}  # placed there before: history
        late = tmp_path / "late.yaml"
        late.write_text("body: gentofte\nreference: EMN-2025-09000\ntitle: Sen sag\ntype: indstilling\naccess: public\n"
                        "consultations:\n  - {committee: ebi, role: indstilling, meeting: ebi-2025-09-22}\n",
                        encoding="utf-8")
        with pytest.raises(InputError) as refused:
            import_files(store, configs, [late], dt.datetime(2025, 9, 30, tzinfo=dt.timezone.utc))
    (problem,) = refused.value.problems
    assert problem.field == "consultations[0].meeting" and problem.line == 7
    assert "meeting 'ebi-2025-09-22' was held: a paper cannot be placed on it now" in problem.message
