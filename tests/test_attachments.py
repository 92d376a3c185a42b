"""Attachments to follow: detection at import, due dates across holidays, delivery checks."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from meetprep.attachments import core as attachments
from meetprep.config import Settings
from meetprep.importing.pipeline import import_files
from meetprep.errors import InputError
from meetprep.store import FileRow, PaperRow
from tests.conftest import EXAMPLES, NOW, snapshot, write_yaml
from tests.pdfgen import write_pdf


def test_import_records_an_attachment_the_text_says_will_follow(store, configs, paper_file):
    import_files(store, configs, [EXAMPLES / "gentofte" / "meetings.yaml"], NOW)
    path = paper_file(sections=[{"heading": "Baggrund", "text": "Sagen er drøftet.\n\nBilag 3 eftersendes. Det er vigtigt."}])
    report = import_files(store, configs, [path], NOW)
    (warning,) = report.warnings
    assert warning.field == "sections[0].text" and warning.severity == "warning"
    assert "\u201cBilag 3 eftersendes.\u201d" in warning.message and "\u201cBilag 3\u201d" in warning.message
    with store.session() as session:
        (file,) = session.execute(select(FileRow)).scalars().all()
        assert (file.title, file.status, file.path) == ("Bilag 3", "to_follow", None)


def test_a_declared_attachment_to_follow_is_not_recorded_twice(store, configs):
    report = import_files(store, configs, [EXAMPLES / "herzogenrath"], NOW)
    assert report.warnings == []  # seed 002's sentence is covered by its declared attachment
    with store.session() as session:
        assert [f.title for f in session.execute(select(FileRow)).scalars()] == ["250317_Integrationskonzept"]


@pytest.mark.parametrize("body, meeting_day, expected", [
    ("herzogenrath", dt.date(2025, 6, 23), dt.date(2025, 6, 18)),  # NRW: Fronleichnam (19.6.) is a holiday
    ("wedel", dt.date(2025, 6, 23), dt.date(2025, 6, 19)),         # Schleswig-Holstein: it is not
    ("gentofte", dt.date(2025, 4, 22), dt.date(2025, 4, 14)),      # Easter: Skærtorsdag to 2. påskedag
    ("gentofte", dt.date(2025, 5, 20), dt.date(2025, 5, 15)),      # Store Bededag (16.5.) is a workday since 2024
])
def test_due_dates_count_business_days_by_the_bodys_holidays(configs, body, meeting_day, expected):
    assert attachments.due_date(None, meeting_day, configs.get(body)) == expected


def test_explicit_due_date_wins(configs):
    assert attachments.due_date(dt.date(2025, 1, 2), dt.date(2025, 6, 23), configs.get("wedel")) == dt.date(2025, 1, 2)


@pytest.fixture
def herzogenrath(store, configs, tmp_path, monkeypatch):
    import_files(store, configs, [EXAMPLES / "herzogenrath"], NOW)
    monkeypatch.setenv("MEETPREP_HOME", str(tmp_path / "home"))
    return Settings.from_env()


def test_outstanding_lists_due_date_and_days_left(store, configs, herzogenrath):
    (item,) = attachments.outstanding(store, configs, dt.date(2025, 3, 17))
    assert (item.reference, item.title, item.responsible) == ("V/2019/367-E04", "250317_Integrationskonzept", "Amt 50 - Sozialamt")
    assert (item.due, item.days_left, item.meeting) == (dt.date(2025, 3, 21), 4, "asi-2025-03-25")


@pytest.mark.parametrize("name, content, message", [
    ("concept.exe", b"MZ....", "not accepted as an attachment"),
    ("concept.pdf", b"", "the file is empty"),
    ("concept.pdf", b"<html>not a pdf</html>", "its content is not a PDF file"),
])
def test_bad_files_are_refused_and_nothing_changes(store, configs, herzogenrath, tmp_path, name, content, message):
    source = tmp_path / name
    source.write_bytes(content)
    before = snapshot(store)
    with pytest.raises(InputError) as caught:
        attachments.record_delivery(store, configs, herzogenrath, "herzogenrath", "V/2019/367-E04", source, NOW)
    (problem,) = caught.value.problems
    assert message in str(problem) and problem.item == "paper V/2019/367-E04" and problem.file == str(source)
    assert snapshot(store) == before


def test_delivery_records_the_file_once(store, configs, herzogenrath, tmp_path):
    source = write_pdf(tmp_path / "250317_Integrationskonzept.pdf", "Integrationskonzept Druckfassung")
    delivery = attachments.record_delivery(store, configs, herzogenrath, "herzogenrath", "V/2019/367-E04", source, NOW)
    assert Path(delivery.path).read_bytes() == source.read_bytes() and Path(delivery.path).is_relative_to(herzogenrath.home)
    with store.session() as session:
        (file,) = session.execute(select(FileRow)).scalars().all()
        assert (file.status, file.sha256, file.delivered_at) == ("present", delivery.sha256, NOW)
    before = snapshot(store)
    # The same file again (a retry after a crash, or a second run at the same moment) records
    # nothing new, and says so; the notices that may not have gone out are planned again.
    copy = shutil.copy(source, tmp_path / "again.pdf")
    again = attachments.record_delivery(store, configs, herzogenrath, "herzogenrath", "V/2019/367-E04", Path(copy),
                                        NOW + dt.timedelta(hours=1))
    assert again.again and (again.position, again.path, again.sha256) == (delivery.position, delivery.path, delivery.sha256)
    assert [m.key for m in attachments.notices(store, configs, again)] == [
        m.key for m in attachments.notices(store, configs, delivery)]
    other = write_pdf(tmp_path / "other.pdf", "Another file")
    with pytest.raises(InputError, match="no attachment of this paper is still to follow"):
        attachments.record_delivery(store, configs, herzogenrath, "herzogenrath", "V/2019/367-E04", other, NOW)
    assert snapshot(store) == before


def test_a_paper_that_is_not_pending_takes_no_file(store, configs, herzogenrath, tmp_path):
    with store.session() as session:
        paper = session.execute(select(PaperRow)).scalar_one()
        paper.consultations[0].status, paper.consultations[0].result = "completed", "decided"
    source = write_pdf(tmp_path / "late.pdf", "Too late")
    with pytest.raises(InputError, match="not pending"):
        attachments.record_delivery(store, configs, herzogenrath, "herzogenrath", "V/2019/367-E04", source, NOW)
    assert attachments.outstanding(store, configs, dt.date(2025, 3, 17)) == []


def test_several_waiting_attachments_need_a_choice(store, configs, tmp_path, monkeypatch):
    monkeypatch.setenv("MEETPREP_HOME", str(tmp_path / "home"))
    import_files(store, configs, [EXAMPLES / "wedel" / "meetings.yaml"], NOW)
    write_yaml(tmp_path / "p.yaml", {
        "body": "wedel", "reference": "BV/2023/200", "title": "Haushalt", "type": "Beschlussvorlage", "access": "öffentlich",
        "consultations": [{"committee": "sozialausschuss", "role": "Vorberatung"}],
        "attachments": [{"title": "Plan", "status": "to_follow"}, {"title": "Karte", "status": "to_follow"}]})
    import_files(store, configs, [tmp_path / "p.yaml"], NOW)
    source = write_pdf(tmp_path / "karte.pdf", "Karte")
    with pytest.raises(InputError, match="several attachments are still to follow") as caught:
        attachments.record_delivery(store, configs, Settings.from_env(), "wedel", "BV/2023/200", source, NOW)
    assert caught.value.problems[0].expected == "--attachment 1 or 2"
    delivery = attachments.record_delivery(store, configs, Settings.from_env(), "wedel", "BV/2023/200", source, NOW, position=2)
    assert delivery.title == "Karte"
