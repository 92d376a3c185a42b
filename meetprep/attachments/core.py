"""Attachments that are still to follow ("wird nachgereicht", "eftersendes"): find, chase, deliver.

- Import recognises the usual phrases in a paper's text and records an attachment to follow
  with a warning, so that nothing is silently missed (`detect_to_follow`).
- Each attachment to follow is due by its own date, or by the body's rule counted back from the
  meeting where the paper is due (business days by the body's holidays).
- A daily run chases it in configurable stages (before the due date, on it, escalation to the
  committee's secretary once overdue), each stage sent once (the ledger in `notify`); of
  several stages that fell due while no run happened, only the latest is sent.
- Delivery (a command, or a file dropped into the watched inbox) checks the file, records it
  with its checksum, rebuilds the agenda as a new version and sends the members a notice with
  the file ("Eftersendt bilag" / "Nachversand"); guests get it only if the attachment is public.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from meetprep.agenda.numbering import access_of
from meetprep.config import Configs, Settings
from meetprep.meetings.deadlines import deadline
from meetprep.agenda.documents import slug
from meetprep.filecheck import inspect, NotAccepted, sha256_of
from meetprep.folders import locked
from meetprep.i18n import catalogue
from meetprep.agenda.listing import next_open_step
from meetprep.model import BodyConfig, Paper
from meetprep.messages.ledger import Attachment, Outgoing
from meetprep.errors import InputError, Problem
from meetprep.store import (
    AgendaRow,
    BodyRow,
    ConsultationRow,
    FileRow,
    MembershipRow,
    committee_secretaries,
    paper_by_reference,
    PaperRow,
    PersonRow,
    Store,
    the_meeting,
)
from meetprep.agenda.draft import AgendaRequest

# The phrases of the field, in both languages. Each pattern's match starts the verb: what comes
# before it in the sentence names the attachment ("Die Druckfassung des Integrationskonzeptes").
PHRASES = {
    "de": [r"\b(?:wird|werden)\b[^.]*?\bnachgereicht\b", r"\bfolg(?:t|en)\b(?=\s*(?:zur Sitzung|später|\.|$))",
           r"\bnachgereicht\b"],
    "da": [r"\beftersendes\b", r"\bfølger\s+senere\b", r"\budsendes\s+senere\b", r"\beftersendt\b"],
}
DEFAULT_TITLE = {"de": "Anlage", "da": "Bilag"}
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_COMPILED = {language: [re.compile(p, re.IGNORECASE) for p in patterns] for language, patterns in PHRASES.items()}
# A sentence without any of the phrases' key words is not looked at further (a year of papers has
# hundreds of thousands of sentences, and a handful of these).
_ANY = re.compile(r"nachgereicht|folg|eftersen|følger|udsendes", re.IGNORECASE)


@dataclass(frozen=True)
class Detected:
    section: int
    sentence: str
    title: str
    language: str


def detect_to_follow(paper: Paper) -> list[Detected]:
    """Sentences of the paper's sections saying that an attachment will follow."""
    found = []
    for index, section in enumerate(paper.sections):
        if not _ANY.search(section.text or ""):
            continue
        for sentence in _SENTENCE.split(section.text or ""):
            sentence = sentence.strip(" -\t")
            for language, patterns in _COMPILED.items():
                match = next((m for p in patterns if (m := p.search(sentence))), None)
                if match is None:
                    continue
                title = sentence[: match.start()].strip(" ,:;-") or DEFAULT_TITLE[language]
                found.append(Detected(index, sentence, title[:200], language))
                break
    return found


def due_date(explicit: dt.date | None, meeting_day: dt.date | None, config: BodyConfig) -> dt.date | None:
    if explicit is not None or meeting_day is None:
        return explicit
    rules = config.body.deadlines
    return deadline(meeting_day, rules.attachments_due, config.body.holidays, rules.saturday_is_business_day)


@dataclass
class Outstanding:
    body: str
    reference: str
    paper_title: str
    position: int
    title: str
    responsible: str | None
    due: dt.date | None
    days_left: int | None
    committee: str | None
    committee_name: str | None
    meeting: str | None
    meeting_day: dt.date | None
    access: str
    paper_id: int
    organization_id: int | None

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k not in ("paper_id", "organization_id")}
        data["due"] = self.due.isoformat() if self.due else None
        data["meeting_day"] = self.meeting_day.isoformat() if self.meeting_day else None
        return data


