"""Reading a batch: finding the YAML files, parsing and validating each paper and meetings file,
and checking each attachment file it names."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from meetprep.config import Configs
from meetprep.errors import InputError, Problem, display_path, format_loc, problems_from_validation
from meetprep.model import (
    BodyConfig,
    File,
    FileStatus,
    MeetingsFile,
    Paper,
)
from meetprep.yamlio import YamlDocument, load_yaml
from meetprep.filecheck import NotAccepted, inspect
from meetprep.attachments.core import detect_to_follow
from meetprep.authoring.reader import Refusal, read_document

YAML_SUFFIXES = (".yaml", ".yml")


CALENDAR_FIELDS = {"start", "end", "room", "address", "state"}  # what a calendar entry shows


@dataclass
class ParsedPaper:
    paper: Paper
    document: YamlDocument
    attachments: list["AttachmentFile | None"]  # one per paper.attachments entry
    exported_revision: int | None = None  # a Word document's: the revision it was exported from

    @property
    def label(self) -> str:
        return f"paper {self.paper.reference}"


@dataclass
class AttachmentFile:
    path: Path
    sha256: str
    size: int
    media_type: str


@dataclass
class ParsedMeetings:
    meetings: MeetingsFile
    document: YamlDocument


@dataclass
class Batch:
    papers: list[ParsedPaper] = field(default_factory=list)
    meetings: list[ParsedMeetings] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # minutes files, for `meetprep minutes record`


@dataclass
class ImportReport:
    """What an import did, item by item."""

    papers: list[dict[str, Any]] = field(default_factory=list)  # reference, body, action, revision, file
    meetings: list[dict[str, Any]] = field(default_factory=list)  # key, body, action, file
    warnings: list[Problem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the job after the import could not do (publish)

    def count(self, kind: str, action: str) -> int:
        return sum(1 for row in getattr(self, kind) if row["action"] == action)

    def as_dict(self) -> dict[str, Any]:
        return {
            "papers": self.papers,
            "meetings": self.meetings,
            "warnings": [w.as_dict() for w in self.warnings],
            "skipped": self.skipped,
            "notes": self.notes,
        }


def _importable(path: Path) -> bool:
    """A paper or meetings file: YAML, or a Word document that is not Word's or LibreOffice's lock file."""
    if path.name.startswith(("~$", ".~lock")) or not path.is_file():
        return False
    return path.suffix in YAML_SUFFIXES or path.suffix.lower() == ".docx"


def collect_files(paths: list[Path], root: Path | None = None) -> list[tuple[Path, Path]]:
    """(file, root) for the YAML files named and those below named folders, in a stable order.

    The root is the folder a file's attachments must stay inside: the folder named (for files
    found below it), or `root`, or the folder of a file named on its own.
    """
    found: list[tuple[Path, Path]] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            base = (root or path).resolve()
            for file in sorted(p for p in path.rglob("*") if _importable(p)):
                if not file.resolve().is_relative_to(base):
                    problems.append(Problem(file=display_path(file), message="a link to a file outside the imported "
                                            f"folder {display_path(base)}: not imported"))
                    continue
                found.append((file, base))
        elif path.is_file():
            found.append((path, (root or path.parent).resolve()))
        else:
            problems.append(Problem(file=display_path(path), message="no such file or folder"))
    if problems:
        raise InputError(problems)
    unique: dict[Path, tuple[Path, Path]] = {}
    for file, base in found:
        unique.setdefault(file.resolve(), (file, base))
    return list(unique.values())


def content_checksum(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _attachment(document: YamlDocument, item: str, index: int, spec: File, root: Path,
                config: BodyConfig | None) -> tuple[AttachmentFile | None, list[Problem]]:
    """The attachment's file, checked: inside the imported folder (links followed), and by its content."""

    if not spec.path:
        return None, []
    loc = ("attachments", index, "path")

    def problem(message: str, **details: Any) -> tuple[None, list[Problem]]:
        return None, [problem_at(document, item, loc, message, **({"found": repr(spec.path)} | details))]

    if Path(spec.path).is_absolute():
        return problem("an absolute path is not accepted: give the path relative to the paper's file")
    path = (document.path.parent / spec.path).resolve()
    if not path.is_relative_to(root):
        return problem(f"the file lies outside the imported folder {display_path(root)} (links are followed): "
                       "attachments must be inside it; import the folder that holds both the paper and its files, "
                       "or name that folder with --root")
    if not path.exists():
        return problem(f"attachment file not found (looked for {display_path(path)})")
    if not path.is_file():
        return problem("attachment path is not a file")
    if config is None:
        return None, []  # the unknown body is reported on its own
    try:
        checked = inspect(path, config.body.attachment_types, config.body.attachment_max_bytes, spec.media_type)
    except NotAccepted as exc:
        return problem(exc.message, **{k: v for k, v in (("expected", exc.expected), ("found", exc.found)) if v})
    return AttachmentFile(path=path, sha256=checked.sha256, size=checked.size, media_type=checked.media_type), []


