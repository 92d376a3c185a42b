"""Invitations, updates and cancellations of a meeting, and the calendar feeds.

Members get the members' variant (every agenda title; the members' agenda attached); guests
and anyone else outside the committee get the public variant (closed items only as "Lukket
punkt" / "Nichtöffentlicher Tagesordnungspunkt"). A change of time or place raises the
meeting's SEQUENCE (at import), which makes a new, separately keyed update message; a
cancelled meeting sends METHOD:CANCEL with STATUS:CANCELLED.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from meetprep.messages import calendar
from meetprep.agenda.numbering import access_of, changes
from meetprep.agenda.draft import AgendaRequest, find_meeting
from meetprep.agenda.timeplan import printed_times
from meetprep.config import Configs
from meetprep.i18n import Catalogue, catalogue
from meetprep.model import BodyConfig, MeetingState
from meetprep.messages.ledger import Attachment, Outgoing
from meetprep.errors import InputError, Problem
from meetprep.messages.replies import called_in
from meetprep.store import (
    AgendaRow,
    AgendaVersionRow,
    MeetingRow,
    members_on_the_day,
    MessageRow,
    OrganizationRow,
    PersonRow,
    ReplyRow,
    Store,
)

MEMBER_ROLES = ("chair", "vice_chair", "member", "substitute")


@dataclass
class Invitations:
    meeting_id: int
    meeting_key: str
    messages: list[Outgoing]
    problems: list[dict[str, Any]]


def latest_entries(session: Session, meeting: MeetingRow) -> tuple[list[dict[str, Any]], AgendaRow | None]:
    """The items of the meeting's latest agenda version (none before its first build), and its agenda."""
    row = session.execute(select(AgendaRow).where(AgendaRow.meeting_id == meeting.id)).scalar_one_or_none()
    if row is None or not row.versions:
        return [], row
    return row.versions[-1].entries, row


def agenda_lines(words: Catalogue, entries: list[dict[str, Any]], public: bool,
                 times: dict[str, Any] | None = None) -> list[str]:
    """'Punkt 1: title' for each item; closed items with the neutral title in the public variant;
    with `times` (meetprep.agenda.timeplan.printed_times) each item's planned start and, last,
    the planned end."""
    planned = (times or {}).get("items", {})
    lines = []
    for entry in entries:
        label = words.text("numbering.item", part=words.data["numbering"]["part"][entry["part"]], number=entry["number"]).strip()
        closed = access_of(entry["access"]) != "public"
        title = words.text("labels.closed_item_title") if (closed and public) else entry["title"]
        suffix = f" ({words.text('labels.withdrawn')})" if entry["withdrawn"] else ""
        start, minutes = planned.get(entry["key"], ["", 0])
        at = " " + words.text("timeplan.at", time=start) if minutes else ""
        lines.append(f"{label}: {title}{suffix}{at}")
    if times and lines:
        lines.append(words.text("timeplan.end", time=words.time(dt.datetime.fromisoformat(times["end"]))))
    return lines


def calendar_entry(config: BodyConfig, meeting: MeetingRow, org: OrganizationRow, entries: list[dict[str, Any]],
                   public: bool, organizer: calendar.Attendee | None = None,
                   attendees: tuple[calendar.Attendee, ...] = (), sent_by: str | None = None,
                   times: dict[str, Any] | None = None) -> calendar.CalendarMeeting:
    words = catalogue(config.body.locale.value)
    zone = ZoneInfo(config.body.timezone)
    start = meeting.start.astimezone(zone)
    end = meeting.end.astimezone(zone) if meeting.end else start + dt.timedelta(hours=2)
    place = ", ".join(p for p in (meeting.room, meeting.address) if p)
    lines = agenda_lines(words, entries, public, times)
    description = "\n".join([words.text("messages.agenda_heading"), *lines]) if lines else ""
    return calendar.CalendarMeeting(
        uid=calendar.meeting_uid(config.body.key, meeting.key), summary=words.meeting_name(org.name, meeting.extraordinary),
        start=start, end=end, location=place, description=description, sequence=meeting.sequence,
        cancelled=meeting.state == MeetingState.cancelled.value, organizer=organizer, attendees=attendees,
        sent_by=sent_by)


