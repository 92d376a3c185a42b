"""Excerpts of the minutes (issue 28, part 1): one beslutningsuddrag / Protokollauszug per
decided paper, read back from the .docx; sent to the unit and the case officer by a real SMTP
server on 127.0.0.1, once per version, also when two runs hand them over at the same moment;
kept as the paper's file for its next step; published with a public paper and never with a
closed one; held back until the minutes are approved where the committee wants that."""

from __future__ import annotations

import datetime as dt
import io
import threading
from pathlib import Path

import yaml
from docx import Document
from sqlalchemy import select

from meetprep.agenda import build
from meetprep.config import load_configs
from meetprep.jobs.minutes import approve_minutes, hand_over, record_minutes
from meetprep.messages import ledger
from meetprep.model import MinutesFile
from meetprep.store import FileRow, PaperRow
from tests.conftest import ROOT, write_yaml
from tests.docxtext import text
from tests.servers import Mailbox
from tests.test_timeline import World, danish_paper, german_paper

NOW = dt.datetime(2025, 11, 18, 9, tzinfo=dt.timezone.utc)


def _officer_and_approval(world: World, approval: bool = False) -> None:
    path = world.config_dir / f"{world.body}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["persons"].append({"key": "lene-sagsbehandler", "name": "Lene Sagsbehandler", "email": "lene@example.org"})
    data["organizations"][0]["agenda"]["minutes_approval"] = approval
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    world.configs = load_configs(world.config_dir)


def _danish_world(tmp_path: Path, approval: bool = False) -> World:
    world = World(tmp_path, "gentofte")
    _officer_and_approval(world, approval)
    world.papers([danish_paper("EMN-2025-10001", originator={"unit": "Erhverv og Beskæftigelse",
                                                             "officer": "lene-sagsbehandler"}),
                  danish_paper("EMN-2025-10003", access="closed", title="Lukket sag om en borger")],
                 dt.date(2025, 10, 1))
    build.run(world.store, world.configs, build.AgendaRequest("gentofte", "ebi", dt.date(2025, 11, 3),
                                                              day=dt.date(2025, 11, 17)),
              ROOT / "templates", world.settings.output_dir, NOW, pdf=False)
    return world


def _minutes(text: str = "Vedtaget som indstillet.", **changes) -> MinutesFile:
    data = {"kind": "minutes", "body": "gentofte", "meeting": "ebi-2025-11-17",
            "attendance": {"absent": ["stig-wall"]},
            "items": [{"reference": "EMN-2025-10001", "result": "decided", "text": text,
                       "votes": {"yes": 4, "no": 1, "abstain": 0, "biased": 1}, "biased": ["katja-johansen"],
                       "tasks": [{"text": "Forvaltningen afrapporterer om dialogmødet", "due": "2026-03-31"}]},
                      {"reference": "EMN-2025-10002", "result": "noted"},
                      {"reference": "EMN-2025-10003", "result": "decided"}]}
    data.update(changes)
    return MinutesFile.model_validate(data)


def _record(world: World, smtp: Mailbox, minutes: MinutesFile) -> dict:
    transport = ledger.SmtpTransport(ledger.SmtpServer.from_url(smtp.url), lambda: NOW)
    return record_minutes(world.store, world.configs, world.settings, minutes, "(test)", lambda: NOW, transport,
                          pdf=False)


def _excerpt_mails(smtp: Mailbox) -> list[tuple[list[str], object]]:
    return [(rcpts, m) for _, rcpts, m in smtp.messages if "/excerpt/" in str(m["X-Meetprep-Key"])]


def _attached_docx(message) -> str:
    part = next(p for p in message.iter_attachments() if p.get_filename().endswith(".docx"))
    document = Document(io.BytesIO(part.get_payload(decode=True)))
    return "\n".join(p.text for p in document.paragraphs)


