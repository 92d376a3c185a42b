"""Replies to meeting requests (issue 16): read from a maildir, each counted once; attendance,
substitutes called in and withdrawn, the quorum watched. Replies are shaped as Outlook (and
Exchange, without ORGANIZER), Gmail and Apple Calendar send them, built with icalendar."""

from __future__ import annotations

import datetime as dt
import mailbox
from email.message import EmailMessage
from email.utils import make_msgid

import icalendar
import pytest

from meetprep.agenda import build

from meetprep.messages import calendar

from meetprep.messages import invitations

from meetprep.messages import ledger

from meetprep.messages import replies
from meetprep.config import load_configs
from meetprep.importing.pipeline import import_files
from meetprep.store import ReplyRow, Store
from tests.conftest import EXAMPLES, ROOT, config_with

NOW = dt.datetime(2010, 1, 18, 9, tzinfo=dt.timezone.utc)
DAY = dt.date(2010, 1, 27)
UID = calendar.meeting_uid("koebenhavn", "biu-2010-01-27")
PRODIDS = {
    "outlook": "-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN",
    "exchange": "Microsoft Exchange Server 2010",
    "gmail": "-//Google Inc//Google Calendar 70.9054//EN",
    "apple": "-//Apple Inc.//iPhone OS 17.4//EN",
}


@pytest.fixture
def world(tmp_path):
    configs = load_configs(ROOT / "config")
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    import_files(store, configs, [EXAMPLES / "koebenhavn"], NOW - dt.timedelta(days=30))
    build.run(store, configs, build.AgendaRequest("koebenhavn", "biu", NOW.date(), day=DAY), ROOT / "templates",
              tmp_path / "out", NOW, pdf=False)
    outbox = ledger.OutboxTransport(tmp_path / "outbox", lambda: NOW)
    sent = send(store, configs, outbox)
    inbox = replies.MaildirInbox(tmp_path / "replies")
    yield store, configs, inbox, outbox, sent
    store.close()


def send(store, configs, transport):
    planned = invitations.plan_invitations(store, configs, "koebenhavn", "biu", NOW, day=DAY)
    return ledger.dispatch(store, planned.messages, transport, lambda: NOW)


