"""Agenda builds against the store: selection, versions, scheduling, concurrency (no Prefect)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from meetprep.agenda import build
from meetprep.importing.pipeline import import_files
from meetprep.errors import InputError
from meetprep.store import AgendaRow, AgendaVersionRow, ConsultationRow, MeetingRow, PaperRow, Store
from tests.conftest import EXAMPLES, NOW, ROOT, snapshot, write_yaml

EBI_DAY = dt.date(2025, 9, 22)


def run(store, configs, tmp_path, day=EBI_DAY, body="gentofte", committee="ebi", as_of=dt.date(2025, 9, 14), **kw):
    request = build.AgendaRequest(body, committee, as_of, day=day, **kw)
    result, _ = build.run(store, configs, request, ROOT / "templates", tmp_path / "out", NOW, pdf=False)
    return result


def paper(reference, committee="ebi", access="public", date=None, meeting=None, title=None, **extra):
    step = {"committee": committee, "role": "indstilling"}
    if date:
        step["date"] = date
    if meeting:
        step["meeting"] = meeting
    data = {"body": "gentofte", "reference": reference, "title": title or f"Sag {reference}", "type": "indstilling",
            "access": access, "proposal": {"points": ["At sagen godkendes."]},
            "consultations": [step, {"committee": "kb", "role": "beslutning"}], **extra}
    return data


@pytest.fixture
def gentofte(store, configs, tmp_path):
    import_files(store, configs, [EXAMPLES / "gentofte"], NOW)
    return store


def add(store, configs, tmp_path, *papers):
    folder = tmp_path / "more"
    for p in papers:
        write_yaml(folder / (p["reference"] + ".yaml"), p)
    import_files(store, configs, [folder], NOW)


def refs(result):
    return [(e["number"], e["reference"] if e["kind"] == "paper" else e["title"], e["withdrawn"]) for e in result.entries]


def test_selection_due_placed_elsewhere_and_not_yet_due(gentofte, configs, tmp_path):
    add(gentofte, configs, tmp_path,
        paper("EMN-2025-00001"),                                     # no date: due now
        paper("EMN-2025-00002", date="2025-10-30"),                  # not due before a later date
        paper("EMN-2025-00003", committee="oeu"),                    # another committee's
        paper("EMN-2025-00004", date="2025-09-01"))                  # overdue: due
    result = run(gentofte, configs, tmp_path)
    assert [r for _, r, _ in refs(result)] == ["EMN-2025-00001", "EMN-2025-00004", "EMN-2025-05820", "Underskrift EBI"]


def test_paper_placed_on_a_later_meeting_stays_there(gentofte, configs, tmp_path):
    later = tmp_path / "later.yaml"
    write_yaml(later, {"body": "gentofte", "meetings": [{"committee": "ebi", "start": "2025-10-20T16:30:00+02:00"}]})
    import_files(gentofte, configs, [later], NOW)
    add(gentofte, configs, tmp_path, paper("EMN-2025-00005", meeting="ebi-2025-10-20"))
    assert "EMN-2025-00005" not in [r for _, r, _ in refs(run(gentofte, configs, tmp_path))]
    assert "EMN-2025-00005" in [r for _, r, _ in refs(run(gentofte, configs, tmp_path, day=dt.date(2025, 10, 20)))]


def test_postponed_paper_comes_back_at_the_next_meeting(gentofte, configs, tmp_path):
    later = tmp_path / "later.yaml"
    write_yaml(later, {"body": "gentofte", "meetings": [{"committee": "ebi", "start": "2025-10-20T16:30:00+02:00"}]})
    import_files(gentofte, configs, [later], NOW)
    first = run(gentofte, configs, tmp_path)
    assert "EMN-2025-05820" in [r for _, r, _ in refs(first)]
    # Before the first meeting is held, the later meeting does not get the paper.
    assert "EMN-2025-05820" not in [r for _, r, _ in refs(run(gentofte, configs, tmp_path, day=dt.date(2025, 10, 20)))]
    with gentofte.session() as session:  # the meeting is held and postpones it (udsat)
        meeting = session.execute(select(MeetingRow).where(MeetingRow.key == "ebi-2025-09-22")).scalar_one()
        meeting.state = "held"
        step = session.execute(select(ConsultationRow).where(ConsultationRow.meeting_id == meeting.id)).scalar_one()
        assert step.status == "scheduled"
        step.result = "postponed"
    again = run(gentofte, configs, tmp_path, day=dt.date(2025, 10, 20))
    assert "EMN-2025-05820" in [r for _, r, _ in refs(again)]


def test_versions_checksums_and_scheduling(gentofte, configs, tmp_path):
    first = run(gentofte, configs, tmp_path)
    assert (first.action, first.version) == ("created", 1)
    before = snapshot(gentofte)
    again = run(gentofte, configs, tmp_path, as_of=dt.date(2025, 9, 16))  # another clock, same content
    assert (again.action, again.version, again.output_dir) == ("unchanged", 1, first.output_dir)
    assert snapshot(gentofte) == before

    add(gentofte, configs, tmp_path, paper("EMN-2025-00009"))
    second = run(gentofte, configs, tmp_path)
    assert (second.action, second.version) == ("created", 2)
    assert refs(second) == [("1", "EMN-2025-05820", False), ("2", "EMN-2025-00009", False), ("3", "Underskrift EBI", False)]
    with gentofte.session() as session:
        agenda = session.execute(select(AgendaRow)).scalar_one()  # one agenda, two versions
        assert [(v.version, len(v.checksum), len(v.documents)) for v in agenda.versions] == [(1, 64, 2), (2, 64, 2)]
        assert agenda.meeting.state == "agenda_built"
        scheduled = {c.paper.reference: c.status for c in session.execute(select(ConsultationRow)).scalars()
                     if c.organization.key == "ebi"}
        assert scheduled == {"EMN-2025-05820": "scheduled", "EMN-2025-00009": "scheduled"}
    for version in ("v1", "v2"):
        folder = tmp_path / "out/gentofte/ebi/ebi-2025-09-22" / version
        assert sorted(p.name for p in (folder / "members").iterdir()) == [
            "dagsorden-ebi-2025-09-22-medlemmer.docx", "manifest.json"]
        assert sorted(p.name for p in (folder / "public").iterdir()) == [
            "dagsorden-ebi-2025-09-22-offentlig.docx", "manifest.json"]


def test_withdrawn_paper_keeps_its_number_and_is_pending_again(gentofte, configs, tmp_path):
    add(gentofte, configs, tmp_path, paper("EMN-2025-00010"), paper("EMN-2025-00011"))
    first = run(gentofte, configs, tmp_path)
    assert refs(first)[:3] == [("1", "EMN-2025-00010", False), ("2", "EMN-2025-00011", False), ("3", "EMN-2025-05820", False)]
    # EMN-2025-00010 is moved to the next meeting by its file.
    later = tmp_path / "later.yaml"
    write_yaml(later, {"body": "gentofte", "meetings": [{"committee": "ebi", "start": "2025-10-20T16:30:00+02:00"}]})
    import_files(gentofte, configs, [later], NOW)
    add(gentofte, configs, tmp_path, paper("EMN-2025-00010", meeting="ebi-2025-10-20"))
    second = run(gentofte, configs, tmp_path)
    assert refs(second) == [
        ("1", "EMN-2025-00010", True), ("2", "EMN-2025-00011", False), ("3", "EMN-2025-05820", False),
        ("4", "Underskrift EBI", False),
    ]
    assert any(p["code"] == "withdrawn" and p["reference"] == "EMN-2025-00010" for p in second.problems)
    with gentofte.session() as session:
        step = session.execute(select(ConsultationRow).join(PaperRow).where(
            PaperRow.reference == "EMN-2025-00010", ConsultationRow.position == 0)).scalar_one()
        assert step.meeting.key == "ebi-2025-10-20"


def test_problems_are_listed_in_the_bodys_language(store, configs, tmp_path):
    import_files(store, configs, [EXAMPLES / "herzogenrath"], NOW - dt.timedelta(days=400))
    result = run(store, configs, tmp_path, day=dt.date(2025, 3, 25), body="herzogenrath", committee="asi",
                 as_of=dt.date(2025, 3, 20))
    messages = {p["code"]: p["message"] for p in result.problems}
    assert messages == {
        "late_agenda": "Die Tagesordnung hätte spätestens am 18.03.2025 versandt werden müssen.",
        "attachment_to_follow": "Anlage wird nachgereicht: 250317_Integrationskonzept (Frist 21.03.2025).",
    }


def test_no_proposal_and_late_paper_in_danish(gentofte, configs, tmp_path):
    late = paper("EMN-2025-00012")
    del late["proposal"]
    folder = tmp_path / "late"
    write_yaml(folder / "late.yaml", late)
    import_files(gentofte, configs, [folder], dt.datetime(2025, 9, 19, 10, tzinfo=dt.timezone.utc))
    messages = [p["message"] for p in run(gentofte, configs, tmp_path).problems if p["reference"] == "EMN-2025-00012"]
    assert messages == ["Sagen har ingen indstilling.", "Sagen blev modtaget 19-09-2025, efter fristen 08-09-2025."]


def test_numbers_continue_through_the_year(store, configs, tmp_path):
    import_files(store, configs, [EXAMPLES / "koebenhavn"], NOW)
    first = run(store, configs, tmp_path, day=dt.date(2010, 1, 27), body="koebenhavn", committee="biu")
    assert [e["number"] for e in first.entries] == ["11", "12", "13"]
    extra = tmp_path / "m.yaml"
    write_yaml(extra, {"body": "koebenhavn", "meetings": [{"committee": "biu", "start": "2010-03-03T15:00:00+01:00"}]})
    import_files(store, configs, [extra], NOW)
    second = run(store, configs, tmp_path, day=dt.date(2010, 3, 3), body="koebenhavn", committee="biu")
    assert [e["number"] for e in second.entries] == ["14", "15"]  # Godkendelse af dagsorden, Eventuelt


def test_unknown_meeting_is_a_clear_error(gentofte, configs, tmp_path):
    with pytest.raises(InputError) as caught:
        run(gentofte, configs, tmp_path, day=dt.date(2025, 9, 23))
    (problem,) = caught.value.problems
    assert problem.field == "date" and "no meeting of ebi on 2025-09-23" in problem.message
    assert "ebi-2025-09-22 (2025-09-22 16:30)" in problem.expected


def test_two_builds_at_once_give_one_version(tmp_path, configs, store):
    import_files(store, configs, [EXAMPLES / "gentofte"], NOW)
    results, errors = [], []

    def worker():
        try:
            with Store(store.url) as own:
                results.append(run(own, configs, tmp_path))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(r.version for r in results) == [1, 1, 1]
    assert sorted(r.action for r in results).count("created") == 1
    with store.session() as session:
        assert session.execute(select(AgendaVersionRow)).scalars().all()[0].version == 1
        assert len(session.execute(select(AgendaVersionRow)).scalars().all()) == 1
    assert sorted(p.name for p in (tmp_path / "out/gentofte/ebi/ebi-2025-09-22").iterdir()) == ["v1"]
