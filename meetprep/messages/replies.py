"""Replies to meeting requests: attendance, substitutes and quorum.

Members answer the invitation's meeting request with Accept / Decline / Tentative in Outlook,
Gmail or Apple Calendar: an iTIP REPLY (RFC 5546) by e-mail (iMIP, RFC 6047) to the ORGANIZER,
the committee's secretary. `take` reads such e-mails (from a maildir folder on embedded defaults,
or an IMAP mailbox), matches each by the event's UID (the meeting) and its ATTENDEE (the person;
Exchange leaves out ORGANIZER, so nothing depends on it), and records it once, whatever else
happens: two runs, a crash before the mailbox was marked, the same reply forwarded twice.

A reply is kept aside with its reason, and changes nothing, when its calendar part cannot be
read, its UID names no meeting of ours, its attendee was not invited, the e-mail comes from
someone else than the attendee it answers for (and not as their SENT-BY), or it answers an
older SEQUENCE of the meeting than the current one (the time or place changed since).

From the counted replies, `attendance` gives each member's latest answer (accepted, declined,
tentative, or none), and `called_in` which substitutes stand in for members who declined: a
member's personal substitute (Stellvertretung, `substitute_for`), else the first substitute in
the committee's order who is free, the same group's first (Danish suppleant order). The
invitations planner (meetprep.invitations) invites them with the members' agenda and withdraws
the invitation (CANCEL) when the member accepts after all. `notices` tells the secretary who
was called in, and the secretary and the chair when accepted plus unanswered fall below the
committee's quorum; each state is told once.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import mailbox
import icalendar
import imaplib
import re
from dataclasses import dataclass, field, replace
from email.utils import getaddresses
from pathlib import Path
from typing import Any, Iterable, Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from meetprep.config import Configs
from meetprep.i18n import catalogue
from meetprep.model import MeetingState
from meetprep.messages.ledger import Outgoing
from meetprep.store import (
    AttendanceNoticeRow,
    BodyRow,
    MeetingRow,
    members_on_the_day,
    MembershipRow,
    MessageRow,
    PersonRow,
    ReplyRow,
    Store,
    the_meeting,
)
from urllib.parse import unquote, urlsplit

VOTING_ROLES = ("chair", "vice_chair", "member")
ANSWERS = {"ACCEPTED": "accepted", "DECLINED": "declined", "TENTATIVE": "tentative", "DELEGATED": "declined"}
INVITED_KINDS = ("invitation", "update", "change-notice")


# ---------------------------------------------------------------------------------------------
# Reading an e-mail


@dataclass(frozen=True)
class Parsed:
    """What an e-mail says, before it is matched against the store."""

    message_key: str
    sender: str | None
    reply_to: str | None = None
    uid: str | None = None
    sequence: int = 0
    attendee: str | None = None
    sent_by: str | None = None
    partstat: str | None = None
    dtstamp: dt.datetime | None = None
    client: str | None = None
    problem: str | None = None  # why it cannot be counted, found while reading


def _address(value: Any) -> str:
    text = str(value or "").strip()
    return (text[7:] if text.lower().startswith("mailto:") else text).strip().casefold()


def parse(raw: bytes) -> Parsed:
    """The reply in one e-mail: its calendar part (inline or as an .ics attachment)."""

    message = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = str(message.get("Message-ID") or "").strip()
    senders = getaddresses([str(message.get("From") or "")])
    sender = senders[0][1].casefold() if senders and senders[0][1] else None
    answer_to = getaddresses([str(message.get("Reply-To") or "")])
    reply_to = answer_to[0][1].casefold() if len(answer_to) == 1 and answer_to[0][1] else None
    parts = [p for p in message.walk() if p.get_content_type() in ("text/calendar", "application/ics")]
    # Without a Message-ID, the same reply arriving twice (once with one more Received: line) is
    # recognised by what it says: its sender and its calendar part, not the whole message.
    key = message_id or "sha256:" + hashlib.sha256(
        (sender or "").encode() + b"\n" + (parts[0].get_payload(decode=True) or b"" if parts else raw.partition(b"\n\n")[2])
    ).hexdigest()
    parsed = _parse_calendar(key, sender, parts)
    return replace(parsed, reply_to=reply_to)


def _parse_calendar(key: str, sender: str | None, parts: list[Any]) -> Parsed:
    if not parts:
        return Parsed(key, sender, problem="no calendar part: not a reply to a meeting request")
    try:
        data = parts[0].get_payload(decode=True) or b""
        calendar = icalendar.Calendar.from_ical(data)
    except Exception as exc:  # icalendar raises ValueError and friends on broken data
        return Parsed(key, sender, problem=f"the calendar part cannot be read: {exc}")
    method = str(calendar.get("METHOD", "")).upper()
    client = str(calendar.get("PRODID", "")) or None
    events = calendar.walk("VEVENT")
    if method != "REPLY" or not events:
        return Parsed(key, sender, client=client, problem=f"not an iTIP REPLY (METHOD {method or 'missing'})")
    event = events[0]
    broken = [f"{name}: {why}" for component in calendar.walk() for name, why in getattr(component, "errors", [])]
    if broken:  # icalendar keeps going past a bad value; a reply with one is not to be trusted
        return Parsed(key, sender, uid=str(event.get("UID", "")) or None, client=client,
                      problem="the calendar part cannot be read: " + "; ".join(broken))
    attendees = event.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees] if attendees is not None else []
    if not attendees:
        return Parsed(key, sender, uid=str(event.get("UID", "")) or None, client=client,
                      problem="the reply names no attendee")
    # A REPLY names the one who answers; some clients repeat everyone: take the sender's own.
    own = next((a for a in attendees if _address(a) == sender), attendees[0])
    try:
        sequence = int(event.get("SEQUENCE", 0))
    except (TypeError, ValueError):
        sequence = 0
    stamp = event.get("DTSTAMP")
    dtstamp = stamp.dt if stamp is not None and isinstance(getattr(stamp, "dt", None), dt.datetime) else None
    if dtstamp is not None and dtstamp.tzinfo is None:
        dtstamp = dtstamp.replace(tzinfo=dt.timezone.utc)
    params = getattr(own, "params", {})
    return Parsed(key, sender, uid=str(event.get("UID", "")) or None, sequence=sequence, attendee=_address(own),
                  sent_by=_address(params.get("SENT-BY")) or None, partstat=str(params.get("PARTSTAT", "")).upper() or None,
                  dtstamp=dtstamp, client=client)


# ---------------------------------------------------------------------------------------------
# Where replies come from


class MaildirInbox:
    """A maildir folder (new/, cur/, tmp/): the embedded default, MEETPREP_HOME/replies.

    Unread messages are read; a message is marked read (flag S, moved to cur/) only after its
    reply is recorded, so a crash in between reads it again, and the store counts it once.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        # A fresh MEETPREP_HOME has none yet. Made here rather than by Maildir(create=True), which
        # checks and then makes the folders: two runs starting at once (the daily run and a clerk)
        # would fail on each other's folder (FileExistsError, or a FileNotFoundError on new/).
        folder.parent.mkdir(parents=True, exist_ok=True)
        for made in (folder, folder / "tmp", folder / "new", folder / "cur"):
            made.mkdir(mode=0o700, exist_ok=True)  # private, as Maildir makes them: people's mail
        self.box = mailbox.Maildir(str(folder), create=False)

    def __enter__(self) -> "MaildirInbox":  # nothing to open: a context manager like ImapInbox
        return self

    def __exit__(self, *_: Any) -> None:
        pass

    def unread(self) -> Iterator[tuple[str, str, bytes]]:
        for key in sorted(self.box.keys()):
            try:
                message = self.box.get_message(key)
                if "S" in message.get_flags():
                    continue
                raw = self.box.get_bytes(key)
            except (KeyError, FileNotFoundError):  # another run moved it meanwhile (marked it read)
                continue
            yield key, f"maildir:{key}", raw

    def mark_read(self, key: str) -> None:
        try:
            message = self.box.get_message(key)
            if "S" in message.get_flags():
                return
            message.set_subdir("cur")
            message.add_flag("S")
            self.box[key] = message
        except (KeyError, FileNotFoundError):  # another run marked it first: read either way
            pass