def _document(version_documents: list[Any], variant: str) -> Attachment | None:
    """The agenda document of a variant, PDF where there is one."""
    candidates = [d for d in version_documents if d.variant == variant and d.kind in ("dagsorden", "tagesordnung")]
    candidates.sort(key=lambda d: d.media_type != "application/pdf")
    for document in candidates:
        path = Path(document.path)
        if path.is_file():
            return Attachment(path.name, path.read_bytes(), document.media_type)
    return None


# Messages that bring a person's calendar and papers to the meeting's current state.
ANNOUNCEMENTS = ("invitation", "update", "change-notice", "cancellation")
ATTACHMENT_LIMIT = 10 * 1024 * 1024  # a change notice carries new files up to this size each


@dataclass(frozen=True)
class Announced:
    """What a person was last sent about a meeting: the message kind, its SEQUENCE and agenda version."""

    kind: str
    sequence: int
    version: int
    key: str


def announced(session: Session, meeting_id: int) -> dict[int, Announced]:
    """Per person (id): the latest announcement sent about the meeting.

    Messages sent before meetprep recorded the agenda version they carried count as carrying the
    version that was current when they went out.
    """

    versions = session.execute(select(AgendaVersionRow.created_at, AgendaVersionRow.version).join(AgendaRow).where(
        AgendaRow.meeting_id == meeting_id).order_by(AgendaVersionRow.version)).all()
    latest: dict[int, Announced] = {}
    rows = session.execute(select(MessageRow).where(
        MessageRow.meeting_id == meeting_id, MessageRow.status == "sent", MessageRow.kind.in_(ANNOUNCEMENTS),
        MessageRow.person_id.is_not(None))).scalars()
    for row in rows:
        version = row.agenda_version
        if version is None:
            version = max((v for created, v in versions if row.sent_at and created <= row.sent_at), default=0)
        found = Announced(row.kind, row.sequence, version, row.idempotency_key)
        known = latest.get(row.person_id)
        if known is None or (found.sequence, found.version) > (known.sequence, known.version):
            latest[row.person_id] = found
    return latest


def was_called_in(session: Session, meeting_id: int, person_id: int) -> bool:
    """Whether a substitute's invitation went out because a member declined (after a counted
    decline), and not as one of the invitations substitutes got before replies were read: only
    a call-in is withdrawn when the member accepts after all."""

    first_decline = session.execute(select(ReplyRow.received_at).where(
        ReplyRow.meeting_id == meeting_id, ReplyRow.status == "counted", ReplyRow.partstat == "DECLINED")
        .order_by(ReplyRow.received_at)).scalars().first()
    if first_decline is None:
        return False
    invited = session.execute(select(MessageRow.sent_at).where(
        MessageRow.meeting_id == meeting_id, MessageRow.person_id == person_id, MessageRow.kind == "invitation",
        MessageRow.status == "sent").order_by(MessageRow.sent_at.desc())).scalars().first()
    return invited is not None and invited >= first_decline


