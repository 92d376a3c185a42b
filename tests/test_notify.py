"""Invitations and reminders through a real SMTP server and a real HTTP endpoint on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo
import json
import shutil
import signal
import subprocess
import sys

import icalendar
import pytest
import vobject
import yaml
from sqlalchemy import select

from meetprep.agenda import build

from meetprep.messages import invitations

from meetprep.messages import ledger

from meetprep.messages import reminders
from meetprep.config import load_configs
from meetprep.importing.pipeline import import_files
from meetprep.store import MessageRow, Store
from meetprep.errors import InputError
from tests.conftest import CONFIG_DIR, EXAMPLES, ROOT, write_yaml
from tests.servers import JsonEndpoint, Mailbox, wait_for

DAY = dt.date(2025, 9, 22)
NOW = dt.datetime(2025, 9, 12, 8, tzinfo=dt.timezone.utc)
SECRET_TITLE = "Personalesag vedrørende ansættelse"


@pytest.fixture
def endpoint():
    with JsonEndpoint(fail={"broken"}) as server:
        yield server


@pytest.fixture
def configs_dir(tmp_path, endpoint):
    """The shipped config, with a guest (the press office) and apprise addresses for two members."""
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    path = folder / "gentofte.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["persons"].append({"key": "presse", "name": "Pressetjenesten", "email": "presse@example.org"})
    data["persons"].append({"key": "avis", "name": "Villabyerne", "email": "redaktion@example.org"})
    for person in data["persons"]:
        if person["key"] == "katja-johansen":
            person["notify"] = [endpoint.url("katja")]
        if person["key"] == "stig-wall":
            person["notify"] = [endpoint.url("broken")]
    data["organizations"][0]["guests"] = ["presse"]
    data["organizations"][0]["press"] = ["avis"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture
def world(tmp_path, configs_dir):
    """Gentofte's examples plus a closed paper, imported, with the EBI agenda built."""
    configs = load_configs(configs_dir)
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    examples = tmp_path / "examples"
    shutil.copytree(EXAMPLES / "gentofte", examples)
    write_yaml(examples / "papers" / "closed.yaml", {
        "body": "gentofte", "reference": "EMN-2025-07777", "title": SECRET_TITLE, "type": "indstilling",
        "access": "lukket", "proposal": {"points": ["At sagen godkendes."]},
        "consultations": [{"committee": "ebi", "role": "beslutning"}]})
    import_files(store, configs, [examples], NOW - dt.timedelta(days=30))
    build.run(store, configs, build.AgendaRequest("gentofte", "ebi", NOW.date(), day=DAY), ROOT / "templates",
              tmp_path / "out", NOW, pdf=False)
    yield store, configs, examples
    store.close()


def docx_text(data: bytes) -> str:
    import io

    from docx import Document

    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def smtp(mailbox: Mailbox) -> ledger.SmtpTransport:
    return ledger.SmtpTransport(ledger.SmtpServer.from_url(mailbox.url), lambda: NOW)


def calendar_part(message):
    """The meeting request inside multipart/alternative (the .ics file attached is the same object)."""
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 2 and parts[0].get_payload(decode=True) == parts[1].get_payload(decode=True)
    assert parts[1].get_filename() == "invite.ics" and parts[0].get_filename() is None
    return parts[0]