class ImapInbox:
    """An IMAP mailbox (imap:// or imaps://user:password@host:port/Folder): UNSEEN messages are
    read without marking them (BODY.PEEK), and marked \\Seen after their reply is recorded."""

    def __init__(self, url: str, timeout: float = 30):
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps"):
            raise ValueError(f"not an IMAP URL: {parts.scheme}://")
        self.secure = parts.scheme == "imaps"
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or (993 if self.secure else 143)
        self.user, self.password = unquote(parts.username or ""), unquote(parts.password or "")
        self.folder = unquote(parts.path.lstrip("/")) or "INBOX"
        self.timeout = timeout
        self._client: Any = None

    def __enter__(self) -> "ImapInbox":
        client_class = imaplib.IMAP4_SSL if self.secure else imaplib.IMAP4
        self._client = client_class(self.host, self.port, timeout=self.timeout)
        self._client.login(self.user, self.password)
        status, _ = self._client.select(f'"{self.folder}"')
        if status != "OK":
            raise OSError(f"IMAP folder {self.folder!r} cannot be opened")
        return self

    def __exit__(self, *_: Any) -> None:
        try:
            self._client.logout()
        except Exception:  # the server went away: nothing left to close
            pass

    def unread(self) -> Iterator[tuple[str, str, bytes]]:
        status, data = self._client.uid("SEARCH", None, "UNSEEN")
        if status != "OK":
            raise OSError("IMAP SEARCH failed")
        for uid in (data[0] or b"").split():
            status, fetched = self._client.uid("FETCH", uid, "(BODY.PEEK[])")
            if status != "OK" or not fetched or not isinstance(fetched[0], tuple):
                continue
            key = uid.decode()
            yield key, f"imap:{self.folder}/{key}", fetched[0][1]

    def mark_read(self, key: str) -> None:
        self._client.uid("STORE", key, "+FLAGS", "(\\Seen)")