def plan_invitations(store: Store, configs: Configs, body: str, committee: str, stamp: dt.datetime,
                     day: dt.date | None = None, meeting_key: str | None = None, only_announced: bool = False,
                     change_notices: bool = True) -> Invitations:
    """For every member and guest, the message that brings them to the meeting's current state.

    Someone never invited gets the invitation; someone invited to an earlier time or place (a
    lower SEQUENCE) the update; someone whose agenda is an older version a change notice that
    lists what changed since the version they have (members' or public view); everyone invited to
    a cancelled meeting the cancellation. Someone already current is planned the message they
    were last sent (same key: the ledger knows it was sent). `only_announced` leaves out those
    never invited (the invitations go out on the agenda-out day, not before).
    """
    with store.session() as session:
        config, meeting = find_meeting(session, configs, AgendaRequest(body, committee, stamp.date(), day, meeting_key))
        org_config = config.organization(committee)
        org = meeting.organization
        entries, agenda = latest_entries(session, meeting)
        times = printed_times(session, config, meeting, entries, ZoneInfo(config.body.timezone))
        cancelled = meeting.state == MeetingState.cancelled.value
        latest = agenda.versions[-1] if agenda and agenda.versions else None
        if not cancelled:
            problem = _not_sendable(meeting, org_config, agenda, latest)
            if problem:
                raise InputError([Problem(file="(request)", item=f"meeting {meeting.key}", field="agenda", message=problem)])
        documents = latest.documents if latest else []
        active = members_on_the_day(session, meeting, ZoneInfo(config.body.timezone))
        # Substitutes come when called in: for a voting member who declined (meetprep.replies).
        standing_in = called_in(session, meeting, ZoneInfo(config.body.timezone))
        sent = announced(session, meeting.id)
        released = [m for m in active if m.role == "substitute" and m.person_id not in standing_in
                    and was_called_in(session, meeting.id, m.person_id)]
        # A substitute invited with the members before replies were read (an upgraded store)
        # keeps getting the meeting's updates and its cancellation.
        members = [m for m in active if m.role in MEMBER_ROLES and (
            m.role != "substitute" or m.person_id in standing_in
            or (m.person_id in sent and m not in released))]
        secretary = next((m.person for m in active if m.role == "secretary"), None)
        outside = {**{key: "guest" for key in org_config.guests}, **{key: "press" for key in org_config.press}}
        guests = session.execute(select(PersonRow).where(PersonRow.body_id == meeting.body_id,
                                                         PersonRow.key.in_(sorted(outside)))).scalars().all()
        mail = config.body.mail
        organizer = calendar.Attendee(secretary.name, secretary.email, "secretary") if secretary and secretary.email \
            else calendar.Attendee(mail.from_name or config.body.name, mail.from_address, "secretary")
        # Members see everyone invited; a guest's or the press's request names only its recipient
        # (RFC 5546 allows it, and members' addresses stay inside the committee).
        attendees = tuple(calendar.Attendee(m.person.name, m.person.email, m.role) for m in members if m.person.email)
        attendees += tuple(calendar.Attendee(g.name, g.email, outside[g.key]) for g in guests if g.email)
        words = catalogue(config.body.locale.value)
        version = latest.version if latest else 0
        old_versions = {v.version: v for v in agenda.versions} if agenda else {}
        messages, problems = [], []
        recipients = [(m.person, False) for m in members] + [(g, True) for g in guests]
        # A substitute no longer needed (the member accepted after all) gets the invitation withdrawn.
        recipients += [(m.person, False) for m in released if sent.get(m.person_id) is not None]
        withdrawn = {m.person_id for m in released}
        for person, public in recipients:
            last = sent.get(person.id)
            if person.id in withdrawn and not cancelled:
                kind = "cancellation" if last is not None and last.kind != "cancellation" else None
                if kind is None:
                    continue
                entry = replace(calendar_entry(config, meeting, org, entries, public, organizer,
                                               (calendar.Attendee(person.name, person.email, "substitute"),),
                                               sent_by=mail.from_address), cancelled=True)
                messages.append(Outgoing(
                    key=f"{config.body.key}/{meeting.key}/{person.key}/cancellation/{meeting.sequence}",
                    kind="cancellation", sequence=meeting.sequence, agenda_version=None,
                    subject=words.text("messages.substitute_withdrawn_subject", committee=entry.summary,
                                       when=words.datetime(entry.start)),
                    text=_invitation_text(words, "substitute_withdrawn", person.name, entry, organizer.name, False,
                                          org.name),
                    calendar=calendar.invitation(entry, stamp), calendar_method="CANCEL", channel="email",
                    recipient=person.email, meeting_id=meeting.id, person_id=person.id, sender=mail.from_address,
                    sender_name=mail.from_name or config.body.name, organizer=organizer.email,
                    organizer_name=organizer.name, tags=(org.key, person.key)))
                continue
            if cancelled:
                kind = "cancellation" if last is not None else None
            elif last is None:
                # a substitute just called in is invited whatever the day: that is why they are called
                kind = None if only_announced and person.id not in standing_in else "invitation"
            elif last.kind == "cancellation" or last.sequence < meeting.sequence:
                kind = "update"
            elif change_notices and version > last.version:
                kind = "change-notice"
            else:
                kind = last.kind  # current already: the message they were sent, known to the ledger
            if kind is None:
                continue
            if not person.email:
                problems.append({"person": person.key, "message": "no e-mail address: no invitation can be sent"})
                continue
            invited = tuple(a for a in attendees if a.email == person.email) if public else attendees
            entry = calendar_entry(config, meeting, org, entries, public, organizer, invited, sent_by=mail.from_address,
                                   times=times)
            variant = "public" if public else "members"
            base = dict(channel="email", recipient=person.email, meeting_id=meeting.id, person_id=person.id,
                        sender=mail.from_address, sender_name=mail.from_name or config.body.name,
                        organizer=organizer.email, organizer_name=organizer.name, tags=(org.key, person.key))
            if kind == "change-notice":
                # New: from the version they have to the current one. Sent already: the same message
                # again, under the key the ledger knows it by.
                target = version if version > last.version else last.version
                key = (f"{config.body.key}/{meeting.key}/{person.key}/change-notice/v{target}" if version > last.version
                       else last.key)
                messages.append(_change_notice(words, config, org, meeting, person, entry,
                                               old_versions.get(last.version), old_versions.get(target), public, key,
                                               **base))
                continue
            attachment = None if kind == "cancellation" else _document(documents, variant)
            text = _invitation_text(words, kind, person.name, entry, organizer.name, attachment is not None, org.name,
                                    meeting.extraordinary)
            messages.append(Outgoing(
                key=f"{config.body.key}/{meeting.key}/{person.key}/{kind}/{meeting.sequence}",
                kind=kind, sequence=meeting.sequence, agenda_version=None if kind == "cancellation" else version,
                subject=words.text(f"messages.{kind}_subject", committee=entry.summary, when=words.datetime(entry.start)),
                text=text, calendar=calendar.invitation(entry, stamp),
                calendar_method="CANCEL" if kind == "cancellation" else "REQUEST",
                attachments=[attachment] if attachment else [], **base))
        return Invitations(meeting.id, meeting.key, messages, problems)


