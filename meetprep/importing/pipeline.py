"""Import of papers and meetings from YAML files (format: docs/input-format.md).

A batch is checked as a whole before anything is written: every file is parsed and
validated, cross-references are resolved against the config, the batch and the store, and
if anything is wrong nothing is imported and every problem is reported (InputError). A valid
batch is written in one transaction. Import is idempotent by (body, reference): importing the
same file again changes nothing, and a changed file makes a new revision of the paper while
its history (earlier revisions, decisions already taken) is kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from meetprep.config import Configs
from meetprep.model import (
    BodyConfig,
    ConsultationStatus,
    File,
    FileStatus,
    Location,
    Meeting,
    MeetingsFile,
    MeetingState,
    Paper,
    matches_reference,
)
from meetprep.errors import InputError, Problem, display_path, format_loc, problems_from_validation
from meetprep.config import sync_config
from meetprep.store import (
    BodyRow,
    ConsultationRow,
    FileRow,
    MeetingRow,
    OrganizationRow,
    PaperRevisionRow,
    PaperRow,
    Store,
)
from meetprep.yamlio import YamlDocument, load_yaml

YAML_SUFFIXES = (".yaml", ".yml")
CALENDAR_FIELDS = {"start", "end", "room", "address", "state"}  # what a calendar entry shows


@dataclass
class ParsedPaper:
    paper: Paper
    document: YamlDocument
    attachments: list["AttachmentFile | None"]  # one per paper.attachments entry

    @property
    def label(self) -> str:
        return f"paper {self.paper.reference}"


@dataclass
class AttachmentFile:
    path: Path
    sha256: str
    size: int
    media_type: str


@dataclass
class ParsedMeetings:
    meetings: MeetingsFile
    document: YamlDocument


@dataclass
class Batch:
    papers: list[ParsedPaper] = field(default_factory=list)
    meetings: list[ParsedMeetings] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # minutes files, for `meetprep minutes record`


@dataclass
class ImportReport:
    """What an import did, item by item."""

    papers: list[dict[str, Any]] = field(default_factory=list)  # reference, body, action, revision, file
    meetings: list[dict[str, Any]] = field(default_factory=list)  # key, body, action, file
    warnings: list[Problem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def count(self, kind: str, action: str) -> int:
        return sum(1 for row in getattr(self, kind) if row["action"] == action)

    def as_dict(self) -> dict[str, Any]:
        return {
            "papers": self.papers,
            "meetings": self.meetings,
            "warnings": [w.as_dict() for w in self.warnings],
            "skipped": self.skipped,
        }


# ---------------------------------------------------------------------------------------------
# Finding and parsing files


def collect_files(paths: list[Path], root: Path | None = None) -> list[tuple[Path, Path]]:
    """(file, root) for the YAML files named and those below named folders, in a stable order.

    The root is the folder a file's attachments must stay inside: the folder named (for files
    found below it), or `root`, or the folder of a file named on its own.
    """
    found: list[tuple[Path, Path]] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            base = (root or path).resolve()
            for file in sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file()):
                if not file.resolve().is_relative_to(base):
                    problems.append(Problem(file=display_path(file), message="a link to a file outside the imported "
                                            f"folder {display_path(base)}: not imported"))
                    continue
                found.append((file, base))
        elif path.is_file():
            found.append((path, (root or path.parent).resolve()))
        else:
            problems.append(Problem(file=display_path(path), message="no such file or folder"))
    if problems:
        raise InputError(problems)
    unique: dict[Path, tuple[Path, Path]] = {}
    for file, base in found:
        unique.setdefault(file.resolve(), (file, base))
    return list(unique.values())


def _checksum(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _attachment(document: YamlDocument, item: str, index: int, spec: File, root: Path,
                config: BodyConfig | None) -> tuple[AttachmentFile | None, list[Problem]]:
    """The attachment's file, checked: inside the imported folder (links followed), and by its content."""
    from meetprep.filecheck import NotAccepted, inspect

    if not spec.path:
        return None, []
    loc = ("attachments", index, "path")

    def problem(message: str, **details: Any) -> tuple[None, list[Problem]]:
        return None, [_at(document, item, loc, message, **({"found": repr(spec.path)} | details))]

    if Path(spec.path).is_absolute():
        return problem("an absolute path is not accepted: give the path relative to the paper's file")
    path = (document.path.parent / spec.path).resolve()
    if not path.is_relative_to(root):
        return problem(f"the file lies outside the imported folder {display_path(root)} (links are followed): "
                       "attachments must be inside it; import the folder that holds both the paper and its files, "
                       "or name that folder with --root")
    if not path.exists():
        return problem(f"attachment file not found (looked for {display_path(path)})")
    if not path.is_file():
        return problem("attachment path is not a file")
    if config is None:
        return None, []  # the unknown body is reported on its own
    try:
        checked = inspect(path, config.body.attachment_types, config.body.attachment_max_bytes, spec.media_type)
    except NotAccepted as exc:
        return problem(exc.message, **{k: v for k, v in (("expected", exc.expected), ("found", exc.found)) if v})
    return AttachmentFile(path=path, sha256=checked.sha256, size=checked.size, media_type=checked.media_type), []


