"""The e-mails of the sign-off round, in the body's language: the request with the paper attached
(and, for a new revision, what changed), the reminder before it is due, the request to the
deputies after, the secretary told when even they have not answered, a decline or a comment
passed to the author, and the author told that the paper is ready.

Each message's ledger key names the paper, the round, the step, the kind and the person, so a
run repeated, or two at once, sends each once (meetprep.messages.ledger).
"""

from __future__ import annotations

import difflib
from typing import Any

from meetprep.i18n import Catalogue, catalogue
from meetprep.messages.ledger import Attachment, Outgoing
from meetprep.model import BodyConfig, SignoffStep
from meetprep.store import PaperRow, SignoffRequestRow


def _words(config: BodyConfig) -> Catalogue:
    return catalogue(config.body.locale.value)


def _values(config: BodyConfig, paper: PaperRow, row: SignoffRequestRow, words: Catalogue) -> dict[str, Any]:
    return {"reference": paper.reference, "title": paper.title, "type": paper.paper_type,
            "unit": paper.originator_unit or config.body.name, "step": row.step, "token": row.token,
            "due": words.date(row.due, "date_short") if row.due else "–"}


def _letter(config: BodyConfig, words: Catalogue, name: str, *paragraphs: str) -> str:
    return words.letter(name, config.body.mail.from_name or config.body.name, *[p for p in paragraphs if p])


def _mail(config: BodyConfig, key: str, kind: str, person: str | None, address: str, name: str, subject: str,
          text: str, attachments: list[Attachment] | None = None) -> Outgoing:
    mail = config.body.mail
    return Outgoing(key=key, kind=kind, sequence=0, channel="email", recipient=address, subject=subject, text=text,
                    attachments=list(attachments or []), sender=mail.from_address, recipient_name=name,
                    sender_name=mail.from_name or config.body.name, reply_to=mail.signoff_address)


def _key(config: BodyConfig, paper: PaperRow, row: SignoffRequestRow, kind: str, who: str) -> str:
    return f"{config.body.key}/signoff/{paper.reference}/r{row.round}/{row.step}/{kind}/{who}"


def _people(config: BodyConfig, keys: list[str]) -> list[tuple[str, str, str]]:
    """(key, address, name) of the persons with an address."""
    found = []
    for key in keys:
        person = config.person(key)
        if person is not None and person.email:
            found.append((key, str(person.email), person.name))
    return found


def asked(row: SignoffRequestRow, step: SignoffStep) -> list[str]:
    """Who a request goes to: its holder, or every member of the step's group."""
    return [row.holder] if row.holder else list(step.group)


def requests(config: BodyConfig, paper: PaperRow, row: SignoffRequestRow, step: SignoffStep,
             attachments: list[Attachment], changed: list[str] | None = None, previous: int | None = None,
             to: list[str] | None = None, kind: str = "signoff-request") -> list[Outgoing]:
    words = _words(config)
    values = _values(config, paper, row, words)
    kinds = {a.filename.rsplit(".", 1)[-1] for a in attachments}
    values["files"] = words.data["signoff"]["files"]["both" if "pdf" in kinds else "word"]
    lead = words.text("signoff.request_text" if row.due else "signoff.request_no_due", **values)
    notes = []
    if changed and previous:
        notes.append(words.text("signoff.request_changed", revision=row.revision, previous=previous) + "\n"
                     + "\n".join(changed))
    out = []
    for key, address, name in _people(config, to if to is not None else asked(row, step)):
        extra = []
        if step.person and key != step.person and config.person(step.person):
            extra.append(words.text("signoff.request_deputy", person=config.person(step.person).name))
        if not row.holder and step.group:
            extra.append(words.text("signoff.request_group", step=row.step))
        text = _letter(config, words, name, lead, *extra, *notes, words.text("signoff.request_how", token=row.token))
        out.append(_mail(config, _key(config, paper, row, kind, key), kind, key, address, name,
                         words.text("signoff.request_subject", **values), text, attachments))
    return out


def reminders(config: BodyConfig, paper: PaperRow, row: SignoffRequestRow, step: SignoffStep) -> list[Outgoing]:
    words = _words(config)
    values = _values(config, paper, row, words)
    return [_mail(config, _key(config, paper, row, "signoff-reminder", key), "signoff-reminder", key, address, name,
                  words.text("signoff.reminder_subject", **values),
                  _letter(config, words, name, words.text("signoff.reminder_text", **values),
                          words.text("signoff.request_how", token=row.token)))
            for key, address, name in _people(config, asked(row, step))]


def to_secretaries(config: BodyConfig, paper: PaperRow, row: SignoffRequestRow, step: SignoffStep,
                   secretaries: list[tuple[str, str, str]]) -> list[Outgoing]:
    words = _words(config)
    values = _values(config, paper, row, words)
    holders = ", ".join(name for _, _, name in _people(config, asked(row, step) + step.deputy)) or "–"
    command = (f"meetprep items exception --body {config.body.key} --reference {paper.reference} "
               "--meeting MEETING --by PERSON --reason TEXT")
    return [_mail(config, _key(config, paper, row, "signoff-overdue", key), "signoff-overdue", key, address, name,
                  words.text("signoff.secretary_subject", **values),
                  _letter(config, words, name, words.text("signoff.secretary_text", holders=holders, command=command,
                                                          **values)))
            for key, address, name in secretaries]


def to_author(config: BodyConfig, paper: PaperRow, row: SignoffRequestRow | None, kind: str,
              authors: list[tuple[str | None, str, str]], **more: Any) -> list[Outgoing]:
    """`kind`: declined, comment or ready; `authors`: (person key or None, address, name)."""
    words = _words(config)
    values = _values(config, paper, row, words) if row is not None else {"reference": paper.reference,
                                                                         "title": paper.title}
    values.update(more)
    paragraphs = [words.text(f"signoff.{kind}_text", **values)]
    if kind == "comment":
        paragraphs.append(more.get("comment") or "")
    suffix = more.get("answer_id", "") if kind == "comment" else ""
    where = f"r{row.round}/{row.step}" if row is not None else f"rev{paper.revision}"
    return [_mail(config, f"{config.body.key}/signoff/{paper.reference}/{where}/{kind}{suffix}/{who or address}",
                  f"signoff-{kind}", who, address, name, words.text(f"signoff.{kind}_subject", **values),
                  _letter(config, words, name, *paragraphs))
            for who, address, name in authors]


def what_changed(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """The author's parts that changed between two revisions, as short diff lines."""
    if not before:
        return []
    lines: list[str] = []
    if before.get("title") != after.get("title"):
        lines += [f"- {before.get('title')}", f"+ {after.get('title')}"]
    old = _text_of(before)
    new = _text_of(after)
    for line in difflib.unified_diff(old, new, lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        line = f"{line[0]} {line[1:]}"
        lines.append(line if len(line) <= 300 else line[:299] + "…")
    return lines[:60]


def _text_of(data: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for section in data.get("sections") or []:
        out.append(f"[{section.get('heading')}]")
        out += [line for line in (section.get("text") or "").splitlines() if line.strip()]
    proposal = data.get("proposal") or {}
    if proposal:
        out.append(f"[{proposal.get('heading') or 'proposal'}]")
        out += [line for line in (proposal.get("intro") or "").splitlines() if line.strip()]
        out += [f"{i}. {p}" for i, p in enumerate(proposal.get("points") or [], start=1)]
    financial = data.get("financial") or {}
    for question in financial.get("questions") or []:
        out.append(f"{question.get('text')}: {question.get('answer')}")
    return out