def _not_sendable(meeting: MeetingRow, org_config: Any, agenda: AgendaRow | None, latest: Any) -> str | None:
    """Why the meeting's agenda cannot be sent as it is, or None."""
    if meeting.held_back_for:
        return held_back_problem(meeting)
    if agenda is None or latest is None:
        return "build the agenda first (meetprep agenda build)"
    if latest.meeting_sequence is not None and latest.meeting_sequence != meeting.sequence:
        return (f"version {latest.version} of the agenda was built before the meeting's time or place changed: "
                "rebuild it first (meetprep agenda build), so that nobody gets the old time")
    if org_config.agenda.approval_required and agenda.approved_version != agenda.current_version:
        return f"version {agenda.current_version} of the agenda is not approved yet (meetprep agenda approve)"
    return None


def held_back_problem(meeting: MeetingRow) -> str:
    return (f"meeting {meeting.key} may be meeting {meeting.held_back_for} moved: nothing is sent for it until the "
            f"clerk says which it is (meetprep meetings resolve --body {meeting.body.key} --meeting {meeting.key} "
            f"--moved-from {meeting.held_back_for}, or --new)")


def _change_notice(words: Catalogue, config: BodyConfig, org: OrganizationRow, meeting: MeetingRow, person: PersonRow,
                   entry: calendar.CalendarMeeting, before: Any, after: Any, public: bool, key: str,
                   **base: Any) -> Outgoing:
    """The tillægsdagsorden / Nachtrag: what changed since the version the person has, and the new
    documents (the agenda, the documents of added or revised papers, new attachments)."""

    found = changes(before.entries if before else [], before.papers if before else None,
                    after.entries, after.papers, public)
    lines = [change_line(words, change) for change in found]
    variant = "public" if public else "members"
    files = [document for document in [_document(after.documents, variant)] if document]
    touched = {c.reference for c in found if c.change in ("added", "revised") and c.reference and c.title is not None}
    for document in after.documents:
        if document.paper_id and document.variant == variant and document.media_type.endswith("document") \
                and _paper_reference(after, document) in touched:
            path = Path(document.path)
            if path.is_file():
                files.append(Attachment(path.name, path.read_bytes(), document.media_type))
    for change in found:
        if change.change == "attachment":
            info = next((f for f in (after.papers or {}).get(change.reference, {}).get("files", [])
                         if f["title"] == change.attachment and f["status"] == "present"), None)
            path = Path(info["path"]) if info and info.get("path") else None
            if path and path.is_file() and path.stat().st_size <= ATTACHMENT_LIMIT:
                files.append(Attachment(path.name, path.read_bytes(), info.get("media_type") or "application/octet-stream"))
    values = {"committee": entry.summary, "when": words.datetime(entry.start), "place": entry.location or "-"}
    within = {**values, "when": words.datetime(entry.start, capitalize=False)}  # in the middle of a sentence
    text = "\n\n".join([words.text("messages.greeting", name=person.name), words.text("messages.change_text", **within),
                        "\n".join(lines) or words.text("messages.change_none"),
                        *([words.text("messages.agenda_attached")] if files else []),
                        words.text("messages.closing", sender=config.body.mail.from_name or config.body.name)])
    return Outgoing(key=key, kind="change-notice", sequence=meeting.sequence, agenda_version=after.version,
                    subject=words.text("messages.change_subject", **values), text=text, attachments=files, **base)