def _at(doc: YamlDocument, item: str | None, loc: tuple[Any, ...], message: str, **details: Any) -> Problem:
    """A problem at `loc` (keys and indexes) of a YAML document, with its field and line."""
    return Problem(file=doc.name, item=item, field=format_loc(loc) or None, line=doc.line_of(loc), message=message, **details)


def _item_label(data: dict[str, Any]) -> str:
    if "meetings" in data:
        return f"meetings of {data.get('body')!r}"
    reference = data.get("reference")
    return f"paper {reference}" if isinstance(reference, (str, int)) and reference != "" else "paper (no reference)"


def parse_file(path: Path, root: Path, batch: Batch, configs: Configs) -> list[Problem]:
    """Parse one file into the batch; return its problems."""
    try:
        document = load_yaml(path, item_of=lambda data: _item_label(data) if isinstance(data, dict) else None)
    except InputError as exc:
        return exc.problems
    data = document.data
    if not isinstance(data, dict):
        return [Problem(file=document.name, message="expected a mapping (a paper, or a file with 'meetings:')", found=type(data).__name__)]

    if data.get("kind") == "minutes":  # recorded by `meetprep minutes record`, not imported
        batch.skipped.append(document.name)
        return []

    if "meetings" in data:
        try:
            parsed = MeetingsFile.model_validate(data)
        except ValidationError as exc:
            return problems_from_validation(exc, document.name, f"meetings of {data.get('body')!r}", document.line_of)
        batch.meetings.append(ParsedMeetings(parsed, document))
        return []

    item = _item_label(data)
    try:
        paper = Paper.model_validate(data)
    except ValidationError as exc:
        return problems_from_validation(exc, document.name, item, document.line_of)
    problems: list[Problem] = []
    attachments: list[AttachmentFile | None] = []
    for index, spec in enumerate(paper.attachments):
        found, issues = _attachment(document, item, index, spec, root, configs.get(paper.body))
        attachments.append(found)
        problems += issues
    if not any(a.status is FileStatus.to_follow for a in paper.attachments):
        # The text says an attachment will follow, but the paper lists none: record one, and say so.
        from meetprep.attachments.core import detect_to_follow

        for found in detect_to_follow(paper):
            paper.attachments.append(File(title=found.title, status=FileStatus.to_follow,
                                          responsible=paper.originator.unit, access=paper.access))
            attachments.append(None)
            batch.warnings.append(_at(
                document, item, ("sections", found.section, "text"),
                f"the text says \u201c{found.sentence}\u201d: recorded an attachment to follow, \u201c{found.title}\u201d; "
                "list it under attachments (status: to_follow, due, responsible) to name it yourself",
                severity="warning",
            ))
    if paper.access is None:
        batch.warnings.append(_at(
            document, item, ("access",),
            "no access flag: the paper is treated as closed (lukket / nichtöffentlich) and kept out of public documents",
            severity="warning",
        ))
    batch.papers.append(ParsedPaper(paper, document, attachments))
    return problems


# ---------------------------------------------------------------------------------------------
# Cross-references: config, batch and store


def _check_meetings(batch: Batch, configs: Configs) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[tuple[str, str], str] = {}
    for parsed in batch.meetings:
        doc, body_key = parsed.document, parsed.meetings.body
        config = configs.get(body_key)
        if config is None:
            problems.append(_unknown_body(doc, f"meetings of {body_key!r}", ("body",), body_key, configs))
            continue
        zone = ZoneInfo(config.body.timezone)
        for index, meeting in enumerate(parsed.meetings.meetings):
            item = f"meeting {meeting.key}"
            base = ("meetings", index)
            if config.organization(meeting.committee) is None:
                problems.append(_unknown_committee(doc, item, base + ("committee",), meeting.committee, config))
            for name in ("start", "end"):
                value = getattr(meeting, name)
                if value is None:
                    continue
                expected = value.astimezone(zone).utcoffset()
                if value.utcoffset() != expected:
                    problems.append(
                        _at(
                            doc,
                            item,
                            base + (name,),
                            f"the UTC offset does not match {config.body.timezone} on {value.date().isoformat()}",
                            expected=_offset(expected),
                            found=_offset(value.utcoffset()),
                        )
                    )
            key = (body_key, meeting.key or "")
            if key in seen:
                problems.append(_at(doc, item, base + ("key",), f"meeting key given twice in this import (also in {seen[key]})"))
            seen[key] = doc.name
    return problems