def problem_at(doc: YamlDocument, item: str | None, loc: tuple[Any, ...], message: str, **details: Any) -> Problem:
    """A problem at `loc` (keys and indexes) of a YAML document, with its field and line."""
    return Problem(file=doc.name, item=item, field=format_loc(loc) or None, line=doc.line_of(loc), message=message, **details)


def _item_label(data: dict[str, Any]) -> str:
    if "meetings" in data:
        return f"meetings of {data.get('body')!r}"
    reference = data.get("reference")
    return f"paper {reference}" if isinstance(reference, (str, int)) and reference != "" else "paper (no reference)"


def parse_file(path: Path, root: Path, batch: Batch, configs: Configs) -> list[Problem]:
    """Parse one file into the batch; return its problems."""
    if path.suffix.lower() == ".docx":
        return _parse_word(path, root, batch, configs)
    try:
        document = load_yaml(path, item_of=lambda data: _item_label(data) if isinstance(data, dict) else None)
    except InputError as exc:
        return exc.problems
    data = document.data
    if not isinstance(data, dict):
        return [Problem(file=document.name, message="expected a mapping (a paper, or a file with 'meetings:')", found=type(data).__name__)]

    if data.get("kind") == "minutes":  # recorded by `meetprep minutes record`, not imported
        batch.skipped.append(document.name)
        return []

    if "meetings" in data:
        try:
            parsed = MeetingsFile.model_validate(data)
        except ValidationError as exc:
            return problems_from_validation(exc, document.name, f"meetings of {data.get('body')!r}", document.line_of)
        batch.meetings.append(ParsedMeetings(parsed, document))
        return []

    item = _item_label(data)
    try:
        paper = Paper.model_validate(data)
    except ValidationError as exc:
        return problems_from_validation(exc, document.name, item, document.line_of)
    problems: list[Problem] = []
    attachments: list[AttachmentFile | None] = []
    for index, spec in enumerate(paper.attachments):
        found, issues = _attachment(document, item, index, spec, root, configs.get(paper.body))
        attachments.append(found)
        problems += issues
    problems += _accept(paper, document, item, attachments, batch)
    document.forget()  # the model holds the paper now; a later problem reads the file again for its line
    return problems


def _parse_word(path: Path, root: Path, batch: Batch, configs: Configs) -> list[Problem]:
    """A paper written in Word (meetprep.authoring): read, then checked like a YAML paper."""
    try:
        read = read_document(path, configs.get)
    except Refusal as refusal:
        item = f"paper {refusal.reference}" if refusal.reference else "paper"
        return [Problem(file=display_path(path), item=item, field=r.part,
                        message=(f"paragraph {r.paragraph}: " if r.paragraph else "") + r.message) for r in refusal.all]
    document = YamlDocument(path, read.data, None)
    item = f"paper {read.stamp.reference}"
    batch.warnings += [Problem(file=display_path(path), item=item, field="sections", message=note, severity="warning")
                       for note in read.notes]
    try:
        paper = Paper.model_validate(read.data)
    except ValidationError as exc:
        return problems_from_validation(exc, document.name, item, document.line_of)
    kept = read.stamp.exported.get("attachments", [])
    problems: list[Problem] = []
    attachments: list[AttachmentFile | None] = []
    for index, (spec, data) in enumerate(zip(paper.attachments, read.data.get("attachments", []))):
        if data in kept:  # as exported: its file is the one stored, checked when it came
            position = kept.index(data)
            stored = read.stamp.files[position] if position < len(read.stamp.files) else {}
            attachments.append(AttachmentFile(path=Path(stored["path"]), sha256=stored["sha256"], size=stored["size"],
                                              media_type=stored["media_type"]) if stored.get("sha256") else None)
            continue
        found, issues = _attachment(document, item, index, spec, root, configs.get(paper.body))
        attachments.append(found)
        problems += issues
    return problems + _accept(paper, document, item, attachments, batch, read.stamp.revision)


def _accept(paper: Paper, document: YamlDocument, item: str, attachments: list[AttachmentFile | None],
            batch: Batch, exported_revision: int | None = None) -> list[Problem]:
    """The paper into the batch, with the warnings every source gets."""
    problems: list[Problem] = []
    if not any(a.status is FileStatus.to_follow for a in paper.attachments):
        # The text says an attachment will follow, but the paper lists none: record one, and say so.

        for found in detect_to_follow(paper):
            paper.attachments.append(File(title=found.title, status=FileStatus.to_follow,
                                          responsible=paper.originator.unit, access=paper.access))
            attachments.append(None)
            batch.warnings.append(problem_at(
                document, item, ("sections", found.section, "text"),
                f"the text says \u201c{found.sentence}\u201d: recorded an attachment to follow, \u201c{found.title}\u201d; "
                "list it under attachments (status: to_follow, due, responsible) to name it yourself",
                severity="warning",
            ))
    if paper.access is None:
        batch.warnings.append(problem_at(
            document, item, ("access",),
            "no access flag: the paper is treated as closed (lukket / nichtöffentlich) and kept out of public documents",
            severity="warning",
        ))
    batch.papers.append(ParsedPaper(paper, document, attachments, exported_revision))
    return problems
