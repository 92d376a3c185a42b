"""Cross-references of a batch, checked against the config, the batch itself and the store:
bodies, committees, meetings, amendments (no cycles), and a paper's history that must be kept."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, selectinload

from meetprep.config import Configs
from meetprep.errors import Problem
from meetprep.importing.reading import Batch, ParsedPaper, problem_at
from meetprep.model import (
    BodyConfig,
    ConsultationStatus,
    matches_reference,
)
from meetprep.store import BodyRow, MeetingRow, MinutesRow, OrganizationRow, PaperRow
from meetprep.yamlio import YamlDocument


def check_meetings(batch: Batch, configs: Configs) -> list[Problem]:
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
                        problem_at(
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
                problems.append(problem_at(doc, item, base + ("key",), f"meeting key given twice in this import (also in {seen[key]})"))
            seen[key] = doc.name
    return problems


def _offset(delta: dt.timedelta | None) -> str:
    minutes = int((delta or dt.timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _unknown_body(doc: YamlDocument, item: str, loc: tuple[Any, ...], key: str, configs: Configs) -> Problem:
    return problem_at(
        doc,
        item,
        loc,
        "unknown body (no config file defines it)",
        expected="one of " + ", ".join(configs.keys()),
        found=repr(key),
    )


def _unknown_committee(doc: YamlDocument, item: str, loc: tuple[Any, ...], key: str, config: BodyConfig) -> Problem:
    return problem_at(
        doc,
        item,
        loc,
        f"unknown committee for {config.body.key}",
        expected="one of " + ", ".join(o.key for o in config.organizations),
        found=repr(key),
    )


def stored_papers(session: Session, bodies: dict[str, BodyRow], batch: Batch) -> dict[tuple[str, str], PaperRow]:
    """The batch's papers (and the papers they amend) as stored, with their steps and files, in
    a few queries: a year of papers is not a query per paper."""
    wanted: dict[str, set[str]] = {}
    for parsed in batch.papers:
        wanted.setdefault(parsed.paper.body, set()).update(
            {parsed.paper.reference} | ({parsed.paper.amends} if parsed.paper.amends else set()))
    found: dict[tuple[str, str], PaperRow] = {}
    for key, references in wanted.items():
        if key not in bodies:  # a body not in the store yet has no papers there
            continue
        ordered = sorted(references)
        for start in range(0, len(ordered), 500):  # within every database's limit of bound parameters
            for row in session.execute(select(PaperRow).where(
                    PaperRow.body_id == bodies[key].id, PaperRow.reference.in_(ordered[start:start + 500]))
                    .options(selectinload(PaperRow.consultations), selectinload(PaperRow.files))).scalars():
                found[(key, row.reference)] = row
    return found


def check_papers(batch: Batch, configs: Configs, session: Session) -> list[Problem]:
    problems: list[Problem] = []
    bodies = {b.key: b for b in session.execute(select(BodyRow)).scalars()}
    stored = stored_papers(session, {k: b for k, b in bodies.items() if k in configs.keys()}, batch)
    batch_meetings = {
        (parsed.meetings.body, meeting.key): meeting.committee
        for parsed in batch.meetings
        for meeting in parsed.meetings.meetings
    }
    batch_refs: dict[tuple[str, str], str] = {}
    for parsed in batch.papers:
        key = (parsed.paper.body, parsed.paper.reference)
        if key in batch_refs:
            problems.append(problem_at(parsed.document, parsed.label, ("reference",),
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
            problems.append(problem_at(doc, item, ("reference",), f"checking the reference against {config.body.name}'s "
                                "pattern took too long: the pattern needs simplifying (meetprep config check)",
                                found=repr(paper.reference)))
        elif not follows:
            problems.append(
                problem_at(
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
                problems += _check_not_held(parsed, index, stored.get((paper.body, paper.reference)), session)
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
                        problem_at(
                            doc,
                            item,
                            loc + ("meeting",),
                            "unknown meeting (import its meetings file first or in the same batch)",
                            found=repr(step.meeting),
                        )
                    )
                elif committee != step.committee:
                    problems.append(
                        problem_at(
                            doc,
                            item,
                            loc + ("meeting",),
                            f"meeting {step.meeting!r} is a meeting of {committee!r}, not of {step.committee!r}",
                        )
                    )
        if paper.amends is not None and (paper.body, paper.amends) not in batch_refs:
            if (paper.body, paper.amends) not in stored:
                problems.append(
                    problem_at(
                        doc,
                        item,
                        ("amends",),
                        "the amended paper is neither in the store nor in this import",
                        found=repr(paper.amends),
                    )
                )
        row = stored.get((paper.body, paper.reference))
        problems += _check_history_kept(parsed, row)
        problems += _check_word_revision(parsed, row)
    problems += _check_amendment_cycles(batch, session, bodies)
    problems += _check_new_meetings_not_held(batch, session, bodies)
    return problems


def _check_not_held(parsed: ParsedPaper, index: int, row: PaperRow | None, session: Session) -> list[Problem]:
    """A paper cannot be placed on a meeting that was held and has its minutes (it would be on an
    agenda that no longer changes, with no decision); a step already placed there stays history."""
    paper, step = parsed.paper, parsed.paper.consultations[index]
    meeting = session.execute(select(MeetingRow).join(BodyRow, MeetingRow.body_id == BodyRow.id).where(
        BodyRow.key == paper.body, MeetingRow.key == step.meeting)).scalar_one_or_none()
    if meeting is None:
        return []
    has_minutes = session.execute(select(MinutesRow.id).where(MinutesRow.meeting_id == meeting.id)).first() is not None
    if meeting.state != "held" and not has_minutes:
        return []
    placed = next((c for c in (row.consultations if row is not None else []) if c.position == index), None)
    if placed is not None and placed.meeting_id == meeting.id:
        return []
    return [problem_at(parsed.document, parsed.label, ("consultations", index, "meeting"),
                       f"meeting {step.meeting!r} was held" + (" and its minutes are recorded" if has_minutes else "")
                       + ": a paper cannot be placed on it now; place it on a coming meeting, or leave the meeting "
                       "out and the next one takes it")]


def _check_new_meetings_not_held(batch: Batch, session: Session, bodies: dict[str, BodyRow]) -> list[Problem]:
    """A meeting new to the store cannot arrive as held: it would have no agenda, no invitations
    and no minutes. It is imported as planned, and held by recording its minutes."""
    problems = []
    for parsed in batch.meetings:
        body = bodies.get(parsed.meetings.body)
        for index, meeting in enumerate(parsed.meetings.meetings):
            if meeting.state.value != "held":
                continue
            known = body is not None and session.execute(select(MeetingRow.id).where(
                MeetingRow.body_id == body.id, MeetingRow.key == meeting.key)).first() is not None
            if not known:
                problems.append(problem_at(parsed.document, f"meeting {meeting.key}", ("meetings", index, "state"),
                                           "a new meeting cannot be held already: import it as planned, then record its "
                                           "minutes (meetprep minutes record), which marks it held",
                                           found="'held'"))
    return problems


def _check_amendment_cycles(batch: Batch, session: Session, bodies: dict[str, BodyRow]) -> list[Problem]:
    """Papers that amend each other, directly or round a longer circle, in the batch and the store:
    no agenda could place them. Each paper amends at most one other, so every path is walked once
    (linear in the papers, however long the chains)."""
    in_batch = {(p.paper.body, p.paper.reference): p for p in batch.papers}
    targets: dict[str, dict[str, str]] = {}  # per body: stored reference -> the reference it amends

    def amends(key: tuple[str, str]) -> str | None:
        if key in in_batch:
            return in_batch[key].paper.amends
        if key[0] not in targets:
            body = bodies.get(key[0])
            target = aliased(PaperRow)
            targets[key[0]] = {} if body is None else dict(session.execute(
                select(PaperRow.reference, target.reference).join(target, PaperRow.amends_id == target.id)
                .where(PaperRow.body_id == body.id)).all())
        return targets[key[0]].get(key[1])

    state: dict[tuple[str, str], int] = {}  # 1: on the path walked now, 2: done
    problems = []
    for start in in_batch:
        path: list[tuple[str, str]] = []
        key: tuple[str, str] | None = start
        while key is not None and key not in state:
            state[key] = 1
            path.append(key)
            target = amends(key)
            key = (key[0], target) if target else None
        if key is not None and state[key] == 1:  # the path came back to itself: a circle
            circle = path[path.index(key):]
            for member in circle:
                if member in in_batch:
                    at = circle.index(member)
                    names = [k[1] for k in circle[at:] + circle[:at]] + [member[1]]
                    shown = " amends ".join(names if len(names) <= 12 else names[:5] + ["…"] + names[-5:])
                    parsed = in_batch[member]
                    problems.append(problem_at(parsed.document, parsed.label, ("amends",),
                                               f"amendments go in a circle of {len(circle)} ({shown}): no agenda can "
                                               "place them; one of them must amend none of the others"))
        for walked in path:
            state[walked] = 2
    return problems


def _check_history_kept(parsed: ParsedPaper, row: PaperRow | None) -> list[Problem]:
    """A re-import may change the plan, but not erase steps a body has already dealt with."""
    paper = parsed.paper
    if row is None:
        return []
    problems = []
    for step in row.consultations:
        if step.status == ConsultationStatus.pending.value and step.result is None:
            continue
        new = paper.consultations[step.position] if step.position < len(paper.consultations) else None
        if new is None or new.committee != step.organization.key:
            problems.append(problem_at(
                parsed.document, parsed.label, ("consultations", step.position),
                f"step {step.position + 1} ({step.organization.key}) is already {step.status}"
                f"{' (' + step.result + ')' if step.result else ''} in the store and cannot be removed or replaced",
            ))
    return problems


def _check_word_revision(parsed: ParsedPaper, row: PaperRow | None) -> list[Problem]:
    """A Word document is an edit of the revision it was exported from (or of nothing, for a kit):
    an edit of an older revision would undo what changed since, silently."""
    if parsed.document.path.suffix.lower() != ".docx":
        return []
    paper = parsed.paper
    if row is None:
        return []
    exported = parsed.exported_revision
    if exported is None:
        return [Problem(file=parsed.document.name, item=parsed.label, field="reference",
                        message=f"this is a kit for a new paper, but {paper.reference} is already stored (revision "
                                f"{row.revision}): export it with `meetprep items export` and edit that document")]
    if row.revision > exported:
        return [Problem(file=parsed.document.name, item=parsed.label, field="revision",
                        message=f"the document was exported from revision {exported}, but the paper has changed since "
                                f"(revision {row.revision} is stored): export it again and make the edit there")]
    return []
