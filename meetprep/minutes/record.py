"""Minutes: record what a meeting decided, move every paper on, and assemble the referat.

`record` checks a meeting's minutes against its agenda (every paper on it needs a result;
everyone named must be a person of the body), then in one transaction writes the minutes, one
decision per paper (the paper's history: who decided what, when, with which vote), and moves
each paper along its Beratungsfolge:

- recommended / noted: the step is done; the next step (the next body) is now the open one;
- decided / rejected / withdrawn: the step is done and the sequence ends (later steps withdrawn);
- postponed (udsat, vertagt): the step is open again and the paper comes back to the same
  committee's next meeting.

`minutes_draft` gathers what the referat (da) and the Niederschrift (de) are made from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select

from meetprep.agenda.draft import AgendaRequest, Draft, paper_data, describe
from meetprep.config import Configs
from meetprep.i18n import Catalogue, catalogue
from meetprep.model import ConsultationResult, ConsultationStatus, ItemMinutes, MeetingState, MinutesFile, Votes
from meetprep.errors import InputError, Problem, format_loc, problems_from_validation
from meetprep.store import (
    AgendaRow,
    ConsultationRow,
    DecisionRow,
    MeetingRow,
    members_on_the_day,
    MembershipRow,
    MinutesRow,
    PaperRow,
    PersonRow,
    Store,
    the_meeting,
)
from meetprep.yamlio import load_yaml
from meetprep.decisions.tasks import record_tasks
from meetprep.agenda import documents
from meetprep.folders import staging
from meetprep.messages.ledger import Attachment, Outgoing

ENDS_SEQUENCE = {ConsultationResult.decided, ConsultationResult.rejected, ConsultationResult.withdrawn}
CARRIES_ON = {ConsultationResult.recommended, ConsultationResult.noted}


def load(path: Path) -> MinutesFile:
    """Read a minutes file; the result remembers the lines of its fields for later problems."""
    document = load_yaml(path)
    try:
        minutes = MinutesFile.model_validate(document.data)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, document.name, "minutes", document.line_of)) from None
    minutes._line_of = document.line_of
    return minutes


def vote_text(words: Catalogue, votes: dict[str, int] | None, unanimous: bool) -> str:
    """'einstimmig bei 2 Enthaltungen', 'Ja: 8, Nein: 2, Enthaltungen: 1, befangen: 1', 'Enstemmigt.'."""
    votes = votes or {}
    abstain, biased = votes.get("abstain") or 0, votes.get("biased") or 0
    if unanimous:
        text = words.text("minutes.unanimous_with_abstentions", count=abstain) if abstain else words.text("minutes.unanimous")
    elif any(votes.get(k) for k in ("yes", "no", "abstain")):
        text = words.text("minutes.votes", yes=votes.get("yes") or 0, no=votes.get("no") or 0, abstain=abstain)
    else:
        return ""
    return text + (words.text("minutes.biased", biased=biased) if biased else "")


def _entry_for(item, entries: list[dict[str, Any]], words: Catalogue) -> dict[str, Any] | None:
    if item.reference is not None:
        return next((e for e in entries if e["kind"] == "paper" and e["reference"] == item.reference), None)
    wanted = str(item.number).strip()
    for entry in entries:
        letter = words.data["numbering"]["part"][entry["part"]]
        if wanted in (f"{letter} {entry['number']}".strip(), f"{letter}{entry['number']}") or (
                not letter and wanted == entry["number"]):
            return entry
    matches = [e for e in entries if e["number"] == wanted]
    return matches[0] if len(matches) == 1 else None


def _check(session: Any, configs: Configs, minutes: MinutesFile, source: str) -> _Checked:
    """The minutes checked against the agenda, the committee and plausibility; raises InputError."""
    config = configs.get(minutes.body)
    if config is None:
        raise InputError([Problem(file=source, item="minutes", field="body", message="unknown body",
                                  expected=", ".join(configs.keys()), found=repr(minutes.body))])
    words = catalogue(config.body.locale.value)
    zone = ZoneInfo(config.body.timezone)
    problems: list[Problem] = []
    line_of = minutes._line_of

    def problem(loc: tuple[Any, ...], message: str, **details: Any) -> None:
        problems.append(Problem(file=source, item=f"minutes of {minutes.meeting}", field=format_loc(loc) or None,
                                line=line_of(loc) if line_of else None, message=message, **details))

    if minutes.started and minutes.ended:
        if minutes.ended <= minutes.started:
            problem(("ended",), "the meeting ends before it starts", expected=f"after {minutes.started.isoformat()}",
                    found=minutes.ended.isoformat())
        elif minutes.ended - minutes.started > dt.timedelta(hours=24):
            problem(("ended",), "the meeting would last more than a day: check the dates",
                    found=f"{minutes.started.isoformat()} to {minutes.ended.isoformat()}")

    meeting = the_meeting(session, minutes.body, minutes.meeting, source=source, item="minutes",
                          line=line_of(("meeting",)) if line_of else None)
    agenda_row = session.execute(select(AgendaRow).where(AgendaRow.meeting_id == meeting.id)).scalar_one_or_none()
    if agenda_row is None or not agenda_row.versions:
        raise InputError([Problem(file=source, item=f"minutes of {meeting.key}", field="meeting",
                                  line=line_of(("meeting",)) if line_of else None,
                                  message="the meeting has no agenda: build it first")])
    entries = agenda_row.versions[-1].entries
    persons = {p.key: p for p in session.execute(select(PersonRow).where(PersonRow.body_id == meeting.body_id)).scalars()}
    day = meeting.start.astimezone(zone).date()
    memberships = members_on_the_day(session, meeting, zone)
    members = {m.person.key for m in memberships}
    voting = {m.person.key for m in memberships if m.voting_right}
    absent = set(minutes.attendance.absent)
    for index, key in enumerate(minutes.attendance.absent):
        if key not in members:
            problem(("attendance", "absent", index), "not a member of the committee", found=repr(key))
    replaced: dict[str, int] = {}
    standing_in: dict[str, int] = {}
    for index, sub in enumerate(minutes.attendance.substitutes):
        where = ("attendance", "substitutes", index)
        if sub.person not in persons:
            problem(where + ("person",), "unknown person", found=repr(sub.person))
        if sub.replaces not in members:
            problem(where + ("for",), "not a member of the committee", found=repr(sub.replaces))
        if sub.person == sub.replaces:
            problem(where + ("for",), "a substitute stands in for someone else, not for themselves",
                    found=repr(sub.replaces))
        elif sub.person in members - absent and sub.person in voting:
            problem(where + ("person",), "is a voting member who is present: they cannot also vote in "
                                         "someone else's place", found=repr(sub.person))
        if sub.replaces in members and sub.replaces not in absent:
            problem(where + ("for",), f"{sub.replaces} is not listed as absent (attendance.absent), "
                                      "so nobody needs to stand in for them", found=repr(sub.replaces))
        if sub.replaces in replaced:
            problem(where + ("for",), f"{sub.replaces} already has a substitute "
                                      f"(attendance.substitutes[{replaced[sub.replaces]}])")
        if sub.person in standing_in:
            problem(where + ("person",), f"{sub.person} already stands in for someone "
                                         f"(attendance.substitutes[{standing_in[sub.person]}])")
        replaced.setdefault(sub.replaces, index)
        standing_in.setdefault(sub.person, index)
    present_people = (members - absent) | {s.person for s in minutes.attendance.substitutes}
    present_voting = len(voting - absent) + sum(1 for s in minutes.attendance.substitutes
                                                 if s.replaces in voting and s.replaces in absent)
    decided: dict[str, tuple[Any, dict[str, Any]]] = {}
    seen: dict[str, int] = {}
    for index, item in enumerate(minutes.items):
        entry = _entry_for(item, entries, words)
        if entry is None:
            problem(("items", index), "no such item on the agenda", found=repr(item.reference or item.number))
            continue
        if entry["key"] in seen:
            problem(("items", index), f"item {entry['number']} ({entry['reference'] or entry['title']}) is already "
                                      f"given as items[{seen[entry['key']]}]: one result per item")
            continue
        seen[entry["key"]] = index
        _check_biased_and_tasks(problem, item, index, entry, present_people, persons, config, day)
        votes = item.votes
        if votes is not None:
            cast = votes.yes + votes.no + votes.abstain + votes.biased
            if cast > present_voting:
                problem(("items", index, "votes"), f"{cast} votes, but only {present_voting} voting members were "
                        f"present ({len(voting)} with a vote, {len(voting & absent)} absent, "
                        f"{present_voting - len(voting - absent)} substitutes)",
                        expected=f"at most {present_voting}", found=str(cast))
        if item.unanimous and votes is not None and votes.no:
            problem(("items", index, "unanimous"), f"unanimous, but {votes.no} voted against",
                    found=f"no: {votes.no}")
        if entry["kind"] == "paper" and not entry["withdrawn"]:
            if item.result is None:
                problem(("items", index, "result"), "a paper needs a result",
                        expected=", ".join(r.value for r in ConsultationResult))
            decided[entry["reference"]] = (item, entry)
    for entry in entries:
        if entry["kind"] == "paper" and not entry["withdrawn"] and entry["reference"] not in decided:
            problem(("items",), f"no result for paper {entry['reference']} ({entry['title']})")
    steps: dict[str, ConsultationRow] = {}
    for reference in decided:
        paper = session.execute(select(PaperRow).where(PaperRow.body_id == meeting.body_id,
                                                       PaperRow.reference == reference)).scalar_one()
        step = next((c for c in paper.consultations if c.meeting_id == meeting.id), None)
        if step is None:
            history = session.execute(select(DecisionRow).join(ConsultationRow).where(
                ConsultationRow.paper_id == paper.id, DecisionRow.meeting_id == meeting.id)).scalar_one_or_none()
            step = history.consultation if history else None
        where = ("items", seen[decided[reference][1]["key"]])
        if step is None:
            problem(where, f"paper {reference} is not scheduled for this meeting")
            continue
        later_done = [c for c in paper.consultations if c.position > step.position and c.status == "completed"]
        if later_done:
            problem(where, f"paper {reference} has moved on ({later_done[0].organization.name} has decided): "
                           "its decision here can no longer be changed")
        steps[reference] = step
    if problems:
        raise InputError(problems)
    return _Checked(meeting, day, decided, steps)


def _check_biased_and_tasks(problem, item: ItemMinutes, index: int, entry: dict[str, Any], present: set[str],
                            persons: dict[str, Any], config: Any, day: dt.date) -> None:
    """Who was biased must have been there; a task needs a paper, an owner the body knows, and
    a due date after the meeting."""
    for position, key in enumerate(item.biased):
        if key not in present:
            problem(("items", index, "biased", position), "not present at the meeting (a member who came, or a "
                                                          "substitute)", found=repr(key))
    if item.votes and item.votes.biased and item.biased and item.votes.biased != len(item.biased):
        problem(("items", index, "votes", "biased"), f"{item.votes.biased} biased in the votes, but {len(item.biased)} "
                                                     "named under 'biased'", found=str(item.votes.biased))
    for position, task in enumerate(item.tasks):
        where = ("items", index, "tasks", position)
        if entry["kind"] != "paper":
            problem(where, "a task follows a decision on a paper: give it on the paper's item")
        if task.owner and task.owner not in config.body.units and task.owner not in persons:
            problem(where + ("owner",), "neither a unit of the body (body.units) nor a person of the body",
                    expected=", ".join(sorted(config.body.units)) or None, found=repr(task.owner))
        if task.due <= day:
            problem(where + ("due",), "the task would be due on or before the meeting's day",
                    expected=f"after {day.isoformat()}", found=task.due.isoformat())


@dataclass
class _Checked:
    meeting: MeetingRow
    day: dt.date
    decided: dict[str, tuple[Any, dict[str, Any]]]  # reference -> (item of the minutes, agenda entry)
    steps: dict[str, ConsultationRow]  # reference -> the step this meeting dealt with


def check(store: Store, configs: Configs, minutes: MinutesFile, source: str) -> None:
    """Every problem of the minutes, against the store, without writing anything: the CLI asks
    this before it starts a flow, so that bad minutes are refused in a moment."""
    with store.session() as session:
        _check(session, configs, minutes, source)


def record(store: Store, configs: Configs, minutes: MinutesFile, source: str, now: dt.datetime) -> dict[str, Any]:
    """Check and apply a meeting's minutes in one transaction; InputError lists every problem."""
    with store.writing(f"body:{minutes.body}") as session:
        checked = _check(session, configs, minutes, source)
        meeting, day, decided, steps = checked.meeting, checked.day, checked.decided, checked.steps
        for reference, (item, entry) in decided.items():
            decision = _apply(session, steps[reference], meeting, item, day, now)
            record_tasks(session, decision, item.tasks, now)
        row = session.execute(select(MinutesRow).where(MinutesRow.meeting_id == meeting.id)).scalar_one_or_none()
        if row is None:
            row = MinutesRow(meeting_id=meeting.id)
            session.add(row)
        row.started = minutes.started
        row.ended = minutes.ended
        row.attendance = minutes.attendance.model_dump(mode="json", by_alias=True)
        row.items = [i.model_dump(mode="json") for i in minutes.items]
        row.source, row.recorded_at = source, now
        if meeting.state not in (MeetingState.minuted.value, MeetingState.cancelled.value):
            meeting.state = MeetingState.held.value
        meeting.updated_at = now
        return {"meeting": meeting.key, "decisions": {r: i.result.value for r, (i, _) in decided.items()}}


