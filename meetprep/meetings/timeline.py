"""A meeting's own timeline, from the papers deadline to the minutes, run once a day.

Each meeting has its steps on dates computed from the body's deadline rules (calendar or business
days, the body's holidays and its rule about Saturdays) and its timeline settings (each step on
or off, with its days; a committee may change them):

- papers_reminder: some days before the papers deadline, the case officer (or originating unit)
  of each paper planned for the meeting that still has a problem gets a reminder;
- draft_agenda: at the papers deadline, the draft agenda is built and the secretary gets a
  digest: the agenda, every problem, the timeline, and how to approve it;
- agenda_out: on the agenda-out day (Ladungsfrist) the invitations go out with the current
  agenda, where no approval is required or the current version is approved; otherwise nothing is
  sent and the secretary and the chair are told, once, that the deadline is today;
- minutes_reminder and minutes_escalation: after the meeting, the secretary is reminded to record
  the minutes, and later, if there are still none, the chair is told.

After the invitations went out, every run keeps the members current: a meeting that moved gets
its update, a cancelled one its cancellation, and every new agenda version a change notice
(tillægsdagsorden / Nachtrag) listing what changed since the version each person has.

A run does what is due on its day. A day that was missed catches up with the latest due step
only (the earlier ones are recorded as skipped). Every message goes through the ledger, so a
repeated run, or two at once, sends nothing twice; `meeting_steps` records what was done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select

from meetprep.agenda import build, draft
from meetprep.agenda.timeplan import time_plan

from meetprep.messages import invitations

from meetprep.messages import ledger
from meetprep.config import Configs
from meetprep.meetings.deadlines import add_days, deadline, subtract_days
from meetprep.i18n import Catalogue, catalogue
from meetprep.agenda.listing import OPEN_STATUSES
from meetprep.model import BodyConfig, MeetingState
from meetprep.errors import InputError
from meetprep.store import (
    AgendaRow,
    BodyRow,
    ConsultationRow,
    dialect_insert,
    MeetingRow,
    MeetingStepRow,
    MembershipRow,
    MessageRow,
    MinutesRow,
    PaperRow,
    PersonRow,
    Store,
    the_meeting,
)
from meetprep.attachments.core import responsible_recipients
from pathlib import Path

STEPS = ("papers_reminder", "draft_agenda", "agenda_out", "minutes_reminder", "minutes_escalation")
BEFORE = ("papers_reminder", "draft_agenda", "agenda_out")  # up to the meeting day
LOOK_AHEAD = dt.timedelta(days=200)  # meetings whose first step may be due
LOOK_BACK = dt.timedelta(days=60)  # meetings whose minutes may still be missing


@dataclass(frozen=True)
class PlannedStep:
    name: str
    date: dt.date
    on: bool


def plan(config: BodyConfig, committee: str, meeting_day: dt.date) -> list[PlannedStep]:
    """The steps of a meeting on `meeting_day`, with their dates. Pure."""
    body = config.body
    timeline = config.timeline_of(committee)
    rules, holidays, saturday = body.deadlines, body.holidays, body.deadlines.saturday_is_business_day
    papers_deadline = deadline(meeting_day, rules.papers_due, holidays, saturday)
    reminder = timeline.papers_reminder
    after = timeline.minutes_reminder, timeline.minutes_escalation
    return [
        PlannedStep("papers_reminder", subtract_days(papers_deadline, reminder.days, reminder.count, holidays, saturday),
                    reminder.on),
        PlannedStep("draft_agenda", papers_deadline, timeline.draft_agenda.on),
        PlannedStep("agenda_out", deadline(meeting_day, rules.agenda_out, holidays, saturday), timeline.agenda_out.on),
        PlannedStep("minutes_reminder", add_days(meeting_day, after[0].days, after[0].count, holidays, saturday), after[0].on),
        PlannedStep("minutes_escalation", add_days(meeting_day, after[1].days, after[1].count, holidays, saturday),
                    after[1].on),
    ]


def step_settled(step: PlannedStep, recorded: set[tuple[str, dt.date]], today: dt.date) -> bool:
    """Done or skipped on its date; or, for a meeting that moved, done on an earlier date with its
    new date already past (a step is not caught up twice: the digest after the invitations)."""
    if (step.name, step.date) in recorded:
        return True
    return step.date < today and any(name == step.name for name, _ in recorded)


def step_applies(step: PlannedStep, today: dt.date, meeting_day: dt.date) -> bool:
    """Before-meeting steps are done up to the meeting day, the minutes steps after it."""
    return today <= meeting_day if step.name in BEFORE else today > meeting_day


@dataclass
class Context:
    """What a step needs: the meeting, its body and committee, the day, and how to send."""

    store: Store
    configs: Configs
    settings: Any
    config: BodyConfig
    meeting_key: str
    committee: str
    committee_name: str
    meeting_id: int
    start: dt.datetime  # local
    today: dt.date
    now: dt.datetime
    transport: ledger.Transport
    pdf: bool
    build_agenda: Callable[[build.AgendaRequest], tuple[build.BuildResult, list[str]]]
    notes: list[str] = field(default_factory=list)  # e.g. the portal not updated after a rebuild

    @property
    def body(self) -> str:
        return self.config.body.key

    @property
    def words(self) -> Catalogue:
        return catalogue(self.config.body.locale.value)

    def request(self) -> build.AgendaRequest:
        return build.AgendaRequest(self.body, self.committee, self.today, meeting=self.meeting_key)

    def when(self) -> str:
        """The meeting's day and time as written within a sentence."""
        return self.words.datetime(self.start, capitalize=False)

    def send(self, messages: list[ledger.Outgoing]) -> ledger.DispatchReport:
        return ledger.dispatch(self.store, messages, self.transport, lambda: self.now)

    def rebuild(self) -> build.BuildResult:
        """The agenda rebuilt before a step sends it, by the job that made this context (which also
        publishes a new version); its notes join the day's."""
        result, notes = self.build_agenda(self.request())
        self.notes += notes
        return result


