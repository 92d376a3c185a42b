"""What goes on an agenda: the meeting a request names, the papers whose consultation step is due
there, their data as of the meeting's day, the problems a clerk must see (closed papers, missing
attachments, late papers), the numbering's start and the participants, gathered in a Draft."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from meetprep.agenda import numbering
from meetprep.agenda.listing import OPEN_STATUSES
from meetprep.agenda.timeplan import printed_times
from meetprep.config import Configs
from meetprep.errors import InputError, Problem
from meetprep.i18n import catalogue
from meetprep.meetings.deadlines import deadline
from meetprep.signoff.gate import gate, signatures
from meetprep.model import BodyConfig, ConsultationStatus, MeetingState, NumberingScheme
from meetprep.store import (
    AgendaRow,
    BodyRow,
    ConsultationRow,
    DecisionRow,
    MeetingRow,
    MembershipRow,
    OrganizationRow,
    PaperRow,
    Store,
    active_on,
)

PASSED = (MeetingState.held.value, MeetingState.minuted.value, MeetingState.cancelled.value)


@dataclass(frozen=True)
class AgendaRequest:
    body: str
    committee: str
    as_of: dt.date
    day: dt.date | None = None  # the meeting's day, or
    meeting: str | None = None  # the meeting's key
    renumber: bool = False


@dataclass
class Draft:
    """Everything the documents of one agenda version are made from, as plain data."""

    request: AgendaRequest
    body: dict[str, Any]
    committee: dict[str, Any]
    meeting: dict[str, Any]
    participants: list[dict[str, Any]]
    entries: list[dict[str, Any]]
    papers: dict[str, dict[str, Any]]  # by reference
    problems: list[dict[str, Any]]
    documents: list[str]
    previous_version: int
    previous_checksum: str | None
    # The time plan as printed (meetprep.agenda.timeplan.printed_times); not part of the content:
    # a plan that learns from later minutes changes no agenda version
    times: dict[str, Any] = field(default_factory=dict)

    def content(self) -> dict[str, Any]:
        """What decides whether a rebuild is a new version.

        Not the request's clock, and not what a build itself changes (the meeting's state, the
        steps it scheduled), or every rebuild would differ from the build before it.
        """
        data = {k: v for k, v in asdict(self).items()
                if k not in ("request", "previous_version", "previous_checksum", "problems", "times")}
        data["meeting"] = {k: v for k, v in data["meeting"].items() if k not in ("state", "sequence")}
        for paper in data["papers"].values():
            for step in paper["consultations"]:
                if step["status"] == ConsultationStatus.scheduled.value:
                    step["status"] = ConsultationStatus.pending.value
        return data


@dataclass
class BuildResult:
    body: str
    committee: str
    meeting: str
    version: int
    action: str  # "created" or "unchanged"
    output_dir: str | None
    entries: list[dict[str, Any]]
    problems: list[dict[str, Any]]
    documents: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _bad_request(field_name: str, message: str, found: str | None = None, expected: str | None = None) -> InputError:
    return InputError([Problem(file="(request)", field=field_name, message=message, found=found, expected=expected)])


def find_meeting(session: Session, configs: Configs, request: AgendaRequest) -> tuple[BodyConfig, MeetingRow]:
    config = configs.get(request.body)
    if config is None:
        raise _bad_request("body", "unknown body", repr(request.body), "one of " + ", ".join(configs.keys()))
    if config.organization(request.committee) is None:
        raise _bad_request(
            "committee", f"unknown committee for {request.body}", repr(request.committee),
            "one of " + ", ".join(o.key for o in config.organizations),
        )
    query = (
        select(MeetingRow)
        .join(BodyRow, MeetingRow.body_id == BodyRow.id)
        .join(OrganizationRow, MeetingRow.organization_id == OrganizationRow.id)
        .where(BodyRow.key == request.body, OrganizationRow.key == request.committee)
        .order_by(MeetingRow.start)
    )
    zone = ZoneInfo(config.body.timezone)
    # Only the meetings asked for: finding one must not cost more as the years of meetings grow.
    if request.meeting:
        candidates = session.execute(query.where(MeetingRow.key == request.meeting)).scalars().all()
        found = candidates
    elif request.day:
        midnight = dt.datetime.combine(request.day, dt.time(0), zone)
        candidates = session.execute(query.where(MeetingRow.start >= midnight - dt.timedelta(days=1),
                                                 MeetingRow.start < midnight + dt.timedelta(days=2))).scalars().all()
        found = [m for m in candidates if m.start.astimezone(zone).date() == request.day]
    else:
        raise _bad_request("date", "give the meeting's date or its key")
    if len(found) == 1:
        return config, found[0]
    meetings = session.execute(query).scalars().all()  # for the message only
    known = ", ".join(f"{m.key} ({m.start.astimezone(zone):%Y-%m-%d %H:%M})" for m in meetings) or "none"
    if not found:
        what = request.meeting or request.day.isoformat()
        raise _bad_request("date" if request.day else "meeting", f"no meeting of {request.committee} on {what}",
                           expected=f"one of the committee's meetings: {known}")
    raise _bad_request("date", f"{len(found)} meetings of {request.committee} that day: give --meeting", expected=known)


def due_steps(session: Session, body_id: int, org_id: int, meeting: MeetingRow, meeting_day: dt.date, zone: ZoneInfo):
    """(paper, step) for every paper whose next open step is this committee and due at this meeting."""
    every_step = selectinload(ConsultationRow.paper).selectinload(PaperRow.consultations)
    placed_on = aliased(MeetingRow)
    steps = session.execute(
        select(ConsultationRow)
        .join(PaperRow)
        .outerjoin(placed_on, ConsultationRow.meeting_id == placed_on.id)
        .where(PaperRow.body_id == body_id, ConsultationRow.organization_id == org_id,
               ConsultationRow.status.in_(OPEN_STATUSES),
               # Only steps that can be due here, in SQL: a committee's papers placed on its later
               # meetings (a whole year of them) are not loaded for every build. The loop below
               # decides the rest (and the same again, for what it reads).
               or_(placed_on.id == meeting.id,
                   and_(placed_on.id.is_(None),
                        or_(ConsultationRow.target_date.is_(None), ConsultationRow.target_date <= meeting_day)),
                   and_(placed_on.start < meeting.start, placed_on.state.in_(PASSED))))
        .options(selectinload(ConsultationRow.meeting),
                 # everything paper_data reads, in a few queries instead of several per paper
                 every_step.selectinload(ConsultationRow.meeting), every_step.selectinload(ConsultationRow.organization),
                 every_step.selectinload(ConsultationRow.decisions).selectinload(DecisionRow.meeting),
                 selectinload(ConsultationRow.paper).selectinload(PaperRow.files),
                 selectinload(ConsultationRow.paper).selectinload(PaperRow.amends))
    ).scalars().all()
    due = []
    for step in steps:
        paper = step.paper
        next_step = next((c for c in paper.consultations if c.status in OPEN_STATUSES), None)
        if next_step is None or next_step.id != step.id:
            continue  # an earlier body has not dealt with it yet
        placed = step.meeting
        if placed is not None and placed.id != meeting.id:
            if placed.start > meeting.start:
                continue  # placed on a later meeting
            if placed.state not in PASSED:
                continue  # on the agenda of an earlier meeting that has not taken place yet
            # placed on an earlier meeting that passed without dealing with it (postponed): it comes back
        elif placed is None and step.target_date is not None and step.target_date > meeting_day:
            continue  # not due yet
        due.append((paper, step))
    return due


def paper_data(paper: PaperRow, zone: ZoneInfo, meeting_day: dt.date, current_step_id: int | None,
                closed_references: set[str] = frozenset(), meeting_id: int | None = None,
                signoff: list[dict[str, Any]] | None = None, signoff_public: bool = True) -> dict[str, Any]:
    consultations = []
    for step in paper.consultations:
        meeting_date = step.meeting.start.astimezone(zone).date() if step.meeting else None
        consultations.append(
            {
                "position": step.position,
                "committee": step.organization.key,
                "committee_name": step.organization.name,
                "role": step.role,
                "deciding": step.authoritative,
                "date": (step.target_date or meeting_date).isoformat() if (step.target_date or meeting_date) else None,
                "meeting": step.meeting.key if step.meeting else None,
                "status": step.status,
                "result": step.result,
                "result_text": step.result_text,
                "votes": None if step.votes_yes is None else {
                    "yes": step.votes_yes, "no": step.votes_no, "abstain": step.votes_abstain, "biased": step.votes_biased},
                "current": step.id == current_step_id,
            }
        )
    return {
        "reference": paper.reference,
        "title": paper.title,
        "type": paper.paper_type,
        "access": numbering.access_of(paper.access),
        "date": paper.date.isoformat() if paper.date else None,
        "originator_unit": paper.originator_unit,
        "case_officer": paper.case_officer,
        "file_number": paper.file_number,
        "sections": paper.sections,
        "proposal": paper.proposal,
        "financial": paper.financial,
        "climate": paper.climate,
        "signatories": paper.signatories,
        # Who signed the revision off (Mitzeichnung; godkendt af): step, person, date; and whether
        # the public documents print it (the body's signoff.public_signatures).
        "signoff": signoff or [],
        "signoff_public": signoff_public,
        "related": paper.related,
        "amends": paper.amends.reference if paper.amends else None,
        # References to closed papers: shown to members only (public variants leave them out).
        "hidden_references": sorted(
            ({paper.amends.reference} if paper.amends and numbering.access_of(paper.amends.access) != "public" else set())
            | {r for r in paper.related if r in closed_references}),
        "revision": paper.revision,
        "consultations": consultations,
        "sessions": paper_sessions(paper, zone, meeting_day, current_step_id, meeting_id),
        "files": [
            {
                "title": f.title,
                "number": f.number,
                "status": f.status,
                "due": f.due_date.isoformat() if f.due_date else None,
                "responsible": f.responsible,
                "access": numbering.access_of(f.access),
                "path": f.path,
                "media_type": f.media_type,
                "sha256": f.sha256,
            }
            for f in paper.files
        ],
    }


def paper_sessions(paper: PaperRow, zone: ZoneInfo, meeting_day: dt.date | None = None,
                   current_step_id: int | None = None, meeting_id: int | None = None) -> list[dict[str, Any]]:
    """The paper's whole Beratungsfolge (sagsgang) as it happened and as it is planned.

    First every session that dealt with it, by date, with that meeting's actual date and its
    result (a postponement is a session too: vertagt / udsat, then the same body again); then
    the steps still to come in order, with the date of the meeting they are placed on, the
    target date, or none (never another meeting's date). The step on the agenda being built is
    dated with that meeting's day.
    """
    held, to_come = [], []
    for step in paper.consultations:
        base = {"position": step.position, "committee": step.organization.key,
                "committee_name": step.organization.name, "role": step.role, "deciding": step.authoritative}
        recorded = set()
        for decision in step.decisions:
            recorded.add(decision.meeting_id)
            held.append({**base, "date": decision.meeting.start.astimezone(zone).date().isoformat(),
                         "meeting": decision.meeting.key, "result": decision.result, "result_text": decision.text,
                         "held": True, "current": False})
        if step.status == ConsultationStatus.completed.value and step.meeting_id not in recorded:
            # history imported from another system: the step's own meeting or target date
            day = step.meeting.start.astimezone(zone).date() if step.meeting else step.target_date
            held.append({**base, "date": day.isoformat() if day else None, "meeting": step.meeting.key if step.meeting else None,
                         "result": step.result, "result_text": step.result_text, "held": True, "current": False})
        elif step.status in OPEN_STATUSES:
            # open again after this very meeting postponed it: not this meeting's any more
            current = step.id == current_step_id and (meeting_id is None or meeting_id not in recorded)
            if current and meeting_day is not None:
                day = meeting_day
            elif step.meeting is not None and step.meeting.state != MeetingState.cancelled.value:
                day = step.meeting.start.astimezone(zone).date()
            else:
                day = step.target_date
            to_come.append({**base, "date": day.isoformat() if day else None,
                            "meeting": step.meeting.key if step.meeting else None, "result": None, "result_text": None,
                            "held": False, "current": current})
    held.sort(key=lambda s: (s["date"] or "", s["position"]))
    return held + to_come


def _problems(config: BodyConfig, papers: list[PaperRow], meeting_day: dt.date, as_of: dt.date,
              zone: ZoneInfo, entries: list[numbering.Entry], steps: dict[int, ConsultationRow],
              held: list[numbering.Problem]) -> list[dict[str, Any]]:
    body = config.body
    rules = body.deadlines
    words = catalogue(body.locale.value)
    found: list[numbering.Problem] = list(held)
    agenda_deadline = deadline(meeting_day, rules.agenda_out, body.holidays, rules.saturday_is_business_day)
    if as_of > agenda_deadline:
        found.append(numbering.Problem("late_agenda", None, {"deadline": words.date(agenda_deadline, "date_short")}))
    papers_deadline = deadline(meeting_day, rules.papers_due, body.holidays, rules.saturday_is_business_day)
    files_deadline = deadline(meeting_day, rules.attachments_due, body.holidays, rules.saturday_is_business_day)
    for paper in papers:
        step = steps[paper.id]
        if paper.proposal is None and step.role != "information":
            found.append(numbering.Problem("no_proposal", paper.reference))
        received = paper.created_at.astimezone(zone).date()
        if received > papers_deadline:
            found.append(numbering.Problem("late_paper", paper.reference, {
                "received": words.date(received, "date_short"), "deadline": words.date(papers_deadline, "date_short")}))
        for f in paper.files:
            if f.status == "to_follow":
                due = f.due_date or files_deadline
                found.append(numbering.Problem("attachment_to_follow", paper.reference, {
                    "title": f.title, "due": words.text("problems.attachment_due", date=words.date(due, "date_short"))}))
            elif f.path and not Path(f.path).is_file():
                found.append(numbering.Problem("attachment_missing", paper.reference, {"title": f.title, "path": f.path}))
    numbered = {e.reference: e for e in entries if e.kind == "paper" and not e.withdrawn}
    for paper in papers:
        asked = (steps[paper.id].agenda_number or "").strip()
        entry = numbered.get(paper.reference)
        if asked and entry is not None and entry.number != asked:
            # never dropped in silence: the clerk sees which number could not be given, and why not
            found.append(numbering.Problem("agenda_number", paper.reference, {"wanted": asked, "number": entry.number}))
    for entry in entries:
        if entry.withdrawn:
            found.append(numbering.Problem("withdrawn", entry.reference))
    return [
        {"code": p.code, "reference": p.reference, "message": words.text(f"problems.{p.code}", **p.values)}
        for p in found
    ]


def _numbering_start(session: Session, org_config, meeting: MeetingRow, zone: ZoneInfo) -> int:
    rule = org_config.agenda.numbering
    if not rule.continue_through_year:
        return rule.first_number
    year = meeting.start.astimezone(zone).year
    used = 0
    new_year = dt.datetime(year, 1, 1, tzinfo=zone)
    earlier = session.execute(
        select(AgendaRow).join(MeetingRow).where(
            MeetingRow.organization_id == meeting.organization_id, MeetingRow.start < meeting.start,
            MeetingRow.start >= new_year - dt.timedelta(days=1),  # this year's only (the zone is checked below)
            MeetingRow.state != MeetingState.cancelled.value)
    ).scalars()
    for row in earlier:
        if row.meeting.start.astimezone(zone).year == year and row.versions:
            latest = row.versions[-1]
            used += numbering.top_level_count(numbering.Entry.from_dict(e) for e in latest.entries)
    return rule.first_number + used


def prepare(store: Store, configs: Configs, request: AgendaRequest) -> Draft:
    """Read the store and plan the agenda version. Writes nothing."""
    with store.session() as session:
        config, meeting = find_meeting(session, configs, request)
        org_config = config.organization(request.committee)
        zone = ZoneInfo(config.body.timezone)
        start = meeting.start.astimezone(zone)
        meeting_day = start.date()
        due = due_steps(session, meeting.body_id, meeting.organization_id, meeting, meeting_day, zone)
        existing = session.execute(select(AgendaRow).where(AgendaRow.meeting_id == meeting.id)).scalar_one_or_none()
        latest = existing.versions[-1] if existing and existing.versions else None
        previous = [numbering.Entry.from_dict(e) for e in latest.entries] if latest else None
        # Only papers signed off in time go on (or let on by an exception); each one kept off says why.
        rules = config.body.deadlines
        due, held = gate(session, config, catalogue(config.body.locale.value), due, meeting,
                         deadline(meeting_day, rules.papers_due, config.body.holidays, rules.saturday_is_business_day),
                         {e.reference for e in previous or [] if e.kind == "paper" and not e.withdrawn})
        if meeting.held_back_for:  # the secretary's digest says so, with what to do
            held.append(numbering.Problem("held_back", None, {
                "other": meeting.held_back_for,
                "command": f"meetprep meetings resolve --body {config.body.key} --meeting {meeting.key} "
                           f"--moved-from {meeting.held_back_for} | --new"}))
        candidates = [
            numbering.Candidate(
                reference=paper.reference, title=paper.title, paper_type=paper.paper_type, access=paper.access,
                submitted=paper.date or paper.created_at.astimezone(zone).date(), priority=paper.priority,
                amends=paper.amends.reference if paper.amends else None, paper_id=paper.id,
                agenda_number=step.agenda_number,
            )
            for paper, step in due
        ]
        scheme = numbering_scheme(config, org_config)
        entries = numbering.plan(candidates, org_config.agenda, scheme, _numbering_start(session, org_config, meeting, zone),
                              previous, request.renumber)
        on_agenda = {e.reference for e in entries if e.kind == "paper"}
        papers = [p for p, _ in due]
        # Withdrawn entries still show their title; their data comes from the store as it is now.
        withdrawn_refs = {e.reference for e in entries if e.withdrawn}
        extra = session.execute(
            select(PaperRow).where(PaperRow.body_id == meeting.body_id, PaperRow.reference.in_(withdrawn_refs))
        ).scalars().all() if withdrawn_refs else []
        # A placeholder (udgår / abgesetzt) shows its paper as it is now: a paper that became closed
        # since it left must not keep its public title on the public agenda.
        now_closed = {p.reference: p for p in extra}
        entries = [replace(e, title=now_closed[e.reference].title, access=numbering.access_of(now_closed[e.reference].access))
                   if e.withdrawn and e.reference in now_closed else e for e in entries]
        # Standing items may name the meeting: "Godkendelse af dagsorden til mødet den {date}".
        words = catalogue(config.body.locale.value)
        start = meeting.start.astimezone(zone)
        entries = [replace(e, title=words.fill_meeting(e.title, start, org_config.name),
                           standing_text=words.fill_meeting(e.standing_text, start, org_config.name))
                   if e.kind == "standing" else e for e in entries]
        step_of = {p.id: s for p, s in due}
        shown = [p for p in [*papers, *extra] if p.reference in on_agenda]
        closed = closed_references(session, meeting.body_id, {r for p in shown for r in p.related})
        paper_texts = {
            p.reference: paper_data(p, zone, meeting_day, step_of.get(p.id).id if p.id in step_of else None, closed,
                                     meeting.id, signatures(session, config, p), config.signoff.public_signatures)
            for p in shown
        }
        participants = _participants(session, meeting, meeting_day)
        body, committee, meeting_data = describe(config, org_config, meeting)
        listed = [e.as_dict() for e in entries]
        return Draft(
            request=request,
            body=body,
            committee=committee,
            meeting=meeting_data,
            participants=participants,
            entries=listed,
            papers=paper_texts,
            problems=_problems(config, papers, meeting_day, request.as_of, zone, entries, step_of, held),
            documents=config.body.agenda_documents,
            previous_version=latest.version if latest else 0,
            previous_checksum=latest.checksum if latest else None,
            times=printed_times(session, config, meeting, listed, zone),
        )


def closed_references(session: Session, body_id: int, references: set[str]) -> set[str]:
    """Which of these references name a closed paper of the body (references of no known paper
    are the author's own public text and stay)."""
    if not references:
        return set()
    rows = session.execute(select(PaperRow.reference, PaperRow.access).where(
        PaperRow.body_id == body_id, PaperRow.reference.in_(sorted(references)))).all()
    return {reference for reference, access in rows if numbering.access_of(access) != "public"}


def numbering_scheme(config: BodyConfig, org_config) -> NumberingScheme:
    """The committee's numbering, by default the body's language's: Punkt 1 (da), TOP Ö 1 (de)."""
    return org_config.agenda.numbering.scheme or (
        NumberingScheme.punkt if config.body.locale.value == "da" else NumberingScheme.top)


def describe(config: BodyConfig, org_config, meeting: MeetingRow) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The body, committee and meeting as the documents see them (plain data, local times)."""
    zone = ZoneInfo(config.body.timezone)
    body = {"key": config.body.key, "name": config.body.name, "locale": config.body.locale.value,
            "timezone": config.body.timezone,
            # only when asked for: a key in every draft would change every agenda's checksum
            **({"public_bundle": True} if config.body.public_bundle else {})}
    committee = {"key": org_config.key, "name": org_config.name, "short_name": org_config.short_name,
                 "period": org_config.period, "classification": org_config.classification,
                 "scheme": numbering_scheme(config, org_config).value}
    meeting_data = {"id": meeting.id, "key": meeting.key, "start": meeting.start.astimezone(zone).isoformat(),
                    "end": meeting.end.astimezone(zone).isoformat() if meeting.end else None,
                    "room": meeting.room or org_config.location.room,
                    "address": meeting.address or org_config.location.address,
                    "extraordinary": meeting.extraordinary, "state": meeting.state, "sequence": meeting.sequence}
    return body, committee, meeting_data


def _participants(session: Session, meeting: MeetingRow, day: dt.date) -> list[dict[str, Any]]:
    rows = session.execute(
        select(MembershipRow).where(MembershipRow.organization_id == meeting.organization_id).order_by(MembershipRow.id)
    ).scalars()
    return [
        {"name": m.person.name, "role": m.role, "voting_right": m.voting_right, "email": m.person.email,
         "key": m.person.key}
        for m in active_on(rows, day)
    ]
