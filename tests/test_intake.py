"""The papers inbox: documents dropped in, each taken once, imported on its own; refused ones kept
with their reason, the sender told at once and the secretaries in the daily intake digest; papers
mailed to a maildir or a real IMAP server (Dovecot); overlapping runs take each file once."""

from __future__ import annotations

import pytest

import datetime as dt
import os
from contextlib import contextmanager
import email
import mailbox
import shutil
from dataclasses import replace
from email.message import EmailMessage
from email import policy
from pathlib import Path

from meetprep.authoring.documents import export
from meetprep.config import Settings, load_configs
from meetprep.jobs.importing import take_papers
from meetprep.jobs.timeline import send_intake_digests
from meetprep.messages.ledger import OutboxTransport
from meetprep.store import Store
from tests.conftest import CONFIG_DIR, ROOT
from tests.overlap import overlapping
from tests.test_word import SENTENCE, edit_xml
from tests.worlds import copy_sqlite

NOW = dt.datetime(2025, 3, 1, 9, tzinfo=dt.timezone.utc)
ANTRAG = """body: herzogenrath
reference: V/2025/200
title: Antrag Sprachcafé
type: Antrag
access: öffentlich
consultations:
  - {committee: asi, role: Entscheidung}
""".encode()


def _settings(tmp_path: Path, store_file: Path) -> Settings:
    return Settings(home=tmp_path / "home", database_url=f"sqlite:///{store_file}", config_dir=CONFIG_DIR,
                    templates_dir=ROOT / "templates", output_dir=tmp_path / "out")


def _drop(settings: Settings, name: str, data: bytes) -> Path:
    inbox = settings.home / "inbox" / "papers"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / name).write_bytes(data)
    return inbox / name


def _world(built_world, tmp_path):
    template = built_world()
    copy_sqlite(template.store_file, tmp_path / "store.sqlite3")
    settings = _settings(tmp_path, tmp_path / "store.sqlite3")
    configs = load_configs(CONFIG_DIR)
    return settings, configs


def test_each_document_is_taken_on_its_own_and_a_refusal_is_told_once(built_world, tmp_path):
    settings, configs = _world(built_world, tmp_path)
    with Store(settings.database_url) as store:
        good, _ = export(store, configs, ROOT / "templates", "herzogenrath", "V/2019/367-E04")
    edited = edit_xml(_drop(settings, "vorlage-367.docx", good),
                      lambda xml: xml.replace(SENTENCE, "Ein Beschluss des Stadtrates ist nicht erforderlich."))
    bad = _drop(settings, "vorlage-alt.docx", good)
    edit_xml(bad, lambda xml: xml.replace(SENTENCE, "[Hilfe] Hier den Abschnitt schreiben."))
    _drop(settings, "notizen.txt", b"Bitte an TOP 3 denken.")
    _drop(settings, "antrag.yaml", ANTRAG)

    with Store(settings.database_url) as store:
        result = take_papers(store, configs, settings, lambda: NOW)
    assert sorted((p["reference"], p["action"]) for p in result["imported"]) == [
        ("V/2019/367-E04", "updated"), ("V/2025/200", "created")]
    refused = {Path(r["file"]).name: r for r in result["rejected"]}
    assert set(refused) == {"vorlage-alt.docx", "notizen.txt"}
    assert "help text is still in the document" in refused["vorlage-alt.docx"]["problems"][0]
    assert "Sachverhalt" in refused["vorlage-alt.docx"]["problems"][0]  # the part, as the author sees it
    reason = Path(refused["vorlage-alt.docx"]["kept"] + ".reason.txt").read_text(encoding="utf-8")
    assert str(settings.home / "inbox" / "papers" / "vorlage-alt.docx") in reason and ".processing" not in reason
    assert not list((settings.home / "inbox" / "papers").iterdir())  # nothing left behind, nothing lost
    assert edited.name in {p.name.split("--")[-1] for p in (settings.home / "inbox" / ".done").rglob("*")}

    # Dropped into the folder, the refusal goes at once to whoever is responsible for the paper
    # (its case officer; here, with no person of that name, the committee's secretary), in German.
    mails = _mails(settings)
    assert len(mails) == 1
    assert mails[0]["Subject"] == "Vorlage V/2019/367-E04 konnte nicht übernommen werden: vorlage-alt.docx"
    assert "help text is still in the document" in mails[0].get_body(("plain",)).get_content()
    shutil.copy(Path(refused["vorlage-alt.docx"]["kept"]), settings.home / "inbox" / "papers" / "vorlage-alt.docx")
    with Store(settings.database_url) as store:
        again = take_papers(store, configs, settings, lambda: NOW)
    assert [Path(r["file"]).name for r in again["rejected"]] == ["vorlage-alt.docx"]
    assert len(_mails(settings)) == 1  # the same document: told once

    # The daily run tells the secretaries what came in: each secretary the papers of their committee,
    # the refused document once although it was dropped twice.
    with Store(settings.database_url) as store:
        digest = _digest(store, configs, settings)
        repeated = _digest(store, configs, settings)
    assert repeated.sent == [] and repeated.skipped == []  # nothing new: nothing sent
    texts = {m["To"].addresses[0].addr_spec: m for m in _mails(settings) if "Eingang für Vorlagen" in m["Subject"]}
    assert len(digest.sent) == len(texts) >= 1
    asi = next(m for m in texts.values() if "V/2025/200" in m.get_body(("plain",)).get_content())
    body = asi.get_body(("plain",)).get_content()
    assert asi["Subject"] == "Eingang für Vorlagen: 3 neue Dokumente, davon 1 abgelehnt", asi["Subject"]
    assert "- V/2025/200 neu übernommen (antrag.yaml)" in body
    assert "- V/2019/367-E04 als neue Fassung übernommen (vorlage-367.docx)" in body
    assert body.count("vorlage-alt.docx abgelehnt") == 1 and "help text is still in the document" in body