def _complete(report: ledger.DispatchReport) -> bool:
    """A step is done when every message it planned went out: one still claimed by another run (or
    by a killed one, until its lease runs out) keeps the step open, so a later run takes it over."""
    return not report.failed and not report.in_progress


def record_step(store: Store, meeting_id: int, step: PlannedStep, state: str, now: dt.datetime,
            detail: dict[str, Any] | None = None) -> None:
    """Enter a step as done or skipped, once (a second run at the same moment finds it there)."""
    with store.session() as session:
        session.execute(dialect_insert(store.engine, MeetingStepRow).values(
            meeting_id=meeting_id, step=step.name, due=step.date, state=state, detail=detail or {}, recorded_at=now,
        ).on_conflict_do_nothing(index_elements=["meeting_id", "step", "due"]))


def _person_message(ctx: Context, person: PersonRow | None, address: str, kind: str, key: str, subject: str,
                    text: str, attachments: list[ledger.Attachment] | None = None) -> ledger.Outgoing:
    mail = ctx.config.body.mail
    return ledger.Outgoing(
        key=key, kind=kind, sequence=0, channel="email", recipient=address, subject=subject, text=text,
        meeting_id=ctx.meeting_id, person_id=person.id if person else None, attachments=attachments or [],
        sender=mail.from_address, sender_name=mail.from_name or ctx.config.body.name, tags=(ctx.committee,))


def _letter(ctx: Context, name: str, *paragraphs: str) -> str:
    return ctx.words.letter(name, ctx.config.body.mail.from_name or ctx.config.body.name, *paragraphs)


def _officers(ctx: Context, role: str) -> list[PersonRow]:
    with ctx.store.session() as session:
        rows = session.execute(select(MembershipRow).join(MeetingRow, MeetingRow.organization_id ==
                                                          MembershipRow.organization_id)
                               .where(MeetingRow.id == ctx.meeting_id, MembershipRow.role == role)
                               .order_by(MembershipRow.id)).scalars().all()
        return [m.person for m in rows if m.person.email]


def _secretaries(ctx: Context) -> list[tuple[PersonRow | None, str]]:
    people = [(p, p.email) for p in _officers(ctx, "secretary")]
    return people or [(None, ctx.config.body.mail.from_address)]


