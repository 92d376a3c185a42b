"""Building a meeting's agenda against the store: select, plan, check, record.

`prepare` reads everything a build needs in one transaction and returns a `Draft` of plain
data (the pure planning happens in `meetprep.agenda`); `meetprep.documents` renders it; `record`
writes the new version, its documents and the consultation steps it schedules in one
transaction. A rebuild whose inputs did not change records nothing and reports "unchanged".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from meetprep.agenda import documents, rendering
from meetprep.agenda.documents import MEMBERS, PUBLIC, variant_folder
from meetprep.agenda.draft import AgendaRequest, BuildResult, Draft, _bad_request, find_meeting, prepare
from meetprep.agenda.listing import OPEN_STATUSES
from meetprep.config import Configs
from meetprep.folders import staging, write_atomically
from meetprep.model import ConsultationStatus, MeetingState
from meetprep.steps import Step, direct
from meetprep.store import (
    AgendaRow,
    AgendaVersionRow,
    ConsultationRow,
    DocumentRow,
    MeetingRow,
    PaperRow,
    Store,
)


def checksum(draft: Draft, template_hashes: dict[str, str]) -> str:
    data = {"content": draft.content(), "templates": template_hashes}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def output_folder(root: Path, draft: Draft, version: int) -> Path:
    return root / draft.body["key"] / draft.committee["key"] / draft.meeting["key"] / f"v{version}"


def record(store: Store, draft: Draft, digest: str, staged: list[dict[str, Any]], output_root: Path,
           now: dt.datetime) -> BuildResult:
    """Write the new version: move the staged files into place, then record everything at once.

    The version folder holds `members/` (the members' variants and the full manifest) and
    `public/` (the public variants, the bundle and a manifest of public data only), so that the
    public folder can be published as it is.

    Two builds of the same meeting racing each other meet at the unique (agenda, version)
    constraint: the loser finds the winner's version and reports it, when it has the same
    checksum, instead of writing a second one.
    """
    result = BuildResult(draft.body["key"], draft.committee["key"], draft.meeting["key"], draft.previous_version,
                         "unchanged", None, draft.entries, draft.problems)
    if draft.previous_checksum == digest:
        return _describe_existing(store, draft, result)
    version = draft.previous_version + 1
    folder = output_folder(output_root, draft, version)
    try:
        # The body's write lock: a concurrent build of the same meeting waits here, then sees our
        # version; an import waits too, so that neither overwrites the steps the other scheduled.
        with store.writing(f"body:{draft.body['key']}") as session:
            meeting = session.get(MeetingRow, draft.meeting["id"])
            row = session.execute(select(AgendaRow).where(AgendaRow.meeting_id == meeting.id)).scalar_one_or_none()
            if row is None:
                row = AgendaRow(meeting_id=meeting.id, current_version=0, created_at=now, updated_at=now)
                session.add(row)
                session.flush()
            if row.current_version != draft.previous_version:
                raise _Raced()
            if folder.exists():  # left by a run killed before it committed this version: not a version
                shutil.rmtree(folder)
            documents = []
            for item in staged:
                target = folder / variant_folder(item["variant"]) / Path(item["path"]).name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(item["path"]), target)
                documents.append({**item, "path": str(target)})
            _write_manifests(folder, draft, version, digest, documents, now)
            row_version = AgendaVersionRow(version=version, checksum=digest, entries=draft.entries,
                                           problems=draft.problems, as_of=draft.request.as_of,
                                           output_dir=str(folder), created_at=now, papers=paper_summary(draft),
                                           meeting_sequence=draft.meeting["sequence"])
            row.versions.append(row_version)
            row.current_version = version
            row.updated_at = now
            # Only the papers of this agenda: a build's cost must not grow with the store's history.
            references = sorted({item["reference"] for item in documents if item.get("reference")})
            paper_ids = dict(session.execute(
                select(PaperRow.reference, PaperRow.id).where(PaperRow.body_id == meeting.body_id,
                                                              PaperRow.reference.in_(references))).all()) if references else {}
            for item in documents:
                row_version.documents.append(DocumentRow(
                    kind=item["kind"], variant=item["variant"], paper_id=paper_ids.get(item.get("reference")),
                    path=item["path"], media_type=item["media_type"], sha256=item["sha256"], size=item["size"]))
            _schedule_steps(session, meeting, draft)
            if meeting.state == MeetingState.planned.value:
                meeting.state = MeetingState.agenda_built.value
                meeting.updated_at = now
    except (_Raced, IntegrityError):
        return _describe_existing(store, draft, result)
    result.version, result.action, result.output_dir = version, "created", str(folder)
    result.documents = [_public_doc(d) for d in documents]
    return result


class _Raced(Exception):
    pass


def _public_doc(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in ("kind", "variant", "reference", "path", "media_type", "sha256", "size") if k in item}


def _describe_existing(store: Store, draft: Draft, result: BuildResult) -> BuildResult:
    with store.session() as session:
        row = session.execute(select(AgendaRow).where(AgendaRow.meeting_id == draft.meeting["id"])).scalar_one()
        latest = row.versions[-1]
        result.version, result.output_dir = latest.version, latest.output_dir
        result.entries = latest.entries
        result.documents = [
            {"kind": d.kind, "variant": d.variant, "path": d.path, "media_type": d.media_type, "sha256": d.sha256,
             "size": d.size} for d in latest.documents]
    return result


def _schedule_steps(session: Session, meeting: MeetingRow, draft: Draft) -> None:
    """Papers on the agenda are scheduled for this meeting; papers that left it are pending again."""
    on_agenda = {e["reference"] for e in draft.entries if e["kind"] == "paper" and not e["withdrawn"]}
    # only the steps of papers on this agenda and those this meeting held before: the
    # committee's other pending papers (all of next year's, after an import) are not read
    steps = session.execute(
        select(ConsultationRow, PaperRow.reference).join(PaperRow).where(
            ConsultationRow.organization_id == meeting.organization_id,
            ConsultationRow.status.in_(OPEN_STATUSES),
            PaperRow.body_id == meeting.body_id,
            or_(PaperRow.reference.in_(on_agenda), ConsultationRow.meeting_id == meeting.id))
    ).all()
    current_position = {
        reference: next((c["position"] for c in paper["consultations"] if c["current"]), None)
        for reference, paper in draft.papers.items()
    }
    for step, reference in steps:
        if reference in on_agenda and current_position.get(reference) == step.position:
            step.status, step.meeting_id = ConsultationStatus.scheduled.value, meeting.id
        elif step.meeting_id == meeting.id:
            step.status, step.meeting_id = ConsultationStatus.pending.value, None


def paper_summary(draft: Draft) -> dict[str, Any]:
    """What each paper on the agenda was in this version: its revision and its attachments."""
    return {reference: {"revision": paper["revision"], "access": paper["access"],
                        "files": [{"title": f["title"], "status": f["status"], "access": f["access"],
                                   "sha256": f["sha256"], "path": f["path"], "media_type": f["media_type"]}
                                  for f in paper["files"]]}
            for reference, paper in draft.papers.items()}


def _write_manifests(folder: Path, draft: Draft, version: int, digest: str, documents: list[dict[str, Any]],
                     now: dt.datetime) -> None:
    """The full manifest beside the members' files; beside the public files one of public data only."""
    head = {"body": draft.body["key"], "committee": draft.committee["key"], "meeting": draft.meeting["key"],
            "version": version, "built_at": now.isoformat()}

    def listed(items: list[dict[str, Any]], relative_to: Path) -> list[dict[str, Any]]:
        return [{"file": str(Path(d["path"]).relative_to(relative_to)), "kind": d["kind"], "variant": d["variant"],
                 "reference": d.get("reference"), "media_type": d["media_type"], "sha256": d["sha256"],
                 "size": d["size"]} for d in items]

    full = {**head, "checksum": digest, "as_of": draft.request.as_of.isoformat(),
            "files": listed(documents, folder), "problems": draft.problems}
    public_folder = folder / variant_folder(PUBLIC)
    public = {**head, "files": listed([d for d in documents if d["variant"] == PUBLIC], public_folder)}
    for path, data in ((folder / variant_folder(MEMBERS) / "manifest.json", full),
                       (public_folder / "manifest.json", public)):
        write_atomically(path, json.dumps(data, ensure_ascii=False, indent=2).encode())


def run(store: Store, configs: Configs, request: AgendaRequest, templates_dir: Path, output_root: Path,
        now: dt.datetime, pdf: bool = True, pdf_seconds: float | None = None,
        step: Step = direct) -> tuple[BuildResult, list[str]]:
    """The whole build: plan, render, convert, record. Returns the result and notes. Publishes nothing
    (meetprep.jobs.agenda does, after it). `step` runs each step: directly, or as a Prefect task
    where a flow passes its runner."""
    notes: list[str] = []
    draft, digest = step("plan-agenda", plan, store, configs, request, templates_dir)
    if digest == draft.previous_checksum:
        return step("record-version", record, store, draft, digest, [], output_root, now), notes
    # Staged next to the output (moving the files into place is a rename), in a folder that the
    # next build removes if this process is killed before it is done.
    with staging(output_root, prefix="build-") as folder:
        written = step("render-documents", documents.render_all, draft, templates_dir, folder)
        if pdf:
            added, more = step("convert-to-pdf", documents.add_pdfs, draft, written, pdf_seconds)
            written = written + added
            notes += more
        return step("record-version", record, store, draft, digest, written, output_root, now), notes


def plan(store: Store, configs: Configs, request: AgendaRequest, templates_dir: Path) -> tuple[Draft, str]:
    """Read the store, plan the version and its checksum (the templates' included). Writes nothing."""
    draft = prepare(store, configs, request)
    return draft, checksum(draft, rendering.template_hashes(templates_dir, draft.body["locale"], draft.documents))


def approve(store: Store, configs: Configs, request: AgendaRequest, now: dt.datetime) -> int:
    """Approve the current version of a meeting's agenda (for bodies that want approval). Returns it."""
    with store.writing(f"body:{request.body}") as session:
        _, meeting = find_meeting(session, configs, request)
        row = session.execute(select(AgendaRow).where(AgendaRow.meeting_id == meeting.id)).scalar_one_or_none()
        if row is None or row.current_version == 0:
            raise _bad_request("agenda", f"the agenda of {meeting.key} has not been built yet")
        row.approved_version, row.updated_at = row.current_version, now
        return row.current_version


def approval_state(store: Store, configs: Configs, request: AgendaRequest) -> dict[str, Any]:
    """Whether the committee wants approval, and which agenda version is current and approved."""
    with store.session() as session:
        config, meeting = find_meeting(session, configs, request)
        row = session.execute(select(AgendaRow).where(AgendaRow.meeting_id == meeting.id)).scalar_one_or_none()
        return {"required": config.organization(request.committee).agenda.approval_required,
                "meeting": meeting.key,
                "current": row.current_version if row else 0,
                "approved": row.approved_version if row else None,
                "output_dir": row.versions[-1].output_dir if row and row.versions else None}
