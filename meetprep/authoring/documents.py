"""A paper's Word document for its author: a kit for a new paper, or a stored paper exported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any


from meetprep.authoring.writer import write_document
from meetprep.config import Configs
from meetprep.errors import InputError, Problem
from meetprep.i18n import catalogue
from meetprep.meetings.target import reaching_meeting
from meetprep.model import BodyConfig, Consultation, Originator, Paper, Section
from meetprep.store import Store, paper_by_reference


def kit(configs: Configs, templates_dir: Path, body: str, paper_type: str, reference: str,
        course: list[tuple[str, str]], unit: str | None = None, officer: str | None = None,
        access: str = "closed", year: int | None = None, store: Store | None = None,
        today: dt.date | None = None) -> bytes:
    """An empty paper of a type for a body: the sections the type has (the body's `paper_types`,
    else its locale's default kit), help text in each part, what the system owns filled in and
    locked, with the papers deadline of the meeting it would reach (given a store and a day)."""
    config = configs.get(body)
    if config is None:
        raise InputError([Problem(file="(request)", field="body", message=f"no body {body!r} is configured",
                                  expected=", ".join(configs.keys()))])
    known = {o.key for o in config.organizations}
    for committee, _ in course:
        if committee not in known:
            raise InputError([Problem(file="(request)", field="course", message=f"{config.body.name} has no "
                                      f"committee {committee!r}", expected=", ".join(sorted(known)))])
    words = catalogue(config.body.locale.value)
    configured = config.body.paper_types.get(paper_type)
    if configured is not None:
        outline = [part.model_dump() for part in configured.sections]
    else:
        types = words.data["kit"]["types"]
        outline = types.get(paper_type, types["default"])
    paper = Paper.model_validate({
        "body": body, "reference": reference, "title": reference, "type": paper_type, "access": access,
        "originator": Originator(unit=unit, officer=officer).model_dump(exclude_none=True),
        "sections": [Section(heading=part["heading"]).model_dump() for part in outline],
        "consultations": [Consultation(committee=c, role=r).model_dump(mode="json") for c, r in course],
        "financial": _financial(words.data["kit"].get("financial"), year or dt.date.today().year),
    })
    mandatory = [part["heading"] for part in outline if part.get("mandatory")]
    shown = _deadline(store, config, course[0][0], None, today) if store is not None and course and today else []
    return write_document(paper, config, templates_dir, revision=None, mandatory=mandatory, kit=True,
                          climate=bool(words.data["kit"].get("climate")), shown=shown,
                          proposal=configured.proposal if configured is not None else True)


def _deadline(store: Store, config: BodyConfig, committee: str, meeting: str | None,
              today: dt.date) -> list[tuple[str, str]]:
    """The head's row of the papers deadline of the meeting the paper will reach. Shown to the
    author, never read back: the system's deadline may move (a meeting moved, a rule changed)
    and is not the author's to change."""
    words = catalogue(config.body.locale.value)
    with store.session() as session:
        target = reaching_meeting(session, config, committee, meeting, today)
    if target is None:
        return []
    return [(words.data["kit"]["fields"]["deadline"],
             words.text("kit.deadline_value", date=words.date(target.papers_due, "date_short"),
                        committee=target.committee_name, when=words.date(target.day, "date_short")))]


def _financial(spec: dict[str, Any] | None, year: int) -> dict[str, Any] | None:
    """The kit's Finanzielle Auswirkungen: its questions unanswered, its table with this year and
    the three to come ("2029 ff.")."""
    if not spec:
        return None
    table = spec.get("table")
    return {"questions": [{"text": q["text"], "options": q["options"], "answer": None} for q in spec.get("questions", [])],
            "tables": [] if not table else [{
                "title": table["title"], "unit": table.get("unit"),
                "columns": [str(year), str(year + 1), str(year + 2), f"{year + 3} ff."],
                "rows": [{"label": label} for label in table.get("rows", [])]}]}


def export(store: Store, configs: Configs, templates_dir: Path, body: str, reference: str,
           today: dt.date | None = None) -> tuple[bytes, int]:
    """The stored paper as its author's document, with its current text, stamped with its
    revision, and (given a day) the papers deadline of the meeting its next step reaches."""
    config = configs.get(body)
    with store.session() as session:
        row = paper_by_reference(session, body, reference)
        if row is None or config is None:
            raise InputError([Problem(file="(request)", item=f"paper {reference}", field="reference",
                                      message=f"no paper {reference!r} of {body!r} is stored")])
        latest = max(row.revisions, key=lambda r: r.revision)
        paper = Paper.model_validate(latest.data)
        files: list[dict[str, Any]] = []
        by_position = {f.position: f for f in row.files}
        for position, _ in enumerate(paper.attachments):
            stored = by_position.get(position)
            files.append({"path": stored.path, "sha256": stored.sha256, "size": stored.size,
                          "media_type": stored.media_type} if stored is not None and stored.sha256 else {})
        first = paper.consultations[0] if paper.consultations else None
        open_step = next((c for c in paper.consultations if c.status.value in ("pending", "scheduled")), None)
        step = open_step or first
        shown = _deadline(store, config, step.committee, step.meeting, today) if step and today and open_step else []
        return write_document(paper, config, templates_dir, revision=row.revision, files=files,
                              shown=shown), row.revision


def parse_course(text: str | None) -> list[tuple[str, str]]:
    """'asi:Vorberatung,rat:Entscheidung' -> [('asi', 'Vorberatung'), ('rat', 'Entscheidung')]."""
    steps = []
    for part in (text or "").split(","):
        if part.strip():
            committee, _, role = part.partition(":")
            steps.append((committee.strip(), role.strip() or "decision"))
    return steps
