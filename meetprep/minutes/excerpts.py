"""Excerpts of the minutes (Protokollauszug / Beschlussauszug; beslutningsuddrag): one per paper
a meeting decided on, for the originating unit and the case officer to file in their case and act
on, kept as one of the paper's files (so the next body's documents list it among the Bilag /
Anlagen) and, for a public item, published with the paper.

An excerpt has a version of its own: a hash of what it shows (the decision, the votes, who took
part and who was biased, the tasks, the certifying day). Corrected minutes that leave an item as
it was change nothing for its excerpt; ones that change the item render it, attach it and send it
again. Where the committee approves its minutes (`agenda.minutes_approval`), excerpts wait until
the recorded version is approved.

Rendering is the minutes' pattern: each version into a folder of its own that appears whole or
not at all; the paper's file is one row per decision (`files.origin = 'excerpt'`), updated in
place; sending goes through the ledger, once per version and recipient.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from meetprep.agenda import pdf as pdfs
from meetprep.agenda.contexts import MEMBERS, minutes_context
from meetprep.agenda.documents import DOCX, slug
from meetprep.agenda.markup import clean
from meetprep.agenda.numbering import access_of
from meetprep.agenda.rendering import render_docx, template_path
from meetprep.config import Configs
from meetprep.folders import staging
from meetprep.errors import InputError, Problem
from meetprep.i18n import catalogue
from meetprep.messages.ledger import Attachment, Outgoing
from meetprep.minutes.record import minutes_draft, recorded_version
from meetprep.store import (
    BodyRow,
    DecisionRow,
    FileRow,
    MinutesRow,
    PaperRow,
    PersonRow,
    Store,
    committee_secretaries,
    the_meeting,
)

KINDS = {"da": "beslutningsuddrag", "de": "protokollauszug"}
EXCERPT = "excerpt"  # files.origin
POSITIONS = 10_000  # an excerpt's file position: 10000 + the decision's id, after any author's attachment


@dataclass
class Excerpt:
    """One decided paper's excerpt, rendered: what to attach and to whom it goes."""

    reference: str
    title: str
    decision_id: int
    public: bool
    version: str
    file_title: str
    files: list[dict[str, Any]] = field(default_factory=list)  # {"path", "media_type", "sha256", "size"}
    notes: list[str] = field(default_factory=list)


def waiting_for_approval(store: Store, configs: Configs, body: str, meeting_key: str) -> bool:
    """Whether the committee approves its minutes and the recorded version is not approved yet."""
    with store.session() as session:
        meeting = the_meeting(session, body, meeting_key)
        org = configs.get(body).organization(meeting.organization.key)
        if not org.agenda.minutes_approval:
            return False
        row = session.execute(select(MinutesRow).where(MinutesRow.meeting_id == meeting.id)).scalar_one()
        return row.approved_version != recorded_version(row)


def approve(store: Store, body: str, meeting_key: str, now: dt.datetime) -> str:
    """Approve the recorded minutes of a meeting (Genehmigung der Niederschrift; godkendelse af
    referatet); returns the version approved. Approving again is harmless."""
    with store.writing(f"body:{body}") as session:
        meeting = the_meeting(session, body, meeting_key)
        row = session.execute(select(MinutesRow).where(MinutesRow.meeting_id == meeting.id)).scalar_one_or_none()
        if row is None:
            raise InputError([Problem(file="(request)", item=f"meeting {meeting_key}", field="minutes",
                                      message="no minutes are recorded for this meeting: record them first")])
        version = recorded_version(row)
        if row.approved_version != version:
            row.approved_version, row.approved_at = version, now
        return version


