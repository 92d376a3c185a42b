"""An owner's reply to a follow-up reminder, read and recorded once.

The reminder's subject carries the task's token ("[OP 3f9a0c1b2d4e]", "[BK ...]"); the reply's
first own line says what happened: a done word ("Udført", "Erledigt") reports the task done, the
rest of the reply is the report; a new-date phrase with a date ("Ny frist 31-03-2027", "Neuer
Termin 31.03.2027", "new date 2027-03-31") moves the due date, the rest being the reason. Only the
owner (the person, or the unit's address) or the committee's secretaries may answer. Anything
else is kept aside with its reason.
"""

from __future__ import annotations

import datetime as dt
import email
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.utils import parseaddr
from typing import Any

from meetprep.config import Configs
from meetprep.decisions import tasks
from meetprep.decisions.followup import owner_addresses, secretaries, token_label
from meetprep.i18n import Catalogue, catalogue
from meetprep.messages.ledger import Outgoing
from meetprep.signoff.replies import own_lines, plain_text
from meetprep.store import Store

TOKEN = re.compile(r"\[(?:OP|BK) ([0-9a-f]{12})\]")
DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{4})")


class Unreadable(Exception):
    """A reply that cannot be taken, with the reason (kept aside)."""


@dataclass
class Taken:
    body: str
    task: int
    reference: str
    kind: str
    result: str
    due: str | None
    messages: list[Outgoing] = field(default_factory=list)


def parse(lines: list[str], words: Catalogue) -> tuple[str, str | None, dt.date | None]:
    """(kind, text, new due date) of a reply's own lines."""
    first = lines[0].strip()
    data = words.data["decisions"]
    for word in sorted(data["done_words"], key=len, reverse=True):
        if re.match(rf"^{re.escape(word)}(?![\w])", first, flags=re.IGNORECASE):
            rest = first[len(word):].lstrip(" \t.,:;!-–—").rstrip()
            return "done", "\n".join(p for p in (rest, "\n".join(lines[1:]).strip()) if p) or None, None
    for phrase in sorted(data["extend_words"], key=len, reverse=True):
        if re.match(rf"^{re.escape(phrase)}(?![\w])", first, flags=re.IGNORECASE):
            found = DATE.search(first)
            if found is None:
                raise Unreadable("a new due date needs the date in the same line, e.g. 31-03-2027 or 31.03.2027")
            try:
                due = dt.date(int(found[1]), int(found[2]), int(found[3])) if found[1] else \
                    dt.date(int(found[6]), int(found[5]), int(found[4]))
            except ValueError:
                raise Unreadable(f"{found[0]} is not a date") from None
            rest = first[found.end():].lstrip(" \t.,:;!-–—").rstrip()
            return "extend", "\n".join(p for p in (rest, "\n".join(lines[1:]).strip()) if p) or None, due
    raise Unreadable("the first line says neither done nor a new date: "
                     f"write {data['done_words'][0]!r} or {data['extend_words'][0]!r} with a date")