def _chairs(ctx: Context) -> list[tuple[PersonRow | None, str]]:
    return [(p, p.email) for p in _officers(ctx, "chair") if p.email]


# ---------------------------------------------------------------------------------------------
# The steps


def planned_papers(ctx: Context) -> list[tuple[PaperRow, list[str]]]:
    """Papers planned for the meeting (due there, or placed on it but still with an earlier body),
    each with the problems that keep it from being ready."""
    words = ctx.words
    zone = ZoneInfo(ctx.config.body.timezone)
    found = []
    with ctx.store.session() as session:
        meeting = session.get(MeetingRow, ctx.meeting_id)
        day = ctx.start.date()
        due = draft.due_steps(session, meeting.body_id, meeting.organization_id, meeting, day, zone)
        ready = {paper.id for paper, _ in due}
        placed = session.execute(select(ConsultationRow).join(PaperRow).where(
            ConsultationRow.organization_id == meeting.organization_id, ConsultationRow.status.in_(OPEN_STATUSES),
            PaperRow.body_id == meeting.body_id,
            (ConsultationRow.meeting_id == meeting.id) | (ConsultationRow.target_date == day))).scalars().all()
        papers = [(paper, step) for paper, step in due] + [(c.paper, c) for c in placed if c.paper_id not in ready]
        for paper, step in papers:
            problems = []
            earlier = next((c for c in paper.consultations if c.status in OPEN_STATUSES), None)
            if earlier is not None and earlier.id != step.id:
                problems.append(words.text("problems.waiting_for", committee=earlier.organization.name))
            if paper.proposal is None and step.role != "information":
                problems.append(words.text("problems.no_proposal"))
            for file in paper.files:
                if file.status == "to_follow":
                    problems.append(words.text("problems.attachment_to_follow", title=file.title, due=""))
            if problems:
                found.append((paper, problems))
        session.expunge_all()
    return found


def _papers_reminder(ctx: Context, step: PlannedStep) -> dict[str, Any]:
    words = ctx.words
    rules = ctx.config.body.deadlines
    papers_deadline = deadline(ctx.start.date(), rules.papers_due, ctx.config.body.holidays,
                               rules.saturday_is_business_day)
    messages = []
    with ctx.store.session() as session:
        for paper, problems in planned_papers(ctx):
            values = {"reference": paper.reference, "title": paper.title, "committee": ctx.committee_name,
                      "when": ctx.when(), "deadline": words.date(papers_deadline, "date_short")}
            text = words.text("timeline.papers_text", **values) + "\n" + "\n".join(f"- {p}" for p in problems)
            meeting = session.get(MeetingRow, ctx.meeting_id)
            for person, address, channel in responsible_recipients(
                    session, ctx.config, [paper.case_officer, paper.originator_unit], meeting.organization_id):
                who = person.key if person else address
                message = _person_message(ctx, person, address, "papers-reminder",
                                          f"{ctx.body}/{ctx.meeting_key}/papers-reminder/{paper.reference}/{who}/{step.date}",
                                          words.text("timeline.papers_subject", **values),
                                          _letter(ctx, person.name if person else paper.originator_unit or "", text))
                message.channel = channel
                messages.append(message)
    report = ctx.send(messages)
    return {"report": report, "done": _complete(report), "detail": {"papers": len(messages)}}


def _timeline_lines(ctx: Context) -> list[str]:
    words = ctx.words
    lines = []
    for planned in plan(ctx.config, ctx.committee, ctx.start.date()):
        if planned.on:
            lines.append(f"- {words.date(planned.date, 'date_short')}: {words.text(f'timeline.steps.{planned.name}')}")
    lines.insert(3, f"- {words.date(ctx.start.date(), 'date_short')}: {words.text('timeline.steps.meeting')}")
    return lines


def _approve_command(ctx: Context) -> str:
    return f"meetprep agenda approve --body {ctx.body} --committee {ctx.committee} --meeting {ctx.meeting_key}"