def contexts(store: Store, configs: Configs, body: str, meeting_key: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(template context, facts) of each decided paper's excerpt; the facts are what the version
    is a hash of, plus what the job needs (reference, decision id, who receives it)."""
    config = configs.get(body)
    words = catalogue(config.body.locale.value)
    kind = KINDS[config.body.locale.value]
    zone = ZoneInfo(config.body.timezone)
    draft, extra = minutes_draft(store, configs, body, meeting_key)
    base = minutes_context(draft, extra, MEMBERS, kind)
    with store.session() as session:
        meeting = the_meeting(session, body, meeting_key)
        row = session.execute(select(MinutesRow).where(MinutesRow.meeting_id == meeting.id)).scalar_one()
        certified = (row.approved_at or row.recorded_at).astimezone(zone).date()
        persons = {p.key: p.name for p in session.execute(
            select(PersonRow).where(PersonRow.body_id == meeting.body_id)).scalars()}
        secretary = next((p.name for p in committee_secretaries(session, meeting.organization_id, reachable=False)), "")
        decisions = {d.consultation.paper.reference: d for d in session.execute(
            select(DecisionRow).where(DecisionRow.meeting_id == meeting.id)).scalars()}
        recorded = {i.get("reference"): i for i in row.items or [] if i.get("reference")}
        out = []
        for item, entry in zip(base["items"], draft.entries):
            reference = entry["reference"]
            if entry["kind"] != "paper" or reference not in decisions:
                continue
            decision = decisions[reference]
            paper = decision.consultation.paper
            minutes_item = recorded.get(reference, {})
            biased = [clean(persons.get(k, k)) for k in minutes_item.get("biased", [])]
            present = [n for n in base["minutes"]["present"] if n not in biased]
            tasks = [{"text": clean(t["text"]), "due": words.date(dt.date.fromisoformat(t["due"]), "date_short"),
                      "owner": clean(t.get("owner") or paper.originator_unit or "")}
                     for t in minutes_item.get("tasks", [])]
            officer = clean(persons.get(paper.case_officer or "", paper.case_officer or ""))
            excerpt = {
                "present": present, "absent": base["minutes"]["absent"], "biased": biased,
                "biased_lines": [words.text("excerpt.biased", name=n) for n in biased],
                "unit": clean(paper.originator_unit or ""), "officer": officer,
                "tasks": tasks, "certified": words.date(certified, "date_short"),
                "certified_text": words.text("excerpt.certified", place=clean(config.body.name),
                                             date=words.date(certified, "date_short")),
            }
            context = {**base, "item": item, "excerpt": excerpt,
                       "signatures": [{"role": words.text("minutes.signature_secretary"), "name": clean(secretary)}]}
            context["document"] = {**base["document"], "variant": MEMBERS}
            context["properties"] = {**base["properties"], "title": f"{words.text(f'documents.{kind}')}: "
                                     f"{reference}, {clean(draft.committee['name'])}"}
            facts = {"reference": reference, "title": paper.title, "decision_id": decision.id, "paper_id": paper.id,
                     "public": access_of(entry["access"]) == "public" and access_of(paper.access) == "public",
                     "unit": paper.originator_unit, "officer": paper.case_officer,
                     "file_title": words.text("excerpt.file_title", committee=draft.committee.get("short_name")
                                              or draft.committee["name"], date=words.date(
                                                  meeting.start.astimezone(zone).date(), "date_short")),
                     "shown": {"item": {k: v for k, v in item.items() if k in ("number", "title", "decision", "vote",
                                                                              "result", "reference")},
                               "excerpt": excerpt, "secretary": secretary, "committee": draft.committee["name"],
                               "meeting": draft.meeting["start"]}}
            out.append((context, facts))
        return out


def version_of(facts: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(facts["shown"], sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def render(store: Store, configs: Configs, settings: Any, body: str, meeting_key: str, pdf: bool) -> list[Excerpt]:
    """Each decided paper's excerpt as .docx (and a tagged PDF where LibreOffice is installed),
    rendered once per version into `<meeting>/excerpts/<reference>/<version>/`."""
    config = configs.get(body)
    kind = KINDS[config.body.locale.value]
    words = catalogue(config.body.locale.value)
    template = template_path(settings.templates_dir, config.body.locale.value, kind)
    with store.session() as session:
        committee = the_meeting(session, body, meeting_key).organization.key
    base = settings.output_dir / body / committee / meeting_key / "excerpts"
    done = []
    for context, facts in contexts(store, configs, body, meeting_key):
        version = version_of(facts)
        folder = base / slug(facts["reference"]) / (version + ("" if pdf else "-docx"))
        index = folder / "files.json"
        if not index.is_file():
            with staging(settings.output_dir, prefix="excerpt-") as work:
                name = f"{slug(words.text(f'documents.{kind}')).lower()}-{slug(facts['reference'])}.docx"
                data = render_docx(template, context)
                (work / name).write_bytes(data)
                files = [_entry(work / name, DOCX)]
                notes: list[str] = []
                if pdf and pdfs.soffice() is not None:
                    conversion = pdfs.convert([work / name])
                    notes = [f"no PDF of {source.name}: {reason}" for source, reason in conversion.failed.items()]
                    files += [_entry(p, "application/pdf") for p in conversion.pdfs.values()]
                elif pdf:
                    notes = ["LibreOffice is not installed: the excerpts have no PDF"]
                listing = {"files": [{**f, "path": Path(f["path"]).name} for f in files], "notes": notes}
                (work / "files.json").write_text(json.dumps(listing, ensure_ascii=False, indent=2), encoding="utf-8")
                folder.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.rename(work, folder)
                except OSError:
                    if not index.is_file():  # not a run that got there first
                        raise
        listing = json.loads(index.read_text(encoding="utf-8"))
        done.append(Excerpt(reference=facts["reference"], title=facts["title"], decision_id=facts["decision_id"],
                            public=facts["public"], version=version, file_title=facts["file_title"],
                            files=[{**f, "path": str(folder / f["path"])} for f in listing["files"]],
                            notes=listing["notes"]))
    return done


def _entry(path: Path, media_type: str) -> dict[str, Any]:
    data = path.read_bytes()
    return {"path": str(path), "media_type": media_type, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def attach(store: Store, body: str, excerpts: list[Excerpt], now: dt.datetime) -> set[str]:
    """Keep each excerpt as its paper's file (the PDF where there is one): one row per decision,
    updated when the excerpt changes. Returns the references whose files changed."""
    changed = set()
    with store.writing(f"body:{body}") as session:
        for excerpt in excerpts:
            chosen = sorted(excerpt.files, key=lambda f: f["media_type"] != "application/pdf")[0]
            paper = session.execute(select(PaperRow).join(BodyRow, PaperRow.body_id == BodyRow.id).where(
                BodyRow.key == body, PaperRow.reference == excerpt.reference)).scalar_one()
            row = next((f for f in paper.files if f.origin == EXCERPT and f.decision_id == excerpt.decision_id), None)
            if row is None:
                row = FileRow(position=POSITIONS + excerpt.decision_id, origin=EXCERPT, decision_id=excerpt.decision_id)
                paper.files.append(row)
            elif row.sha256 == chosen["sha256"] and row.path == chosen["path"]:
                continue
            row.title, row.path, row.media_type = excerpt.file_title, chosen["path"], chosen["media_type"]
            row.sha256, row.size, row.status = chosen["sha256"], chosen["size"], "present"
            row.access = "public" if excerpt.public else "closed"
            row.delivered_at = now
            paper.updated_at = now
            changed.add(excerpt.reference)
    return changed


def messages(store: Store, configs: Configs, body: str, meeting_key: str, excerpts: list[Excerpt]) -> list[Outgoing]:
    """Each excerpt to the paper's case officer and its originating unit (by e-mail, with the
    PDF and the .docx), once per version and recipient; where neither can be reached, to the
    committee's secretary, saying so."""
    config = configs.get(body)
    words = catalogue(config.body.locale.value)
    out = []
    with store.session() as session:
        meeting = the_meeting(session, body, meeting_key)
        zone = ZoneInfo(config.body.timezone)
        values = {"committee": meeting.organization.name, "date": words.date(meeting.start.astimezone(zone).date(),
                                                                              "date_short")}
        persons = {p.key: p for p in session.execute(select(PersonRow).where(PersonRow.body_id == meeting.body_id)).scalars()}
        secretary = next(iter(committee_secretaries(session, meeting.organization_id)), None)
        for excerpt in excerpts:
            paper = session.execute(select(PaperRow).where(PaperRow.body_id == meeting.body_id,
                                                           PaperRow.reference == excerpt.reference)).scalar_one()
            recipients = _recipients(config, persons, paper)
            lines = [words.text("excerpt.mail_text", reference=excerpt.reference, title=excerpt.title, **values)]
            if not recipients:
                if secretary is None:
                    continue
                lines.append(words.text("excerpt.no_recipient", unit=paper.originator_unit or "-"))
                recipients = [("secretary", secretary.name, secretary.email, secretary.id)]
            attachments = [Attachment(Path(f["path"]).name, Path(f["path"]).read_bytes(), f["media_type"])
                           for f in sorted(excerpt.files, key=lambda f: f["media_type"] != "application/pdf")]
            for who, name, address, person_id in recipients:
                out.append(Outgoing(
                    key=f"{body}/{meeting_key}/excerpt/{excerpt.reference}/{excerpt.version}/{who}", kind="excerpt",
                    sequence=0, channel="email", recipient=address, person_id=person_id, meeting_id=meeting.id,
                    subject=words.text("excerpt.mail_subject", reference=excerpt.reference, title=excerpt.title, **values),
                    text=words.letter(name, config.body.mail.from_name or config.body.name, "\n\n".join(lines)),
                    attachments=attachments, sender=config.body.mail.from_address,
                    sender_name=config.body.mail.from_name or config.body.name,
                    tags=(meeting.organization.key, who)))
    return out


def _recipients(config: Any, persons: dict[str, PersonRow], paper: PaperRow) -> list[tuple[str, str, str, int | None]]:
    """(who, name, address, person id) of the case officer (a person of the body with an e-mail
    address) and the unit (body.units), each address once."""
    found: list[tuple[str, str, str, int | None]] = []
    officer = persons.get(paper.case_officer or "")
    if officer is not None and officer.email:
        found.append((officer.key, officer.name, officer.email, officer.id))
    unit = config.body.units.get(paper.originator_unit or "")
    if unit and all(unit.lower() != address.lower() for _, _, address, _ in found):
        found.append(("unit", paper.originator_unit, unit, None))
    return found