def _offset(delta: dt.timedelta | None) -> str:
    minutes = int((delta or dt.timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _unknown_body(doc: YamlDocument, item: str, loc: tuple[Any, ...], key: str, configs: Configs) -> Problem:
    return _at(
        doc,
        item,
        loc,
        "unknown body (no config file defines it)",
        expected="one of " + ", ".join(configs.keys()),
        found=repr(key),
    )


def _unknown_committee(doc: YamlDocument, item: str, loc: tuple[Any, ...], key: str, config: BodyConfig) -> Problem:
    return _at(
        doc,
        item,
        loc,
        f"unknown committee for {config.body.key}",
        expected="one of " + ", ".join(o.key for o in config.organizations),
        found=repr(key),
    )


def _check_papers(batch: Batch, configs: Configs, session: Session) -> list[Problem]:
    problems: list[Problem] = []
    batch_meetings = {
        (parsed.meetings.body, meeting.key): meeting.committee
        for parsed in batch.meetings
        for meeting in parsed.meetings.meetings
    }
    batch_refs: dict[tuple[str, str], str] = {}
    for parsed in batch.papers:
        key = (parsed.paper.body, parsed.paper.reference)
        if key in batch_refs:
            problems.append(_at(parsed.document, parsed.label, ("reference",),
                                f"duplicate reference: {batch_refs[key]} has the same one"))
        else:
            batch_refs[key] = parsed.document.name

    for parsed in batch.papers:
        paper, doc, item = parsed.paper, parsed.document, parsed.label
        config = configs.get(paper.body)
        if config is None:
            problems.append(_unknown_body(doc, item, ("body",), paper.body, configs))
            continue
        pattern = config.body.reference_pattern
        follows = matches_reference(pattern, paper.reference) if pattern else True
        if follows is None:
            problems.append(_at(doc, item, ("reference",), f"checking the reference against {config.body.name}'s "
                                "pattern took too long: the pattern needs simplifying (meetprep config check)",
                                found=repr(paper.reference)))
        elif not follows:
            problems.append(
                _at(
                    doc,
                    item,
                    ("reference",),
                    f"reference does not follow {config.body.name}'s pattern",
                    expected=f"a match for {pattern}",
                    found=repr(paper.reference),
                )
            )
        for index, step in enumerate(paper.consultations):
            loc = ("consultations", index)
            if config.organization(step.committee) is None:
                problems.append(_unknown_committee(doc, item, loc + ("committee",), step.committee, config))
            if step.meeting is not None:
                committee = batch_meetings.get((paper.body, step.meeting))
                if committee is None:
                    row = session.execute(
                        select(OrganizationRow.key)
                        .join(MeetingRow, MeetingRow.organization_id == OrganizationRow.id)
                        .join(BodyRow, MeetingRow.body_id == BodyRow.id)
                        .where(BodyRow.key == paper.body, MeetingRow.key == step.meeting)
                    ).scalar_one_or_none()
                    committee = row
                if committee is None:
                    problems.append(
                        _at(
                            doc,
                            item,
                            loc + ("meeting",),
                            "unknown meeting (import its meetings file first or in the same batch)",
                            found=repr(step.meeting),
                        )
                    )
                elif committee != step.committee:
                    problems.append(
                        _at(
                            doc,
                            item,
                            loc + ("meeting",),
                            f"meeting {step.meeting!r} is a meeting of {committee!r}, not of {step.committee!r}",
                        )
                    )
        if paper.amends is not None and (paper.body, paper.amends) not in batch_refs:
            exists = session.execute(
                select(PaperRow.id).join(BodyRow).where(BodyRow.key == paper.body, PaperRow.reference == paper.amends)
            ).first()
            if exists is None:
                problems.append(
                    _at(
                        doc,
                        item,
                        ("amends",),
                        "the amended paper is neither in the store nor in this import",
                        found=repr(paper.amends),
                    )
                )
        problems += _check_history_kept(parsed, session)
    problems += _check_amendment_cycles(batch, session)
    return problems


def _check_amendment_cycles(batch: Batch, session: Session) -> list[Problem]:
    """Papers that amend each other, directly or round a longer circle, in the batch and the store:
    no agenda could place them."""
    in_batch = {(p.paper.body, p.paper.reference): p for p in batch.papers}
    stored: dict[tuple[str, str], str | None] = {}

    def amends(key: tuple[str, str]) -> str | None:
        if key in in_batch:
            return in_batch[key].paper.amends
        if key not in stored:
            row = session.execute(select(PaperRow).join(BodyRow).where(
                BodyRow.key == key[0], PaperRow.reference == key[1])).scalar_one_or_none()
            stored[key] = row.amends.reference if row is not None and row.amends is not None else None
        return stored[key]

    problems = []
    for key, parsed in in_batch.items():
        chain = [key[1]]
        target = parsed.paper.amends
        while target is not None and target not in chain and len(chain) <= 50:
            chain.append(target)
            target = amends((key[0], target))
        if target == key[1]:
            circle = " amends ".join(chain + [key[1]])
            problems.append(_at(parsed.document, parsed.label, ("amends",),
                                f"amendments go in a circle ({circle}): no agenda can place them; "
                                "one of them must amend none of the others"))
    return problems


def _check_history_kept(parsed: ParsedPaper, session: Session) -> list[Problem]:
    """A re-import may change the plan, but not erase steps a body has already dealt with."""
    paper = parsed.paper
    row = session.execute(
        select(PaperRow).join(BodyRow).where(BodyRow.key == paper.body, PaperRow.reference == paper.reference)
    ).scalar_one_or_none()
    if row is None:
        return []
    problems = []
    for step in row.consultations:
        if step.status == ConsultationStatus.pending.value and step.result is None:
            continue
        new = paper.consultations[step.position] if step.position < len(paper.consultations) else None
        if new is None or new.committee != step.organization.key:
            problems.append(_at(
                parsed.document, parsed.label, ("consultations", step.position),
                f"step {step.position + 1} ({step.organization.key}) is already {step.status}"
                f"{' (' + step.result + ')' if step.result else ''} in the store and cannot be removed or replaced",
            ))
    return problems


# ---------------------------------------------------------------------------------------------
# Writing


def _write_meetings(session: Session, configs: Configs, batch: Batch, now: dt.datetime, report: ImportReport) -> None:
    for parsed in batch.meetings:
        body = session.execute(select(BodyRow).where(BodyRow.key == parsed.meetings.body)).scalar_one()
        config = configs.get(body.key)
        orgs = {o.key: o for o in session.execute(select(OrganizationRow).where(OrganizationRow.body_id == body.id)).scalars()}
        for meeting in parsed.meetings.meetings:
            org = orgs[meeting.committee]
            row = session.execute(
                select(MeetingRow).where(MeetingRow.body_id == body.id, MeetingRow.key == meeting.key)
            ).scalar_one_or_none()
            values = _meeting_values(meeting, org, config.organization(meeting.committee).location, parsed.document)
            if row is None:
                row = MeetingRow(body_id=body.id, key=meeting.key, state=meeting.state.value, updated_at=now, **values)
                session.add(row)
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
        report.warnings += _dropped_meetings(session, body, parsed, orgs)
    session.flush()


def _dropped_meetings(session: Session, body: BodyRow, parsed: ParsedMeetings,
                      orgs: dict[str, OrganizationRow]) -> list[Problem]:
    """Meetings this file listed before, whose invitations went out, and which it no longer lists.

    They stay as they are: a meeting that moved must keep its key (or be moved by command), or
    members would get a second meeting and keep the first in their calendars.
    """
    from meetprep.messages.invitations import announced

    source = str(parsed.document.path.resolve())
    listed = {m.key for m in parsed.meetings.meetings}
    gone = session.execute(select(MeetingRow).where(
        MeetingRow.body_id == body.id, MeetingRow.source_file == source, MeetingRow.key.not_in(listed),
        MeetingRow.state.not_in((MeetingState.cancelled.value, MeetingState.held.value, MeetingState.minuted.value)),
    )).scalars().all()
    warnings = []
    for meeting in gone:
        if meeting.state != MeetingState.invited.value and not announced(session, meeting.id):
            continue
        near = [m.key for m in parsed.meetings.meetings
                if orgs.get(m.committee) is not None and orgs[m.committee].id == meeting.organization_id
                and abs((m.start.astimezone(dt.timezone.utc) - meeting.start).days) <= 31 and m.key != meeting.key]
        hint = (f" If {near[0]} is this meeting moved, give it this meeting's key in the file (key: {meeting.key})."
                if near else "")
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
    return _checksum(data)


def _write_papers(session: Session, batch: Batch, now: dt.datetime, report: ImportReport) -> None:
    rows_by_ref: dict[tuple[str, str], PaperRow] = {}
    bodies = {b.key: b for b in session.execute(select(BodyRow)).scalars()}
    for parsed in batch.papers:
        paper = parsed.paper
        body = bodies[paper.body]
        checksum = _paper_checksum(parsed)
        row = session.execute(
            select(PaperRow).where(PaperRow.body_id == body.id, PaperRow.reference == paper.reference)
        ).scalar_one_or_none()
        if row is not None and row.checksum == checksum:
            action = "unchanged"
        else:
            if row is None:
                row = PaperRow(body_id=body.id, reference=paper.reference, revision=0, created_at=now)
                session.add(row)
                action = "created"
            else:
                action = "updated"
            _apply_paper(session, row, parsed, body, checksum, now)
        rows_by_ref[(paper.body, paper.reference)] = row
        report.papers.append(
            {
                "body": paper.body,
                "reference": paper.reference,
                "action": action,
                "revision": row.revision,
                "file": parsed.document.name,
            }
        )
    session.flush()
    # Amendments point at their paper once every paper of the batch has an id.
    for parsed in batch.papers:
        paper = parsed.paper
        row = rows_by_ref[(paper.body, paper.reference)]
        target_id = None
        if paper.amends is not None:
            target = rows_by_ref.get((paper.body, paper.amends)) or session.execute(
                select(PaperRow).where(PaperRow.body_id == row.body_id, PaperRow.reference == paper.amends)
            ).scalar_one()
            target_id = target.id
        if row.amends_id != target_id:
            row.amends_id = target_id


def _apply_paper(
    session: Session, row: PaperRow, parsed: ParsedPaper, body: BodyRow, checksum: str, now: dt.datetime
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
    row.checksum = checksum
    row.source_file = str(parsed.document.path.resolve())
    row.updated_at = now
    row.revision += 1
    row.revisions.append(
        PaperRevisionRow(
            revision=row.revision, checksum=checksum, data=dump, source_file=row.source_file, imported_at=now
        )
    )
    orgs = {o.key: o for o in session.execute(select(OrganizationRow).where(OrganizationRow.body_id == body.id)).scalars()}
    meetings = {
        m.key: m for m in session.execute(select(MeetingRow).where(MeetingRow.body_id == body.id)).scalars()
    }
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
    existing = {f.position: f for f in row.files}
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
        if delivered_since:
            continue  # delivered after the file was written: keep the delivered file
        current.status = spec.status.value
        current.path = str(found.path) if found else None
        current.sha256 = found.sha256 if found else None
        current.size = found.size if found else None
        current.media_type = found.media_type if found else spec.media_type
    for leftover in existing.values():
        row.files.remove(leftover)


# ---------------------------------------------------------------------------------------------
# The whole import


def import_files(store: Store, configs: Configs, paths: list[Path], now: dt.datetime,
                 root: Path | None = None) -> ImportReport:
    """Validate and import a batch of paper and meeting files. All or nothing.

    Attachments must lie inside `root`, by default the folder named (or the folder of a file
    named on its own). Raises InputError with every problem found; then the store is unchanged.
    """
    if now.tzinfo is None:
        raise ValueError("'now' must be timezone-aware")
    files = collect_files(paths, root)
    batch = Batch(warnings=list(configs.warnings))
    problems: list[Problem] = []
    if not files:
        raise InputError([Problem(file=", ".join(display_path(p) for p in paths), message="no *.yaml files found")])
    for path, base in files:
        problems += parse_file(path, base, batch, configs)
    problems += _check_meetings(batch, configs)
    # Checked and written under the bodies' write lock: a second import at the same moment waits,
    # then checks against what this one wrote (and finds its papers unchanged).
    touched = {p.paper.body for p in batch.papers} | {m.meetings.body for m in batch.meetings}
    with store.writing(*(f"body:{key}" for key in configs.keys() if key in touched)) as session:
        problems += _check_papers(batch, configs, session)
        if problems:
            raise InputError(problems)
        report = ImportReport(warnings=batch.warnings, skipped=batch.skipped)
        sync_config(session, configs)
        _write_meetings(session, configs, batch, now, report)
        _write_papers(session, batch, now, report)
    return report