# ---------------------------------------------------------------------------------------------
# Recording


@dataclass
class TakeReport:
    counted: list[dict[str, Any]] = field(default_factory=list)
    aside: list[dict[str, Any]] = field(default_factory=list)
    again: int = 0  # read before: counted once already
    meetings: set[int] = field(default_factory=set)  # meetings whose attendance changed

    def as_dict(self) -> dict[str, Any]:
        return {"counted": self.counted, "aside": self.aside, "again": self.again}


def meeting_of_uid(uid: str | None) -> tuple[str, str] | None:
    """(body, meeting key) of a UID made by meetprep.calendar.meeting_uid."""
    if not uid or not uid.endswith("@meetprep"):
        return None
    meeting_key, _, body = uid[: -len("@meetprep")].rpartition(".")
    return (body, meeting_key) if meeting_key and body else None


def take(store: Store, inbox: Any, now: dt.datetime) -> TakeReport:
    """Read every unread reply in `inbox`, record it once (counted or aside), mark it read."""
    report = TakeReport()
    for key, source, raw in inbox.unread():
        parsed = parse(raw)
        with store.writing("replies") as session:
            if session.execute(select(ReplyRow.id).where(ReplyRow.message_key == parsed.message_key)).first():
                report.again += 1
            else:
                row = _judge(session, parsed, source, now)
                session.add(row)
                entry = {"source": source, "from": parsed.sender, "answer": ANSWERS.get(row.partstat or "", row.partstat),
                         "meeting_id": row.meeting_id}
                if row.status == "counted":
                    report.counted.append(entry)
                    report.meetings.add(row.meeting_id)
                else:
                    report.aside.append({**entry, "reason": row.reason})
        inbox.mark_read(key)
    return report


