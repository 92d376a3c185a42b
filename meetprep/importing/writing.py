"""Writing a checked batch: meetings (with the ones dropped from a meetings file), papers as
revisions, their consultations and files merged into what is stored."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from meetprep.config import Configs
from meetprep.errors import Problem
from meetprep.importing.checks import stored_papers
from meetprep.importing.reading import (
    CALENDAR_FIELDS,
    Batch,
    ImportReport,
    ParsedMeetings,
    ParsedPaper,
    content_checksum,
)
from meetprep.model import (
    ConsultationStatus,
    FileStatus,
    Location,
    Meeting,
    MeetingState,
    Paper,
)
from meetprep.store import (
    BodyRow,
    ConsultationRow,
    FileRow,
    MeetingRow,
    OrganizationRow,
    PaperRevisionRow,
    PaperRow,
)
from meetprep.yamlio import YamlDocument
from meetprep.messages.invitations import announced


def write_meetings(session: Session, configs: Configs, batch: Batch, now: dt.datetime, report: ImportReport) -> None:
    for parsed in batch.meetings:
        body = session.execute(select(BodyRow).where(BodyRow.key == parsed.meetings.body)).scalar_one()
        config = configs.get(body.key)
        orgs = {o.key: o for o in session.execute(select(OrganizationRow).where(OrganizationRow.body_id == body.id)).scalars()}
        created: list[MeetingRow] = []
        for meeting in parsed.meetings.meetings:
            org = orgs[meeting.committee]
            row = session.execute(
                select(MeetingRow).where(MeetingRow.body_id == body.id, MeetingRow.key == meeting.key)
            ).scalar_one_or_none() or session.execute(
                # the file's name for a meeting the clerk said was an announced one moved
                select(MeetingRow).where(MeetingRow.body_id == body.id, MeetingRow.also_known_as == meeting.key)
            ).scalars().first()
            values = _meeting_values(meeting, org, config.organization(meeting.committee).location, parsed.document)
            if row is None:
                row = MeetingRow(body_id=body.id, key=meeting.key, state=meeting.state.value, updated_at=now, **values)
                session.add(row)
                created.append(row)
                action = "created"
            else:
                changed = {k: v for k, v in values.items() if getattr(row, k) != v}
                # The state belongs to the workflow once a meeting exists; a file may only cancel it.
                if meeting.state is MeetingState.cancelled and row.state != MeetingState.cancelled.value:
                    changed["state"] = MeetingState.cancelled.value
                changed.pop("source_file", None)
                if CALENDAR_FIELDS & changed.keys():
                    changed["sequence"] = row.sequence + 1  # calendars must replace what they have
                for k, v in changed.items():
                    setattr(row, k, v)
                if changed:
                    row.updated_at = now
                    row.source_file = values["source_file"]
                action = "updated" if changed else "unchanged"
            report.meetings.append(
                {"body": body.key, "key": meeting.key, "action": action, "file": parsed.document.name}
            )
        report.warnings += _dropped_meetings(session, body, parsed, orgs, created)
    session.flush()


def _dropped_meetings(session: Session, body: BodyRow, parsed: ParsedMeetings,
                      orgs: dict[str, OrganizationRow], created: list[MeetingRow]) -> list[Problem]:
    """Meetings this file listed before, whose invitations went out, and which it no longer lists.

    They stay as they are: a meeting that moved must keep its key (or be moved by command), or
    members would get a second meeting and keep the first in their calendars. A meeting of the
    same committee new in this import, within a month of it, may be it moved: that one is held
    back (nothing is sent for it) until the clerk says which it is (`meetprep meetings resolve`).
    """

    source = str(parsed.document.path.resolve())
    listed = {m.key for m in parsed.meetings.meetings}
    gone = session.execute(select(MeetingRow).where(
        MeetingRow.body_id == body.id, MeetingRow.source_file == source, MeetingRow.key.not_in(listed),
        MeetingRow.state.not_in((MeetingState.cancelled.value, MeetingState.held.value, MeetingState.minuted.value)),
    )).scalars().all()
    warnings = []
    for meeting in gone:
        if meeting.also_known_as in listed:
            continue  # listed under the name the clerk gave it
        if meeting.state != MeetingState.invited.value and not announced(session, meeting.id):
            continue
        near = [m.key for m in parsed.meetings.meetings
                if orgs.get(m.committee) is not None and orgs[m.committee].id == meeting.organization_id
                and abs((m.start.astimezone(dt.timezone.utc) - meeting.start).days) <= 31 and m.key != meeting.key]
        held = [row for row in created if row.key in near]
        for row in held:
            row.held_back_for = meeting.key
        hint = (f" If {near[0]} is this meeting moved, give it this meeting's key in the file (key: {meeting.key})."
                if near else "")
        if held:
            hint = (f" {held[0].key} is new and may be this meeting moved: nothing is sent for it until you say "
                    f"which it is: meetprep meetings resolve --body {body.key} --meeting {held[0].key} "
                    f"--moved-from {meeting.key} (it is this meeting, moved: everyone gets the update), or --new "
                    "(a meeting of its own).")
        warnings.append(Problem(
            file=parsed.document.name, item=f"meeting {meeting.key}", field="meetings",
            message=(f"meeting {meeting.key} is no longer in this file, but its invitations went out: it stays as it "
                     f"is, in every calendar.{hint} To move it: meetprep meetings move --body {body.key} "
                     f"--meeting {meeting.key} --to 'YYYY-MM-DD HH:MM'; to cancel it: meetprep meetings cancel "
                     f"--body {body.key} --meeting {meeting.key}"),
            severity="warning"))
    return warnings


def _meeting_values(meeting: Meeting, org: OrganizationRow, usual: Location, document: YamlDocument) -> dict[str, Any]:
    # A meeting without a location, or with only a room, is in the committee's usual place.
    given = meeting.location or Location()
    location = Location(room=given.room or usual.room, address=given.address or usual.address)
    return {
        "organization_id": org.id,
        "name": meeting.name,
        "start": meeting.start.astimezone(dt.timezone.utc),
        "end": meeting.end.astimezone(dt.timezone.utc) if meeting.end else None,
        "room": location.room,
        "address": location.address,
        "extraordinary": meeting.extraordinary,
        "source_file": str(document.path.resolve()),
    }


def _paper_checksum(parsed: ParsedPaper) -> str:
    data = parsed.paper.model_dump(mode="json", by_alias=True)
    data["_attachment_sha256"] = [a.sha256 if a else None for a in parsed.attachments]
    return content_checksum(data)


def write_papers(session: Session, batch: Batch, now: dt.datetime, report: ImportReport) -> None:
    session.flush()  # the batch's meetings, before they are looked up
    with session.no_autoflush:  # one flush at the end: a thousand papers are not a thousand flushes
        _write_papers(session, batch, now, report)


CHUNK = 500  # papers written, flushed and let go of at a time, inside the one transaction


def _write_papers(session: Session, batch: Batch, now: dt.datetime, report: ImportReport) -> None:
    """Write the batch's papers in chunks: each chunk is read from the store in a few queries,
    written, flushed and let go of (the transaction stays open: all or nothing still), so that a
    year of papers does not sit in memory at once. Amendments point at their paper at the end,
    by id."""
    bodies = {b.key: b for b in session.execute(select(BodyRow)).scalars()}
    places = {key: _places(session, body) for key, body in bodies.items() if key in {p.paper.body for p in batch.papers}}
    ids: dict[tuple[str, str], int] = {}
    amending: list[tuple[int, int | None, str, str]] = []  # paper id, its amends_id now, body, the reference it amends
    for start in range(0, len(batch.papers), CHUNK):
        chunk = batch.papers[start:start + CHUNK]
        stored = stored_papers(session, bodies, Batch(papers=chunk))
        rows = []
        for parsed in chunk:
            paper = parsed.paper
            body = bodies[paper.body]
            checksum = _paper_checksum(parsed)
            row = stored.get((paper.body, paper.reference))
            if row is not None and row.checksum == checksum:
                action = "unchanged"
            else:
                if row is None:
                    row = PaperRow(body_id=body.id, reference=paper.reference, revision=0, created_at=now)
                    session.add(row)
                    action = "created"
                else:
                    action = "updated"
                _apply_paper(session, row, parsed, body, checksum, now, places[paper.body])
            rows.append((parsed, row))
            report.papers.append({"body": paper.body, "reference": paper.reference, "action": action,
                                  "revision": row.revision, "file": parsed.document.name})
        session.flush()
        for parsed, row in rows:
            ids[(parsed.paper.body, parsed.paper.reference)] = row.id
            if parsed.paper.amends is not None or row.amends_id is not None:
                amending.append((row.id, row.amends_id, parsed.paper.body, parsed.paper.amends))
        for _, row in rows:  # written: the session need not hold them (nor what they loaded)
            session.expunge(row)
    for paper_id, current, body, reference in amending:
        target = None
        if reference is not None:
            target = ids.get((body, reference)) or session.execute(
                select(PaperRow.id).where(PaperRow.body_id == bodies[body].id, PaperRow.reference == reference)
            ).scalar_one()
        if current != target:
            session.execute(update(PaperRow).where(PaperRow.id == paper_id).values(amends_id=target))


def _places(session: Session, body: BodyRow) -> tuple[dict[str, OrganizationRow], dict[str, MeetingRow]]:
    orgs = {o.key: o for o in session.execute(select(OrganizationRow).where(OrganizationRow.body_id == body.id)).scalars()}
    meetings = {m.key: m for m in session.execute(select(MeetingRow).where(MeetingRow.body_id == body.id)).scalars()}
    return orgs, meetings


def _apply_paper(
    session: Session, row: PaperRow, parsed: ParsedPaper, body: BodyRow, checksum: str, now: dt.datetime,
    places: tuple[dict[str, OrganizationRow], dict[str, MeetingRow]],
) -> None:
    paper = parsed.paper
    dump = paper.model_dump(mode="json", by_alias=True)
    row.title = paper.title
    row.paper_type = paper.paper_type
    row.access = paper.effective_access.value
    row.date = paper.date
    row.originator_unit = paper.originator.unit
    row.case_officer = paper.originator.officer
    row.file_number = paper.file_number
    row.sections = dump["sections"]
    row.proposal = dump["proposal"]
    row.financial = dump["financial"]
    row.climate = dump["climate"]
    row.signatories = list(paper.signatories)
    row.related = list(paper.related)
    row.priority = paper.priority
    row.expected_minutes = paper.expected_minutes
    row.checksum = checksum
    row.source_file = str(parsed.document.path.resolve())
    row.updated_at = now
    row.revision += 1
    # Through the revision's side: the paper's earlier revisions are not loaded to add one.
    session.add(PaperRevisionRow(paper=row, revision=row.revision, checksum=checksum, data=dump,
                                 source_file=row.source_file, imported_at=now))
    orgs, meetings = places
    _merge_consultations(row, paper, orgs, meetings, ZoneInfo(body.timezone))
    _merge_files(row, parsed)


def _merge_consultations(
    row: PaperRow, paper: Paper, orgs: dict[str, OrganizationRow], meetings: dict[str, MeetingRow], zone: ZoneInfo
) -> None:
    existing = {c.position: c for c in row.consultations}
    for position, step in enumerate(paper.consultations):
        current = existing.pop(position, None)
        if current is None:
            current = ConsultationRow(position=position, status=step.status.value)
            row.consultations.append(current)
            workflow_owned = False
        else:
            workflow_owned = current.status != ConsultationStatus.pending.value or current.result is not None
        current.organization_id = orgs[step.committee].id
        current.role = step.role.value
        current.authoritative = bool(step.deciding)
        current.target_date = step.date
        current.agenda_number = step.agenda_number
        if step.meeting is not None:
            meeting = meetings[step.meeting]
            current.meeting_id = meeting.id
            current.target_date = step.date or meeting.start.astimezone(zone).date()
        # Decisions recorded by meetprep are history: a file only overrides them when it
        # states a result itself (importing an old, already decided paper).
        if not workflow_owned or step.result is not None or step.status is not ConsultationStatus.pending:
            current.status = step.status.value
            current.result = step.result.value if step.result else None
            current.result_text = step.result_text
            votes = step.votes
            current.votes_yes = votes.yes if votes else None
            current.votes_no = votes.no if votes else None
            current.votes_abstain = votes.abstain if votes else None
            current.votes_biased = votes.biased if votes else None
    for leftover in existing.values():  # only pending steps reach here (see _check_history_kept)
        row.consultations.remove(leftover)


def _merge_files(row: PaperRow, parsed: ParsedPaper) -> None:
    paper = parsed.paper
    # meetprep's own files (a decision's excerpt) are not the author's to replace
    existing = {f.position: f for f in row.files if f.origin is None}
    for position, (spec, found) in enumerate(zip(paper.attachments, parsed.attachments)):
        current = existing.pop(position, None)
        if current is None:
            current = FileRow(position=position)
            row.files.append(current)
        delivered_since = (
            current.status == FileStatus.present.value
            and spec.status is FileStatus.to_follow
            and current.sha256 is not None
            and current.title == spec.title
        )
        current.title = spec.title
        current.number = spec.number
        current.due_date = spec.due
        current.responsible = spec.responsible
        current.access = (spec.access or paper.effective_access).value
        kept = (found is None and spec.status is FileStatus.present and current.sha256 is not None
                and current.title == spec.title)
        if delivered_since or kept:
            # delivered after the file was written, or taken over unchanged from a Word document's
            # export: keep the stored file
            continue
        current.status = spec.status.value
        current.path = str(found.path) if found else None
        current.sha256 = found.sha256 if found else None
        current.size = found.size if found else None
        current.media_type = found.media_type if found else spec.media_type
    for leftover in existing.values():
        row.files.remove(leftover)
