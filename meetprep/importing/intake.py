"""The papers inbox: documents dropped into `MEETPREP_HOME/inbox/papers/` (Word documents made
with `meetprep items kit` or `items export`, or YAML papers), taken in by a scheduled run.

Each file is taken by one run alone (locked and moved to `.processing/`, as the attachments
inbox does: two runs at the same moment never take the same file, and a file of a run that was
killed is taken again), imported on its own (one bad document never blocks the others), and
filed away: to `.done/<day>/` once imported (a document imported again unchanged is "unchanged",
so each content counts once), or to `.rejected/<day>/` with a `.reason.txt` that says what to
fix and where. Whoever mailed a refused document gets the refusal at once, in the body's
language (a document dropped into the folder: the paper's case officer, where the store knows
the paper), once per document content. Every import and refusal is recorded as an intake event
(`intake_events`, once per body, content and outcome); the committee's secretary reads them in
the daily intake digest (meetprep.importing.digest), not one mail per document.

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

from meetprep.attachments.core import check_inbox_file, file_away, responsible_recipients, take_inbox_files
from meetprep.authoring.reader import read_stamp
from meetprep.config import Configs
from meetprep.errors import InputError, Problem, display_path
from meetprep.folders import write_atomically
from meetprep.i18n import catalogue
from meetprep.importing.pipeline import import_files
from meetprep.messages.ledger import Outgoing
from meetprep.store import IntakeEventRow, Store, dialect_insert, paper_by_reference

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
        content = item.path.read_bytes()
        sender_file = _sender_file(inbox, content)
        sender = sender_file.read_text().strip() if sender_file.is_file() else None
        try:
            imported = import_files(store, configs, [item.path], now, root=item.path.parent)
        except InputError as exc:
            # Whom to tell is read only for a refused document (before it is filed away).
            stamp = read_stamp(item.path) if item.name.lower().endswith(".docx") else None
            # Named as it was dropped, not by its place in .processing/.
            problems = [replace(p, file=str(dropped)) if p.file == display_path(item.path) else p for p in exc.problems]
            kept = file_away(item, inbox, "rejected", now, "\n".join(str(p) for p in problems))
            report.rejected.append({"file": str(dropped), "kept": str(kept), "problems": [str(p) for p in problems]})
            if stamp is not None and configs.get(stamp.body) is not None:
                first = [c.get("committee") for c in stamp.owned.get("consultations", [])][:1]
                record_event(store, stamp.body, first[0] if first else None, dropped.name, content, "refused",
                             now, reference=stamp.reference, problems=[_plain(p) for p in problems], sender=sender)
                notices.setdefault(stamp.body, []).extend(
                    _refusal_notices(store, configs, stamp, dropped.name, content, problems, sender))
            continue
        file_away(item, inbox, "done", now)
        report.imported += [{**paper, "file": str(dropped)} for paper in imported.papers]
        for paper in imported.papers:
            if paper["action"] != "unchanged":
                record_event(store, paper["body"], _first_committee(store, paper["body"], paper["reference"]),
                             dropped.name, content, "imported", now, reference=paper["reference"],
                             action=paper["action"], sender=sender)
    return report, notices


def _plain(problem: Problem) -> str:
    return f"{problem.field + ': ' if problem.field else ''}{problem.message}"


def _first_committee(store: Store, body: str, reference: str) -> str | None:
    with store.session() as session:
        row = paper_by_reference(session, body, reference)
        steps = sorted(row.consultations, key=lambda c: c.position) if row is not None else []
        return steps[0].organization.key if steps else None


def record_event(store: Store, body: str, committee: str | None, name: str, content: bytes, outcome: str,
                 now: dt.datetime, reference: str | None = None, action: str | None = None,
                 problems: list[str] | None = None, sender: str | None = None) -> None:
    """An intake event, once per body, content and outcome (a document dropped again is not news)."""
    with store.session() as session:
        session.execute(dialect_insert(store.engine, IntakeEventRow).values(
            body_key=body, committee_key=committee, file=name, sha256=hashlib.sha256(content).hexdigest(),
            outcome=outcome, reference=reference, action=action, problems=problems or [], sender=sender,
            at=now, digest=None).on_conflict_do_nothing(index_elements=["body_key", "sha256", "outcome"]))


def _refusal_notices(store: Store, configs: Configs, stamp: Any, name: str, content: bytes,
                     problems: list[Problem], sender: str | None = None) -> list[Outgoing]:
    """The refusal, at once, to whoever mailed the document; for one dropped into the folder, to
    the paper's case officer (or its unit) where the store knows the paper. Once per content.
    The secretaries read it in the intake digest."""
    config = configs.get(stamp.body)
    words = catalogue(config.body.locale.value)
    digest = hashlib.sha256(content).hexdigest()[:16]
    lines = [words.text("intake.refused_text", file=name), ""] + [f"- {_plain(p)}" for p in problems]
    recipients: list[tuple[str, str, str, int | None]] = []  # who, channel, address, person id
    if sender:
        recipients.append(("sender", "email", sender, None))
    else:
        with store.session() as session:
            row = paper_by_reference(session, stamp.body, stamp.reference)
            if row is not None and (row.case_officer or row.originator_unit):
                steps = sorted(row.consultations, key=lambda c: c.position)
                for person, address, channel in responsible_recipients(
                        session, config, [row.case_officer, row.originator_unit],
                        steps[0].organization_id if steps else None):
                    recipients.append((person.key if person else "unit", channel, address, person.id if person else None))
    subject = words.text("intake.refused_subject", reference=stamp.reference, file=name)
    return [Outgoing(key=f"{stamp.body}/intake/{digest}/{who}", kind="paper-refused", sequence=0,
                     channel=channel, recipient=address, person_id=person_id, subject=subject,
                     text="\n".join(lines), sender=config.body.mail.from_address,
                     sender_name=config.body.mail.from_name or config.body.name)
            for who, channel, address, person_id in recipients]