def test_each_decision_gets_its_excerpt_sent_once_to_unit_and_officer_and_kept_with_the_paper(tmp_path):
    world = _danish_world(tmp_path)
    with Mailbox() as smtp:
        result = _record(world, smtp, _minutes())
        mails = _excerpt_mails(smtp)
        by_reference = {}
        for rcpts, message in mails:
            by_reference.setdefault(str(message["Subject"]).split()[1], []).extend(rcpts)
        assert sorted(by_reference["EMN-2025-10001"]) == ["erhverv@example.org", "lene@example.org"]
        assert len(result["excerpts"]["excerpts"]) == 3  # every paper with a decision, closed or not
        excerpt = _attached_docx(next(m for r, m in mails if "lene@example.org" in r))
        assert excerpt.startswith("Gentofte Kommune\nBESLUTNINGSUDDRAG\nfra mødet i Erhvervs-, Beskæftigelses- og "
                                  "Integrationsudvalget (2017-2025) Mandag d. 17. november 2025 kl. 16:30")
        assert "Punkt 1 (Åben) Sag 10001" in excerpt and "Sags ID\tEMN-2025-10001" in excerpt
        assert "Sagsbehandler\tLene Sagsbehandler" in excerpt and "1. At sagen godkendes." in excerpt
        assert "Beslutning\nErhvervs-, Beskæftigelses- og Integrationsudvalget den 17. november\n" \
               "Vedtaget som indstillet." in excerpt
        assert "Katja Johansen deltog ikke i sagens behandling (inhabil)." in excerpt
        assert "Forvaltningen afrapporterer om dialogmødet (ansvarlig: Erhverv og Beskæftigelse, frist 31-03-2026)" \
               in excerpt
        participants = excerpt.split("Mødedeltagere\n")[1].split("\n")[0]
        assert "Søren B. Heisel" in participants and "Katja Johansen" not in participants  # biased: took no part
        assert "Stig Wall (Fravær)" in participants
        assert "Uddraget bekræftes:\nGentofte Kommune, den 18-11-2025" in excerpt
        assert excerpt.endswith("______________________________\nSekretariatet for EBI (Sekretær)")
        referat = text(next(Path(f["path"]) for f in result["files"] if f["variant"] == "members"
                            and f["path"].endswith(".docx")))
        assert "Vedtaget som indstillet.\nFor: 4, imod: 1, undlod at stemme: 0. Inhabil: 1.\n" \
               "Katja Johansen deltog ikke i sagens behandling (inhabil)." in referat  # the minutes say it too

        # The same minutes again: nothing new is sent, and the paper keeps one excerpt file.
        _record(world, smtp, _minutes())
        assert len(_excerpt_mails(smtp)) == len(mails)
        # Corrected text for one item: only that item's excerpt goes again.
        _record(world, smtp, _minutes(text="Vedtaget med den ændring, at dialogmødet holdes i foråret."))
        again = _excerpt_mails(smtp)[len(mails):]
        assert sorted(r for rcpts, _ in again for r in rcpts) == ["erhverv@example.org", "lene@example.org"]
        assert "holdes i foråret" in _attached_docx(again[0][1])
    with world.store.session() as session:
        paper = session.execute(select(PaperRow).where(PaperRow.reference == "EMN-2025-10001")).scalar_one()
        kept = [f for f in paper.files if f.origin == "excerpt"]
        assert len(kept) == 1 and kept[0].access == "public" and kept[0].title.startswith("Beslutningsuddrag fra")
        assert "holdes i foråret" in text(Path(kept[0].path))
        closed = session.execute(select(PaperRow).where(PaperRow.reference == "EMN-2025-10003")).scalar_one()
        assert [f.access for f in closed.files if f.origin == "excerpt"] == ["closed"]
    public = world.settings.output_dir / "public" / "gentofte"
    published = [p.name for p in public.rglob("beslutningsuddrag-*")]
    assert "beslutningsuddrag-EMN-2025-10001.docx" in published
    assert not [name for name in published if "10003" in name]  # the closed paper's stays out
    assert "Lukket sag om en borger" not in "".join(p.read_text(errors="ignore") for p in public.rglob("*.json"))