def _mails(settings: Settings) -> list:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(settings.outbox.glob("*.eml"))]


def _digest(store, configs, settings):
    outbox = OutboxTransport(settings.outbox, lambda: NOW)
    return send_intake_digests(store, configs, NOW + dt.timedelta(hours=20), lambda config: outbox, ["herzogenrath"])


def _take(settings: Settings) -> dict:
    with Store(settings.database_url) as store:
        return take_papers(store, load_configs(settings.config_dir), settings, lambda: NOW)


@pytest.mark.slow  # starts processes (at once, or kills one): in the full suite, not the fast lane
def test_overlapping_runs_take_each_document_once(built_world, tmp_path):
    settings, configs = _world(built_world, tmp_path)
    with Store(settings.database_url) as store:
        for body, reference in (("herzogenrath", "V/2019/367-E04"), ("gentofte", "EMN-2025-05820")):
            data, _ = export(store, configs, ROOT / "templates", body, reference)
            _drop(settings, f"{reference.replace('/', '-')}.docx", data)
    _drop(settings, "antrag.yaml", ANTRAG)
    results = overlapping(4, _take, settings)
    taken = [p["file"] for r in results for p in r["imported"]]
    assert sorted(Path(f).name for f in taken) == ["EMN-2025-05820.docx", "V-2019-367-E04.docx", "antrag.yaml"]
    assert not any(r["rejected"] for r in results)
    assert len(list((settings.home / "inbox" / ".done").rglob("*.*"))) == 3


def _mail(sender: str, subject: str, attachment: tuple[str, bytes] | None) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "vorlagen@herzogenrath.example", subject
    message.set_content("Anbei die Vorlage.")
    if attachment:
        name, data = attachment
        message.add_attachment(data, maintype="application",
                               subtype="vnd.openxmlformats-officedocument.wordprocessingml.document", filename=name)
    return bytes(message)


