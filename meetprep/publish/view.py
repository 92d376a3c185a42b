"""What the public may see of a body: the one place where access is decided for publishing.

The portal, the OParl objects and the search index are all made from a `PublicBody`, never from
the store directly, so that a closed item cannot reach them by another path. Fail closed: only
an explicit "public" is public (`agenda.access_of`).

- A meeting is public with its date, place and state. Its agenda is the published version (the
  approved one where the committee wants approval, else the current one); a closed item appears
  as its number with "Lukket punkt" / "Nichtöffentlicher Tagesordnungspunkt" and nothing else,
  as in the public agenda document.
- A paper is public when it is not closed and stands on a published agenda: a paper that is
  only pending has not been published by anyone yet. Its closed attachments, attachments still
  to follow, and references to closed papers are left out.
- Documents are the public variants meetprep rendered (agenda, the papers' own documents, the
  public referat / Niederschrift), and the public, delivered attachments of public papers.
- Committees show their chair, members and substitutes (name, role, group); never an address,
  and never the secretary or guests, who are staff or outsiders.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from meetprep.agenda.numbering import access_of
from meetprep.agenda.contexts import item_label
from meetprep.model import BodyConfig
from meetprep.store import (
    AgendaRow,
    AgendaVersionRow,
    BodyRow,
    ConsultationRow,
    DecisionRow,
    DocumentRow,
    MeetingRow,
    MinutesRow,
    OrganizationRow,
    PaperRow,
    PlannedEventRow,
)
from meetprep.i18n import catalogue
from meetprep.minutes.record import recorded_version
from meetprep.agenda.draft import paper_sessions
from meetprep.agenda.timeplan import time_plan
from meetprep.publish.followup import public_tasks

PUBLIC_ROLES = ("chair", "vice_chair", "member", "substitute")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def slug(text: str) -> str:
    """A file-name and URL-safe form of a key or reference that keeps distinct keys distinct:
    'EMN-2025-05820' stays, 'V/2025/123' becomes 'V-2025-123-3f1c2a'."""
    plain = _UNSAFE.sub("-", text).strip("-.") or "x"
    if plain == text:
        return plain
    return f"{plain[:80]}-{hashlib.sha1(text.encode()).hexdigest()[:6]}"


def public_name(file_name: str) -> str:
    """A published copy's file name: the original where it is URL-safe, else a safe form of it
    with its extension ('Bilag 1 – Kort.pdf' -> 'Bilag-1-Kort-1a2b3c.pdf')."""
    stem, dot, extension = file_name.rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,10}", extension):
        return slug(file_name)
    return f"{slug(stem)}.{extension.lower()}" if slug(stem) != stem or extension != extension.lower() else file_name


@dataclass
class PublicFile:
    key: str  # unique within the body, a relative URL path: meeting/<meeting>/<name>, paper/<ref>/<n>/<name>
    name: str  # the title shown
    file_name: str
    media_type: str
    source: Path  # where meetprep has it; the portal publishes a copy
    size: int | None
    sha256: str | None
    date: dt.date | None
    role: str  # agenda, paper_document, attachment, minutes

    @property
    def href(self) -> str:
        """Where the portal publishes its copy, relative to the body's folder."""
        return f"files/{self.key}"


@dataclass
class PublicItem:
    key: str  # the agenda entry's key: stable across versions and renumbering
    number: str
    label: str  # "Punkt 3", "TOP Ö 3"
    title: str | None  # None for a closed item
    public: bool
    withdrawn: bool
    reference: str | None  # only where the paper is public
    order: int
    standing_text: str | None = None
    result: str | None = None  # a results.* key
    resolution: str | None = None  # the decision's text
    votes: dict[str, int] | None = None  # yes, no, abstain, biased, as recorded
    planned: dt.datetime | None = None  # the item's planned start (meetprep.agenda.timeplan)
    unanimous: bool = False


@dataclass
class PublicMeeting:
    key: str
    committee: str
    name: str
    start: dt.datetime
    end: dt.datetime | None
    room: str | None
    address: str | None
    state: str
    cancelled: bool
    items: list[PublicItem] = field(default_factory=list)
    agenda_files: list[PublicFile] = field(default_factory=list)
    minutes_files: list[PublicFile] = field(default_factory=list)
    agenda_version: int | None = None
    minuted: bool = False
    present: list[str] = field(default_factory=list)  # person keys, from the minutes

    @property
    def place(self) -> str:
        return ", ".join(x for x in (self.room, self.address) if x)