# The local parts calendar services send their replies from (Nextcloud's "noreply", Google's
# "calendar-notification", Microsoft's "no-reply"), with the attendee in Reply-To.
SERVICE_SENDER = re.compile(r"^(?:no-?reply|do-?not-?reply|noreply-[\w.-]+|calendar(?:-notification|-server)?|"
                            r"invitations?|mailer-daemon-calendar)$", re.IGNORECASE)


def service_sent(parsed: Parsed) -> bool:
    """A reply a calendar service sent for the attendee: From is the service's no-reply address and
    Reply-To is exactly the attendee the reply answers for. The rule opens no path that From does
    not open already: the attendee must still be an invited member, and a message that claims a
    member's address in From was always believed as much."""
    if not parsed.sender or not parsed.reply_to or parsed.reply_to != parsed.attendee:
        return False
    return bool(SERVICE_SENDER.match(parsed.sender.partition("@")[0]))


def _judge(session: Any, parsed: Parsed, source: str, now: dt.datetime) -> ReplyRow:
    # A reply without DTSTAMP is ordered by when it arrived (a missing value would sort first, and
    # a later reply without one could never replace an earlier answer).
    row = ReplyRow(message_key=parsed.message_key, uid=parsed.uid, sequence=parsed.sequence, partstat=parsed.partstat,
                   dtstamp=parsed.dtstamp or now, sender=parsed.sender, client=parsed.client, source=source,
                   received_at=now, status="aside")

    def aside(reason: str) -> ReplyRow:
        row.reason = reason
        return row

    if parsed.problem:
        return aside(parsed.problem)
    named = meeting_of_uid(parsed.uid)
    meeting = session.execute(select(MeetingRow).join(BodyRow).where(
        BodyRow.key == named[0], MeetingRow.key == named[1])).scalar_one_or_none() if named else None
    if meeting is None:
        return aside(f"unknown UID {parsed.uid!r}: no meeting of ours")
    row.meeting_id = meeting.id
    # by address, case-insensitively, in the store (not every person of the body read in)
    person = session.execute(select(PersonRow).where(PersonRow.body_id == meeting.body_id,
                                                     func.lower(PersonRow.email) == parsed.attendee)
                             .order_by(PersonRow.id)).scalars().first()
    invited = person is not None and session.execute(select(MessageRow.id).where(
        MessageRow.meeting_id == meeting.id, MessageRow.person_id == person.id, MessageRow.kind.in_(INVITED_KINDS),
        MessageRow.status == "sent")).first() is not None
    if not invited:
        return aside(f"{parsed.attendee} was not invited to {meeting.key}")
    row.person_id = person.id
    if parsed.sender not in (parsed.attendee, parsed.sent_by) and not service_sent(parsed):
        return aside(f"sent by {parsed.sender}, but answers for {parsed.attendee}")
    if parsed.sequence < meeting.sequence:
        return aside(f"answers an older version of the meeting (SEQUENCE {parsed.sequence}, now {meeting.sequence})")
    if meeting.state == MeetingState.cancelled.value:
        return aside(f"{meeting.key} is cancelled")
    if parsed.partstat not in ANSWERS and parsed.partstat != "NEEDS-ACTION":
        return aside(f"no answer in the reply (PARTSTAT {parsed.partstat or 'missing'})")
    row.status, row.reason = "counted", None
    return row


# ---------------------------------------------------------------------------------------------
# Attendance, substitutes, quorum


def answers(session: Any, meeting: MeetingRow) -> dict[int, str]:
    """Each person's latest counted answer (accepted, declined, tentative) to this meeting."""
    rows = session.execute(select(ReplyRow).where(ReplyRow.meeting_id == meeting.id, ReplyRow.status == "counted")
                           .order_by(ReplyRow.sequence, ReplyRow.dtstamp, ReplyRow.id)).scalars().all()
    latest: dict[int, str] = {}
    for row in rows:
        if row.partstat == "NEEDS-ACTION":
            latest.pop(row.person_id, None)
        else:
            latest[row.person_id] = ANSWERS[row.partstat]
    return latest