def _agenda_document(result: build.BuildResult, variant: str) -> list[ledger.Attachment]:
    agenda = sorted((d for d in result.documents if d["variant"] == variant and d["kind"] in ("dagsorden", "tagesordnung")),
                    key=lambda d: d["media_type"] != "application/pdf")
    for document in agenda:
        path = Path(document["path"])
        if path.is_file():
            return [ledger.Attachment(path.name, path.read_bytes(), document["media_type"])]
    return []


def _draft_agenda(ctx: Context, step: PlannedStep) -> dict[str, Any]:
    words = ctx.words
    result = ctx.rebuild()
    state = build.approval_state(ctx.store, ctx.configs, ctx.request())
    out_day = next(p.date for p in plan(ctx.config, ctx.committee, ctx.start.date()) if p.name == "agenda_out")
    values = {"committee": ctx.committee_name, "when": ctx.when(), "version": result.version,
              "date": words.date(out_day, "date_short"), "command": _approve_command(ctx)}
    problems = [f"- {p['reference']}: {p['message']}" if p["reference"] else f"- {p['message']}"
                for p in result.problems]
    approval = words.text("timeline.digest_approve" if state["required"] else "timeline.digest_automatic", **values)
    with ctx.store.session() as session:
        times = time_plan(session, ctx.config, session.get(MeetingRow, ctx.meeting_id), result.entries)
    zone = ZoneInfo(ctx.config.body.timezone)
    # the secretary sees each item's planned start, whether or not the documents print it
    lines = invitations.agenda_lines(words, result.entries, public=False,
                                     times=times.printed(zone) if times.items else None)
    lines = lines[:-1] if times.items else lines  # the end is said below, against the slot
    timing = words.text("timeline.digest_overrun" if times.overrun else "timeline.digest_time",
                        end=words.time(times.end.astimezone(zone)), slot_end=words.time(times.slot_end.astimezone(zone)),
                        minutes=times.overrun)
    text_parts = [words.text("timeline.digest_text", **values), "\n".join(lines), timing,
                  words.text("timeline.digest_problems") + "\n" + "\n".join(problems) if problems
                  else words.text("timeline.digest_no_problems"),
                  words.text("timeline.digest_timeline") + "\n" + "\n".join(_timeline_lines(ctx)), approval]
    messages = [
        _person_message(ctx, person, address, "draft-digest",
                        f"{ctx.body}/{ctx.meeting_key}/{person.key if person else address}/draft-digest/{step.date}",
                        words.text("timeline.digest_subject", **values),
                        _letter(ctx, person.name if person else "", *text_parts), _agenda_document(result, "members"))
        # a plan that overruns its slot is the chair's business too (who cuts, who postpones)
        for person, address in _secretaries(ctx) + (_chairs(ctx) if times.overrun else [])]
    for message in messages:
        message.agenda_version = result.version
    report = ctx.send(messages)
    return {"report": report, "done": _complete(report), "detail": {"version": result.version}}


def _agenda_out(ctx: Context, step: PlannedStep) -> dict[str, Any]:
    words = ctx.words
    with ctx.store.session() as session:
        meeting = session.get(MeetingRow, ctx.meeting_id)
        held_back = invitations.held_back_problem(meeting) if meeting.held_back_for else None
    if held_back:  # fail closed: a meeting that may be another one moved invites no one
        return {"report": ledger.DispatchReport(), "done": False, "waiting": True,
                "problems": [{"message": held_back}]}
    result = ctx.rebuild()
    state = build.approval_state(ctx.store, ctx.configs, ctx.request())
    if state["required"] and state["approved"] != state["current"]:
        values = {"committee": ctx.committee_name, "when": ctx.when(), "version": state["current"],
                  "date": words.date(step.date, "date_short"), "command": _approve_command(ctx)}
        people = _secretaries(ctx) + [(p, p.email) for p in _officers(ctx, "chair")]
        messages = [
            _person_message(ctx, person, address, "approval-missing",
                            f"{ctx.body}/{ctx.meeting_key}/{person.key if person else address}/approval-missing/{step.date}",
                            words.text("timeline.approval_subject", **values),
                            _letter(ctx, person.name if person else "", words.text("timeline.approval_text", **values)))
            for person, address in people]
        return {"report": ctx.send(messages), "done": False, "waiting": True,
                "detail": {"version": state["current"]}}
    planned = invitations.plan_invitations(ctx.store, ctx.configs, ctx.body, ctx.committee, ctx.now,
                                           meeting_key=ctx.meeting_key,
                                           change_notices=ctx.config.timeline_of(ctx.committee).change_notices.on)
    report = ctx.send(planned.messages)
    if _complete(report):
        invitations.mark_invited(ctx.store, planned.meeting_id, ctx.now)
    return {"report": report, "done": _complete(report), "detail": {"version": result.version},
            "problems": planned.problems}