def reply(attendee: str, partstat: str, client: str = "outlook", sender: str | None = None, sequence: int = 0,
          uid: str = UID, stamp: dt.datetime = NOW, everyone: list[str] | None = None, mangle=None) -> bytes:
    """An e-mail with an iTIP REPLY as the client sends it."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODIDS[client])
    cal.add("version", "2.0")
    cal.add("method", "REPLY")
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", dt.datetime(2010, 1, 27, 14, tzinfo=dt.timezone.utc))
    if client != "exchange":  # Exchange leaves ORGANIZER out of its replies
        event.add("organizer", icalendar.vCalAddress("mailto:biu-sekretariat@example.org"))
    for address in (everyone or [attendee]):
        who = icalendar.vCalAddress(f"mailto:{address}")
        who.params["PARTSTAT"] = partstat if address == attendee else "NEEDS-ACTION"
        who.params["CN"] = address.split("@")[0]
        event.add("attendee", who)
    if client == "apple":
        event.add("x-apple-travel-advisory-behavior", "AUTOMATIC")
    cal.add_component(event)
    data = cal.to_ical()
    if mangle is not None:
        data = mangle(data)
    message = EmailMessage()
    message["From"] = sender or attendee
    message["To"] = "biu-sekretariat@example.org"
    message["Subject"] = {"ACCEPTED": "Accepted", "DECLINED": "Declined", "TENTATIVE": "Tentative"}.get(partstat, "Reply")
    message["Message-ID"] = make_msgid(domain="example.org")
    message.set_content("reply")
    if client in ("outlook", "exchange"):
        message.add_alternative(data, maintype="text", subtype="calendar", params={"method": "REPLY"})
    elif client == "gmail":
        message.add_alternative(data, maintype="text", subtype="calendar", params={"method": "REPLY"})
        message.add_attachment(data, maintype="application", subtype="ics", filename="invite.ics")
    else:  # Apple Mail: the calendar only as an attachment
        message.add_attachment(data, maintype="text", subtype="calendar", filename="iCal-20100118-101500.ics",
                               params={"method": "REPLY"})
    return bytes(message)


def ics_of(path) -> icalendar.Calendar:
    """The meeting request (or cancellation) inside an .eml of the outbox."""
    import email
    import email.policy

    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return icalendar.Calendar.from_ical(part.get_payload(decode=True))


def deliver(inbox: replies.MaildirInbox, *messages: bytes) -> None:
    for raw in messages:
        inbox.box.add(mailbox.MaildirMessage(raw))


def test_replies_from_outlook_exchange_gmail_and_apple_are_counted_once(world):
    store, configs, inbox, _, _ = world
    deliver(inbox, reply("birgitte.eksempel@example.org", "ACCEPTED", "outlook"),
            reply("hans.eksempel@example.org", "TENTATIVE", "exchange"),
            reply("lone.eksempel@example.org", "DECLINED", "gmail"))
    first = replies.take(store, inbox, NOW)
    assert len(first.counted) == 3 and first.aside == []
    # A second run finds nothing new: everything was marked read.
    assert replies.take(store, inbox, NOW).counted == []
    # The same e-mail delivered again (a forward, a resend): read, but counted once.
    with store.session() as session:
        key = session.query(ReplyRow.message_key).first()[0]
    raw = reply("birgitte.eksempel@example.org", "ACCEPTED", "apple")
    raw = raw.replace(raw.split(b"Message-ID: ")[1].split(b"\n")[0], key.encode())
    deliver(inbox, raw)
    again = replies.take(store, inbox, NOW)
    assert again.again == 1 and again.counted == []
    state = replies.attendance(store, configs, "koebenhavn", "biu-2010-01-27")
    answers = {p["person"]: (p["answer"], p["stands_in_for"]) for p in state["people"]}
    assert answers == {"biu-formand": ("accepted", None), "biu-medlem-1": ("tentative", None),
                       "biu-medlem-2": ("declined", None), "biu-suppleant": ("none", "biu-medlem-2")}
    assert (state["voting_members"], state["quorum"], state["expected"], state["at_risk"]) == (3, 2, 3, False)


@pytest.mark.parametrize(("raw", "reason"), [
    (lambda: reply("birgitte.eksempel@example.org", "ACCEPTED", sender="someone@example.net"), "sent by someone@example.net"),
    (lambda: reply("stranger@example.net", "ACCEPTED"), "was not invited"),
    (lambda: reply("birgitte.eksempel@example.org", "ACCEPTED", uid="nothing-of-ours@example.org"), "unknown UID"),
    (lambda: reply("birgitte.eksempel@example.org", "ACCEPTED", uid="biu-2099-01-01.koebenhavn@meetprep"), "unknown UID"),
    (lambda: reply("birgitte.eksempel@example.org", "ACCEPTED",
                   mangle=lambda d: d.replace(b"DTSTART:", b"DTSTART:garbage")), "cannot be read"),
    (lambda: reply("birgitte.eksempel@example.org", "ACCEPTED", mangle=lambda d: d.split(b"END:VEVENT")[0]),
     "cannot be read"),
])
def test_a_reply_that_cannot_be_trusted_is_kept_aside_with_its_reason_and_changes_nothing(world, raw, reason):
    store, configs, inbox, _, _ = world
    deliver(inbox, raw())
    report = replies.take(store, inbox, NOW)
    assert report.counted == [] and len(report.aside) == 1 and reason in report.aside[0]["reason"]
    state = replies.attendance(store, configs, "koebenhavn", "biu-2010-01-27")
    assert all(p["answer"] == "none" for p in state["people"])


def test_a_reply_to_an_older_sequence_is_ignored(world, tmp_path):
    store, configs, inbox, outbox, _ = world
    meetings = tmp_path / "meetings.yaml"
    meetings.write_text((EXAMPLES / "koebenhavn/meetings.yaml").read_text(encoding="utf-8").replace(
        "start: 2010-01-27T15:00:00+01:00", "start: 2010-01-27T16:00:00+01:00"), encoding="utf-8")
    import_files(store, configs, [meetings], NOW)
    build.run(store, configs, build.AgendaRequest("koebenhavn", "biu", NOW.date(), day=DAY), ROOT / "templates",
              tmp_path / "out", NOW, pdf=False)
    send(store, configs, outbox)  # the update, SEQUENCE 1
    deliver(inbox, reply("birgitte.eksempel@example.org", "ACCEPTED", sequence=0),
            reply("hans.eksempel@example.org", "DECLINED", sequence=1))
    report = replies.take(store, inbox, NOW)
    assert [a["reason"] for a in report.aside] == ["answers an older version of the meeting (SEQUENCE 0, now 1)"]
    assert len(report.counted) == 1


def test_a_decline_calls_in_the_substitute_and_a_later_accept_withdraws_the_call(world, tmp_path):
    store, configs, inbox, outbox, _ = world
    deliver(inbox, reply("hans.eksempel@example.org", "DECLINED", "gmail"))
    report = replies.take(store, inbox, NOW)
    called = send(store, configs, outbox)
    invited = [m["key"] for m in called.sent if "biu-suppleant" in m["key"]]
    assert invited == ["koebenhavn/biu-2010-01-27/biu-suppleant/invitation/0"]
    request = ics_of(next(outbox.folder.glob("*biu-suppleant_invitation*.eml")))
    assert str(request["METHOD"]) == "REQUEST" and str(request.walk("VEVENT")[0]["UID"]) == UID
    assert "mailto:karim.eksempel@example.org" in [str(a) for a in request.walk("VEVENT")[0]["ATTENDEE"]]
    told = ledger.dispatch(store, replies.notices(store, configs, report.meetings, NOW), outbox, lambda: NOW)
    assert [m["key"].split("/")[2:4] for m in told.sent] == [["biu-sekretariat", "substitute"]]
    # Hans can come after all: the substitute's request is withdrawn (CANCEL), once.
    deliver(inbox, reply("hans.eksempel@example.org", "ACCEPTED", "outlook", stamp=NOW + dt.timedelta(hours=2)))
    replies.take(store, inbox, NOW + dt.timedelta(hours=2))
    withdrawn = send(store, configs, outbox)
    assert [m["key"] for m in withdrawn.sent if "biu-suppleant" in m["key"]] == [
        "koebenhavn/biu-2010-01-27/biu-suppleant/cancellation/0"]
    cancel = ics_of(next(outbox.folder.glob("*biu-suppleant_cancellation*.eml")))
    assert str(cancel["METHOD"]) == "CANCEL"
    assert str(cancel.walk("VEVENT")[0]["ATTENDEE"]) == "mailto:karim.eksempel@example.org"
    assert [m["key"] for m in send(store, configs, outbox).sent if "biu-suppleant" in m["key"]] == []


def test_the_secretary_and_the_chair_hear_once_when_the_quorum_is_at_risk(world):
    store, configs, inbox, outbox, _ = world
    deliver(inbox, reply("hans.eksempel@example.org", "DECLINED"), reply("lone.eksempel@example.org", "DECLINED"))
    report = replies.take(store, inbox, NOW)
    send(store, configs, outbox)  # the substitute is called in for one of them
    deliver(inbox, reply("karim.eksempel@example.org", "DECLINED", "apple"))
    report2 = replies.take(store, inbox, NOW)
    state = replies.attendance(store, configs, "koebenhavn", "biu-2010-01-27")
    assert (state["expected"], state["quorum"], state["at_risk"]) == (1, 2, True)
    sent = ledger.dispatch(store, replies.notices(store, configs, report.meetings | report2.meetings, NOW), outbox,
                           lambda: NOW)
    quorum = sorted(m["key"].split("/")[2] for m in sent.sent if "/quorum/" in m["key"])
    assert quorum == ["biu-formand", "biu-sekretariat"]
    text = next(outbox.folder.glob("*biu-formand_quorum*.eml")).read_text(encoding="utf-8")
    assert "Beslutningsdygtighed i fare" in text
    # Nothing changed: nobody is told again.
    assert replies.notices(store, configs, report.meetings, NOW) == []


@pytest.mark.slow  # starts processes (at once, or kills one): in the full suite, not the fast lane
def test_a_german_stellvertretung_is_personal_and_the_cli_shows_attendance(tmp_path, monkeypatch):
    """Herzogenrath: Günther Muster stands in for Ayşe Beispiel only. Jonas Muster declining calls
    nobody in; Ayşe declining calls Günther, with a German request; `meetings attendance` shows it."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    def personal(asi: dict) -> None:
        for membership in asi["memberships"]:
            if membership["person"] == "vertretung-asi":
                membership["substitute_for"] = "mitglied-asi-2"

    folder = config_with(tmp_path, "herzogenrath", "asi", personal)
    home = tmp_path / "home"
    env = {**__import__("os").environ, "MEETPREP_HOME": str(home), "MEETPREP_CONFIG_DIR": str(folder)}
    env.pop("PREFECT_API_URL", None)
    meetprep = str(Path(sys.executable).with_name("meetprep"))

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([meetprep, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)

    assert cli("items", "import", str(EXAMPLES / "herzogenrath")).returncode == 0
    assert cli("agenda", "build", "--body", "herzogenrath", "--committee", "asi", "--date", "2025-03-25",
               "--as-of", "2025-03-17", "--no-pdf").returncode == 0
    sent = cli("invitations", "send", "--body", "herzogenrath", "--committee", "asi", "--date", "2025-03-25", "--json")
    assert sent.returncode == 0, sent.stderr
    uid = calendar.meeting_uid("herzogenrath", "asi-2025-03-25")
    inbox = replies.MaildirInbox(home / "replies")
    deliver(inbox, reply("jonas.muster@example.org", "DECLINED", "outlook", uid=uid))
    taken = cli("replies", "take", "--json")
    assert taken.returncode == 0, taken.stderr
    result = json.loads(taken.stdout)
    assert len(result["replies"]["counted"]) == 1
    assert [m for m in result["messages"]["sent"] if "vertretung-asi" in m["key"]] == []  # not his Stellvertreter
    deliver(inbox, reply("ayse.beispiel@example.org", "DECLINED", "apple", uid=uid))
    result = json.loads(cli("replies", "take", "--json").stdout)
    called = [m for m in result["messages"]["sent"] if m["key"].split("/")[2] == "vertretung-asi"]
    assert [m["kind"] for m in called] == ["invitation"] and called[0]["subject"].startswith("Einladung: ")
    notice = [m for m in result["messages"]["sent"] if m["kind"] == "substitute-notice"]
    assert notice and notice[0]["subject"].startswith("Vertretung eingeladen: ")
    shown = json.loads(cli("meetings", "attendance", "--body", "herzogenrath", "--meeting", "asi-2025-03-25",
                           "--json").stdout)
    answers = {p["person"]: (p["answer"], p["stands_in_for"]) for p in shown["people"]}
    assert answers == {"vorsitz-asi": ("none", None), "mitglied-asi-1": ("declined", None),
                       "mitglied-asi-2": ("declined", None), "vertretung-asi": ("none", "mitglied-asi-2")}
    assert (shown["expected"], shown["quorum"], shown["at_risk"]) == (2, 2, False)
    table = cli("meetings", "attendance", "--body", "herzogenrath", "--meeting", "asi-2025-03-25")
    assert "Günther Muster" in table.stdout and "mitglied-asi-2" in table.stdout


def test_the_minutes_form_is_prefilled_from_the_replies_and_records_as_it_is(world, tmp_path):
    import yaml

    from meetprep.minutes import form
    from meetprep.minutes import record as minutes

    from meetprep.jobs.minutes import write_documents as write_minutes
    from meetprep.config import Settings
    from meetprep.model import MinutesFile
    from tests.docxtext import text

    store, configs, inbox, outbox, _ = world
    deliver(inbox, reply("lone.eksempel@example.org", "DECLINED", "gmail"))
    replies.take(store, inbox, NOW)
    send(store, configs, outbox)
    deliver(inbox, reply("karim.eksempel@example.org", "ACCEPTED", "apple"))
    replies.take(store, inbox, NOW)
    filled = form.form(store, configs, "koebenhavn", "biu-2010-01-27")
    data = yaml.safe_load(filled)
    assert data["attendance"] == {"absent": ["biu-medlem-2"], "substitutes": [{"person": "biu-suppleant",
                                                                              "for": "biu-medlem-2"}]}
    paper = next(i for i in data["items"] if "reference" in i)
    assert paper == {"reference": "2010-16508", "result": None}
    assert '# 12 Underskrivelse af "Integrating Cities Charter"' in filled
    paper["result"] = "anbefalet"
    minutes.record(store, configs, MinutesFile.model_validate(data), "form.yaml", NOW)
    settings = Settings.from_env(env={"MEETPREP_HOME": str(tmp_path / "home")}, cwd=ROOT)
    files, _ = write_minutes(store, configs, settings, "koebenhavn", "biu-2010-01-27", pdf=False)
    referat = text(next(f["path"] for f in files if f["variant"] == "members" and f["path"].endswith(".docx")))
    assert "Lone Eksempel (Fravær)" in referat and "Karim Eksempel" in referat


def test_replies_are_taken_from_a_real_imap_server_once(world, tmp_path):
    """Dovecot on 127.0.0.1: unseen replies are read without marking them, marked \\Seen after they
    are recorded; a second run reads nothing; a reply marked unseen again counts once."""
    import imaplib

    from tests.imapserver import Dovecot, dovecot

    if dovecot() is None:
        if __import__("os").environ.get("CI"):
            pytest.fail("Dovecot is missing in CI; scripts/test.sh installs dovecot-imapd")
        pytest.skip("Dovecot is not installed")
    store, configs, _, _, _ = world
    with Dovecot() as server:
        server.deliver(reply("birgitte.eksempel@example.org", "ACCEPTED", "outlook"), "a")
        server.deliver(reply("hans.eksempel@example.org", "DECLINED", "exchange"), "b")
        server.deliver(reply("stranger@example.net", "ACCEPTED", "gmail"), "c")
        with replies.ImapInbox(server.url) as inbox:
            first = replies.take(store, inbox, NOW)
        assert len(first.counted) == 2 and len(first.aside) == 1
        assert all(item["source"].startswith("imap:INBOX/") for item in first.counted)
        with replies.ImapInbox(server.url) as inbox:
            assert replies.take(store, inbox, NOW).counted == []
        client = imaplib.IMAP4("127.0.0.1", server.port)
        client.login(server.USER, server.PASSWORD)
        client.select("INBOX")
        assert client.search(None, "SEEN")[1][0].split() == [b"1", b"2", b"3"]
        client.store("1:3", "-FLAGS", "(\\Seen)")  # someone marks them unread again
        client.logout()
        with replies.ImapInbox(server.url) as inbox:
            again = replies.take(store, inbox, NOW)
        assert again.again == 3 and again.counted == [] and again.aside == []
    state = replies.attendance(store, configs, "koebenhavn", "biu-2010-01-27")
    assert {p["person"]: p["answer"] for p in state["people"]}["biu-medlem-1"] == "declined"


def _take_from(url: str, folder: str) -> int:
    """One run of `replies take` in its own process (tests.overlap)."""
    from pathlib import Path

    store = Store(url)
    try:
        return len(replies.take(store, replies.MaildirInbox(Path(folder)), NOW).counted)
    finally:
        store.close()


def test_three_runs_taking_the_same_replies_at_once_count_each_once(world):
    from tests.overlap import overlapping

    store, configs, inbox, _, _ = world
    deliver(inbox, *[reply(address, "ACCEPTED", client) for address, client in (
        ("birgitte.eksempel@example.org", "outlook"), ("hans.eksempel@example.org", "gmail"),
        ("lone.eksempel@example.org", "apple"))])
    counted = overlapping(3, _take_from, store.url, str(inbox.folder))
    assert sum(counted) == 3
    with store.session() as session:
        assert session.query(ReplyRow).count() == 3
    assert all("S" in inbox.box.get_message(key).get_flags() for key in inbox.box.keys())
    state = replies.attendance(store, configs, "koebenhavn", "biu-2010-01-27")
    assert [p["answer"] for p in state["people"] if p["voting"]] == ["accepted"] * 3


def test_a_substitute_invited_before_replies_were_read_is_not_withdrawn(world):
    """Upgraded installations invited substitutes with the members: that invitation stays."""
    from meetprep.store import PersonRow

    store, configs, inbox, outbox, _ = world
    with store.session() as session:
        karim = session.query(PersonRow).filter_by(key="biu-suppleant").one()
    earlier = ledger.Outgoing(key="koebenhavn/biu-2010-01-27/biu-suppleant/invitation/0", kind="invitation",
                              sequence=0, channel="email", recipient="karim.eksempel@example.org", subject="Indkaldelse",
                              text="...", meeting_id=1, person_id=karim.id, agenda_version=1)
    ledger.dispatch(store, [earlier], outbox, lambda: NOW - dt.timedelta(days=1))
    assert [m["key"] for m in send(store, configs, outbox).sent] == []
    deliver(inbox, reply("hans.eksempel@example.org", "DECLINED"))
    replies.take(store, inbox, NOW)
    deliver(inbox, reply("hans.eksempel@example.org", "ACCEPTED", stamp=NOW + dt.timedelta(hours=1)))
    replies.take(store, inbox, NOW + dt.timedelta(hours=1))
    assert [m["key"] for m in send(store, configs, outbox).sent if "biu-suppleant" in m["key"]] == []
    # and, being invited, hears of the meeting's cancellation like everyone else
    meetings_file = EXAMPLES / "koebenhavn/meetings.yaml"
    cancelled = inbox.folder.parent / "meetings.yaml"
    cancelled.write_text(meetings_file.read_text(encoding="utf-8").replace(
        "    end: 2010-01-27T17:00:00+01:00", "    end: 2010-01-27T17:00:00+01:00\n    state: cancelled", 1),
        encoding="utf-8")
    import_files(store, configs, [cancelled], NOW)
    assert "koebenhavn/biu-2010-01-27/biu-suppleant/cancellation/1" in [m["key"] for m in send(store, configs, outbox).sent]


def _nextcloud(attendee: str, partstat: str, reply_to: str, sender: str = "noreply@cloud.example.org") -> bytes:
    """As Nextcloud (Sabre DAV's iMIP plugin) sends a reply: From its no-reply address, Reply-To
    the attendee, the calendar part as text/calendar; method=REPLY in multipart/alternative,
    base64-encoded, ORGANIZER and ATTENDEE with MAILTO in capitals."""
    raw = reply(attendee, partstat, "outlook", sender=sender,
                mangle=lambda d: d.replace(b"mailto:", b"MAILTO:").replace(
                    b"PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN", b"PRODID:-//Sabre//Sabre VObject 4.5.4//EN"))
    return raw.replace(b"Subject:", f"Reply-To: {reply_to}\nSubject:".encode(), 1)


def test_replies_a_calendar_service_sends_for_the_attendee_count_and_nothing_else_does(world):
    store, configs, inbox, _, _ = world
    deliver(inbox, _nextcloud("birgitte.eksempel@example.org", "ACCEPTED", "birgitte.eksempel@example.org"),
            # Reply-To another member than the attendee: the rule does not apply
            _nextcloud("hans.eksempel@example.org", "DECLINED", "birgitte.eksempel@example.org"),
            # not a no-reply sender: a stranger cannot answer for a member by naming them in Reply-To
            _nextcloud("lone.eksempel@example.org", "DECLINED", "lone.eksempel@example.org", sender="mallory@example.net"))
    report = replies.take(store, inbox, NOW)
    assert [c["from"] for c in report.counted] == ["noreply@cloud.example.org"]
    assert sorted(a["reason"].split(",")[0] for a in report.aside) == [
        "sent by mallory@example.net", "sent by noreply@cloud.example.org"]
    answers = {p["person"]: p["answer"] for p in replies.attendance(store, configs, "koebenhavn", "biu-2010-01-27")["people"]}
    assert answers["biu-formand"] == "accepted" and answers["biu-medlem-1"] == "none" and answers["biu-medlem-2"] == "none"


def test_a_reply_without_message_id_arriving_twice_counts_once(world):
    """A client that sends no Message-ID (Lotus Notes did not always), delivered twice: once more
    with one more Received: line from a second relay."""
    store, _, inbox, _, _ = world
    raw = reply("birgitte.eksempel@example.org", "DECLINED", "outlook")
    raw = b"\n".join(line for line in raw.split(b"\n") if not line.startswith(b"Message-ID:"))
    deliver(inbox, raw, b"Received: from relay2.example.org by mx.example.org; Mon, 18 Jan 2010 10:00:00 +0100\n" + raw)
    report = replies.take(store, inbox, NOW)
    assert len(report.counted) == 1 and report.again == 1


def test_a_later_reply_without_dtstamp_replaces_the_earlier_answer(world):
    """Ordered by arrival where the client left DTSTAMP out: the later answer counts."""
    store, configs, inbox, _, _ = world
    deliver(inbox, reply("birgitte.eksempel@example.org", "ACCEPTED", "outlook"))
    replies.take(store, inbox, NOW)
    without = reply("birgitte.eksempel@example.org", "DECLINED", "outlook",
                    mangle=lambda d: b"\r\n".join(line for line in d.split(b"\r\n") if not line.startswith(b"DTSTAMP")))
    deliver(inbox, without)
    replies.take(store, inbox, NOW + dt.timedelta(hours=2))
    answers = {p["person"]: p["answer"] for p in replies.attendance(store, configs, "koebenhavn", "biu-2010-01-27")["people"]}
    assert answers["biu-formand"] == "declined"


def _raw_reply(client: str, attendee: str, partstat: str) -> bytes:
    """A reply e-mail written out as the client writes it: headers, MIME structure, transfer
    encoding and the iCalendar quirks each is known for (written for these tests; the note says
    which client each imitates)."""
    import base64
    import quopri

    mailto = "MAILTO" if client in ("lotus", "outlook.com") else "mailto"
    tz = ("BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\nBEGIN:STANDARD\r\nDTSTART:16010101T030000\r\n"
          "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\n"
          "END:VTIMEZONE\r\n") if client == "outlook.com" else ""
    start = ("DTSTART;TZID=W. Europe Standard Time:20100127T150000" if client == "outlook.com"
             else "DTSTART:20100127T140000Z")
    organizer = "" if client in ("lotus",) else f"ORGANIZER:{mailto}:biu-sekretariat@example.org\r\n"
    sequence = "" if client == "lotus" else "SEQUENCE:0\r\n"  # Lotus Notes leaves SEQUENCE out
    extra = {"delegated": ";DELEGATED-TO=\"mailto:kollega@example.org\""}.get(client, "")
    method = "COUNTER" if client == "counter" else "REPLY"
    status = "DELEGATED" if client == "delegated" else partstat
    ics = (f"BEGIN:VCALENDAR\r\nPRODID:{PRODUCTS[client]}\r\nVERSION:2.0\r\nMETHOD:{method}\r\n{tz}BEGIN:VEVENT\r\n"
           f"UID:{UID}\r\n{sequence}DTSTAMP:20100118T093000Z\r\n{start}\r\n{organizer}"
           f"ATTENDEE;PARTSTAT={status}{extra};CN=Birgitte:{mailto}:{attendee}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    if client in ("lotus", "thunderbird"):
        body, cte = base64.encodebytes(ics.encode()).decode(), "base64"
    elif client == "outlook.com":
        body, cte = quopri.encodestring(ics.encode()).decode(), "quoted-printable"
    else:
        body, cte = ics, "7bit"
    message_id = "" if client == "lotus" else f"Message-ID: <{client}-1@example.org>\r\n"
    part = (f"Content-Type: text/calendar; charset=\"utf-8\"; method={method}\r\n"
            f"Content-Transfer-Encoding: {cte}\r\n\r\n{body}")
    if client == "thunderbird":  # Thunderbird: the reply as an attachment, invite.ics
        part = (f"Content-Type: text/calendar; charset=UTF-8; method={method}; name=\"invite.ics\"\r\n"
                f"Content-Disposition: attachment; filename=\"invite.ics\"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n{body}")
    return (f"From: Birgitte <{attendee}>\r\nTo: biu-sekretariat@example.org\r\nSubject: Reply\r\n{message_id}"
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSvar\r\n"
            f"--b1\r\n{part}\r\n--b1--\r\n").encode()


PRODUCTS = {
    "lotus": "-//Lotus Development Corporation//NONSGML Notes 9.0.1//EN_C",  # Notes: base64, no SEQUENCE/ORGANIZER/Message-ID
    "outlook.com": "Microsoft Exchange Server 2010",  # Outlook.com: quoted-printable, a Windows time zone name, MAILTO
    "thunderbird": "-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN",  # Thunderbird: invite.ics attachment, base64
    "kolab": "-//Roundcube libcalendaring 3.5.11//Sabre//Sabre VObject 4.1.6//EN",  # Kolab/Roundcube: plain inline
    "delegated": "-//Example Corp.//CalDAV Client//EN",  # RFC 5546 4.2.5: a reply that delegates
    "counter": "-//Example Corp.//CalDAV Client//EN",  # RFC 5546 3.2.7: a counter-proposal, not an answer
}


SLOW = pytest.mark.slow  # the fast lane keeps two of the clients


@pytest.mark.parametrize("client, counted, answer", [
    ("lotus", True, "declined"), pytest.param("outlook.com", True, "declined", marks=SLOW),
    pytest.param("thunderbird", True, "declined", marks=SLOW), pytest.param("kolab", True, "declined", marks=SLOW),
    pytest.param("delegated", True, "declined", marks=SLOW), ("counter", False, None),
])
def test_replies_as_each_calendar_client_writes_them(world, client, counted, answer):
    store, configs, inbox, _, _ = world
    deliver(inbox, _raw_reply(client, "birgitte.eksempel@example.org", "DECLINED"))
    report = replies.take(store, inbox, NOW)
    assert (len(report.counted), len(report.aside)) == ((1, 0) if counted else (0, 1)), report.as_dict()
    if not counted:
        assert "not an iTIP REPLY (METHOD COUNTER)" in report.aside[0]["reason"]
    given = {p["person"]: p["answer"] for p in replies.attendance(store, configs, "koebenhavn", "biu-2010-01-27")["people"]}
    assert given["biu-formand"] == (answer or "none")