@dataclass
class PublicSession:
    committee: str
    committee_name: str
    role: str
    deciding: bool
    date: dt.date | None
    meeting: str | None  # only a meeting whose agenda shows this paper
    held: bool
    result: str | None
    result_text: str | None
    position: int


@dataclass
class PublicPaper:
    reference: str
    title: str
    paper_type: str
    date: dt.date | None
    originator_unit: str | None
    sections: list[dict[str, Any]]
    proposal: dict[str, Any] | None
    related: list[str]
    amends: str | None
    sessions: list[PublicSession]
    files: list[PublicFile]
    documents: list[PublicFile]  # its own rendered document (Vorlage), where the body writes one
    meetings: list[str] = field(default_factory=list)
    tasks: list[Any] = field(default_factory=list)  # its decisions' public tasks (meetprep.publish.followup)


@dataclass
class PublicMember:
    person: str
    name: str
    role: str
    voting_right: bool
    on_behalf_of: str | None
    start: dt.date | None
    end: dt.date | None


@dataclass
class PublicCommittee:
    key: str
    name: str
    short_name: str | None
    classification: str
    period: str | None
    members: list[PublicMember]


@dataclass
class PublicEvent:
    committee: str
    name: str
    start: dt.datetime
    end: dt.datetime


@dataclass
class PublicBody:
    key: str
    name: str
    locale: str
    timezone: str
    website: str | None
    classification: str
    committees: dict[str, PublicCommittee]
    persons: dict[str, str]  # key -> name, members only
    meetings: dict[str, PublicMeeting]
    papers: dict[str, PublicPaper]
    events: list[PublicEvent]
    ags: str | None = None
    kommunekode: str | None = None
    # each public paper's own rendered documents (Vorlage), gathered with the agendas
    paper_documents: dict[str, list[PublicFile]] = field(default_factory=dict)
    tasks: list[Any] = field(default_factory=list)  # every public task of its decisions (publish.followup)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def published_version(agenda: AgendaRow | None, config: BodyConfig, committee: str) -> AgendaVersionRow | None:
    """The agenda version the public sees: the approved one where the committee wants approval,
    else the current one; None before there is one."""
    if agenda is None:
        return None
    org = config.organization(committee)
    number = agenda.approved_version if org and org.agenda.approval_required else agenda.current_version
    return next((v for v in agenda.versions if v.version == number), None) if number else None


