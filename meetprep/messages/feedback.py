"""Messages to the portal's accessibility feedback address (`body.accessibility.feedback`, named
in the accessibility statement): read like replies, recorded once, the sender acknowledged in
the body's language and the message passed to the body's handlers (`accessibility.handlers`,
else the committees' secretaries), each message once through the ledger.

Which body: the one whose feedback address the message was sent to (To, Cc, Delivered-To,
X-Original-To); a message that names none goes to the first body. An automatic message
(Auto-Submitted, Precedence: bulk/junk/list, a mailer daemon) is passed on but never answered,
so that two robots do not write to each other (RFC 3834).
"""

from __future__ import annotations

import datetime as dt
import email
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import Any

from sqlalchemy import select

from meetprep.config import Configs
from meetprep.i18n import catalogue
from meetprep.messages.ledger import Outgoing, unsent
from meetprep.model import BodyConfig
from meetprep.store import FeedbackRow, Store, body_secretaries

KEEP = dt.timedelta(days=30)  # rows whose messages are (re)built: a crash between reading and sending loses none
ROBOTS = ("mailer-daemon", "postmaster", "no-reply", "noreply", "do-not-reply", "donotreply")


@dataclass
class FeedbackReport:
    taken: list[dict[str, Any]] = field(default_factory=list)
    again: int = 0  # read before (the same message delivered twice): recorded once

    def as_dict(self) -> dict[str, Any]:
        return {"taken": self.taken, "again": self.again}


def address_of(config: BodyConfig) -> str:
    return str(config.body.accessibility.feedback or config.body.mail.from_address).lower()


def take(store: Store, configs: Configs, inbox: Any, now: dt.datetime) -> FeedbackReport:
    """Read every unread message in `inbox`, record it once for its body, mark it read."""
    report = FeedbackReport()
    bodies = list(configs)
    for key, source, raw in inbox.unread():
        message = email.message_from_bytes(raw, policy=policy.default)
        config = _body_of(message, bodies)
        if config is None:  # no body configured: nothing can take it
            continue
        sender_name, sender = parseaddr(str(message.get("Reply-To") or message.get("From") or ""))
        if _automatic(message, sender):
            sender = ""
        subject = re.sub(r"\s+", " ", str(message.get("Subject") or "")).strip()[:500]
        text = _text_of(message)
        identity = str(message.get("Message-ID") or "").strip() or f"{sender}\n{subject}\n{text}"
        digest = hashlib.sha256(identity.encode("utf-8", "replace")).hexdigest()
        with store.writing(f"feedback:{config.body.key}") as session:
            known = session.execute(select(FeedbackRow.id).where(
                FeedbackRow.body_key == config.body.key, FeedbackRow.sha256 == digest)).scalar_one_or_none()
            if known is None:
                session.add(FeedbackRow(body_key=config.body.key, sha256=digest, sender=sender.lower() or None,
                                        sender_name=sender_name[:200] or None, subject=subject, text=text[:20000],
                                        source=source[:500], at=_arrived(message, now)))
        inbox.mark_read(key)  # after the row: a crash in between reads it again, and it is recorded once
        if known is None:
            report.taken.append({"body": config.body.key, "sender": sender or None, "subject": subject,
                                 "acknowledged": bool(sender)})
        else:
            report.again += 1
    return report


def messages(store: Store, configs: Configs, body: str, now: dt.datetime) -> list[Outgoing]:
    """The acknowledgements and the handlers' copies of the body's recent feedback, those not sent yet."""
    config = configs.get(body)
    if config is None:
        return []
    words = catalogue(config.body.locale.value)
    sender_name = config.body.mail.from_name or config.body.name
    out: list[Outgoing] = []
    with store.session() as session:
        rows = session.execute(select(FeedbackRow).where(FeedbackRow.body_key == body, FeedbackRow.at >= now - KEEP)
                               .order_by(FeedbackRow.id)).scalars().all()
        handlers = _handlers(session, config)
    for row in rows:
        key = f"feedback/{body}/{row.sha256[:20]}"
        day = words.date(row.at.date(), "date_text", capitalize=False)
        subject = row.subject or "-"
        if row.sender:
            out.append(Outgoing(key=f"{key}/ack", kind="feedback-ack", sequence=0, channel="email", recipient=row.sender,
                                recipient_name=row.sender_name, subject=words.text("feedback.ack_subject", subject=subject),
                                text=words.letter(row.sender_name or words.text("feedback.someone"), sender_name,
                                                  words.text("feedback.ack_text", date=day)),
                                sender=config.body.mail.from_address, sender_name=sender_name))
        lead = "feedback.forward_text" if row.sender else "feedback.forward_automatic"
        details = words.text("feedback.details", sender=row.sender or row.sender_name or "?", date=day, subject=subject)
        for name, address in handlers:
            out.append(Outgoing(key=f"{key}/to/{address}", kind="feedback", sequence=0, channel="email",
                                recipient=address, recipient_name=name,
                                subject=words.text("feedback.forward_subject", sender=row.sender or "?", subject=subject),
                                text=words.letter(name, sender_name, words.text(lead, address=address_of(config)),
                                                  details, row.text),
                                sender=config.body.mail.from_address, sender_name=sender_name,
                                reply_to=row.sender))
    return unsent(store, out)


def _handlers(session, config: BodyConfig) -> list[tuple[str, str]]:
    """(name, address) of whoever handles the feedback: the configured addresses, else the
    secretaries of the body's committees, else the body's own address (never nobody)."""
    configured = [(str(a), str(a)) for a in config.body.accessibility.handlers]
    if configured:
        return configured
    found = list(dict.fromkeys((person.name, person.email) for person, _ in body_secretaries(session, config.body.key)))
    return found or [(config.body.name, str(config.body.mail.from_address))]


def _body_of(message, bodies: list[Any]) -> Any:
    recipients = {address.lower() for _, address in getaddresses(
        [str(v) for name in ("To", "Cc", "Delivered-To", "X-Original-To") for v in message.get_all(name) or []])}
    for config in bodies:
        if address_of(config) in recipients:
            return config
    return bodies[0] if bodies else None


def _automatic(message, sender: str) -> bool:
    auto = str(message.get("Auto-Submitted") or "no").strip().lower()
    precedence = str(message.get("Precedence") or "").strip().lower()
    local = sender.partition("@")[0].lower()
    return not sender or auto != "no" or precedence in ("bulk", "junk", "list") or local in ROBOTS


def _text_of(message) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, UnicodeError):
        text = part.get_payload(decode=True).decode("utf-8", "replace")
    if part.get_content_subtype() == "html":
        text = re.sub(r"<[^>]+>", " ", re.sub(r"(?is)<(script|style).*?</\1>", " ", text))
    return text.strip()


def _arrived(message, now: dt.datetime) -> dt.datetime:
    try:
        sent = parsedate_to_datetime(str(message.get("Date")))
    except (TypeError, ValueError):
        return now
    return sent.astimezone(dt.timezone.utc) if sent and sent.tzinfo and sent <= now else now
