"""The jobs of the daily timeline (`meetings prepare`, the prepare-meetings flow): for each coming
meeting, the step due today (papers reminder, draft digest, invitations, minutes reminders) and
the updates that keep everyone invited current, then each body's intake digest (what the papers
inbox took in and refused); and `announce`, which brings everyone to a moved
or cancelled meeting's state at once. What each step does is meetprep.meetings.timeline's."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select

from meetprep.config import Configs
from meetprep.errors import InputError
from meetprep.importing.digest import digest_messages
from meetprep.jobs.agenda import build_agenda
from meetprep.jobs.accessibility import take_feedback
from meetprep.jobs.decisions import follow_up
from meetprep.jobs.minutes import catch_up
from meetprep.jobs.publishing import publish_meetings, write_feeds
from meetprep.jobs.signoff import run_signoff
from meetprep.meetings.timeline import ACTIONS, STEPS, Context, step_applies, record_step, step_settled, keep_current, plan, upcoming
from meetprep.messages import ledger
from meetprep.model import BodyConfig, MeetingState
from meetprep.steps import Step, direct
from meetprep.store import AgendaRow, MeetingStepRow, Store, the_meeting


def _context(store: Store, configs: Configs, settings: Any, body: str, meeting_key: str, today: dt.date,
             now: dt.datetime, transport: ledger.Transport, pdf: bool) -> tuple[Context, str]:
    """The meeting's context, and its state."""
    config = configs.get(body)
    with store.session() as session:
        meeting = the_meeting(session, body, meeting_key)
        org = meeting.organization
        ctx = Context(store, configs, settings, config, meeting_key, org.key, org.name, meeting.id,
                      meeting.start.astimezone(ZoneInfo(config.body.timezone)), today, now, transport, pdf,
                      lambda request: build_agenda(store, configs, settings, request, now, pdf))
        return ctx, meeting.state


def prepare_meeting(store: Store, configs: Configs, settings: Any, body: str, meeting_key: str, today: dt.date,
                    now: dt.datetime, transport: ledger.Transport, pdf: bool = True) -> dict[str, Any]:
    """Do what is due today for one meeting. Returns what was done, sent and noted."""
    ctx, state = _context(store, configs, settings, body, meeting_key, today, now, transport, pdf)
    outcome: dict[str, Any] = {"body": body, "meeting": meeting_key, "day": today.isoformat(), "step": None,
                               "state": None, "skipped_steps": [], "notes": [], **ledger.DispatchReport().as_dict()}
    report = ledger.DispatchReport()
    meeting_day = ctx.start.date()
    if state != MeetingState.cancelled.value:
        with store.session() as session:
            recorded = {(row.step, row.due) for row in session.execute(
                select(MeetingStepRow).where(MeetingStepRow.meeting_id == ctx.meeting_id)).scalars()}
        pending = [s for s in plan(ctx.config, ctx.committee, meeting_day)
                   if s.on and s.date <= today and step_applies(s, today, meeting_day) and not step_settled(s, recorded, today)]
        if pending:
            latest = max(pending, key=lambda s: (s.date, STEPS.index(s.name)))
            for step in pending:
                if step is not latest:  # a missed day catches up with the latest due step only
                    record_step(store, ctx.meeting_id, step, "skipped", now, {"reason": f"superseded by {latest.name}"})
                    outcome["skipped_steps"].append(step.name)
            done = ACTIONS[latest.name](ctx, latest)
            report.add(done["report"])
            outcome["step"] = latest.name
            outcome["detail"] = done.get("detail") or {}
            outcome["state"] = "waiting" if done.get("waiting") else ("done" if done["done"] else "failed")
            outcome["notes"] += [p["message"] for p in done.get("problems", [])]
            if done["done"]:
                record_step(store, ctx.meeting_id, latest, "done", now, done.get("detail"))
    if today <= meeting_day:
        current = keep_current(ctx)
        report.add(current["report"])
        if current["note"]:
            outcome["notes"].append(current["note"])
    outcome["notes"] += ctx.notes
    if report.sent:
        write_feeds(store, configs, settings, now)
    outcome.update(report.as_dict())
    return outcome


def announce(store: Store, configs: Configs, settings: Any, body: str, meeting_key: str, now: dt.datetime,
             transport: ledger.Transport, pdf: bool = True) -> dict[str, Any]:
    """Bring everyone invited to the meeting's current state at once (after a move or a cancellation):
    the agenda rebuilt where there is one, the update, cancellation or change notice sent, the feeds
    rewritten."""
    config = configs.get(body)
    zone = ZoneInfo(config.body.timezone) if config else dt.timezone.utc
    ctx, state = _context(store, configs, settings, body, meeting_key, now.astimezone(zone).date(), now, transport, pdf)
    version = None
    if state != MeetingState.cancelled.value:
        with store.session() as session:
            built = session.execute(select(AgendaRow).where(AgendaRow.meeting_id == ctx.meeting_id)).scalar_one_or_none()
        if built is not None and built.current_version:
            version = ctx.rebuild().version
    current = keep_current(ctx)
    write_feeds(store, configs, settings, now)
    if version is None:  # a rebuild published the meeting already; a cancellation has none
        ctx.notes += publish_meetings(store, configs, settings, now, body, {meeting_key})
    return {"meeting": meeting_key, "agenda_version": version,
            "notes": [n for n in [current["note"]] if n] + ctx.notes, **current["report"].as_dict()}