def public_body(session: Session, config: BodyConfig, output_dir: Path, meeting_keys: set[str] | None = None,
                paper_references: set[str] | None = None) -> PublicBody:
    """The public view of one body; with `meeting_keys` / `paper_references` only those meetings
    and papers (a build publishes its own meeting and papers, not the whole store)."""

    words = catalogue(config.body.locale.value)
    zone = ZoneInfo(config.body.timezone)
    body_row = session.execute(select(BodyRow).where(BodyRow.key == config.body.key)).scalar_one_or_none()
    committees = _committees(config)
    persons = {m.person: m.name for c in committees.values() for m in c.members}
    view = PublicBody(key=config.body.key, name=config.body.name, locale=config.body.locale.value,
                      timezone=config.body.timezone, website=config.body.website,
                      ags=config.body.ags, kommunekode=config.body.kommunekode,
                      classification=config.body.classification, committees=committees, persons=persons,
                      meetings={}, papers={}, events=[])
    if body_row is None:
        return view
    orgs = {o.id: o for o in session.execute(select(OrganizationRow).where(OrganizationRow.body_id == body_row.id)).scalars()}
    # A held-back meeting (it may be another one moved) is not published until the clerk says which.
    query = select(MeetingRow).where(MeetingRow.body_id == body_row.id, MeetingRow.held_back_for.is_(None)
                                     ).order_by(MeetingRow.start)
    if meeting_keys is not None:
        query = query.where(MeetingRow.key.in_(meeting_keys or {""}))
    meetings = session.execute(query).scalars().all()
    meeting_ids = [m.id for m in meetings]
    agendas = {a.meeting_id: a for a in session.execute(
        select(AgendaRow).where(AgendaRow.meeting_id.in_(meeting_ids or [-1]))).scalars()}
    minutes = {m.meeting_id: m for m in session.execute(
        select(MinutesRow).where(MinutesRow.meeting_id.in_(meeting_ids or [-1]))).scalars()}
    on_agenda: dict[str, list[str]] = {}
    versions: dict[int, AgendaVersionRow] = {}
    for meeting in meetings:
        org = orgs[meeting.organization_id]
        item = PublicMeeting(
            key=meeting.key, committee=org.key, name=words.meeting_name(org.name, meeting.extraordinary),
            start=meeting.start, end=meeting.end, room=meeting.room, address=meeting.address, state=meeting.state,
            cancelled=meeting.state == "cancelled", minuted=meeting.state == "minuted")
        version = published_version(agendas.get(meeting.id), config, org.key)
        if version is not None:
            versions[meeting.id] = version
            item.agenda_version = version.version
            for order, entry in enumerate(version.entries):
                public = access_of(entry["access"]) == "public"
                reference = entry["reference"] if public and entry["kind"] == "paper" else None
                item.items.append(PublicItem(
                    key=entry["key"], number=entry["number"], label=item_label(words, entry),
                    title=entry["title"] if public else None, public=public, withdrawn=bool(entry["withdrawn"]),
                    reference=reference, order=order,
                    standing_text=words.fill_meeting(entry.get("standing_text"), meeting.start.astimezone(zone), org.name)
                    if public else None))
                if reference and not entry["withdrawn"]:
                    on_agenda.setdefault(reference, []).append(meeting.key)
            planned = time_plan(session, config, meeting, version.entries).items
            for public_item in item.items:
                if not public_item.withdrawn and public_item.key in planned:
                    public_item.planned = planned[public_item.key].start
        row = minutes.get(meeting.id)
        if row is not None:
            _add_minutes(item, row, output_dir, config.body.key, persons)
        view.meetings[meeting.key] = item
    _add_documents(session, view, versions)
    references = set(on_agenda) | set(paper_references or ())
    _add_papers(session, view, config, body_row.id, references, zone, meeting_keys is None)
    view.tasks = public_tasks(session, config)  # all: the follow-up page and feed; each paper its own
    for task in (t for t in view.tasks if t.reference in view.papers):
        view.papers[task.reference].tasks.append(task)
    _add_decisions(session, view, body_row.id)
    view.events = _events(session, config, body_row.id)
    return view


def _committees(config: BodyConfig) -> dict[str, PublicCommittee]:
    names = {p.key: p.name for p in config.persons}
    out = {}
    for org in config.organizations:
        members = [PublicMember(person=m.person, name=names.get(m.person, m.person), role=m.role.value,
                                voting_right=bool(m.voting_right), on_behalf_of=m.on_behalf_of, start=m.start, end=m.end)
                   for m in org.memberships if m.role.value in PUBLIC_ROLES]
        out[org.key] = PublicCommittee(key=org.key, name=org.name, short_name=org.short_name,
                                       classification=org.classification, period=org.period, members=members)
    return out


def _add_minutes(item: PublicMeeting, row: MinutesRow, output_dir: Path, body: str, persons: dict[str, str]) -> None:
    absent = set(row.attendance.get("absent") or [])
    item.present = [p for p in persons if p not in absent] if item.minuted else []
    public_numbers = {i.number for i in item.items if i.public}
    by_reference = {i.reference: i for i in item.items if i.reference}
    for recorded in row.items:
        target = by_reference.get(recorded.get("reference")) if recorded.get("reference") else None
        if target is None and recorded.get("number") in public_numbers:
            target = next(i for i in item.items if i.number == recorded["number"] and i.public)
        if target is not None and target.public:
            target.result = recorded.get("result") or target.result
            target.resolution = recorded.get("text") or target.resolution
            target.votes = recorded.get("votes") or target.votes
            target.unanimous = bool(recorded.get("unanimous")) or target.unanimous
    version = recorded_version(row)
    base = output_dir / body / item.committee / item.key / "minutes"
    for folder in (base / version, base / f"{version}-docx"):
        listing = folder / "files.json"
        if listing.is_file():
            for entry in json.loads(listing.read_text(encoding="utf-8"))["files"]:
                if entry.get("variant") != "public":
                    continue
                path = folder / entry["path"]
                item.minutes_files.append(_document_file(f"meeting/{slug(item.key)}/{path.name}", path, entry.get("media_type"),
                                                         "minutes", row.recorded_at.date()))
            break


