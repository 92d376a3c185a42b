"""The daily follow-up of decisions' tasks: the owner is reminded `follow_up.remind_days` before
the due date, once per due date; after it the task is escalated to the owner and the committee's
secretaries, every `follow_up.escalate_every` days, until it is reported done or given a new
date. A new due date starts over (a reminder before it, escalations after it).

Each message names its task by a token in the subject ("[OP 3f9a0c1b2d4e]"; German "[BK ...]"):
the owner answers by replying ("Udført ..." / "Erledigt ...", or "Ny frist 31-03-2027" /
"Neuer Termin 31.03.2027"), read by meetprep.decisions.replies.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from meetprep.config import Configs
from meetprep.decisions.tasks import OPEN
from meetprep.i18n import catalogue
from meetprep.messages.ledger import Outgoing
from meetprep.model import BodyConfig
from meetprep.store import BodyRow, DecisionRow, DecisionTaskRow, PaperRow, PersonRow, Store, committee_secretaries


def token_label(config: BodyConfig, token: str) -> str:
    return f"[{catalogue(config.body.locale.value).text('decisions.token')} {token}]"


def owner_addresses(session: Any, config: BodyConfig, owner: str | None) -> list[tuple[str, str, str, int | None]]:
    """(who, name, address, person id) of a task's owner: a person of the body with an e-mail
    address, or a unit of body.units."""
    if not owner:
        return []
    person = session.execute(select(PersonRow).join(BodyRow, PersonRow.body_id == BodyRow.id).where(
        BodyRow.key == config.body.key, PersonRow.key == owner)).scalar_one_or_none()
    if person is not None and person.email:
        return [(person.key, person.name, person.email, person.id)]
    unit = config.body.units.get(owner)
    return [("unit", owner, unit, None)] if unit else []


def secretaries(session: Any, organization_id: int) -> list[tuple[str, str, str, int | None]]:
    return [(p.key, p.name, p.email, p.id) for p in committee_secretaries(session, organization_id)]


def messages(store: Store, configs: Configs, body: str, today: dt.date) -> list[Outgoing]:
    """Today's reminders and escalations of `body`'s open tasks (each under a key of its own: the
    ledger sends it once)."""
    config = configs.get(body)
    words = catalogue(config.body.locale.value)
    settings = config.body.follow_up
    out: list[Outgoing] = []
    with store.session() as session:
        rows = session.execute(
            select(DecisionTaskRow).join(PaperRow, DecisionTaskRow.paper_id == PaperRow.id)
            .join(BodyRow, PaperRow.body_id == BodyRow.id)
            .where(BodyRow.key == body, DecisionTaskRow.state == OPEN,
                   DecisionTaskRow.due <= today + dt.timedelta(days=settings.remind_days))
            .order_by(DecisionTaskRow.due, DecisionTaskRow.id)).scalars().all()
        for row in rows:
            decision: DecisionRow = row.decision
            organization = decision.meeting.organization
            values = {"reference": row.paper.reference, "title": row.paper.title, "task": row.text,
                      "due": words.date(row.due, "date_short"), "committee": organization.name,
                      "decided": words.date(decision.decided_on, "date_short"), "token": token_label(config, row.token),
                      "owner": row.owner or "-", "days": (today - row.due).days}
            owners = owner_addresses(session, config, row.owner)
            if row.due >= today:
                kind, key = "task-reminder", f"{body}/task/{row.id}/reminder/{row.due.isoformat()}"
                recipients = owners or secretaries(session, organization.id)
                extra = [] if owners else [words.text("decisions.no_owner", owner=row.owner or "-")]
            else:
                round_ = ((today - row.due).days - 1) // settings.escalate_every
                if (today - row.due).days - 1 != round_ * settings.escalate_every:
                    continue  # between escalations
                kind, key = "task-overdue", f"{body}/task/{row.id}/overdue/{row.due.isoformat()}/{round_}"
                recipients = owners + [s for s in secretaries(session, organization.id)
                                       if all(s[2].lower() != o[2].lower() for o in owners)]
                extra = [] if owners else [words.text("decisions.no_owner", owner=row.owner or "-")]
            subject = words.text(f"decisions.{kind.split('-')[1]}_subject", **values)
            text_lines = [words.text(f"decisions.{kind.split('-')[1]}_text", **values), *extra,
                          words.text("decisions.how_to_answer", **values)]
            for who, name, address, person_id in recipients:
                out.append(Outgoing(
                    key=f"{key}/{who if who != 'unit' else address}", kind=kind, sequence=0, channel="email",
                    recipient=address, person_id=person_id, meeting_id=decision.meeting_id, subject=subject,
                    text=words.letter(name, config.body.mail.from_name or config.body.name, *text_lines),
                    sender=config.body.mail.from_address, sender_name=config.body.mail.from_name or config.body.name,
                    reply_to=config.body.mail.decisions_address, tags=(organization.key, "follow-up")))
    return out