def outstanding(store: Store, configs: Configs, as_of: dt.date, bodies: list[str] | None = None) -> list[Outstanding]:
    """Every attachment still to follow of a pending paper, with its due date and days left."""
    rows = []
    with store.session() as session:
        query = (select(FileRow, PaperRow, BodyRow).join(PaperRow, FileRow.paper_id == PaperRow.id)
                 .join(BodyRow, PaperRow.body_id == BodyRow.id).where(FileRow.status == "to_follow")
                 .options(selectinload(PaperRow.consultations).selectinload(ConsultationRow.meeting),
                          selectinload(PaperRow.consultations).selectinload(ConsultationRow.organization))
                 .order_by(BodyRow.key, PaperRow.reference, FileRow.position))
        if bodies:
            query = query.where(BodyRow.key.in_(bodies))
        for file, paper, body in session.execute(query):
            config = configs.get(body.key)
            step = next_open_step(paper)
            if config is None or step is None:
                continue  # a paper whose Beratungsfolge is done is not chased any more
            zone = ZoneInfo(config.body.timezone)
            meeting_day = step.meeting.start.astimezone(zone).date() if step.meeting else step.target_date
            due = due_date(file.due_date, meeting_day, config)
            rows.append(Outstanding(
                body=body.key, reference=paper.reference, paper_title=paper.title, position=file.position,
                title=file.title, responsible=file.responsible, due=due,
                days_left=(due - as_of).days if due else None, committee=step.organization.key,
                committee_name=step.organization.name, meeting=step.meeting.key if step.meeting else None,
                meeting_day=meeting_day, access=access_of(file.access), paper_id=paper.id,
                organization_id=step.organization_id))
    return rows


def _secretary(session, organization_id: int | None) -> PersonRow | None:
    return next(iter(committee_secretaries(session, organization_id, reachable=False)), None)


def chase(store: Store, configs: Configs, as_of: dt.date, bodies: list[str] | None = None) -> list[Outgoing]:
    """The chasers due on `as_of`: for each attachment, its latest stage that has fallen due."""
    messages = []
    items = outstanding(store, configs, as_of, bodies)
    with store.session() as session:
        for item in items:
            if item.due is None:
                continue
            config = configs.get(item.body)
            stages = [s for s in config.body.chase if item.due + dt.timedelta(days=s.days) <= as_of]
            if not stages:
                continue
            stage = max(stages, key=lambda s: s.days)
            words = catalogue(config.body.locale.value)
            values = {"title": item.title, "reference": item.reference, "paper": item.paper_title,
                      "due": words.date(item.due, "date_short"), "committee": item.committee_name or "",
                      "when": words.date(item.meeting_day, "date_short") if item.meeting_day else "-",
                      "responsible": item.responsible or "-"}
            key_text = f"messages.chase_{stage.name}"
            text = words.text(key_text, **values) if _has(words, key_text) else words.text("messages.chase_text", **values)
            subject = words.text("messages.chase_subject", **values)
            base = f"{item.body}/{item.reference}/attachment-{item.position}/{stage.name}/{item.due.isoformat()}"
            for person, address, channel in _chase_recipients(session, config, item, stage.to):
                messages.append(Outgoing(
                    key=f"{base}/{person.key if person else address}", kind=f"chase-{stage.name}", sequence=0,
                    channel=channel, recipient=address, subject=subject, text=text,
                    person_id=person.id if person else None, sender=config.body.mail.from_address,
                    sender_name=config.body.mail.from_name or config.body.name, tags=(item.committee or "", item.reference)))
    return messages


def _has(words, key: str) -> bool:
    try:
        words.text(key, title="", reference="", paper="", due="", committee="", when="", responsible="")
        return True
    except KeyError:
        return False


def _chase_recipients(session, config: BodyConfig, item: Outstanding, to: str):
    names = [item.responsible] if to == "responsible" else []
    return responsible_recipients(session, config, names, item.organization_id)


