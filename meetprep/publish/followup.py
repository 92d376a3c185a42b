"""The public follow-up of decisions: a page per body with the tasks its committees gave the
administration in public items and their state, an Atom feed of their changes, and the same on
each Paper in OParl (the vendor extension `meetprep:followUp`).

A task of a closed paper, or decided in a closed item, is never listed. A dropped task (corrected
minutes no longer give it) is not listed either. The page says each task's due date; whether it
is overdue is marked in the reader's browser (the page is the same whatever day it is published).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from meetprep.agenda.documents import slug
from meetprep.agenda.numbering import access_of
from meetprep.decisions.tasks import DROPPED, item_public
from meetprep.i18n import catalogue
from meetprep.model import BodyConfig
from meetprep.publish.atom import ATOM, _when
from meetprep.store import BodyRow, DecisionTaskRow, PaperRow


EMPTY = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


@dataclass
class PublicTask:
    id: int
    reference: str
    title: str
    committee: str
    committee_name: str
    decided_on: dt.date
    text: str
    owner: str
    due: dt.date
    state: str  # open or done
    done_on: dt.date | None
    report: str | None
    earlier_due: list[dt.date]  # due dates it had before (new dates given)
    updated: dt.datetime

    def as_oparl(self) -> dict[str, Any]:
        return {"text": self.text, "owner": self.owner, "dueDate": self.due.isoformat(), "state": self.state,
                **({"doneDate": self.done_on.isoformat()} if self.done_on else {}),
                **({"earlierDueDates": [d.isoformat() for d in self.earlier_due]} if self.earlier_due else {})}


def public_tasks(session: Session, config: BodyConfig) -> list[PublicTask]:
    """The body's public tasks, by due date."""
    zone = ZoneInfo(config.body.timezone)
    query = (select(DecisionTaskRow, PaperRow).join(PaperRow, DecisionTaskRow.paper_id == PaperRow.id)
             .join(BodyRow, PaperRow.body_id == BodyRow.id)
             .where(BodyRow.key == config.body.key, DecisionTaskRow.state != DROPPED)
             .order_by(DecisionTaskRow.due, DecisionTaskRow.id))
    out = []
    seen: dict[int, dict[str, bool]] = {}  # the items' access per meeting, read once
    for row, paper in session.execute(query).all():
        if access_of(paper.access) != "public" or not item_public(session, row.decision, seen):
            continue
        organization = row.decision.meeting.organization
        out.append(PublicTask(
            id=row.id, reference=paper.reference, title=paper.title, committee=organization.key,
            committee_name=organization.name, decided_on=row.decision.decided_on, text=row.text,
            owner=row.owner or "", due=row.due, state=row.state,
            done_on=row.done_at.astimezone(zone).date() if row.done_at else None, report=row.report,
            earlier_due=[dt.date.fromisoformat(h["due"]) for h in row.due_history], updated=row.updated_at))
    return out


def decisions_feed(config: BodyConfig, tasks: list[PublicTask]) -> bytes:
    """The Atom feed of the public tasks (public_tasks): an entry per task and state (a new due
    date, done)."""
    words = catalogue(config.body.locale.value)
    ET.register_namespace("", ATOM)
    title = words.text("decisions.feed_title", body=config.body.name)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": config.body.locale.value})
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"tag:meetprep,2026:{config.body.key}/decisions"
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    # an empty feed says a fixed moment, not the publish's: a feed that did not change stays the same
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _when(max((t.updated for t in tasks), default=EMPTY))
    ET.SubElement(ET.SubElement(feed, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = config.body.name
    for task in sorted(tasks, key=lambda t: (t.updated, t.id), reverse=True):
        state = words.data["decisions"]["states"][task.state]
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = (f"tag:meetprep,{task.decided_on.isoformat()}:{config.body.key}/"
                                                      f"task/{task.id}/{task.state}/{task.due.isoformat()}")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = (
            f"{state}: {task.text} ({task.reference}, {words.date(task.due, 'date_short')})")
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _when(task.updated)
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html",
                                                 "href": f"../paper/{slug(task.reference)}.html"})
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = f"{task.committee_name}, {task.title}"
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