def _document_file(key: str, path: Path, media_type: str | None, role: str, day: dt.date | None,
                   sha256: str | None = None, size: int | None = None, name: str | None = None) -> PublicFile:
    folder, _, name_part = key.rpartition("/")
    return PublicFile(key=f"{folder}/{public_name(name_part)}", name=name or path.name, file_name=path.name,
                      media_type=media_type or "application/octet-stream", source=path, size=size, sha256=sha256,
                      date=day, role=role)


def _add_documents(session: Session, view: PublicBody, versions: dict[int, AgendaVersionRow]) -> None:
    """The public variants of each meeting's published agenda version: the agenda itself on the
    meeting, a paper's own document (Vorlage) on that paper."""
    if not versions:
        return
    by_version = {v.id: k for k, v in versions.items()}
    keys = {m.id: m.key for m in session.execute(select(MeetingRow).where(MeetingRow.id.in_(list(versions)))).scalars()}
    rows = session.execute(select(DocumentRow, PaperRow.reference).outerjoin(PaperRow, DocumentRow.paper_id == PaperRow.id)
                           .where(DocumentRow.agenda_version_id.in_(list(by_version)), DocumentRow.variant == "public")
                           .order_by(DocumentRow.id)).all()
    for document, reference in rows:
        meeting_id = by_version[document.agenda_version_id]
        meeting = view.meetings[keys[meeting_id]]
        path = Path(document.path)
        day = versions[meeting_id].created_at.date()
        if reference is None:
            meeting.agenda_files.append(_document_file(f"meeting/{slug(meeting.key)}/{path.name}", path, document.media_type,
                                                       "agenda", day, document.sha256, document.size))
        else:
            view.paper_documents.setdefault(reference, []).append(
                _document_file(f"paper/{slug(reference)}/{path.name}", path, document.media_type, "paper_document", day,
                               document.sha256, document.size))


def _add_papers(session: Session, view: PublicBody, config: BodyConfig, body_id: int, references: set[str],
                zone: ZoneInfo, whole: bool) -> None:
    if not references:
        return
    papers = session.execute(
        select(PaperRow).where(PaperRow.body_id == body_id, PaperRow.reference.in_(references))
        .options(selectinload(PaperRow.files), selectinload(PaperRow.consultations).selectinload(ConsultationRow.decisions),
                 selectinload(PaperRow.amends))).scalars().all()
    public_refs = {p.reference for p in papers if access_of(p.access) == "public"}
    # related papers and amended ones outside this set: published only if public and on an agenda
    others = {r for p in papers for r in p.related} | {p.amends.reference for p in papers if p.amends}
    others -= public_refs
    if others:
        public_refs |= _published_references(session, config, body_id, others, view)
    documents = view.paper_documents
    for paper in papers:
        if access_of(paper.access) != "public":
            continue
        meetings = _meetings_showing(session, config, paper, view, whole)
        if not meetings:
            continue
        files = []
        for f in paper.files:
            if access_of(f.access) != "public" or f.status != "present" or not f.path:
                continue
            path = Path(f.path)
            files.append(PublicFile(key=f"paper/{slug(paper.reference)}/{f.position}/{public_name(path.name)}",
                                    name=f.title, file_name=path.name,
                                    media_type=f.media_type or "application/octet-stream", source=path, size=f.size,
                                    sha256=f.sha256, date=(f.delivered_at.date() if f.delivered_at else paper.date),
                                    role="attachment"))
        sessions = []
        for s in paper_sessions(paper, zone):
            sessions.append(PublicSession(
                committee=s["committee"], committee_name=s["committee_name"], role=s["role"], deciding=s["deciding"],
                date=dt.date.fromisoformat(s["date"]) if s["date"] else None,
                meeting=s["meeting"] if s["meeting"] in meetings else None, held=s["held"], result=s["result"],
                result_text=s["result_text"], position=s["position"]))
        view.papers[paper.reference] = PublicPaper(
            reference=paper.reference, title=paper.title, paper_type=paper.paper_type, date=paper.date,
            originator_unit=paper.originator_unit, sections=paper.sections or [], proposal=paper.proposal,
            related=[r for r in paper.related if r in public_refs],
            amends=paper.amends.reference if paper.amends and paper.amends.reference in public_refs else None,
            sessions=sessions, files=files, documents=documents.get(paper.reference, []), meetings=meetings)