def test_the_excerpt_goes_with_the_paper_to_its_next_body(tmp_path):
    world = _danish_world(tmp_path)
    write_yaml(world.input / "meetings.yaml", {"body": "gentofte", "meetings": [
        {"committee": "ebi", "start": "2025-11-17T16:30:00+01:00", "end": "2025-11-17T18:30:00+01:00"},
        {"committee": "oeu", "start": "2025-12-01T15:00:00+01:00"}]})
    world.papers([danish_paper("EMN-2025-10009", consultations=[
        {"committee": "ebi", "role": "indstilling", "meeting": "ebi-2025-11-17"},
        {"committee": "oeu", "role": "indstilling", "meeting": "oeu-2025-12-01"}])], dt.date(2025, 10, 1))
    build.run(world.store, world.configs, build.AgendaRequest("gentofte", "ebi", dt.date(2025, 11, 3),
                                                              day=dt.date(2025, 11, 17)),
              ROOT / "templates", world.settings.output_dir, NOW, pdf=False)
    minutes = _minutes()
    minutes.items.append(MinutesFile.model_validate({"kind": "minutes", "body": "gentofte", "meeting": "x", "items": [
        {"reference": "EMN-2025-10009", "result": "recommended"}]}).items[0])
    with Mailbox() as smtp:
        _record(world, smtp, minutes)
    result, _ = build.run(world.store, world.configs, build.AgendaRequest("gentofte", "oeu", dt.date(2025, 11, 20),
                                                                          day=dt.date(2025, 12, 1)),
                          ROOT / "templates", world.settings.output_dir, NOW, pdf=False)
    document = next(Path(result.output_dir) / f["path"] for f in result.documents
                    if f["kind"] == "dagsorden" and f["variant"] == "members")
    assert "Beslutningsuddrag fra EBI 17-11-2025" in text(document)


def test_where_the_minutes_are_approved_the_excerpts_wait_for_it(tmp_path):
    world = _danish_world(tmp_path, approval=True)
    with Mailbox() as smtp:
        result = _record(world, smtp, _minutes())
        assert result["excerpts"]["waiting"] and _excerpt_mails(smtp) == []
        transport = ledger.SmtpTransport(ledger.SmtpServer.from_url(smtp.url), lambda: NOW)
        approved = approve_minutes(world.store, world.configs, world.settings, "gentofte", "ebi-2025-11-17",
                                   lambda: NOW, transport, pdf=False)
        assert approved["excerpts"]["sent"]["sent"] and len(_excerpt_mails(smtp)) == 4  # 10001: unit and officer; 10002, 10003: the unit
        # Minutes corrected after approval wait for the next approval.
        result = _record(world, smtp, _minutes(text="Rettet tekst."))
        assert result["excerpts"]["waiting"] and len(_excerpt_mails(smtp)) == 4


def test_two_runs_handing_over_at_once_send_each_excerpt_once(tmp_path):
    world = _danish_world(tmp_path, approval=True)
    with Mailbox() as smtp:
        _record(world, smtp, _minutes())
        from meetprep.minutes import excerpts
        excerpts.approve(world.store, "gentofte", "ebi-2025-11-17", NOW)
        barrier, results, errors = threading.Barrier(2), [], []

        def run() -> None:
            transport = ledger.SmtpTransport(ledger.SmtpServer.from_url(smtp.url), lambda: NOW)
            barrier.wait()
            try:
                results.append(hand_over(world.store, world.configs, world.settings, "gentofte", "ebi-2025-11-17",
                                         lambda: NOW, transport, pdf=False))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert errors == [] and len(results) == 2
        keys = [str(m["X-Meetprep-Key"]) for _, m in _excerpt_mails(smtp)]
        assert len(keys) == len(set(keys)) == 4
    with world.store.session() as session:
        assert len(session.execute(select(FileRow).where(FileRow.origin == "excerpt")).scalars().all()) == 3


