"""Sending messages exactly once: e-mail (with iMIP meeting requests) and apprise notifications.

Every outgoing message has an idempotency key (body, meeting, person, kind, sequence) that is
recorded in the store before anything is sent (`messages`). `dispatch` claims each message in the
store before it hands it to a transport (a conditional UPDATE that only one run can win, on
SQLite and PostgreSQL alike), so that runs overlapping in any number (a schedule and a clerk,
two workers) send it once: the losers report it as in progress elsewhere. It marks the message
sent the moment its transport accepted it, retries transient failures with backoff, and reports
permanent failures per recipient while the other messages still go out. A claim left by a
killed run holds until its lease runs out (`LEASE`, ten minutes); then the next run takes the
message over. A run killed halfway and run again sends what is left.

The one window no ledger can close is between a mail server accepting a message and the store
recording that (one UPDATE, a few milliseconds): a run killed exactly then leaves the message
claimed, and after the lease the next run sends it again, with the same Message-ID, which mail
clients use to show it once. In outbox mode the file is the proof of sending, so there even
that window is closed.

Transports: the outbox folder (embedded default: every message becomes an .eml or .json
file), SMTP (smtplib; STARTTLS or SSL; credentials from the environment or a Prefect Secret
block, never from the YAML) and apprise (mailto, Teams, Slack, ntfy, SMS ...).
apprise cannot send a `text/calendar; method=REQUEST` part, so meeting requests always go by
SMTP (or the outbox) and apprise carries reminders and notices only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import re
import smtplib
import ssl
import time
import uuid
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Callable, Protocol
from urllib.parse import urlsplit

from sqlalchemy import and_, or_, select, update

from meetprep.store import dialect_insert, MessageRow, PersonRow, Store


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    mime: str  # "application/pdf"


@dataclass
class Outgoing:
    """One message to send: its key, whom it is for, and its content."""

    key: str
    kind: str
    sequence: int
    channel: str  # "email" or "apprise"
    recipient: str  # an e-mail address, or an apprise URL
    subject: str
    text: str
    meeting_id: int | None = None
    person_id: int | None = None
    html: str | None = None
    calendar: bytes | None = None  # an iTIP object: becomes the text/calendar part
    calendar_method: str = "REQUEST"
    attachments: list[Attachment] = field(default_factory=list)
    sender: str = "meetprep@example.org"
    sender_name: str | None = None
    # A meeting request comes From its organizer (the secretary), sent by the body's address:
    # From: organizer, Sender: the body's address (iMIP, RFC 6047 2.2.1, with ORGANIZER;SENT-BY).
    organizer: str | None = None
    organizer_name: str | None = None
    tags: tuple[str, ...] = ()
    agenda_version: int | None = None  # the agenda version this message carries to its recipient
    reply_to: str | None = None  # where answers go, when not to the sender (sign-off replies)
    recipient_name: str | None = None  # shown in To:; for a person's message, their name from the store


class PermanentFailure(Exception):
    """The message cannot be delivered as it is (bad address, rejected): do not retry."""


class TransientFailure(Exception):
    """Try again later (connection refused, 4xx, timeout)."""


class Transport(Protocol):
    def send(self, message: Outgoing) -> None: ...


# ---------------------------------------------------------------------------------------------
# Composing


def message_id(key: str) -> str:
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@meetprep>"


def text_to_html(text: str) -> str:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return "<html><body>" + "".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>" for p in paragraphs
    ) + "</body></html>"


def compose_email(message: Outgoing, now: dt.datetime) -> EmailMessage:
    """The MIME message. With a calendar, the structure Outlook, Gmail and Apple Mail read as a
    meeting request: multipart/mixed -> [multipart/alternative(text/plain, text/html,
    text/calendar; method=...), the .ics as a file, the other attachments]."""
    email = EmailMessage()
    if message.organizer and message.organizer.lower() != message.sender.lower():
        email["From"] = Address(display_name=message.organizer_name or "", addr_spec=message.organizer)
        email["Sender"] = Address(display_name=message.sender_name or "", addr_spec=message.sender)
    else:
        email["From"] = Address(display_name=message.sender_name or "", addr_spec=message.sender)
    # The person's name, as every mail client shows it (encoded for any script by the policy).
    email["To"] = Address(display_name=message.recipient_name or "", addr_spec=message.recipient)
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message_id(message.key)
    email["X-Meetprep-Key"] = message.key
    email.set_content(message.text)
    email.add_alternative(message.html or text_to_html(message.text), subtype="html")
    if message.calendar is not None:
        # Bytes keep the CRLF line ends of the iCalendar data intact.
        email.add_alternative(message.calendar, maintype="text", subtype="calendar",
                              params={"method": message.calendar_method, "charset": "UTF-8"})
    if message.calendar is not None or message.attachments:
        email.make_mixed()
    if message.calendar is not None:
        # The same iTIP object as a file, for clients that only import attachments: text/calendar
        # (RFC 5545 8.1), with its method, as Outlook and Apple Mail send it.
        email.add_attachment(message.calendar, maintype="text", subtype="calendar", filename="invite.ics",
                             params={"method": message.calendar_method, "charset": "UTF-8"})
    for item in message.attachments:
        maintype, _, subtype = item.mime.partition("/")
        email.add_attachment(item.data, maintype=maintype, subtype=subtype, filename=item.filename)
    # Headers are written unfolded up to RFC 5322's 998 characters: Python's folding of a long
    # subject with non-ASCII words splits an encoded word and loses the space before it ("dialog
    # påintegrationsområdet"). Set after the content, whose transfer encoding stays as chosen.
    email.policy = email.policy.clone(max_line_length=998)
    return email


def safe_recipient(recipient: str) -> str:
    """An apprise URL without user, password or token, for the ledger and reports."""
    if "://" not in recipient:
        return recipient
    parts = urlsplit(recipient)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{'/…' if parts.path.strip('/') else ''}"


# ---------------------------------------------------------------------------------------------
# Transports


def _file_name(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", key)[:180] + "-" + hashlib.sha256(key.encode()).hexdigest()[:8]


class OutboxTransport:
    """Writes every message into a folder: .eml for e-mail, .json for apprise notifications."""

    def __init__(self, folder: Path, now: Callable[[], dt.datetime]):
        self.folder = folder
        self.now = now

    def path_for(self, message: Outgoing) -> Path:
        return self.folder / (_file_name(message.key) + (".eml" if message.channel == "email" else ".json"))

    def already_sent(self, message: Outgoing) -> bool:
        return self.path_for(message).exists()

    def send(self, message: Outgoing) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path_for(message)
        if message.channel == "email":
            data = bytes(compose_email(message, self.now()))
        else:
            data = json.dumps({"key": message.key, "to": safe_recipient(message.recipient), "tags": list(message.tags),
                               "title": message.subject, "body": message.text}, ensure_ascii=False, indent=2).encode()
        partial = target.with_suffix(target.suffix + ".part")
        partial.write_bytes(data)
        os.replace(partial, target)  # atomic: a file in the outbox is a whole message


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str  # starttls, ssl, none
    username: str | None = None
    password: str | None = None
    timeout: float = 30
    cafile: str | None = None  # a CA bundle for a server with an internal certificate authority

    def tls(self) -> ssl.SSLContext:
        """Certificates are always verified; an internal CA is added, never verification turned off."""
        return ssl.create_default_context(cafile=self.cafile)

    @classmethod
    def from_url(cls, url: str, **credentials: Any) -> "SmtpServer":
        """smtp://host:port (no TLS), smtp+starttls://host:587, smtps://host:465."""
        parts = urlsplit(url)
        security = {"smtp": "none", "smtp+starttls": "starttls", "smtps": "ssl"}.get(parts.scheme)
        if security is None or not parts.hostname:
            raise ValueError(f"not an SMTP URL (smtp://, smtp+starttls://, smtps://): {url!r}")
        default_port = {"none": 25, "starttls": 587, "ssl": 465}[security]
        return cls(parts.hostname, parts.port or default_port, security, **credentials)


