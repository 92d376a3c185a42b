"""The papers inbox: documents dropped in, each taken once, imported on its own; refused ones kept
with their reason and their secretary told once; overlapping runs take each file once."""

from __future__ import annotations

import pytest

import datetime as dt
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

    # The secretary of the paper's committee hears of the refusal, in German, once.
    mails = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in settings.outbox.glob("*.eml")]
    assert len(mails) == 1
    assert mails[0]["Subject"] == "Vorlage V/2019/367-E04 konnte nicht übernommen werden: vorlage-alt.docx"
    assert "help text is still in the document" in mails[0].get_body(("plain",)).get_content()
    shutil.copy(Path(refused["vorlage-alt.docx"]["kept"]), settings.home / "inbox" / "papers" / "vorlage-alt.docx")
    with Store(settings.database_url) as store:
        again = take_papers(store, configs, settings, lambda: NOW)
    assert [Path(r["file"]).name for r in again["rejected"]] == ["vorlage-alt.docx"]
    assert len(list(settings.outbox.glob("*.eml"))) == 1  # the same document: told once


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


def test_papers_mailed_to_the_papers_mailbox_are_taken_in_and_a_refusal_goes_back_to_the_sender(built_world, tmp_path):
    settings, configs = _world(built_world, tmp_path)
    with Store(settings.database_url) as store:
        good, _ = export(store, configs, ROOT / "templates", "herzogenrath", "V/2019/367-E04")
    (tmp_path / "edited.docx").write_bytes(good)
    edited = edit_xml(tmp_path / "edited.docx", lambda xml: xml.replace(SENTENCE, "Ein Beschluss ist nicht nötig."))
    broken = tmp_path / "broken.docx"
    broken.write_bytes(good)
    edit_xml(broken, lambda xml: xml.replace(SENTENCE, "[Hilfe] Hier den Abschnitt schreiben."))
    box = mailbox.Maildir(str(tmp_path / "papers-mail"), create=True)
    box.add(_mail("Anna Autorin <anna@herzogenrath.example>", "Vorlage", ("vorlage.docx", edited.read_bytes())))
    box.add(_mail("Bernd Beispiel <bernd@herzogenrath.example>", "Vorlage alt", ("vorlage.docx", broken.read_bytes())))
    box.add(_mail("Carla <carla@herzogenrath.example>", "Nur eine Frage", None))
    settings = replace(settings, papers_mail=str(tmp_path / "papers-mail"))

    with Store(settings.database_url) as store:
        result = take_papers(store, configs, settings, lambda: NOW)
    assert [(p["reference"], p["action"]) for p in result["imported"]] == [("V/2019/367-E04", "updated")]
    assert [Path(r["file"]).name for r in result["rejected"]] == ["vorlage-1.docx"]
    assert [a["from"] for a in result["mailed"]["aside"]] == ["carla@herzogenrath.example"]
    assert "no paper attached" in Path(result["mailed"]["aside"][0]["kept"] + ".reason.txt").read_text(encoding="utf-8")
    mails = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in settings.outbox.glob("*.eml")]
    recipients = {str(m["To"]) for m in mails}
    assert "bernd@herzogenrath.example" in recipients and len(recipients) == 2, recipients  # and the secretary
    assert all(m["Subject"].startswith("Vorlage V/2019/367-E04 konnte nicht übernommen werden") for m in mails)

    with Store(settings.database_url) as store:  # every message was read: nothing again
        again = take_papers(store, configs, settings, lambda: NOW)
    assert again["imported"] == [] and again["rejected"] == [] and again["mailed"] == {"files": [], "aside": []}