def responsible_recipients(session, config: BodyConfig, names: list[str | None], organization_id: int | None):
    """(person or None, address, channel) for the first of `names` that can be reached: a person
    of the body (by key, through their notification addresses or e-mail) or a unit of the body
    (body.units); else the committee's secretary, else the body's own address."""
    for name in (n for n in names if n):
        person = session.execute(select(PersonRow).join(BodyRow, PersonRow.body_id == BodyRow.id).where(
            BodyRow.key == config.body.key, PersonRow.key == name)).scalar_one_or_none()
        if person is not None:
            if person.notify:
                return [(person, url, "apprise") for url in person.notify]
            if person.email:
                return [(person, person.email, "email")]
        unit = config.body.units.get(name)
        if unit:
            return [(None, unit, "email")]
    secretary = _secretary(session, organization_id)
    if secretary is not None and secretary.email:
        return [(secretary, secretary.email, "email")]
    return [(None, config.body.mail.from_address, "email")]


# ---------------------------------------------------------------------------------------------
# Delivery

@dataclass
class Delivery:
    body: str
    reference: str
    position: int
    title: str
    path: str
    sha256: str
    size: int
    meeting: str | None
    rebuilt: dict[str, Any] | None = None
    notices: list[Outgoing] = field(default_factory=list)
    again: bool = False  # the same file was delivered before: nothing new recorded


def _refuse(source: Path, reference: str, field_name: str, message: str, **details: Any) -> InputError:
    return InputError([Problem(file=str(source), item=f"paper {reference}", field=field_name, message=message, **details)])


def check_file(source: Path, reference: str, config: BodyConfig) -> tuple[str, int, str]:
    """(sha256, size, media type) of a file fit to be an attachment, or a clear refusal."""

    if source.is_symlink() or not source.is_file():
        raise _refuse(source, reference, "file", "no such file" if not source.exists() else "not a plain file")
    try:
        checked = inspect(source, config.body.attachment_types, config.body.attachment_max_bytes)
    except NotAccepted as exc:
        raise _refuse(source, reference, "file", exc.message, expected=exc.expected, found=exc.found) from None
    return checked.sha256, checked.size, checked.media_type


def _destination(session, body: str, reference: str, source: Path, sha: str, position: int | None):
    """(paper, its open step, the attachment the file becomes, delivered before?), or a refusal."""
    paper = paper_by_reference(session, body, reference)
    if paper is None:
        raise _refuse(source, reference, "paper", f"no paper {reference} in {body}")
    step = next_open_step(paper)
    if step is None:
        raise _refuse(source, reference, "paper", "the paper is not pending (its Beratungsfolge is done); nothing awaits this file")
    twin = next((f for f in paper.files if f.sha256 == sha), None)
    if twin is not None and twin.delivered_at is not None:
        # Delivered before (a retry after a crash, or two runs at once): nothing to record, but
        # the rebuild and the notices go on, so that none is lost; the ledger sends each once.
        return paper, step, twin, True
    if twin is not None:
        raise _refuse(source, reference, "file", f"this file is already attachment {twin.position + 1} "
                      f"(\u201c{twin.title}\u201d, imported with the paper); nothing changed")
    waiting = [f for f in paper.files if f.status == "to_follow"]
    if position is not None:
        target = next((f for f in paper.files if f.position == position - 1), None)
        if target is None:
            raise _refuse(source, reference, "attachment", f"the paper has no attachment {position}",
                          expected=f"1 to {len(paper.files)}")
        return paper, step, target, False
    if len(waiting) == 1:
        return paper, step, waiting[0], False
    if not waiting:
        raise _refuse(source, reference, "attachment", "no attachment of this paper is still to follow")
    raise _refuse(source, reference, "attachment", "several attachments are still to follow: say which",
                  expected="--attachment " + " or ".join(str(f.position + 1) for f in waiting))


def check_delivery(store: Store, configs: Configs, body: str, reference: str, source: Path,
                   position: int | None = None) -> None:
    """Every refusal a delivery would give, without writing anything (asked before a flow starts)."""
    config = configs.get(body)
    if config is None:
        raise _refuse(source, reference, "body", "unknown body", expected=", ".join(configs.keys()))
    sha, _, _ = check_file(source, reference, config)
    with store.session() as session:
        _destination(session, body, reference, source, sha, position)