def take(store: Store, configs: Configs, raw: bytes, now: dt.datetime) -> Taken:
    """Record one reply; raises Unreadable (nothing recorded) with the reason."""
    message = email.message_from_bytes(raw, policy=policy.default)
    sender = parseaddr(str(message.get("From", "")))[1].lower()
    text = plain_text(message)
    found = TOKEN.search(str(message.get("Subject", ""))) or TOKEN.search(text)
    if found is None:
        raise Unreadable("no task is named (the subject's [OP ...] / [BK ...] is missing)")
    with store.session() as session:
        row = tasks.by_token(session, found.group(1))
        if row is None:
            raise Unreadable(f"the task [{found.group(1)}] is not known here")
        body = row.paper.body.key
    config = configs.get(body)
    words = catalogue(config.body.locale.value)
    lines = own_lines(text, words.data["signoff"]["quote_starts"])
    if not lines:
        raise Unreadable("the reply has no text of its own")
    kind, said, due = parse(lines, words)
    if kind == "extend" and due is not None and due <= now.date():
        raise Unreadable(f"the new due date {due.isoformat()} has passed already")
    with store.writing(f"decisions:{body}") as session:
        row = tasks.by_token(session, found.group(1))
        owners = owner_addresses(session, config, row.owner)
        clerks = secretaries(session, row.decision.meeting.organization_id)
        allowed = {address.lower() for _, _, address, _ in owners + clerks}
        if sender not in allowed:
            raise Unreadable(f"{sender or 'the sender'} is neither the task's owner nor a secretary of the committee")
        old_due = row.due
        if kind == "extend" and not config.body.follow_up.owner_sets_new_dates:
            kind = "ask"  # the secretaries grant it
        outcome = tasks.ask(session, row, sender, said, due, now) if kind == "ask" else \
            tasks.report(session, row, kind, sender, said, now, due)
        if outcome.result == "already" and kind == "ask" and row.asked_by == sender:
            outcome.result = "asked"  # this very reply, recorded by a run that stopped before its notices
        elif outcome.result == "already" and _same_report(row, kind, sender, due):
            # this very reply was recorded by a run that stopped before it sent the notices: send them now
            outcome.result = "done" if kind == "done" else "extended"
            old_due = dt.date.fromisoformat(row.due_history[-1]["due"]) if kind == "extend" else old_due
        values = {"task": row.text, "reference": row.paper.reference, "token": token_label(config, row.token),
                  "due": words.date(row.due, "date_short"), "old": words.date(old_due, "date_short"),
                  "by": sender, "reason": said or "-", "state": words.data["decisions"]["states"].get(row.state, row.state),
                  "asked": words.date(due, "date_short") if due else "",
                  "command": f"meetprep decisions extend --body {body} --task {row.id} --due {due.isoformat() if due else ''}"}
        source = str(message.get("Message-ID", "")).strip() or hashlib.sha256(raw).hexdigest()[:16]
        sender_name = config.body.mail.from_name or config.body.name
        answer_key = {"done": "answer_done", "extended": "answer_extended", "asked": "answer_asked"}.get(
            outcome.result, "answer_already")
        out = [Outgoing(key=f"{body}/task/{row.id}/answer/{hashlib.sha256(source.encode()).hexdigest()[:16]}",
                        kind="task-answer", sequence=0, channel="email", recipient=sender,
                        subject=words.text("decisions.answer_subject", **values),
                        text=words.letter("", sender_name, words.text(f"decisions.{answer_key}", **values)),
                        sender=config.body.mail.from_address, sender_name=sender_name)]
        if outcome.result == "extended":  # the secretaries hear of every new date
            out += [Outgoing(key=f"{body}/task/{row.id}/extended/{row.due.isoformat()}/{who}", kind="task-extended",
                             sequence=0, channel="email", recipient=address, person_id=person_id,
                             subject=words.text("decisions.extended_subject", **values),
                             text=words.letter(name, sender_name, words.text("decisions.extended_text", **values)),
                             sender=config.body.mail.from_address, sender_name=sender_name)
                    for who, name, address, person_id in clerks if address.lower() != sender]
        if outcome.result == "asked":  # the secretaries decide on it
            out += [Outgoing(key=f"{body}/task/{row.id}/asked/{due.isoformat()}/{who}", kind="task-asked",
                             sequence=0, channel="email", recipient=address, person_id=person_id,
                             subject=words.text("decisions.asked_subject", **values),
                             text=words.letter(name, sender_name, words.text("decisions.asked_text", **values)),
                             sender=config.body.mail.from_address, sender_name=sender_name)
                    for who, name, address, person_id in clerks]
        return Taken(body, row.id, row.paper.reference, kind, outcome.result,
                     row.due.isoformat() if row.due else None, out)


def _same_report(row: Any, kind: str, sender: str, due: dt.date | None) -> bool:
    if kind == "done":
        return row.state == tasks.DONE and (row.reported_by or "").lower() == sender
    last = row.due_history[-1] if row.due_history else None
    return bool(last) and row.due == due and str(last.get("by", "")).lower() == sender


def take_all(store: Store, configs: Configs, box: Any, now: dt.datetime, aside: Any) -> dict[str, Any]:
    """Every unread reply in `box`: recorded once (or handed to `aside` with the reason), marked
    read after that; the acknowledgements and notices to send."""
    result: dict[str, Any] = {"taken": [], "aside": [], "messages": []}
    for key, where, raw in box.unread():
        try:
            taken = take(store, configs, raw, now)
        except Unreadable as why:
            result["aside"].append(aside(where, raw, str(why)))
        else:
            result["messages"] += taken.messages
            result["taken"].append({k: v for k, v in taken.__dict__.items() if k != "messages"})
        box.mark_read(key)
    return result
