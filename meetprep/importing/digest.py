"""The secretaries' intake digest: what the papers inbox took in and refused since the last one.

The daily timeline run (`meetings prepare`, the prepare-meetings flow) sends it: each secretary
of a committee gets one message listing the papers for that committee the inbox imported (a new
paper, a new revision) and the documents it refused with what was wrong; events for a paper
that names no committee go to every secretary of the body. A run first claims every unreported
event of the body for a new digest key with one UPDATE (overlapping runs split the events, none
reports one twice), then sends each digest it claimed, or that an earlier run claimed and did
not finish, through the ledger, which sends each message once. A day without events sends
nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict

from sqlalchemy import select, update

from meetprep.config import Configs
from meetprep.i18n import catalogue
from meetprep.messages.ledger import Outgoing, unsent
from meetprep.model import BodyConfig
from meetprep.store import IntakeEventRow, PersonRow, Store, body_secretaries

KEEP = dt.timedelta(days=14)  # a digest claimed by a run that died is sent by the runs of two weeks


def claim(store: Store, body: str, now: dt.datetime) -> str | None:
    """Give the body's unreported events to a new digest; its key, or None if there were none."""
    key = f"{body}/intake-digest/{now.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    with store.session() as session:
        claimed = session.execute(update(IntakeEventRow).where(
            IntakeEventRow.body_key == body, IntakeEventRow.digest.is_(None)).values(digest=key)).rowcount
    return key if claimed else None


def digest_messages(store: Store, configs: Configs, body: str, now: dt.datetime) -> list[Outgoing]:
    """Claim the body's new events, then the messages of every recent digest (the ledger drops
    those already sent)."""
    config = configs.get(body)
    if config is None:
        return []
    claim(store, body, now)
    with store.session() as session:
        events = session.execute(select(IntakeEventRow).where(
            IntakeEventRow.body_key == body, IntakeEventRow.digest.is_not(None), IntakeEventRow.at >= now - KEEP)
            .order_by(IntakeEventRow.id)).scalars().all()
        secretaries = _secretaries(session, body)
        by_digest: dict[str, list[IntakeEventRow]] = defaultdict(list)
        for event in events:
            by_digest[event.digest].append(event)
        messages = []
        for key, group in by_digest.items():
            for person, committees in secretaries.items():
                mine = [e for e in group if e.committee_key is None or e.committee_key in committees]
                if mine:
                    messages.append(_message(config, key, person, mine))
    return unsent(store, messages)


def _secretaries(session, body: str) -> dict[PersonRow, set[str]]:
    """Each secretary of the body with an address, and the committees they keep."""
    found: dict[PersonRow, set[str]] = {}
    for person, committee in body_secretaries(session, body):
        found.setdefault(person, set()).add(committee)
    return found


def _message(config: BodyConfig, key: str, person: PersonRow, events: list[IntakeEventRow]) -> Outgoing:
    words = catalogue(config.body.locale.value)
    lines = []
    for event in events:
        if event.outcome == "imported":
            lines.append(words.text(f"intake.digest_{event.action}", reference=event.reference, file=event.file))
        else:
            lines.append(words.text("intake.digest_refused", reference=event.reference or "?", file=event.file))
            lines += [f"    {problem}" for problem in event.problems]
            if event.sender:
                lines.append("    " + words.text("intake.digest_told", sender=event.sender))
    refused = sum(e.outcome == "refused" for e in events)
    sender = config.body.mail.from_name or config.body.name
    text = words.letter(person.name, sender, words.text("intake.digest_text"), "\n".join(lines))
    return Outgoing(key=f"{key}/{person.key}", kind="intake-digest", sequence=0, channel="email",
                    recipient=person.email, person_id=person.id,
                    subject=words.text("intake.digest_subject", count=len(events), refused=refused),
                    text=text, sender=config.body.mail.from_address, sender_name=sender)