def meetings_of_papers(session: Session, body_id: int, references: set[str]) -> set[str]:
    """The keys of the meetings a paper was placed on or decided at: those whose pages (and
    documents) show it, for publishing a paper that changed without a build."""
    if not references:
        return set()
    placed = select(MeetingRow.key).join(ConsultationRow, ConsultationRow.meeting_id == MeetingRow.id).join(
        PaperRow, ConsultationRow.paper_id == PaperRow.id).where(PaperRow.body_id == body_id,
                                                                 PaperRow.reference.in_(references))
    decided = select(MeetingRow.key).join(DecisionRow, DecisionRow.meeting_id == MeetingRow.id).join(
        ConsultationRow, DecisionRow.consultation_id == ConsultationRow.id).join(
        PaperRow, ConsultationRow.paper_id == PaperRow.id).where(PaperRow.body_id == body_id,
                                                                 PaperRow.reference.in_(references))
    return set(session.execute(placed).scalars()) | set(session.execute(decided).scalars())


def _meetings_showing(session: Session, config: BodyConfig, paper: PaperRow, view: PublicBody, whole: bool) -> list[str]:
    """The meetings whose published agenda shows this paper (the view's, and, when the view is
    only part of the body, the others' too)."""
    found = [k for k, m in view.meetings.items() if any(i.reference == paper.reference and not i.withdrawn for i in m.items)]
    if whole:
        return found
    meeting_ids = {c.meeting_id for c in paper.consultations if c.meeting_id} | {
        d.meeting_id for c in paper.consultations for d in c.decisions}
    for meeting_id in meeting_ids:
        meeting = session.get(MeetingRow, meeting_id)
        if meeting is None or meeting.key in found:
            continue
        if _published_entry(session, config, meeting, f"paper:{paper.reference}"):
            found.append(meeting.key)
    return found


def _published_entry(session: Session, config: BodyConfig, meeting: MeetingRow, entry_key: str) -> bool:
    agenda = session.execute(select(AgendaRow).where(AgendaRow.meeting_id == meeting.id)).scalar_one_or_none()
    version = published_version(agenda, config, meeting.organization.key)
    return version is not None and any(e["key"] == entry_key and not e["withdrawn"] and access_of(e["access"]) == "public"
                                 for e in version.entries)


def _published_references(session: Session, config: BodyConfig, body_id: int, references: set[str],
                          view: PublicBody) -> set[str]:
    rows = session.execute(select(PaperRow).where(PaperRow.body_id == body_id, PaperRow.reference.in_(references))
                           .options(selectinload(PaperRow.consultations).selectinload(ConsultationRow.decisions))).scalars()
    return {p.reference for p in rows
            if access_of(p.access) == "public" and _meetings_showing(session, config, p, view, False)}


def _add_decisions(session: Session, view: PublicBody, body_id: int) -> None:
    """Each public item's recorded decision, where the minutes did not give one."""
    keys = [k for k, m in view.meetings.items() if any(i.reference for i in m.items)]
    if not keys:
        return
    rows = session.execute(select(DecisionRow, MeetingRow.key, PaperRow.reference)
                           .join(MeetingRow, DecisionRow.meeting_id == MeetingRow.id)
                           .join(ConsultationRow, DecisionRow.consultation_id == ConsultationRow.id)
                           .join(PaperRow, ConsultationRow.paper_id == PaperRow.id)
                           .where(MeetingRow.body_id == body_id, MeetingRow.key.in_(keys))).all()
    for decision, meeting_key, reference in rows:
        for item in view.meetings[meeting_key].items:
            if item.reference == reference and item.public:
                item.result = item.result or decision.result
                item.resolution = item.resolution or decision.text
                if item.votes is None and not item.unanimous:
                    counts = {"yes": decision.votes_yes, "no": decision.votes_no, "abstain": decision.votes_abstain,
                              "biased": decision.votes_biased}
                    item.votes = {k: v for k, v in counts.items() if v is not None} or None
                    item.unanimous = decision.unanimous


def _events(session: Session, config: BodyConfig, body_id: int) -> list[PublicEvent]:
    events = {e.key: e for e in config.body.events}
    out = []
    for row in session.execute(select(PlannedEventRow).where(PlannedEventRow.body_id == body_id)
                               .order_by(PlannedEventRow.start)).scalars():
        event = events.get(row.event_key)
        if event is None or not getattr(event, "public", False):
            continue
        out.append(PublicEvent(committee=event.committee, name=row.name,
                               start=row.start, end=row.end))
    return out