def _active(session: Any, meeting: MeetingRow, zone: ZoneInfo) -> list[MembershipRow]:
    return members_on_the_day(session, meeting, zone)


def called_in(session: Any, meeting: MeetingRow, zone: ZoneInfo) -> dict[int, int]:
    """{substitute's person id: the member's person id} for every voting member who declined."""
    memberships = _active(session, meeting, zone)
    given = answers(session, meeting)
    members = [m for m in memberships if m.role in VOTING_ROLES and m.voting_right]
    substitutes = [m for m in memberships if m.role == "substitute"]
    taken: dict[int, int] = {}
    for member in members:
        if given.get(member.person_id) != "declined":
            continue
        free = [s for s in substitutes if s.person_id not in taken and given.get(s.person_id) != "declined"]
        personal = [s for s in free if s.substitute_for_id == member.person_id]
        pool = [s for s in free if s.substitute_for_id is None]
        same_group = [s for s in pool if member.on_behalf_of and s.on_behalf_of == member.on_behalf_of]
        chosen = (personal or same_group or pool or [None])[0]
        if chosen is not None:
            taken[chosen.person_id] = member.person_id
    return taken


def quorum_needed(voting: int, configured: int | None) -> int:
    """More than half of the voting members, unless the committee sets its own number."""
    return configured if configured is not None else voting // 2 + 1


def attendance(store: Store, configs: Configs, body: str, meeting_key: str) -> dict[str, Any]:
    """Who comes: every member and called-in substitute with their answer, and the quorum."""
    with store.session() as session:
        meeting = the_meeting(session, body, meeting_key)
        return _attendance(session, configs, meeting)


def _attendance(session: Any, configs: Configs, meeting: MeetingRow) -> dict[str, Any]:
    config = configs.get(session.get(BodyRow, meeting.body_id).key)
    zone = ZoneInfo(config.body.timezone)
    org_config = config.organization(meeting.organization.key)
    given = answers(session, meeting)
    standing_in = called_in(session, meeting, zone)
    rows = []
    voting = 0
    for m in _active(session, meeting, zone):
        if m.role == "secretary" or (m.role == "substitute" and m.person_id not in standing_in):
            continue
        counts = m.role in VOTING_ROLES and m.voting_right
        voting += 1 if counts else 0
        replaced = session.get(PersonRow, standing_in[m.person_id]) if m.person_id in standing_in else None
        rows.append({"person": m.person.key, "name": m.person.name, "role": m.role, "voting": bool(counts),
                     "answer": given.get(m.person_id, "none"), "stands_in_for": replaced.key if replaced else None})
    members = [r for r in rows if r["voting"]]
    substitutes = [r for r in rows if r["stands_in_for"]]
    # A declined member whose substitute has not declined still has a vote in the room.
    expected = sum(1 for r in members if r["answer"] in ("accepted", "tentative", "none")) + \
        sum(1 for r in substitutes if r["answer"] != "declined")
    confirmed = sum(1 for r in members if r["answer"] == "accepted") + \
        sum(1 for r in substitutes if r["answer"] == "accepted")
    needed = quorum_needed(voting, org_config.quorum if org_config else None)
    return {"meeting": meeting.key, "people": rows, "voting_members": voting, "quorum": needed,
            "expected": expected, "confirmed": confirmed, "at_risk": expected < needed}