def test_invitations_arrive_as_meeting_requests(world):
    store, configs, _ = world
    planned = invitations.plan_invitations(store, configs, "gentofte", "ebi", NOW, day=DAY)
    with Mailbox() as mailbox:
        report = ledger.dispatch(store, planned.messages, smtp(mailbox), lambda: NOW)
    assert len(report.sent) == 9 and report.failed == []
    assert sorted(r for _, rcpts, _ in mailbox.messages for r in rcpts) == sorted(
        ["soeren.heisel@example.org", "jesper.marcus@example.org", "katja.johansen@example.org", "stig.wall@example.org",
         "anton.bruniche-olsen@example.org", "marie.brixtofte@example.org", "frederik.dehlholm@example.org",
         "presse@example.org", "redaktion@example.org"])
    # iMIP (RFC 6047 2.2.1): From is the organizer; the body's address sends it for them.
    assert all(envelope_from == configs.get("gentofte").body.mail.from_address for envelope_from, _, _ in mailbox.messages)
    member = mailbox.to("soeren.heisel@example.org")[0]
    assert (member["To"].addresses[0].display_name, member["To"].addresses[0].addr_spec) == (
        "Søren B. Heisel", "soeren.heisel@example.org")  # the name, as every mail client shows it
    assert member["Subject"] == "Indkaldelse: Erhvervs-, Beskæftigelses- og Integrationsudvalget Mandag d. 22. september 2025 kl. 16:30"
    # multipart/mixed -> [multipart/alternative(text/plain, text/html, text/calendar), invite.ics, agenda]
    assert member.get_content_type() == "multipart/mixed"
    first, *attachments = member.iter_parts()
    assert first.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in first.iter_parts()] == ["text/plain", "text/html", "text/calendar"]
    assert first.get_payload()[2].get_param("method") == "REQUEST"
    assert member["From"].addresses[0].addr_spec == "ebi-sekretariat@example.org"
    assert member["Sender"].addresses[0].addr_spec == configs.get("gentofte").body.mail.from_address
    assert [(a.get_content_type(), a.get_filename(), a.get_param("method")) for a in attachments] == [
        ("text/calendar", "invite.ics", "REQUEST"),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "dagsorden-ebi-2025-09-22-medlemmer.docx",
         None),
    ]
    data = calendar_part(member).get_payload(decode=True)
    assert b"\r\nBEGIN:VEVENT\r\n" in data  # CRLF survived
    event = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert str(event["UID"]) == "ebi-2025-09-22.gentofte@meetprep" and event["SEQUENCE"] == 0
    assert event["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    assert icalendar.Calendar.from_ical(data).walk("VTIMEZONE")[0]["TZID"] == "Europe/Copenhagen"
    assert str(event["ORGANIZER"]) == "mailto:ebi-sekretariat@example.org"
    assert event["ORGANIZER"].params["SENT-BY"] == "mailto:" + configs.get("gentofte").body.mail.from_address
    roles = {str(a): (a.params["ROLE"], a.params["RSVP"]) for a in event["ATTENDEE"]}
    assert len(roles) == 9  # seven members, the guest and the press
    assert roles["mailto:presse@example.org"] == ("OPT-PARTICIPANT", "TRUE")
    assert roles["mailto:redaktion@example.org"] == ("NON-PARTICIPANT", "FALSE")
    assert sorted(role for role, _ in roles.values()).count("REQ-PARTICIPANT") + sorted(role for role, _ in roles.values()).count("CHAIR") == 7
    assert SECRET_TITLE in str(event["DESCRIPTION"]) and SECRET_TITLE in member.get_body(("plain",)).get_content()
    parsed = vobject.readOne(data.decode())
    assert parsed.vevent.dtstart.value == dt.datetime(2025, 9, 22, 14, 30, tzinfo=dt.timezone.utc)

    press = mailbox.to("presse@example.org")[0]
    press_data = b"".join(bytes(p) for p in press.walk())
    assert SECRET_TITLE.encode() not in press_data and b"EMN-2025-07777" not in press_data
    assert "Lukket punkt" in press.get_body(("plain",)).get_content()
    assert [a.get_filename() for a in list(press.iter_parts())[1:]] == ["invite.ics", "dagsorden-ebi-2025-09-22-offentlig.docx"]
    # A guest's request names the guest as an ATTENDEE, and no member's address.
    guest_event = icalendar.Calendar.from_ical(calendar_part(press).get_payload(decode=True)).walk("VEVENT")[0]
    guest_attendees = guest_event["ATTENDEE"] if isinstance(guest_event["ATTENDEE"], list) else [guest_event["ATTENDEE"]]
    assert [str(a) for a in guest_attendees] == ["mailto:presse@example.org"]
    assert b"soeren.heisel" not in press_data
    newspaper = icalendar.Calendar.from_ical(calendar_part(mailbox.to("redaktion@example.org")[0]).get_payload(decode=True))
    assert newspaper.walk("VEVENT")[0]["ATTENDEE"].params["ROLE"] == "NON-PARTICIPANT"
    with store.session() as session:
        assert {r.status for r in session.execute(select(MessageRow)).scalars()} == {"sent"}


def test_a_second_run_sends_nothing_again(world):
    store, configs, _ = world
    with Mailbox() as mailbox:
        for _ in range(2):
            planned = invitations.plan_invitations(store, configs, "gentofte", "ebi", NOW, day=DAY)
            report = ledger.dispatch(store, planned.messages, smtp(mailbox), lambda: NOW)
    assert len(mailbox.messages) == 9 and len(report.skipped) == 9 and report.sent == []


def test_change_of_time_sends_an_update_then_a_cancellation(world):
    store, configs, examples = world
    with Mailbox() as mailbox:
        ledger.dispatch(store, invitations.plan_invitations(store, configs, "gentofte", "ebi", NOW, day=DAY).messages,
                        smtp(mailbox), lambda: NOW)
        meetings = examples / "meetings.yaml"
        meetings.write_text(meetings.read_text(encoding="utf-8").replace(
            "start: 2025-09-22T16:30:00+02:00\n    end: 2025-09-22T18:30:00+02:00",
            "start: 2025-09-22T17:00:00+02:00\n    end: 2025-09-22T19:00:00+02:00"), encoding="utf-8")
        import_files(store, configs, [meetings], NOW)
        with pytest.raises(InputError, match="built before the meeting's time or place changed"):
            invitations.plan_invitations(store, configs, "gentofte", "ebi", NOW, day=DAY)  # never the old time
        build.run(store, configs, build.AgendaRequest("gentofte", "ebi", NOW.date(), day=DAY), ROOT / "templates",
                  examples.parent / "out", NOW, pdf=False)
        update = invitations.plan_invitations(store, configs, "gentofte", "ebi", NOW, day=DAY)
        assert {m.kind for m in update.messages} == {"update"}
        agenda = next(a for a in update.messages[0].attachments if a.filename.endswith(".docx"))
        assert "kl. 17:00" in docx_text(agenda.data)  # the agenda rebuilt for the new time
        ledger.dispatch(store, update.messages, smtp(mailbox), lambda: NOW)
        text = meetings.read_text(encoding="utf-8")
        meetings.write_text(text.replace("    location: {room: Udvalgsværelse A/B}",
                                         "    location: {room: Udvalgsværelse A/B}\n    state: cancelled"), encoding="utf-8")
        import_files(store, configs, [meetings], NOW)
        cancel = invitations.plan_invitations(store, configs, "gentofte", "ebi", NOW, day=DAY)
        ledger.dispatch(store, cancel.messages, smtp(mailbox), lambda: NOW)
    received = mailbox.to("jesper.marcus@example.org")
    assert [m["Subject"].split(":")[0] for m in received] == ["Indkaldelse", "Ændret", "Aflyst"]
    events = [icalendar.Calendar.from_ical(calendar_part(m).get_payload(decode=True)) for m in received]
    assert [str(c.walk("VEVENT")[0]["UID"]) for c in events] == ["ebi-2025-09-22.gentofte@meetprep"] * 3
    assert [c.walk("VEVENT")[0]["SEQUENCE"] for c in events] == [0, 1, 2]
    assert [str(c["METHOD"]) for c in events] == ["REQUEST", "REQUEST", "CANCEL"]
    assert events[1].walk("VEVENT")[0].decoded("dtstart").hour == 17
    assert str(events[2].walk("VEVENT")[0]["STATUS"]) == "CANCELLED"


def test_reminders_by_apprise_and_email_with_failures_reported(world, endpoint):
    store, configs, _ = world
    due = reminders.due_reminders(store, configs, DAY - dt.timedelta(days=7))
    assert {m.kind for m in due} == {"reminder-7d"} and len(due) == 7
    transport = ledger.Router(None, ledger.AppriseTransport())
    with Mailbox(refuse={"marie.brixtofte@example.org"}) as mailbox:
        transport.email = smtp(mailbox)
        report = ledger.dispatch(store, due, transport, lambda: NOW, backoff=0.01)
    assert [(p, d["title"]) for p, d in endpoint.received] == [
        ("katja", "Påmindelse: Erhvervs-, Beskæftigelses- og Integrationsudvalget Mandag d. 22. september 2025 kl. 16:30")]
    assert "Husk mødet i Erhvervs-, Beskæftigelses- og Integrationsudvalget" in endpoint.received[0][1]["message"]
    assert len(mailbox.messages) == 4  # Søren, Jesper, Anton, Frederik; Marie is refused
    failed = {f["recipient"]: f["error"] for f in report.failed}
    assert set(failed) == {"json://127.0.0.1/…", "marie.brixtofte@example.org"}
    assert failed["marie.brixtofte@example.org"].startswith("permanent: recipient refused")
    assert "apprise answered False" in failed["json://127.0.0.1/…"]
    # The next daily run retries only what failed.
    with Mailbox() as mailbox:
        transport.email = smtp(mailbox)
        again = ledger.dispatch(store, reminders.due_reminders(store, configs, DAY - dt.timedelta(days=6)),
                                transport, lambda: NOW, backoff=0.01)
    assert [r for _, rcpts, _ in mailbox.messages for r in rcpts] == ["marie.brixtofte@example.org"]
    assert len(again.skipped) == 5 and len(again.failed) == 1


def test_reminder_days_follow_holidays_and_the_meeting(world):
    store, configs, _ = world
    assert reminders.due_reminders(store, configs, DAY - dt.timedelta(days=8)) == []
    one_day = [m for m in reminders.due_reminders(store, configs, dt.date(2025, 9, 19)) if m.kind == "reminder-1b"]
    assert len(one_day) == 7  # 1 business day before Monday is Friday
    assert reminders.due_reminders(store, configs, DAY + dt.timedelta(days=1)) == []


def test_apprise_none_counts_as_failure():
    class Nothing:
        def send(self, message):
            raise ledger.TransientFailure("apprise answered None for x")

    message = ledger.Outgoing("k", "reminder-1d", 0, "apprise", "xyz://nothing", "s", "t")
    assert ledger.safe_recipient("ntfy://user:pass@ntfy.example.org/topic") == "ntfy://ntfy.example.org/…"
    with Store("sqlite://") as store:
        report = ledger.dispatch(store, [message], Nothing(), lambda: NOW, backoff=0.0)
    assert report.failed[0]["error"].startswith("transient, 3 attempt(s)")


def sent_count(store: Store) -> int:
    with store.session() as session:
        return len(session.execute(select(MessageRow).where(MessageRow.status == "sent")).scalars().all())


def sending_count(store: Store) -> int:
    with store.session() as session:
        return len(session.execute(select(MessageRow).where(MessageRow.status == "sending")).scalars().all())


SENDER = """
import datetime as dt, sys
from pathlib import Path
from meetprep.messages import invitations
from meetprep.messages import ledger
from meetprep.config import load_configs
from meetprep.store import Store
store = Store(sys.argv[1]); configs = load_configs(Path(sys.argv[2]))
later = dt.timedelta(minutes=int(sys.argv[4]))
now = lambda: dt.datetime(2025, 9, 12, 8, tzinfo=dt.timezone.utc) + later
planned = invitations.plan_invitations(store, configs, "gentofte", "ebi", now(), day=dt.date(2025, 9, 22))
transport = ledger.SmtpTransport(ledger.SmtpServer.from_url(sys.argv[3]), now)
report = ledger.dispatch(store, planned.messages, transport, now)
print(len(report.sent), len(report.skipped), len(report.in_progress), len(report.failed))
"""


@pytest.mark.slow  # starts processes (at once, or kills one): in the full suite, not the fast lane
def test_a_run_killed_halfway_and_run_again_delivers_each_message_once(world, configs_dir):
    store, _, _ = world
    with Mailbox(delay=0.4) as mailbox:
        command = [sys.executable, "-c", SENDER, store.url, str(configs_dir), mailbox.url]
        process = subprocess.Popen([*command, "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        # Kill while the server holds the fourth message (its delay), after three are recorded sent:
        # waited for by its claim in the ledger, not by the count alone (between the third's commit
        # and the fourth's claim a kill would leave nothing in progress).
        assert wait_for(lambda: sent_count(store) >= 3 and sending_count(store) == 1, timeout=60)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        delivered_before = len(mailbox.messages)
        assert 3 <= delivered_before < 9
        # At once, the killed run's claim still holds: its message is left alone (in progress).
        at_once = subprocess.run([*command, "1"], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert at_once.returncode == 0, at_once.stderr
        sent, skipped, in_progress, failed = map(int, at_once.stdout.split())
        assert (sent, skipped, in_progress, failed) == (9 - delivered_before - 1, delivered_before, 1, 0)
        # After the lease ran out, the next run takes it over.
        later = ledger.LEASE.total_seconds() // 60 + 1
        finished = subprocess.run([*command, str(int(later))], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert finished.returncode == 0, finished.stderr
        assert finished.stdout.split() == ["1", "8", "0", "0"]
    per_recipient = {}
    for _, rcpts, _ in mailbox.messages:
        for address in rcpts:
            per_recipient[address] = per_recipient.get(address, 0) + 1
    assert len(per_recipient) == 9
    # Exactly once. (A message caught between the server's "250" and the ledger's commit would be
    # sent again with the same Message-ID, see meetprep/ledger.py; the kill above lands while the
    # server still holds a message, outside that window of a few milliseconds.)
    assert set(per_recipient.values()) == {1}, per_recipient
    ids = [m["Message-ID"] for _, _, m in mailbox.messages]
    assert len(set(ids)) == 9
    with store.session() as session:
        assert {r.status for r in session.execute(select(MessageRow)).scalars()} == {"sent"}


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "smtps"])
def test_tls_with_an_internal_certificate_authority(tmp_path, implicit):
    import ssl

    from tests.servers import self_signed

    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    message = ledger.Outgoing("tls-key", "reminder-1d", 0, "email", "jesper.marcus@example.org", "Påmindelse", "Husk mødet.")
    with Mailbox(tls=context, implicit_tls=implicit) as mailbox, Store("sqlite://") as store:
        untrusted = ledger.SmtpTransport(ledger.SmtpServer.from_url(mailbox.url), lambda: NOW)
        refused = ledger.dispatch(store, [message], untrusted, lambda: NOW, backoff=0.0)
        assert refused.failed and "certificate is not trusted" in refused.failed[0]["error"]
        assert refused.failed[0]["error"].startswith("permanent")  # not retried: it would not help
        trusted = ledger.SmtpTransport(ledger.SmtpServer.from_url(mailbox.url, cafile=cert), lambda: NOW)
        assert len(ledger.dispatch(store, [message], trusted, lambda: NOW).sent) == 1
    (received,) = mailbox.messages
    assert received[1] == ["jesper.marcus@example.org"] and received[2]["Subject"] == "Påmindelse"


def test_personal_feeds_live_outside_the_public_tree_under_unguessable_names(world, tmp_path):
    from meetprep.jobs.publishing import write_feeds
    from meetprep.messages.feeds import feed_secret, feed_token

    store, configs, _ = world
    secret = feed_secret(tmp_path / "home")
    assert feed_secret(tmp_path / "home") == secret and len(secret) == 32  # made once, then kept
    assert oct((tmp_path / "home" / ".feed-secret").stat().st_mode & 0o777) == "0o600"
    out = tmp_path / "output"
    written = write_feeds(store, configs, SimpleNamespace(output_dir=out, home=tmp_path / "home"), NOW)
    public = sorted(p.relative_to(out).as_posix() for p in (out / "feeds").rglob("*") if p.is_file())
    assert "feeds/gentofte/ebi.ics" in public and not any("persons" in p or "personal" in p for p in public)
    for feed in (out / "feeds").rglob("*.ics"):  # nothing closed in anything public
        assert SECRET_TITLE.encode() not in feed.read_bytes()
    index = json.loads((out / "personal-feeds" / "gentofte" / "index.json").read_text(encoding="utf-8"))
    name = index["jesper-marcus"]["file"]
    assert name == f"{feed_token(secret, 'gentofte', 'jesper-marcus')}.ics" and "jesper" not in name and len(name) == 36
    assert feed_token(b"another installation", "gentofte", "jesper-marcus") + ".ics" != name
    personal = out / "personal-feeds" / "gentofte" / name
    assert personal in written and SECRET_TITLE in personal.read_bytes().decode()  # members see the titles


def test_an_extraordinary_meeting_says_so_in_subject_summary_and_text(world):
    """Danish: 'ekstraordinært møde' in the subject, the calendar SUMMARY and the letter."""
    store, configs, examples = world
    meetings = examples / "meetings.yaml"
    meetings.write_text(meetings.read_text(encoding="utf-8").replace(
        "    location: {room: Udvalgsværelse A/B}", "    location: {room: Udvalgsværelse A/B}\n    extraordinary: true", 1),
        encoding="utf-8")
    import_files(store, configs, [meetings], NOW)
    planned = invitations.plan_invitations(store, configs, "gentofte", "ebi", NOW, day=DAY)
    member = next(m for m in planned.messages if m.recipient == "frederik.dehlholm@example.org")
    assert member.subject.startswith(
        "Indkaldelse: Erhvervs-, Beskæftigelses- og Integrationsudvalget, ekstraordinært møde Mandag d. 22. september")
    event = icalendar.Calendar.from_ical(member.calendar).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Erhvervs-, Beskæftigelses- og Integrationsudvalget, ekstraordinært møde"
    assert "Mødet er et ekstraordinært møde." in member.text
    assert "mandag d. 22. september 2025 kl. 16:30" in member.text  # a weekday in mid-sentence is lower case
    from meetprep.i18n import catalogue

    german = catalogue("de")
    assert german.meeting_name("Sozialausschuss", extraordinary=True) == "Sozialausschuss, Sondersitzung"
    assert german.text("messages.extraordinary_line") == "Es handelt sich um eine Sondersitzung."


def test_a_committee_feed_is_what_a_subscriber_expects_with_the_planned_public_events(world, tmp_path):
    """REFRESH-INTERVAL and X-PUBLISHED-TTL, no alarms, the julestue and the dialogue meeting beside
    the meetings; a personal feed keeps its alarms."""
    from meetprep import planning
    from meetprep.jobs.publishing import write_feeds

    store, configs, _ = world
    planning.plan_year(store, configs, 2026, NOW, ["gentofte"])
    out = tmp_path / "published"
    write_feeds(store, configs, SimpleNamespace(output_dir=out, home=tmp_path), NOW)
    feed = icalendar.Calendar.from_ical((out / "feeds/gentofte/ebi.ics").read_bytes())
    assert feed["REFRESH-INTERVAL"].dt == dt.timedelta(hours=1) and str(feed["X-PUBLISHED-TTL"]) == "PT1H"
    assert feed.walk("VALARM") == []
    summaries = {str(e["SUMMARY"]): e for e in feed.walk("VEVENT")}
    julestue = next(e for name, e in summaries.items() if name.startswith("Julestue"))
    assert julestue["DTSTART"].dt == dt.datetime(2026, 11, 29, 14, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
    assert any(name.startswith("Årligt dialogmøde") for name in summaries)
    assert "Erhvervs-, Beskæftigelses- og Integrationsudvalget" in summaries
    personal = next((out / "personal-feeds/gentofte").glob("*.ics"))
    assert icalendar.Calendar.from_ical(personal.read_bytes()).walk("VALARM") != []


def test_an_atom_feed_lists_a_committees_new_public_documents_and_nothing_closed(world, tmp_path):
    import xml.etree.ElementTree as ET

    from meetprep.jobs.publishing import write_feeds

    store, configs, _ = world
    out = tmp_path / "out"  # where the world's build wrote its documents
    write_feeds(store, configs, SimpleNamespace(output_dir=out, home=tmp_path), NOW)
    data = (out / "feeds/gentofte/ebi.atom").read_bytes()
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.fromstring(data)
    entries = feed.findall(f"{atom}entry")
    titles = [e.find(f"{atom}title").text for e in entries]
    assert titles and all("(v1)" in t for t in titles)
    assert any(t.startswith("Dagsorden, Erhvervs-, Beskæftigelses- og Integrationsudvalget, 22. september 2025") for t in titles)
    links = [e.find(f"{atom}link").get("href") for e in entries]
    assert all("/public/" in href and (out / href).is_file() for href in links)
    assert SECRET_TITLE.encode() not in data and b"EMN-2025-07777" not in data and b"medlemmer" not in data
    assert len({e.find(f"{atom}id").text for e in entries}) == len(entries)
    write_feeds(store, configs, SimpleNamespace(output_dir=out, home=tmp_path), NOW + dt.timedelta(days=1))
    again = ET.fromstring((out / "feeds/gentofte/ebi.atom").read_bytes())
    assert [e.find(f"{atom}id").text for e in again.findall(f"{atom}entry")] == [e.find(f"{atom}id").text for e in entries]


@pytest.mark.parametrize("name", ["محمد العلي", "Şükrü Öztürk", "Łucja Wróblewska", "Müller, Hans", "Ole \"Bo\" Olsen"])
def test_the_recipients_name_in_any_script_reaches_the_mail_server_intact(world, name):
    """To: carries the person's name (from the store, by the message's person), encoded so that
    any script, a comma or quotes survive the trip through a real SMTP server."""
    from meetprep.store import PersonRow

    store, _, _ = world
    with store.session() as session:
        person = session.query(PersonRow).filter(PersonRow.key == "soeren-b-heisel").one()
        person.name = name
        person_id = person.id
    message = ledger.Outgoing(key=f"name-test/{name}", kind="notice", sequence=0, channel="email",
                             recipient="soeren.heisel@example.org", subject="Hej", text="Hej", person_id=person_id)
    with Mailbox() as mailbox:
        ledger.dispatch(store, [message], smtp(mailbox), lambda: NOW)
    (received,) = mailbox.to("soeren.heisel@example.org")
    address = received["To"].addresses[0]
    assert (address.display_name, address.addr_spec) == (name, "soeren.heisel@example.org")