def _paper_reference(version: Any, document: Any) -> str | None:
    return next((e["reference"] for e in version.entries if e.get("paper_id") == document.paper_id), None)


def change_line(words: Catalogue, change: Any) -> str:
    """'Punkt 4: Ny sag (ny)', 'TOP Ö 3 ist jetzt TOP Ö 4: ...': one line of a change notice."""
    part = words.data["numbering"]["part"]
    label = words.text("numbering.item", part=part[change.part], number=change.number).strip()
    old = words.text("numbering.item", part=part[change.old_part], number=change.old_number).strip() \
        if change.old_number else ""
    title = change.title if change.title is not None else words.text("labels.closed_item_title")
    return words.text(f"changes.{change.change}", label=label, old=old, title=title, attachment=change.attachment or "")


def _invitation_text(words: Catalogue, kind: str, name: str, entry: calendar.CalendarMeeting, sender: str,
                     attached: bool, committee: str, extraordinary: bool = False) -> str:
    values = {"committee": committee, "when": words.datetime(entry.start, capitalize=False),
              "place": entry.location or "-"}
    first = words.text(f"messages.{kind}_text", **values)
    if extraordinary:
        first += " " + words.text("messages.extraordinary_line")
    parts = [words.text("messages.greeting", name=name), first]
    if entry.description and kind != "cancellation":
        parts.append(entry.description)
    if attached:
        parts.append(words.text("messages.agenda_attached"))
    parts.append(words.text("messages.closing", sender=sender))
    return "\n\n".join(parts)


def mark_invited(store: Store, meeting_id: int, now: dt.datetime) -> None:
    with store.writing(f"meeting:{meeting_id}") as session:
        meeting = session.get(MeetingRow, meeting_id)
        if meeting.state in (MeetingState.planned.value, MeetingState.agenda_built.value):
            meeting.state, meeting.updated_at = MeetingState.invited.value, now
