"""The Word documents of an agenda version: which documents a draft has (agenda, minutes, one
per paper, in the members' and the public variant), their file names, rendering them all, and
their PDFs.

Templates are data: `templates/<locale>/<kind>.docx`, edited in Word or LibreOffice and rendered
by meetprep.agenda.rendering; what they receive is built by meetprep.agenda.contexts, and the
public variant fails closed there.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from meetprep.agenda.contexts import MEMBERS, PUBLIC, agenda_context, closed_details, minutes_context, paper_context
from meetprep.agenda.markup import clean
from meetprep.agenda.numbering import access_of
from meetprep.agenda.rendering import render_docx, template_path
from meetprep.filecheck import sha256_of
from meetprep.i18n import catalogue
from meetprep.agenda import pdf

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
AGENDA_KINDS = ("dagsorden", "tagesordnung", "referat", "niederschrift")
PAPER_KINDS = ("indstilling", "vorlage")


_TRANSLITERATE = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa", "ä": "ae",
                                "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def slug(text: str) -> str:
    """A file-name-safe form: ASCII (øu -> oeu), letters, digits, dot, dash and underscore."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text.translate(_TRANSLITERATE)).strip("-")


def planned_documents(draft: Any) -> list[dict[str, Any]]:
    """Which files a draft turns into: kind, variant, file name and (for paper documents) the paper."""
    words = catalogue(draft.body["locale"])
    committee = slug(draft.committee.get("short_name") or draft.committee["key"]).lower()
    day = draft.meeting["start"][:10]
    planned = []
    for kind in draft.documents:
        name = slug(words.text(f"documents.{kind}")).lower()
        if kind in AGENDA_KINDS:
            for variant in (MEMBERS, PUBLIC):
                label = words.text("labels.public_variant" if variant == PUBLIC else "labels.members_variant")
                planned.append({"kind": kind, "variant": variant, "reference": None,
                                "file": f"{name}-{committee}-{day}-{label}.docx"})
        else:
            for entry in draft.entries:
                if entry["kind"] != "paper" or entry["withdrawn"] or entry["reference"] not in draft.papers:
                    continue
                paper = draft.papers[entry["reference"]]
                # A public paper's document is public; where it has closed details, members get
                # their own copy with them (same name, in the members' folder).
                if access_of(paper["access"]) != "public":
                    variants = [MEMBERS]
                else:
                    variants = [PUBLIC, MEMBERS] if closed_details(paper) else [PUBLIC]
                for variant in variants:
                    planned.append({"kind": kind, "variant": variant, "reference": entry["reference"],
                                    "file": f"{name}-{slug(entry['reference'])}.docx"})
    return planned


def variant_folder(variant: str) -> str:
    """Where a variant's files live in a version folder: public/ may be published as it is."""
    return "public" if variant == PUBLIC else "members"


MINUTES_KINDS = ("referat", "niederschrift")


def render_all(draft: Any, templates_dir: Path, target: Path, minutes: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Render every document of the draft into `target`; returns what was written.

    `minutes` (what was decided, see meetprep.minutes) is needed for a referat / Niederschrift.
    """
    written = []
    for plan in planned_documents(draft):
        template = template_path(templates_dir, draft.body["locale"], plan["kind"])
        if plan["kind"] in MINUTES_KINDS:
            context = minutes_context(draft, minutes or {"decisions": {}, "started": "", "ended": "", "signatures": []},
                                      plan["variant"], plan["kind"])
        elif plan["reference"] is None:
            context = agenda_context(draft, plan["variant"], plan["kind"])
        else:
            context = paper_context(draft, plan["reference"], plan["kind"], plan["variant"])
        path = target / variant_folder(plan["variant"]) / plan["file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        data = render_docx(template, context)
        path.write_bytes(data)
        written.append(_file_entry(plan["kind"], plan["variant"], plan["reference"], path, DOCX, data))
    return written


def add_pdfs(draft: Any, written: list[dict[str, Any]], seconds_per_document: float | None = None
             ) -> tuple[list[dict[str, Any]], list[str]]:
    """Accessible (tagged, PDF/UA) PDFs of every written document, each beside its .docx; where the
    body wants it (`public_bundle`), the public agenda bundled with the public attachments.

    Returns the new file entries and notes: LibreOffice missing, a document that did not convert
    (by name; the others still get their PDFs), an attachment left out of the bundle and why.
    """

    if pdf.soffice() is None:
        return [], ["LibreOffice is not installed: no PDFs were written"]
    limit = seconds_per_document or pdf.SECONDS_PER_DOCUMENT
    conversion = pdf.convert([Path(item["path"]) for item in written], limit)
    notes = [f"no PDF of {source.name}: {reason}" for source, reason in conversion.failed.items()]
    added = []
    public_agenda = None
    for item in written:
        converted = conversion.pdfs.get(Path(item["path"]))
        if converted is None:
            continue
        added.append(_file_entry(item["kind"], item["variant"], item["reference"], converted, "application/pdf"))
        if public_agenda is None and item["variant"] == PUBLIC and item["kind"] in AGENDA_KINDS:
            public_agenda = converted
    if not draft.body.get("public_bundle"):
        return added, notes
    attachments, left_out = _public_pdf_attachments(draft)
    notes += left_out
    if public_agenda is not None and attachments:
        words = catalogue(draft.body["locale"])
        target_path = public_agenda.with_name(public_agenda.stem + "-" + slug(words.text("labels.attachments")).lower() + ".pdf")
        try:
            pdf.bundle(public_agenda, words.text(f"documents.{draft.documents[0]}"), attachments, target_path)
        except Exception as exc:  # pypdf on a file it cannot read: the documents themselves are still good
            target_path.unlink(missing_ok=True)
            notes.append(f"no bundle of the public agenda with its attachments: {type(exc).__name__}: {exc}")
        else:
            added.append(_file_entry("bundle", PUBLIC, None, target_path, "application/pdf"))
    return added, notes


def _public_pdf_attachments(draft: Any) -> tuple[list[tuple[str, Path]], list[str]]:
    """Attachments of public papers that are public, present and PDF, in agenda order, each still the
    file that was checked at import (same SHA-256); and a note for each one left out."""
    found, notes = [], []
    for entry in draft.entries:
        paper = draft.papers.get(entry["reference"]) if entry["kind"] == "paper" else None
        if paper is None or entry["withdrawn"] or access_of(paper["access"]) != "public":
            continue
        for f in paper["files"]:
            path = Path(f["path"]) if f.get("path") else None
            if not (access_of(f["access"]) == "public" and f["status"] == "present" and path is not None
                    and f.get("media_type") == "application/pdf"):
                continue
            if not path.is_file() or path.is_symlink() or sha256_of(path) != f.get("sha256"):
                notes.append(f"attachment \u201c{clean(f['title'])}\u201d of {entry['reference']} is left out of the "
                             "public bundle: its file is gone or changed since it was imported (import it again)")
                continue
            found.append((f"{entry['number']} {clean(f['title'])}", path))
    return found, notes


def _file_entry(kind: str, variant: str, reference: str | None, path: Path, media_type: str,
                data: bytes | None = None) -> dict[str, Any]:
    data = path.read_bytes() if data is None else data
    return {"kind": kind, "variant": variant, "reference": reference, "path": str(path), "media_type": media_type,
            "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