def _minutes_recorded(ctx: Context) -> bool:
    with ctx.store.session() as session:
        return session.execute(select(MinutesRow.id).where(MinutesRow.meeting_id == ctx.meeting_id)).first() is not None


def _minutes_step(ctx: Context, step: PlannedStep, to: str, prefix: str) -> dict[str, Any]:
    if _minutes_recorded(ctx):
        return {"report": ledger.DispatchReport(), "done": True, "detail": {"minutes": "recorded"}}
    words = ctx.words
    steps = {p.name: p.date for p in plan(ctx.config, ctx.committee, ctx.start.date())}
    values = {"committee": ctx.committee_name, "when": ctx.when(),
              "reminded": words.date(steps["minutes_reminder"], "date_short")}
    people = _secretaries(ctx) if to == "secretary" else [(p, p.email) for p in _officers(ctx, "chair")]
    messages = [
        _person_message(ctx, person, address, f"{prefix}",
                        f"{ctx.body}/{ctx.meeting_key}/{person.key if person else address}/{prefix}/{step.date}",
                        words.text(f"timeline.{'minutes' if to == 'secretary' else 'escalation'}_subject", **values),
                        _letter(ctx, person.name if person else "",
                                words.text(f"timeline.{'minutes' if to == 'secretary' else 'escalation'}_text", **values)))
        for person, address in people]
    report = ctx.send(messages)
    return {"report": report, "done": _complete(report), "detail": {"sent_to": len(messages)}}


ACTIONS: dict[str, Callable[[Context, PlannedStep], dict[str, Any]]] = {
    "papers_reminder": _papers_reminder,
    "draft_agenda": _draft_agenda,
    "agenda_out": _agenda_out,
    "minutes_reminder": lambda ctx, step: _minutes_step(ctx, step, "secretary", "minutes-reminder"),
    "minutes_escalation": lambda ctx, step: _minutes_step(ctx, step, "chair", "minutes-escalation"),
}


def keep_current(ctx: Context) -> dict[str, Any]:
    """After the invitations: updates for a moved meeting, cancellations, change notices."""
    with ctx.store.session() as session:
        anyone = invitations.announced(session, ctx.meeting_id)
        cancelled = session.get(MeetingRow, ctx.meeting_id).state == MeetingState.cancelled.value
    if not anyone:
        return {"report": ledger.DispatchReport(), "note": None}
    if not cancelled:
        ctx.rebuild()
    try:
        planned = invitations.plan_invitations(ctx.store, ctx.configs, ctx.body, ctx.committee, ctx.now,
                                               meeting_key=ctx.meeting_key, only_announced=True,
                                               change_notices=ctx.config.timeline_of(ctx.committee).change_notices.on)
    except InputError as exc:  # a new version waits for approval: the members keep the one they have
        return {"report": ledger.DispatchReport(), "note": "; ".join(p.message for p in exc.problems)}
    return {"report": ctx.send(planned.messages), "note": None}


# ---------------------------------------------------------------------------------------------
# A day


def upcoming(store: Store, configs: Configs, today: dt.date, bodies: list[str] | None = None) -> list[tuple[str, str]]:
    """(body, meeting) of every meeting a daily run looks at: from the minutes of recent ones to the
    papers deadline of those months ahead."""
    start = dt.datetime.combine(today - LOOK_BACK, dt.time(), dt.timezone.utc)
    with store.session() as session:
        rows = session.execute(select(BodyRow.key, MeetingRow.key).join(BodyRow, MeetingRow.body_id == BodyRow.id)
                               .where(MeetingRow.start >= start, MeetingRow.start < start + LOOK_BACK + LOOK_AHEAD)
                               .order_by(MeetingRow.start, MeetingRow.key)).all()
    return [(body, key) for body, key in rows if body in configs.keys() and (not bodies or body in bodies)]