def _apply(session, step: ConsultationRow, meeting: MeetingRow, item, day: dt.date, now: dt.datetime) -> DecisionRow:
    votes = item.votes or Votes()
    history = session.execute(select(DecisionRow).where(DecisionRow.consultation_id == step.id,
                                                        DecisionRow.meeting_id == meeting.id)).scalar_one_or_none()
    if history is None:
        history = DecisionRow(consultation_id=step.id, meeting_id=meeting.id)
        session.add(history)
    history.result, history.text, history.unanimous = item.result.value, item.text, item.unanimous
    history.votes_yes, history.votes_no = votes.yes if item.votes else None, votes.no if item.votes else None
    history.votes_abstain = votes.abstain if item.votes else None
    history.votes_biased = votes.biased if item.votes else None
    history.decided_on, history.recorded_at = day, now
    paper = step.paper
    if item.result is ConsultationResult.postponed:
        # Back to this committee's list; the next agenda of the committee picks it up.
        step.status, step.meeting_id, step.result, step.result_text = ConsultationStatus.pending.value, None, None, None
        for later in paper.consultations:
            if later.position > step.position and later.status == ConsultationStatus.withdrawn.value:
                later.status = ConsultationStatus.pending.value
        return history
    step.status, step.meeting_id = ConsultationStatus.completed.value, meeting.id
    step.result, step.result_text = item.result.value, item.text
    step.votes_yes, step.votes_no = history.votes_yes, history.votes_no
    step.votes_abstain, step.votes_biased = history.votes_abstain, history.votes_biased
    for later in paper.consultations:
        if later.position > step.position:
            ended = item.result in ENDS_SEQUENCE
            if ended and later.status == ConsultationStatus.pending.value:
                later.status = ConsultationStatus.withdrawn.value
            elif not ended and later.status == ConsultationStatus.withdrawn.value:
                later.status = ConsultationStatus.pending.value  # a corrected decision reopens the way
    return history