def record_delivery(store: Store, configs: Configs, settings: Settings, body: str, reference: str, source: Path,
                    now: dt.datetime, position: int | None = None) -> Delivery:
    """Check the file, copy it into the data folder and mark the attachment present. One transaction."""
    config = configs.get(body)
    if config is None:
        raise _refuse(source, reference, "body", "unknown body", expected=", ".join(configs.keys()))
    sha, size, media = check_file(source, reference, config)
    with store.writing(f"body:{body}") as session:
        paper, step, target, again = _destination(session, body, reference, source, sha, position)
        meeting = step.meeting.key if step.meeting else None
        if again:
            return Delivery(body, reference, target.position, target.title, target.path, sha, size, meeting, again=True)
        folder = settings.home / "files" / body / slug(reference)
        folder.mkdir(parents=True, exist_ok=True)
        stored = folder / f"{target.position + 1}-{sha[:12]}-{slug(source.name)}"
        shutil.copyfile(source, stored)
        if sha256_of(stored) != sha:  # changed between the check and the copy: keep nothing unchecked
            stored.unlink(missing_ok=True)
            raise _refuse(source, reference, "file", "the file changed while it was being taken in: deliver it again")
        target.status, target.path, target.sha256, target.size = "present", str(stored), sha, size
        target.media_type, target.delivered_at = media, now
        return Delivery(body, reference, target.position, target.title, str(stored), sha, size, meeting)


def notices(store: Store, configs: Configs, delivery: Delivery) -> list[Outgoing]:
    """The "Eftersendt bilag" / "Nachversand" notice with the file: members always, guests only
    when the attachment is public."""
    config = configs.get(delivery.body)
    words = catalogue(config.body.locale.value)
    data = Path(delivery.path).read_bytes()
    with store.session() as session:
        paper = session.execute(select(PaperRow).join(BodyRow).where(
            BodyRow.key == delivery.body, PaperRow.reference == delivery.reference)).scalar_one()
        step = next_open_step(paper)
        file = next(f for f in paper.files if f.position == delivery.position)
        public = access_of(file.access) == "public" and access_of(paper.access) == "public"
        org = step.organization
        members = session.execute(select(MembershipRow).where(MembershipRow.organization_id == org.id)
                                  .order_by(MembershipRow.id)).scalars().all()
        people = [(m.person, False) for m in members if m.role in ("chair", "vice_chair", "member", "substitute")]
        org_config = config.organization(org.key)
        if public and org_config is not None:
            guests = session.execute(select(PersonRow).where(PersonRow.body_id == paper.body_id,
                                                             PersonRow.key.in_(org_config.guests))).scalars()
            people += [(g, True) for g in guests]
        values = {"title": delivery.title, "reference": delivery.reference, "paper": paper.title,
                  "committee": org.name}
        messages = []
        for person, _ in people:
            if not person.email:
                continue
            messages.append(Outgoing(
                key=f"{delivery.body}/{delivery.reference}/attachment-{delivery.position}/delivered/{delivery.sha256[:16]}/{person.key}",
                kind="attachment-delivered", sequence=0, channel="email", recipient=person.email,
                subject=words.text("messages.delivered_subject", **values),
                text=words.letter(person.name, config.body.mail.from_name or config.body.name,
                                  words.text("messages.delivered_text", **values)),
                meeting_id=step.meeting_id, person_id=person.id,
                attachments=[Attachment(Path(delivery.path).name.split("-", 2)[-1], data, file.media_type or "application/octet-stream")],
                sender=config.body.mail.from_address, sender_name=config.body.mail.from_name or config.body.name,
                tags=(org.key, person.key)))
        return messages


@dataclass
class InboxFile:
    """A file from the watched inbox, taken by this run: moved to `.processing/` and locked."""

    path: Path  # where it is now
    folder: str  # the paper's folder it was dropped into (its reference, / written as -)
    name: str  # the name it was dropped with
    handle: Any = field(repr=False, default=None)  # holds the lock until the file is filed away


