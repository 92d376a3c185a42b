"""Accessibility feedback (issue 27): messages to the address the statement names are read from
a maildir like replies, recorded once, acknowledged in the body's language through a real SMTP
server on 127.0.0.1 and passed to the secretaries; automatic mail is never answered."""

from __future__ import annotations

import datetime as dt
import mailbox
from dataclasses import replace
from email.message import EmailMessage

import pytest

from meetprep.config import Settings, load_configs
from meetprep.importing.pipeline import import_files
from meetprep.jobs.accessibility import take_feedback
from meetprep.messages import ledger
from meetprep.store import FeedbackRow, Store
from tests.conftest import EXAMPLES, ROOT
from tests.servers import Mailbox

NOW = dt.datetime(2026, 12, 3, 7, tzinfo=dt.timezone.utc)


@pytest.fixture
def office(tmp_path):
    configs = load_configs(ROOT / "config")
    settings = Settings.from_env({"MEETPREP_HOME": str(tmp_path / "home"), "MEETPREP_CONFIG_DIR": str(ROOT / "config"),
                                  "MEETPREP_TEMPLATES_DIR": str(ROOT / "templates")})
    settings = replace(settings, feedback_mail=str(tmp_path / "feedback"))
    store = Store(settings.database_url)
    import_files(store, configs, [EXAMPLES / "herzogenrath", EXAMPLES / "gentofte"], NOW - dt.timedelta(days=400))
    yield store, configs, settings, mailbox.Maildir(str(tmp_path / "feedback"), create=True)
    store.close()


def mail(to: str, sender: str, subject: str, text: str, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = "Wed, 02 Dec 2026 18:30:00 +0100"
    message["Message-ID"] = f"<{abs(hash((sender, subject)))}@mail.example>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return bytes(message)


def plain(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_feedback_is_acknowledged_once_in_the_bodys_language_and_reaches_the_secretaries(office):
    store, configs, settings, box = office
    herzogenrath = str(configs.get("herzogenrath").body.accessibility.feedback)
    gentofte = str(configs.get("gentofte").body.accessibility.feedback)
    box.add(mail(herzogenrath, "Erika Leser <erika@leserin.example>", "PDF nicht lesbar",
                 "Die Anlage zur Vorlage V/2019/367 liest mein Screenreader nicht vor."))
    box.add(mail(gentofte, "Jens Læser <jens@laeser.example>", "Kontrast", "Teksten i menuen er svær at læse."))
    box.add(mail(herzogenrath, "Erika Leser <erika@leserin.example>", "Abwesenheitsnotiz", "Ich bin im Urlaub.",
                 Auto_Submitted="auto-replied"))
    with Mailbox() as smtp:
        transport = ledger.SmtpTransport(ledger.SmtpServer.from_url(smtp.url), lambda: NOW)
        first = take_feedback(store, configs, settings, NOW, lambda config: transport)
        box.add(mail(herzogenrath, "Erika Leser <erika@leserin.example>", "PDF nicht lesbar",  # delivered twice
                     "Die Anlage zur Vorlage V/2019/367 liest mein Screenreader nicht vor."))
        again = take_feedback(store, configs, settings, NOW + dt.timedelta(days=1), lambda config: transport)

        assert len(first["taken"]) == 3 and again["taken"] == [] and again["again"] == 1
        (ack,) = smtp.to("erika@leserin.example")  # once, and never for the automatic message
        assert str(ack["Subject"]) == "Ihre Rückmeldung zur Barrierefreiheit: PDF nicht lesbar"
        body = plain(ack)
        assert body.startswith("Guten Tag Erika Leser,") and "vom 2. Dezember 2026" in body
        (ack_da,) = smtp.to("jens@laeser.example")
        assert str(ack_da["Subject"]) == "Din henvendelse om tilgængelighed: Kontrast"
        assert plain(ack_da).startswith("Kære Jens Læser") and "af 2. december 2026" in plain(ack_da)

        secretaries = [rcpts for _, rcpts, m in smtp.messages if str(m["Subject"]).startswith("Rückmeldung zur Barrierefreiheit")]
        assert secretaries and all("erika@leserin.example" not in r for r in secretaries)
        copy = next(m for _, _, m in smtp.messages if str(m["Subject"]) == "Rückmeldung zur Barrierefreiheit von "
                    "erika@leserin.example: PDF nicht lesbar")
        assert "liest mein Screenreader nicht vor" in plain(copy) and copy["Reply-To"] == "erika@leserin.example"
        automatic = next(m for _, _, m in smtp.messages if "Abwesenheitsnotiz" in str(m["Subject"]))
        assert "eine Eingangsbestätigung wurde nicht gesandt" in " ".join(plain(automatic).split())
    with store.session() as session:
        assert session.query(FeedbackRow).count() == 3
    assert all("S" in box.get_message(key).get_flags() for key in box.keys())  # read, after being recorded