def minutes_draft(store: Store, configs: Configs, body: str, meeting_key: str) -> tuple[Draft, dict[str, Any]]:
    """The data of the referat / Niederschrift: the agenda as built, and what was decided."""
    with store.session() as session:
        meeting = the_meeting(session, body, meeting_key)
        config = configs.get(body)
        words = catalogue(config.body.locale.value)
        zone = ZoneInfo(config.body.timezone)
        row = session.execute(select(MinutesRow).where(MinutesRow.meeting_id == meeting.id)).scalar_one()
        agenda_row = session.execute(select(AgendaRow).where(AgendaRow.meeting_id == meeting.id)).scalar_one()
        entries = agenda_row.versions[-1].entries
        org_config = config.organization(meeting.organization.key)
        decisions = {}
        papers = {}
        biased = {i["reference"]: i.get("biased", []) for i in row.items or [] if i.get("reference")}
        persons_by_key = {p.key: p for p in session.execute(
            select(PersonRow).where(PersonRow.body_id == meeting.body_id)).scalars()}
        for decision in session.execute(select(DecisionRow).where(DecisionRow.meeting_id == meeting.id)).scalars():
            step = decision.consultation
            reference = step.paper.reference
            data = paper_data(step.paper, zone, meeting.start.astimezone(zone).date(), step.id, meeting_id=meeting.id)
            for c in data["consultations"]:  # this meeting's own decision is shown under Beslutninger
                if c["current"]:
                    c.update(status="scheduled", result=None, result_text=None)
            papers[reference] = data
            votes = None if decision.votes_yes is None and decision.votes_abstain is None else {
                "yes": decision.votes_yes, "no": decision.votes_no, "abstain": decision.votes_abstain,
                "biased": decision.votes_biased}
            decisions[reference] = {
                "text": decision.text or words.text(f"results.{decision.result}"),
                "result": words.text(f"results.{decision.result}"),
                "votes": vote_text(words, votes, decision.unanimous),
                "biased_lines": [words.text("excerpt.biased", name=persons_by_key[k].name if k in persons_by_key else k)
                                 for k in biased.get(reference, [])],
            }
        absent = set(row.attendance.get("absent", []))
        substitutes = {s["for"]: s["person"] for s in row.attendance.get("substitutes", [])}
        persons = persons_by_key
        memberships = session.execute(select(MembershipRow).where(
            MembershipRow.organization_id == meeting.organization_id).order_by(MembershipRow.id)).scalars().all()
        participants = []
        for m in memberships:
            if m.role in ("secretary", "substitute"):
                continue  # a substitute who came is listed beside the member they replaced
            participants.append({"name": m.person.name, "role": m.role, "absent": m.person.key in absent,
                                 "key": m.person.key})
            if m.person.key in substitutes and substitutes[m.person.key] in persons:
                substitute = persons[substitutes[m.person.key]]
                participants.append({"name": words.text("minutes.substitute", name=substitute.name, replaces=m.person.name),
                                     "role": "substitute", "absent": False, "key": substitute.key})
        chair = next((m.person.name for m in memberships if m.role == "chair"), "")
        secretary = next((m.person.name for m in memberships if m.role == "secretary"), "")
        start = meeting.start.astimezone(zone)
        body_data, committee_data, meeting_data = describe(config, org_config, meeting)
        draft = Draft(
            request=AgendaRequest(body, meeting.organization.key, start.date(), meeting=meeting.key),
            body=body_data, committee=committee_data, meeting=meeting_data,
            participants=participants, entries=entries, papers=papers, problems=[],
            documents=["referat" if config.body.locale.value == "da" else "niederschrift"],
            previous_version=0, previous_checksum=None,
        )
        texts = {}
        for item in row.items:
            if item.get("reference") is None and item.get("text"):
                entry = _entry_for(ItemMinutes.model_validate(item), entries, words)
                if entry is not None:
                    texts[entry["key"]] = item["text"]
        extra = {
            "decisions": decisions,
            "texts": texts,
            "started": words.time(row.started.astimezone(zone)) if row.started else words.time(start),
            "ended": words.time(row.ended.astimezone(zone)) if row.ended else "",
            "signatures": [{"role": words.text("minutes.signature_chair"), "name": chair},
                           {"role": words.text("minutes.signature_secretary"), "name": secretary}]
            if org_config.agenda.signature_page else [],
        }
        return draft, extra