def run_day(store: Store, configs: Configs, settings: Any, today: Callable[[BodyConfig], dt.date],
            now: dt.datetime, transport_for: Callable[[BodyConfig], ledger.Transport], bodies: list[str] | None = None,
            pdf: bool = True, step: Step = direct) -> dict[str, Any]:
    """One daily run over every upcoming meeting. One bad meeting never stops the others: its
    error is in the report. `today` gives the day in each body's time zone."""
    days = {config.body.key: today(config) for config in configs}
    meetings: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for body, key in step("list-meetings", upcoming, store, configs, min(days.values()), bodies):
        config = configs.get(body)
        try:
            meetings.append(step("prepare-meeting", prepare_meeting, store, configs, settings, body, key, days[body],
                                 now, transport_for(config), pdf))
        except InputError as exc:
            errors.append({"body": body, "meeting": key, "error": "; ".join(str(p) for p in exc.problems)})
        except Exception as exc:  # one meeting's bug must not stop the others' invitations
            errors.append({"body": body, "meeting": key, "error": f"{type(exc).__name__}: {exc}"})
    for config in configs:  # the portal's front page: its coming meetings follow the day
        if bodies is None or config.body.key in bodies:
            for note in step("publish-portal", publish_meetings, store, configs, settings, now, config.body.key, set()):
                errors.append({"body": config.body.key, "meeting": None, "error": note})
    digests = send_intake_digests(store, configs, now, transport_for, bodies, errors, step)
    try:  # the sign-off round's reminders and escalations (and whatever the inbox runs left to do)
        signoff = run_signoff(store, configs, settings, now, transport_for, bodies, pdf, step)
    except Exception as exc:
        signoff = {"answers": [], "aside": [], "changes": [], **ledger.DispatchReport().as_dict()}
        errors.append({"body": None, "meeting": None, "error": f"sign-off: {type(exc).__name__}: {exc}"})
    try:  # messages to the portal's accessibility feedback address: acknowledged, passed on
        feedback = take_feedback(store, configs, settings, now, transport_for, bodies, step)
    except Exception as exc:
        feedback = {"taken": [], "again": 0, "sent": ledger.DispatchReport().as_dict()}
        errors.append({"body": None, "meeting": None, "error": f"feedback: {type(exc).__name__}: {exc}"})
    try:  # the excerpts of recent minutes, where a run stopped before it handed them over
        excerpts = catch_up(store, configs, settings, now, transport_for, bodies, pdf, step)
        errors += [{"body": None, "meeting": None, "error": note} for note in excerpts["notes"]]
    except Exception as exc:
        excerpts = {"meetings": 0, "sent": ledger.DispatchReport().as_dict(), "notes": []}
        errors.append({"body": None, "meeting": None, "error": f"excerpts: {type(exc).__name__}: {exc}"})
    try:  # decisions' tasks: the owners' replies, reminders before the due date, escalations after it
        decisions = follow_up(store, configs, settings, now, transport_for, bodies, step)
    except Exception as exc:
        decisions = {"taken": [], "aside": [], "sent": ledger.DispatchReport().as_dict(), "notes": []}
        errors.append({"body": None, "meeting": None, "error": f"follow-up: {type(exc).__name__}: {exc}"})
    return {"meetings": meetings, "errors": errors, "intake_digest": digests.as_dict(), "signoff": signoff,
            "feedback": feedback, "decisions": decisions, "excerpts": excerpts}


def send_intake_digests(store: Store, configs: Configs, now: dt.datetime,
                        transport_for: Callable[[BodyConfig], ledger.Transport], bodies: list[str] | None = None,
                        errors: list[dict[str, Any]] | None = None, step: Step = direct) -> ledger.DispatchReport:
    """Each body's secretaries hear what the papers inbox took in and refused since the last digest.
    A body whose digest fails is in `errors`; the others still go out."""
    report = ledger.DispatchReport()
    for config in configs:
        if bodies and config.body.key not in bodies:
            continue
        try:
            messages = step("intake-digest", digest_messages, store, configs, config.body.key, now)
            if messages:
                report.add(step("send-intake-digest", ledger.dispatch, store, messages, transport_for(config),
                                lambda: now))
        except Exception as exc:  # after the meetings' steps, and never at their cost
            if errors is None:
                raise
            errors.append({"body": config.body.key, "meeting": None,
                           "error": f"intake digest: {type(exc).__name__}: {exc}"})
    return report
