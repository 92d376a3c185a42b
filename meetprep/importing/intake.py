"""The papers inbox: documents dropped into `MEETPREP_HOME/inbox/papers/` (Word documents made
with `meetprep items kit` or `items export`, or YAML papers), taken in by a scheduled run.

Each file is taken by one run alone (locked and moved to `.processing/`, as the attachments
inbox does: two runs at the same moment never take the same file, and a file of a run that was
killed is taken again), imported on its own (one bad document never blocks the others), and
filed away: to `.done/<day>/` once imported (a document imported again unchanged is "unchanged",
so each content counts once), or to `.rejected/<day>/` with a `.reason.txt` that says what to
fix and where. For a refused paper whose body is known, the committee's secretary is told by
e-mail in the body's language, once per document content, and so is whoever mailed it.

Papers may also be mailed (MEETPREP_PAPERS_MAIL: a maildir folder or an IMAP mailbox, read with
the code that reads replies): each unread message's .docx and .yaml attachments are put into
the inbox folder and its sender remembered by the attachment's content; a message without any
is kept in `.rejected/` with its reason. A message is marked read only after its attachments are
in the folder, so a crash reads it again, and importing the same content twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import email
import hashlib
from dataclasses import dataclass, field, replace
from email import policy
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from sqlalchemy import select

from meetprep.attachments.core import check_inbox_file, file_away, take_inbox_files
from meetprep.authoring.reader import read_stamp
from meetprep.config import Configs
from meetprep.errors import InputError, Problem, display_path
from meetprep.folders import write_atomically
from meetprep.i18n import catalogue
from meetprep.importing.pipeline import import_files
from meetprep.messages.ledger import Outgoing
from meetprep.store import BodyRow, MembershipRow, OrganizationRow, PersonRow, Store

FOLDER = "papers"
SUFFIXES = (".docx", ".yaml", ".yml")


@dataclass
class IntakeReport:
    imported: list[dict[str, Any]] = field(default_factory=list)  # one per paper: reference, action, file
    rejected: list[dict[str, Any]] = field(default_factory=list)  # file, kept, problems

    def as_dict(self) -> dict[str, Any]:
        return {"imported": self.imported, "rejected": self.rejected}


def collect_mail(mail: Any, inbox: Path, now: dt.datetime) -> dict[str, Any]:
    """The papers attached to unread messages of `mail` (a replies-style inbox), into the folder."""
    folder = inbox / FOLDER
    collected: dict[str, Any] = {"files": [], "aside": []}
    for key, source, raw in mail.unread():
        message = email.message_from_bytes(raw, policy=policy.default)
        sender = parseaddr(str(message.get("From", "")))[1].lower()
        papers = [part for part in message.iter_attachments()
                  if Path(part.get_filename() or "").suffix.lower() in SUFFIXES]
        if not papers:
            aside = inbox / ".rejected" / now.strftime("%Y-%m-%d") / f"mail-{hashlib.sha256(raw).hexdigest()[:12]}.eml"
            write_atomically(aside, raw)
            aside.with_name(aside.name + ".reason.txt").write_text(
                f"{source} from {sender}: no paper attached (.docx made with meetprep items kit / export, "
                "or .yaml)\n", encoding="utf-8")
            collected["aside"].append({"source": source, "from": sender, "kept": str(aside)})
        for part in papers:
            content = part.get_payload(decode=True) or b""
            name = Path(part.get_filename() or "paper.docx").name
            target = folder / name
            counter = 1
            while target.exists():
                target = folder / f"{Path(name).stem}-{counter}{Path(name).suffix}"
                counter += 1
            if sender:
                write_atomically(_sender_file(inbox, content), sender.encode())
            write_atomically(target, content)
            collected["files"].append({"source": source, "from": sender, "file": str(target)})
        mail.mark_read(key)
    return collected


def _sender_file(inbox: Path, content: bytes) -> Path:
    return inbox / ".senders" / hashlib.sha256(content).hexdigest()


def take_papers(store: Store, configs: Configs, inbox: Path, now: dt.datetime
                ) -> tuple[IntakeReport, dict[str, list[Outgoing]]]:
    """Import every document waiting in `inbox/papers/`; the notices of refused ones to send, by body."""
    report, notices = IntakeReport(), {}
    for item in take_inbox_files(inbox, FOLDER, pattern="*"):
        dropped = inbox / FOLDER / item.name
        refused = check_inbox_file(item)
        if refused is None and Path(item.name).suffix.lower() not in SUFFIXES:
            refused = ("not a paper: the inbox takes Word documents made with `meetprep items kit` or "
                       "`meetprep items export`, and YAML papers")
        if refused is not None:
            kept = file_away(item, inbox, "rejected", now, f"{dropped}: {refused}")
            report.rejected.append({"file": str(dropped), "kept": str(kept), "problems": [refused]})
            continue
        try:
            imported = import_files(store, configs, [item.path], now, root=item.path.parent)
        except InputError as exc:
            # Whom to tell is read only for a refused document (before it is filed away).
            content = item.path.read_bytes()
            stamp = read_stamp(item.path) if item.name.lower().endswith(".docx") else None
            # Named as it was dropped, not by its place in .processing/.
            problems = [replace(p, file=str(dropped)) if p.file == display_path(item.path) else p for p in exc.problems]
            kept = file_away(item, inbox, "rejected", now, "\n".join(str(p) for p in problems))
            report.rejected.append({"file": str(dropped), "kept": str(kept), "problems": [str(p) for p in problems]})
            if stamp is not None and configs.get(stamp.body) is not None:
                sender = _sender_file(inbox, content)
                notices.setdefault(stamp.body, []).extend(_refusal_notices(
                    store, configs, stamp, dropped.name, content, problems,
                    sender.read_text().strip() if sender.is_file() else None))
            continue
        file_away(item, inbox, "done", now)
        report.imported += [{**paper, "file": str(dropped)} for paper in imported.papers]
    return report, notices


def _refusal_notices(store: Store, configs: Configs, stamp: Any, name: str, content: bytes,
                     problems: list[Problem], sender: str | None = None) -> list[Outgoing]:
    """An e-mail to the secretary of the paper's first committee (or of every committee of the
    body when the paper names none) and to whoever mailed the document, once per content."""
    config = configs.get(stamp.body)
    words = catalogue(config.body.locale.value)
    digest = hashlib.sha256(content).hexdigest()[:16]
    committees = [c.get("committee") for c in stamp.owned.get("consultations", [])][:1]
    with store.session() as session:
        query = (select(PersonRow).join(MembershipRow, MembershipRow.person_id == PersonRow.id)
                 .join(OrganizationRow, MembershipRow.organization_id == OrganizationRow.id)
                 .join(BodyRow, OrganizationRow.body_id == BodyRow.id)
                 .where(BodyRow.key == stamp.body, MembershipRow.role == "secretary"))
        if committees:
            query = query.where(OrganizationRow.key.in_(committees))
        secretaries = {p.key: p for p in session.execute(query).scalars()}.values()
        lines = [words.text("intake.refused_text", file=name), ""]
        lines += [f"- {p.field + ': ' if p.field else ''}{p.message}" for p in problems]
        recipients = [(person.key, person.email, person.id) for person in secretaries if person.email]
    if sender and sender not in {address.lower() for _, address, _ in recipients}:
        recipients.append(("sender", sender, None))
    return [Outgoing(key=f"{stamp.body}/intake/{digest}/{who}", kind="paper-refused", sequence=0,
                     channel="email", recipient=address, person_id=person_id,
                     subject=words.text("intake.refused_subject", reference=stamp.reference, file=name),
                     text="\n".join(lines), sender=config.body.mail.from_address,
                     sender_name=config.body.mail.from_name or config.body.name)
            for who, address, person_id in recipients]