def recorded_version(row: MinutesRow) -> str:
    """A short hash of what was recorded: the same minutes give the same version, a correction a new one.

    Not of the rendered files: a .docx is a zip with timestamps, so the same minutes rendered again
    differ byte for byte.
    """
    return hashlib.sha256(json.dumps([row.attendance, row.items, str(row.started), str(row.ended)],
                                     sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def render_documents(store: Store, configs: Configs, settings: Any, body: str, meeting_key: str,
                     pdf: bool) -> tuple[list[dict[str, Any]], list[str]]:
    """Render the minutes (members' and public variant, PDFs where possible). Returns the files and
    any notes; meetprep.jobs.minutes publishes the public variant.

    Each recorded version of the minutes is rendered once, into a folder of its own
    (`<meeting>/minutes/<version>/`) that appears whole or not at all: runs at the same moment
    render in private, the first to move its folder into place wins and the others use it.
    """

    draft, extra = minutes_draft(store, configs, body, meeting_key)
    with store.session() as session:
        meeting = the_meeting(session, body, meeting_key)
        version = recorded_version(session.execute(select(MinutesRow).where(MinutesRow.meeting_id == meeting.id)).scalar_one())
    base = settings.output_dir / body / draft.committee["key"] / meeting_key / "minutes"
    folder = base / (version + ("" if pdf else "-docx"))
    index = folder / "files.json"
    if not index.is_file():
        with staging(settings.output_dir, prefix="minutes-") as work:
            written = documents.render_all(draft, settings.templates_dir, work, extra)
            notes: list[str] = []
            if pdf:
                added, notes = documents.add_pdfs(draft, written, getattr(settings, "pdf_seconds", None))
                written += added
            listing = {"files": [{**item, "path": str(Path(item["path"]).relative_to(work))} for item in written],
                       "notes": notes}
            (work / "files.json").write_text(json.dumps(listing, ensure_ascii=False, indent=2), encoding="utf-8")
            base.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(work, folder)
            except OSError:
                if not index.is_file():  # not a run that got there first: something else is wrong
                    raise
    listing = json.loads(index.read_text(encoding="utf-8"))
    written = [{**item, "path": str(folder / item["path"])} for item in listing["files"]]
    return written, listing["notes"]


def mark_minuted(store: Store, body: str, meeting_key: str, now: dt.datetime) -> None:
    with store.writing(f"body:{body}") as session:
        meeting = the_meeting(session, body, meeting_key)
        meeting.state, meeting.updated_at = MeetingState.minuted.value, now


def messages(store: Store, configs: Configs, body: str, meeting_key: str, files: list[dict[str, Any]]):
    """The minutes for each member, once per version of the minutes (a correction is sent again)."""

    config = configs.get(body)
    words = catalogue(config.body.locale.value)
    members_doc = sorted((f for f in files if f["variant"] == "members"), key=lambda f: f["media_type"] != "application/pdf")
    if not members_doc:
        return []
    document = members_doc[0]
    data = Path(document["path"]).read_bytes()
    with store.session() as session:
        meeting = the_meeting(session, body, meeting_key)
        # Once per recorded version of the minutes: a correction is sent again.
        version = recorded_version(session.execute(select(MinutesRow).where(MinutesRow.meeting_id == meeting.id)).scalar_one())
        zone = ZoneInfo(config.body.timezone)
        memberships = session.execute(select(MembershipRow).where(
            MembershipRow.organization_id == meeting.organization_id).order_by(MembershipRow.id)).scalars().all()
        values = {"committee": meeting.organization.name, "when": words.datetime(meeting.start.astimezone(zone))}
        out = []
        for m in memberships:
            person = m.person
            if m.role == "secretary" or not person.email:
                continue
            out.append(Outgoing(
                key=f"{body}/{meeting_key}/{person.key}/minutes/{version}", kind="minutes", sequence=0,
                channel="email", recipient=person.email, subject=words.text("minutes.mail_subject", **values),
                text=words.letter(person.name, config.body.mail.from_name or config.body.name,
                                  words.text("minutes.mail_text", **values)),
                meeting_id=meeting.id, person_id=person.id,
                attachments=[Attachment(Path(document["path"]).name, data, document["media_type"])],
                sender=config.body.mail.from_address, sender_name=config.body.mail.from_name or config.body.name,
                tags=(meeting.organization.key, person.key)))
        return out