class SmtpTransport:
    def __init__(self, server: SmtpServer, now: Callable[[], dt.datetime]):
        self.server = server
        self.now = now

    def send(self, message: Outgoing) -> None:
        if message.channel != "email":
            raise PermanentFailure(f"SMTP cannot send a {message.channel} message")
        email = compose_email(message, self.now())
        server = self.server
        try:
            if server.security == "ssl":
                client = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout, context=server.tls())
            else:
                client = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
            with client:
                if server.security == "starttls":
                    client.starttls(context=server.tls())
                if server.username:
                    client.login(server.username, server.password or "")
                client.send_message(email, from_addr=message.sender, to_addrs=[message.recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(400 <= code < 500 for code in codes):
                raise TransientFailure(f"recipient deferred: {exc.recipients}") from exc
            raise PermanentFailure(f"recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            error = f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace') if isinstance(exc.smtp_error, bytes) else exc.smtp_error}"
            if 400 <= exc.smtp_code < 500:
                raise TransientFailure(error) from exc
            raise PermanentFailure(error) from exc
        except ssl.SSLCertVerificationError as exc:  # a certificate problem will not go away by retrying
            raise PermanentFailure(f"the mail server's certificate is not trusted: {exc.verify_message}") from exc
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
            raise TransientFailure(f"{type(exc).__name__}: {exc}") from exc


class AppriseTransport:
    """One notification per call to one URL (apprise sends one SMTP transaction per address)."""

    def send(self, message: Outgoing) -> None:
        import apprise  # deferred: see docs/architecture.md
        notifier = apprise.Apprise()
        if not notifier.add(message.recipient, tag=list(message.tags) or None):
            raise PermanentFailure(f"apprise does not accept the URL {safe_recipient(message.recipient)}")
        result = notifier.notify(title=message.subject, body=message.text, tag=list(message.tags) or None)
        # apprise answers True, False, or None when no service matched: only True is success.
        if result is not True:
            raise TransientFailure(f"apprise answered {result!r} for {safe_recipient(message.recipient)}")


class Router:
    """Picks the transport by channel: e-mail and apprise may go different ways."""

    def __init__(self, email: Transport, apprise_transport: Transport):
        self.email = email
        self.apprise = apprise_transport

    def send(self, message: Outgoing) -> None:
        (self.email if message.channel == "email" else self.apprise).send(message)


# ---------------------------------------------------------------------------------------------
# Exactly once

LEASE = dt.timedelta(minutes=10)
"""How long a claim holds. Longer than one message's every attempt can take (three SMTP timeouts of
30 s and the backoff); shorter than the next scheduled run, which takes over what a killed run held."""


@dataclass
class DispatchReport:
    sent: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)  # sent in an earlier run
    in_progress: list[dict[str, Any]] = field(default_factory=list)  # claimed by another run right now
    failed: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "skipped": self.skipped, "in_progress": self.in_progress, "failed": self.failed}

    def add(self, other: "DispatchReport") -> None:
        for name in ("sent", "skipped", "in_progress", "failed"):
            getattr(self, name).extend(getattr(other, name))


def _row(message: Outgoing, status: str, error: str | None = None) -> dict[str, Any]:
    row = {"key": message.key, "kind": message.kind, "channel": message.channel,
           "recipient": safe_recipient(message.recipient), "subject": message.subject, "status": status}
    if error:
        row["error"] = error
    return row


def _insert_ignoring_duplicates(store: Store):
    """INSERT ... ON CONFLICT DO NOTHING: two runs planning the same message record it once."""
    return dialect_insert(store.engine, MessageRow).on_conflict_do_nothing(index_elements=["idempotency_key"])


def record(store: Store, messages: list[Outgoing], now: dt.datetime) -> None:
    """Enter planned messages in the ledger; those already there (from any run) stay as they are."""
    rows = [dict(idempotency_key=m.key, meeting_id=m.meeting_id, person_id=m.person_id, kind=m.kind,
                 sequence=m.sequence, channel=m.channel, recipient=safe_recipient(m.recipient), subject=m.subject,
                 status="pending", attempts=0, created_at=now, agenda_version=m.agenda_version) for m in messages]
    for start in range(0, len(rows), 500):
        with store.session() as session:
            session.execute(_insert_ignoring_duplicates(store), rows[start:start + 500])


def _name_recipients(store: Store, messages: list[Outgoing]) -> None:
    """A message for a person of the store is addressed with their name (To: "Name" <address>)."""
    wanted = {m.person_id for m in messages if m.person_id is not None and not m.recipient_name}
    if not wanted:
        return
    with store.session() as session:
        names = dict(session.execute(select(PersonRow.id, PersonRow.name).where(PersonRow.id.in_(wanted))).tuples().all())
    for message in messages:
        if message.person_id in names and not message.recipient_name and message.channel == "email":
            message.recipient_name = names[message.person_id]


def _claim(store: Store, key: str, token: str, now: dt.datetime, lease: dt.timedelta) -> bool:
    """Take the message for this run: one conditional UPDATE, which only one run can win.

    A message is free when it is pending, failed (tried before, to be tried again), or claimed by
    a run whose lease ran out (that run was killed, or lost its connection to the store).
    """
    with store.session() as session:
        taken = session.execute(
            update(MessageRow)
            .where(MessageRow.idempotency_key == key,
                   or_(MessageRow.status.in_(("pending", "failed")),
                       and_(MessageRow.status == "sending",
                            or_(MessageRow.lease_until.is_(None), MessageRow.lease_until < now))))
            .values(status="sending", claim_token=token, lease_until=now + lease)
            .execution_options(synchronize_session=False))
        return taken.rowcount == 1


def _still_ours(store: Store, key: str, token: str, now: dt.datetime, lease: dt.timedelta) -> bool:
    """Renew the lease before handing the message to a transport; False if another run took it over."""
    with store.session() as session:
        renewed = session.execute(
            update(MessageRow).where(MessageRow.idempotency_key == key, MessageRow.claim_token == token,
                                     MessageRow.status == "sending")
            .values(lease_until=now + lease).execution_options(synchronize_session=False))
        return renewed.rowcount == 1


def _finish(store: Store, key: str, token: str, attempts: int, error: str | None, now: dt.datetime) -> None:
    values: dict[str, Any] = {"attempts": MessageRow.attempts + attempts, "claim_token": None, "lease_until": None}
    if error is None:
        values.update(status="sent", sent_at=now, last_error=None)
    else:
        values.update(status="failed", last_error=error)
    with store.session() as session:
        session.execute(update(MessageRow).where(MessageRow.idempotency_key == key, MessageRow.claim_token == token)
                        .values(**values).execution_options(synchronize_session=False))


def unsent(store: Store, messages: list[Outgoing]) -> list[Outgoing]:
    """The messages the ledger has not sent yet: for notices built again on every run (a daily
    reminder, a digest not finished), so that what they would attach is made only when needed."""
    status = _statuses(store, [m.key for m in messages])
    return [m for m in messages if status.get(m.key) != "sent"]


def _statuses(store: Store, keys: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(keys), 500):
        with store.session() as session:
            found.update(session.execute(select(MessageRow.idempotency_key, MessageRow.status).where(
                MessageRow.idempotency_key.in_(keys[start:start + 500]))).tuples().all())
    return found


def dispatch(store: Store, messages: list[Outgoing], transport: Transport, now: Callable[[], dt.datetime],
             attempts: int = 3, backoff: float = 0.5, progress: Callable[[Outgoing], None] | None = None,
             lease: dt.timedelta = LEASE) -> DispatchReport:
    """Send every message not yet sent, each exactly once however many runs overlap.

    Each message is claimed in the store before it is handed to a transport (`_claim`); a run
    that loses the claim skips the message and reports it as in progress elsewhere. The claim is
    renewed before each retry, so a run whose lease was taken over does not send again. See the
    module docstring for the one window that remains.
    """
    record(store, messages, now())
    _name_recipients(store, messages)
    report = DispatchReport()
    token = uuid.uuid4().hex
    status = _statuses(store, [m.key for m in messages])
    for message in messages:
        if status.get(message.key) == "sent":
            report.skipped.append(_row(message, "sent"))
            continue
        if not _claim(store, message.key, token, now(), lease):
            current = _statuses(store, [message.key]).get(message.key)
            if current == "sent":
                report.skipped.append(_row(message, "sent"))
            else:
                report.in_progress.append(_row(message, "in progress elsewhere"))
            continue
        already = getattr(transport, "already_sent", None)
        if already is not None and already(message):  # outbox: the file is the proof
            _finish(store, message.key, token, 0, None, now())
            report.skipped.append(_row(message, "sent"))
            continue
        error, tried, lost = None, 0, False
        for attempt in range(1, attempts + 1):
            # The claim itself gave a fresh lease; a retry after a backoff renews it first.
            if attempt > 1 and not _still_ours(store, message.key, token, now(), lease):
                lost = True
                break
            tried = attempt
            try:
                transport.send(message)
                error = None
                break
            except PermanentFailure as exc:
                error = f"permanent: {exc}"
                break
            except TransientFailure as exc:
                error = f"transient, {attempt} attempt(s): {exc}"
                if attempt < attempts:
                    time.sleep(backoff * 2 ** (attempt - 1))
            except Exception as exc:  # one message that cannot even be composed must not stop the others
                error = f"permanent: cannot be sent ({type(exc).__name__}: {exc})"
                break
        if lost:  # another run took it over while this one waited to retry: it is theirs now
            report.in_progress.append(_row(message, "in progress elsewhere", error))
            continue
        _finish(store, message.key, token, tried, error, now())
        if error is None:
            report.sent.append(_row(message, "sent"))
        else:
            report.failed.append(_row(message, "failed", error))
        if progress is not None:
            progress(message)
    return report


def transport_for(settings: Any, mail: Any, now: Callable[[], dt.datetime]) -> Transport:
    """The outbox (default) or, with MEETPREP_DELIVERY=live, SMTP for e-mail and apprise for the rest."""
    if settings.delivery != "live":
        outbox = OutboxTransport(settings.outbox, now)
        return outbox
    return Router(SmtpTransport(smtp_server(settings, mail), now), AppriseTransport())


def smtp_server(settings: Any, mail: Any) -> SmtpServer:
    smtp = mail.smtp
    username_env = smtp.username_env if smtp else "MEETPREP_SMTP_USERNAME"
    password_env = smtp.password_env if smtp else "MEETPREP_SMTP_PASSWORD"
    username = os.environ.get(username_env or "") or None
    password = os.environ.get(password_env or "") or None
    if password is None and smtp is not None and smtp.password_secret:
        from prefect.blocks.system import Secret  # deferred: see docs/architecture.md

        password = Secret.load(smtp.password_secret).get()
    credentials = {"username": username, "password": password,
                   "cafile": os.environ.get("MEETPREP_SMTP_CAFILE") or (smtp.cafile if smtp else None)}
    if settings.smtp_url:
        return SmtpServer.from_url(settings.smtp_url, **credentials)
    if smtp is None:
        raise ValueError("MEETPREP_DELIVERY=live needs a mail server: set MEETPREP_SMTP_URL or the body's mail.smtp")
    return SmtpServer(smtp.host, smtp.port, smtp.security, timeout=smtp.timeout_seconds, **credentials)