@pytest.mark.parametrize("server", ["maildir", "imap"])
def test_papers_mailed_to_the_papers_mailbox_are_taken_in_and_a_refusal_goes_back_to_the_sender(
        built_world, tmp_path, server):
    settings, configs = _world(built_world, tmp_path)
    with Store(settings.database_url) as store:
        good, _ = export(store, configs, ROOT / "templates", "herzogenrath", "V/2019/367-E04")
    (tmp_path / "edited.docx").write_bytes(good)
    edited = edit_xml(tmp_path / "edited.docx", lambda xml: xml.replace(SENTENCE, "Ein Beschluss ist nicht nötig."))
    broken = tmp_path / "broken.docx"
    broken.write_bytes(good)
    edit_xml(broken, lambda xml: xml.replace(SENTENCE, "[Hilfe] Hier den Abschnitt schreiben."))
    messages = [_mail("Anna Autorin <anna@herzogenrath.example>", "Vorlage", ("vorlage.docx", edited.read_bytes())),
                _mail("Bernd Beispiel <bernd@herzogenrath.example>", "Vorlage alt", ("vorlage.docx", broken.read_bytes())),
                _mail("Carla <carla@herzogenrath.example>", "Nur eine Frage", None)]
    with _mailbox(server, tmp_path, messages) as url:
        settings = replace(settings, papers_mail=url)
        with Store(settings.database_url) as store:
            result = take_papers(store, configs, settings, lambda: NOW)
        assert [(p["reference"], p["action"]) for p in result["imported"]] == [("V/2019/367-E04", "updated")]
        assert [Path(r["file"]).name for r in result["rejected"]] == ["vorlage-1.docx"]
        assert [a["from"] for a in result["mailed"]["aside"]] == ["carla@herzogenrath.example"]
        assert "no paper attached" in Path(result["mailed"]["aside"][0]["kept"] + ".reason.txt").read_text(encoding="utf-8")
        mails = _mails(settings)
        # The refusal goes back to its sender alone; the secretaries read it in the digest.
        assert [str(m["To"]) for m in mails] == ["bernd@herzogenrath.example"]
        assert mails[0]["Subject"].startswith("Vorlage V/2019/367-E04 konnte nicht übernommen werden")

        with Store(settings.database_url) as store:  # every message was read: nothing again
            again = take_papers(store, configs, settings, lambda: NOW)
        assert again["imported"] == [] and again["rejected"] == [] and again["mailed"] == {"files": [], "aside": []}
        with Store(settings.database_url) as store:
            _digest(store, configs, settings)
        digest = next(m for m in _mails(settings) if m["Subject"].startswith("Eingang für Vorlagen")).get_body(
            ("plain",)).get_content()
        assert "(die Ablehnung ging an bernd@herzogenrath.example)" in digest


@contextmanager
def _mailbox(server: str, tmp_path: Path, messages: list[bytes]):
    """The papers mailbox with `messages` unread: a maildir folder, or Dovecot on 127.0.0.1."""
    if server == "maildir":
        box = mailbox.Maildir(str(tmp_path / "papers-mail"), create=True)
        for raw in messages:
            box.add(raw)
        yield str(tmp_path / "papers-mail")
        return
    from tests.imapserver import Dovecot, dovecot

    if dovecot() is None:
        if os.environ.get("CI"):
            pytest.fail("Dovecot is missing in CI; scripts/test.sh installs dovecot-imapd")
        pytest.skip("Dovecot is not installed")
    with Dovecot() as imap:
        for index, raw in enumerate(messages):
            imap.deliver(raw, f"m{index}")
        yield imap.url


def test_a_file_another_run_finished_between_open_and_lock_is_not_taken(tmp_path, monkeypatch):
    """Seen under load: a run opened a file in .processing/, the run that held it filed it away
    and let go of its lock, the first run's lock then succeeded on a file no longer there."""
    from meetprep.attachments import core

    path = tmp_path / "papers--1a2b3c4d--V-2026-001.docx"
    path.write_bytes(b"x")
    real = core.locked

    def finished_meanwhile(handle):
        path.rename(tmp_path / "done.docx")  # the other run files it away, then unlocks
        return real(handle)

    monkeypatch.setattr(core, "locked", finished_meanwhile)
    assert core._lock_file(path) is None
    monkeypatch.setattr(core, "locked", real)
    (tmp_path / "done.docx").rename(path)
    handle = core._lock_file(path)
    assert handle is not None
    handle.close()