# ---------------------------------------------------------------------------------------------
# What a clerk reads


def view(store: Store, configs: Configs, body: str, meeting_key: str, today: dt.date) -> dict[str, Any]:
    """Every step of a meeting with its date and state: done, due, late, skipped, waiting, upcoming, off."""
    config = configs.get(body)
    words = catalogue(config.body.locale.value)
    with store.session() as session:
        meeting = the_meeting(session, body, meeting_key)
        committee = meeting.organization.key
        zone = ZoneInfo(config.body.timezone)
        start = meeting.start.astimezone(zone)
        recorded = {(r.step, r.due): r for r in session.execute(
            select(MeetingStepRow).where(MeetingStepRow.meeting_id == meeting.id)).scalars()}
        agenda = session.execute(select(AgendaRow).where(AgendaRow.meeting_id == meeting.id)).scalar_one_or_none()
        approval = config.organization(committee).agenda.approval_required
        waiting = approval and agenda is not None and agenda.approved_version != agenda.current_version
        minutes = session.execute(select(MinutesRow.id).where(MinutesRow.meeting_id == meeting.id)).first() is not None
        notices = session.execute(select(MessageRow.agenda_version).where(
            MessageRow.meeting_id == meeting.id, MessageRow.kind == "change-notice", MessageRow.status == "sent")
        ).scalars().all()
        cancelled = meeting.state == MeetingState.cancelled.value
        steps = []
        planned = plan(config, committee, start.date())
        done_before = {s.name for s in planned if (s.name, s.date) in recorded and recorded[(s.name, s.date)].state == "done"}
        for index, step in enumerate(planned):
            row = recorded.get((step.name, step.date))
            earlier = next((r for (name, _), r in recorded.items() if name == step.name), None)
            if row is not None:
                state = row.state
            elif earlier is not None and step_settled(step, set(recorded), today):
                state, row = earlier.state, earlier  # done for the meeting's earlier date
            elif not step.on:
                state = "off"
            elif cancelled:
                state = "cancelled"
            elif step.date > today:
                state = "upcoming"
            elif step.name in ("minutes_reminder", "minutes_escalation") and minutes:
                state = "done"
            elif not step_applies(step, today, start.date()) or any(
                    later.name in done_before for later in planned[index + 1:] if later.name in BEFORE):
                state = "skipped"
            elif step.name == "agenda_out" and waiting:
                state = "waiting"
            else:
                state = "due" if step.date == today else "late"
            steps.append({"step": step.name, "label": words.text(f"timeline.steps.{step.name}"),
                          "date": step.date.isoformat(), "state": state,
                          "state_label": words.text(f"timeline.states.{state}"),
                          "detail": row.detail if row is not None else {}})
        meeting_state = "cancelled" if cancelled else ("held" if start.date() < today else "upcoming")
        steps.insert(3, {"step": "meeting", "label": words.text("timeline.steps.meeting"),
                         "date": start.date().isoformat(), "state": meeting_state,
                         "state_label": words.text(f"timeline.states.{meeting_state}"), "detail": {}})
        return {"body": body, "meeting": meeting_key, "committee": committee, "start": start.isoformat(),
                "agenda_version": agenda.current_version if agenda else 0,
                "approved_version": agenda.approved_version if agenda else None,
                "change_notices": sorted(set(v for v in notices if v is not None)), "steps": steps}


def committee_meetings(store: Store, configs: Configs, body: str, committee: str, today: dt.date) -> list[str]:
    """A committee's meetings still in their timeline (upcoming, or minutes not yet due)."""
    return [key for b, key in upcoming(store, configs, today, [body]) if _committee_of(store, body, key) == committee]


def _committee_of(store: Store, body: str, key: str) -> str:
    with store.session() as session:
        return the_meeting(session, body, key).organization.key