def take_inbox_files(inbox: Path, body: str, pattern: str = "*/*") -> list[InboxFile]:
    """Files waiting in `inbox/<body>/<paper>/`, each taken for this run alone.

    A file is locked, then moved to `inbox/.processing/<body>/`: two runs at the same moment never
    take the same file, and a file taken by a run that was killed (its lock is gone) is taken
    again by the next one, so nothing dropped in the inbox is lost. Symbolic links are not
    followed: they are taken like files and refused (see `check_inbox_file`).
    """
    processing = inbox / ".processing" / body
    taken = []
    for path in sorted(processing.glob("*")) if processing.is_dir() else []:
        folder, _, name = path.name.partition("--")
        handle = _lock_file(path)
        if handle is not None:  # its run is gone
            taken.append(InboxFile(path, folder, name.split("--", 1)[-1], handle))
    folder_root = inbox / body
    for path in sorted(folder_root.glob(pattern)) if folder_root.is_dir() else []:
        if path.name.startswith(".") or not (path.is_file() or path.is_symlink()):
            continue
        handle = _lock_file(path)
        if handle is None:
            continue  # another run is taking it
        processing.mkdir(parents=True, exist_ok=True)
        target = processing / f"{path.parent.name}--{uuid.uuid4().hex[:8]}--{path.name}"
        try:
            os.rename(path, target)
        except FileNotFoundError:  # taken and moved by another run just before we locked it
            handle.close()
            continue
        taken.append(InboxFile(target, path.parent.name, path.name, handle))
    return taken


class _LinkClaim:
    """Stands in for a lock on a symbolic link (links cannot be locked): the rename decides."""

    def close(self) -> None:
        pass


def _lock_file(path: Path):
    """The file opened (never through a symbolic link) and exclusively locked; None if another run holds it."""
    if path.is_symlink():
        return _LinkClaim()
    try:
        handle = os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK), "rb", buffering=0)
    except OSError:  # gone, or turned into a link meanwhile
        return None
    handle = locked(handle)
    if handle is None:
        return None
    # Opened, then locked: between the two another run may have finished with the file, moved it
    # away and let go of its lock. The lock counts only if the name still leads to what we hold.
    try:
        still = os.stat(path, follow_symlinks=False)
    except OSError:
        still = None
    held = os.fstat(handle.fileno())
    if still is None or (still.st_dev, still.st_ino) != (held.st_dev, held.st_ino):
        handle.close()
        return None
    return handle


def check_inbox_file(item: InboxFile) -> str | None:
    """Why an inbox file cannot be taken in as it is, or None."""
    if item.path.is_symlink():
        return "a symbolic link is not accepted in the inbox: put the file itself there"
    return None


def file_away(item: InboxFile, inbox: Path, outcome: str, now: dt.datetime, reason: str | None = None) -> Path:
    """Move a processed inbox file to inbox/.done or inbox/.rejected (with the reason): nothing is lost.

    The file keeps its lock until it has left `.processing/`.
    """
    target_dir = inbox / f".{outcome}" / now.strftime("%Y-%m-%d")
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{item.folder}--{item.name}"
    counter = 1
    while target.exists() or target.is_symlink():
        target = target_dir / f"{item.folder}--{counter}-{item.name}"
        counter += 1
    try:
        os.rename(item.path, target)
    except FileNotFoundError:  # a link taken by two runs at once: the other one filed it
        return target
    if reason:
        target.with_name(target.name + ".reason.txt").write_text(reason + "\n", encoding="utf-8")
    if item.handle is not None:
        item.handle.close()
    return target


def resolve_reference(store: Store, body: str, folder_name: str) -> str | None:
    with store.session() as session:
        references = session.execute(select(PaperRow.reference).join(BodyRow).where(BodyRow.key == body)).scalars()
        return next((r for r in references if slug(r) == folder_name or r == folder_name), None)


def rebuild_request(store: Store, delivery: Delivery, as_of: dt.date):
    """The agenda build that shows the delivered file, where the paper's meeting has an agenda."""
    if delivery.meeting is None:
        return None
    with store.session() as session:
        meeting = the_meeting(session, delivery.body, delivery.meeting)
        if session.execute(select(AgendaRow).where(AgendaRow.meeting_id == meeting.id)).scalar_one_or_none() is None:
            return None
        return AgendaRequest(delivery.body, meeting.organization.key, as_of, meeting=meeting.key)