def test_a_german_protokollauszug_names_who_was_befangen(tmp_path):
    world = World(tmp_path, "herzogenrath")
    _officer_and_approval(world)
    build.run(world.store, world.configs, build.AgendaRequest("herzogenrath", "asi", dt.date(2026, 5, 20),
                                                              day=dt.date(2026, 6, 2)),
              ROOT / "templates", world.settings.output_dir, NOW, pdf=False)
    config = world.configs.get("herzogenrath")
    member = next(m.person for m in config.organization("asi").memberships if m.role.value == "member")
    name = config.person(member).name
    minutes = MinutesFile.model_validate({"kind": "minutes", "body": "herzogenrath", "meeting": "asi-2026-06-02",
                                          "items": [{"reference": "V/2026/101", "result": "decided", "unanimous": True,
                                                     "biased": [member]},
                                                    {"reference": "V/2026/102", "result": "decided"}]})
    with Mailbox() as smtp:
        transport = ledger.SmtpTransport(ledger.SmtpServer.from_url(smtp.url), lambda: NOW)
        record_minutes(world.store, world.configs, world.settings, minutes, "(test)", lambda: NOW, transport, pdf=False)
        mails = _excerpt_mails(smtp)
        assert {r for rcpts, _ in mails for r in rcpts} == {"amt50@example.org"}
        excerpt = _attached_docx(next(m for _, m in mails if "V/2026/101" in str(m["Subject"])))
    assert excerpt.startswith("Stadt Herzogenrath\nAuszug aus der Niederschrift\nüber die öffentliche Sitzung")
    assert f"{name} hat wegen Befangenheit an der Beratung und Abstimmung nicht teilgenommen." in excerpt
    assert "Für die Richtigkeit des Auszugs:" in excerpt and "Abstimmungsergebnis: einstimmig" in excerpt
    assert german_paper  # the shared helper's German paper is what the world imported


def test_the_excerpt_is_an_accessible_pdf_too(tmp_path):
    """With LibreOffice (Debian's package): a tagged PDF in the body's language, sent first, and the
    file the paper keeps."""
    from pypdf import PdfReader

    world = _danish_world(tmp_path)
    with Mailbox() as smtp:
        transport = ledger.SmtpTransport(ledger.SmtpServer.from_url(smtp.url), lambda: NOW)
        record_minutes(world.store, world.configs, world.settings, _minutes(), "(test)", lambda: NOW, transport,
                       pdf=True)
        message = next(m for r, m in _excerpt_mails(smtp) if "lene@example.org" in r)
    types = [p.get_content_type() for p in message.iter_attachments()]
    assert types == ["application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
    data = next(p for p in message.iter_attachments()).get_payload(decode=True)
    reader = PdfReader(io.BytesIO(data))
    assert "/StructTreeRoot" in reader.trailer["/Root"] and str(reader.trailer["/Root"].get("/Lang")).startswith("da")
    assert "Katja Johansen deltog ikke i sagens behandling" in " ".join(page.extract_text() for page in reader.pages)
    with world.store.session() as session:
        paper = session.execute(select(PaperRow).where(PaperRow.reference == "EMN-2025-10001")).scalar_one()
        kept = next(f for f in paper.files if f.origin == "excerpt")
        assert kept.media_type == "application/pdf" and Path(kept.path).read_bytes() == data


def test_a_run_that_stopped_before_the_excerpts_is_made_good_by_the_next_daily_run(tmp_path):
    """The minutes recorded and sent, then the process gone before the hand-over: the next
    morning's run hands the excerpts over, once; the morning after sends nothing again."""
    from meetprep.jobs.minutes import write_documents
    from meetprep.minutes import record as minutes_record

    world = _danish_world(tmp_path)
    minutes_record.record(world.store, world.configs, _minutes(), "(test)", NOW)
    write_documents(world.store, world.configs, world.settings, "gentofte", "ebi-2025-11-17", pdf=False)
    with Mailbox() as smtp:
        first = world.run(dt.date(2025, 11, 19), smtp.url)
        assert first["errors"] == [] and len(first["excerpts"]["sent"]["sent"]) == 4
        assert len(_excerpt_mails(smtp)) == 4
        second = world.run(dt.date(2025, 11, 20), smtp.url)
        assert second["excerpts"]["sent"]["sent"] == [] and len(_excerpt_mails(smtp)) == 4
    with world.store.session() as session:
        assert len(session.execute(select(FileRow).where(FileRow.origin == "excerpt")).scalars().all()) == 3
    assert (world.settings.output_dir / "public" / "gentofte").rglob("beslutningsuddrag-EMN-2025-10001.docx")