def notices(store: Store, configs: Configs, meeting_ids: Iterable[int], now: dt.datetime) -> list[Outgoing]:
    """Messages to the secretary (a substitute called in) and to the secretary and the chair (the
    quorum at risk, or restored): each state once, recorded in attendance_notices."""
    out: list[Outgoing] = []
    with store.writing("replies") as session:
        for meeting_id in sorted(set(meeting_ids)):
            meeting = session.get(MeetingRow, meeting_id)
            body = session.get(BodyRow, meeting.body_id)
            config = configs.get(body.key)
            if config is None:
                continue
            words = catalogue(config.body.locale.value)
            zone = ZoneInfo(config.body.timezone)
            state = _attendance(session, configs, meeting)
            memberships = _active(session, meeting, zone)
            secretary = next((m.person for m in memberships if m.role == "secretary"), None)
            chair = next((m.person for m in memberships if m.role == "chair"), None)
            when = words.datetime(meeting.start.astimezone(zone))
            committee = meeting.organization.name
            mail = config.body.mail
            base = dict(channel="email", meeting_id=meeting.id, sender=mail.from_address,
                        sender_name=mail.from_name or config.body.name, tags=(meeting.organization.key,))
            told = {(n.kind, n.state) for n in session.execute(select(AttendanceNoticeRow).where(
                AttendanceNoticeRow.meeting_id == meeting.id)).scalars()}
            for row in state["people"]:
                if not row["stands_in_for"]:
                    continue
                key_state = f"{row['person']}:{row['stands_in_for']}"
                if ("substitute", key_state) in told or secretary is None or not secretary.email:
                    continue
                member = next(r for r in state["people"] if r["person"] == row["stands_in_for"])
                session.add(AttendanceNoticeRow(meeting_id=meeting.id, kind="substitute", state=key_state, recorded_at=now))
                out.append(Outgoing(
                    key=f"{body.key}/{meeting.key}/{secretary.key}/substitute/{key_state}", kind="substitute-notice",
                    sequence=meeting.sequence, recipient=secretary.email, person_id=secretary.id,
                    subject=words.text("replies.substitute_subject", committee=committee, when=when),
                    text=words.text("replies.substitute_text", member=member["name"], substitute=row["name"],
                                    committee=committee, when=words.datetime(meeting.start.astimezone(zone),
                                                                             capitalize=False)), **base))
            level = "below" if state["at_risk"] else "ok"
            quorum_state = f"{level}:{state['expected']}/{state['quorum']}"
            last = session.execute(select(AttendanceNoticeRow).where(
                AttendanceNoticeRow.meeting_id == meeting.id, AttendanceNoticeRow.kind == "quorum")
                .order_by(AttendanceNoticeRow.id.desc())).scalars().first()
            changed = (last.state if last else "ok").split(":")[0] != level or (
                level == "below" and last is not None and last.state != quorum_state)
            if changed and ("quorum", quorum_state) not in told:
                session.add(AttendanceNoticeRow(meeting_id=meeting.id, kind="quorum", state=quorum_state, recorded_at=now))
                for person in [p for p in (secretary, chair) if p is not None and p.email]:
                    out.append(Outgoing(
                        key=f"{body.key}/{meeting.key}/{person.key}/quorum/{quorum_state}", kind="quorum-notice",
                        sequence=meeting.sequence, recipient=person.email, person_id=person.id,
                        subject=words.text(f"replies.quorum_{level}_subject", committee=committee, when=when),
                        text=words.text(f"replies.quorum_{level}_text", count=state["expected"], needed=state["quorum"],
                                        voting=state["voting_members"], committee=committee,
                                        when=words.datetime(meeting.start.astimezone(zone), capitalize=False)),
                        **base))
    return out


# ---------------------------------------------------------------------------------------------
# The job: what `meetprep replies take` and the take-replies flow run


def inbox_for(settings: Any, source: str | None = None) -> Any:
    """The mailbox replies come to: an IMAP URL, or a maildir folder (default MEETPREP_HOME/replies)."""
    source = source or getattr(settings, "replies", None)
    if source and source.split("://", 1)[0] in ("imap", "imaps"):
        return ImapInbox(source)
    return MaildirInbox(Path(source) if source else settings.home / "replies")
