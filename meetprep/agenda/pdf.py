"""PDF output with LibreOffice, and the public bundle with its attachments.

The documents of one folder are converted by one soffice process (far cheaper than one process
per file), with a private LibreOffice profile so that concurrent builds do not share one.
LibreOffice converts the files in the order given and writes each PDF when it is done, so the
converter watches the folder: when no document finishes within the time limit per document,
it stops LibreOffice, reports the document it was stuck on by name, and starts again with the
ones after it, which still get their PDFs. Where LibreOffice is not installed, the build goes on
without PDFs and says so.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SOFFICE_NAMES = ("soffice", "libreoffice")
# Accessible PDFs (PDF/UA-1, BITV 2.0 / EN 301 549): tagged, with the PDF/UA identification, the
# document's title shown instead of the file name, and the headings as bookmarks.
EXPORT = "pdf:writer_pdf_Export:" + json.dumps({
    "UseTaggedPDF": {"type": "boolean", "value": "true"},
    "PDFUACompliance": {"type": "boolean", "value": "true"},
    "ExportBookmarks": {"type": "boolean", "value": "true"},
    "DisplayPDFDocumentTitle": {"type": "boolean", "value": "true"},
}, separators=(",", ":"))
SECONDS_PER_DOCUMENT = 60.0
START_SECONDS = 60.0  # LibreOffice's own start (a fresh profile), on top of the first document


class PdfError(Exception):
    pass


@dataclass
class Conversion:
    """What a conversion produced: a PDF per converted document, a reason per failed one."""

    pdfs: dict[Path, Path] = field(default_factory=dict)
    failed: dict[Path, str] = field(default_factory=dict)


def soffice() -> str | None:
    return next((found for name in SOFFICE_NAMES if (found := shutil.which(name))), None)


def convert(documents: list[Path], seconds_per_document: float = SECONDS_PER_DOCUMENT) -> Conversion:
    """Convert .docx files to PDF, each beside its .docx; one soffice run per folder."""
    executable = soffice()
    if executable is None:
        raise PdfError("LibreOffice (soffice) is not installed")
    result = Conversion()
    by_folder: dict[Path, list[Path]] = {}
    for document in documents:
        by_folder.setdefault(document.parent, []).append(document)
    with tempfile.TemporaryDirectory(prefix="meetprep-lo-") as profile:
        for folder, group in by_folder.items():
            _convert_folder(executable, profile, folder, group, seconds_per_document, result)
    return result


def _target(document: Path) -> Path:
    return document.with_suffix(".pdf")


def _convert_folder(executable: str, profile: str, folder: Path, documents: list[Path], limit: float,
                    result: Conversion) -> None:
    remaining = list(documents)
    first_run = True
    before = set(folder.iterdir())
    while remaining:
        for document in remaining:
            _target(document).unlink(missing_ok=True)
        command = [executable, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--nologo",
                   "--convert-to", EXPORT, "--outdir", str(folder), *map(str, remaining)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   start_new_session=True)  # its own group: soffice starts soffice.bin
        seen = 0  # how many of the documents have a PDF (finished, or being written)
        allowance = limit + (START_SECONDS if first_run else 0)
        last_progress = time.monotonic()
        stuck = False
        while process.poll() is None:
            time.sleep(0.05)
            written = sum(1 for d in remaining if _target(d).exists())
            if written > seen:
                seen, last_progress, allowance = written, time.monotonic(), limit
            if time.monotonic() - last_progress > allowance:
                stuck = True
                _stop(process)
                _remove_leftovers(folder, before)
                break
        output = process.stdout.read() if process.stdout else ""
        first_run = False
        if not stuck:
            missing = []
            for document in remaining:
                if _target(document).is_file():
                    result.pdfs[document] = _target(document)
                else:
                    missing.append(document)
            for document in missing:
                result.failed[document] = f"LibreOffice wrote no PDF ({output.strip()[-300:] or 'no message'})"
            return
        # The documents before the last PDF are done; the last PDF is done if it is whole, and then
        # LibreOffice was stuck on the document after it.
        done = max(seen - 1, 0)
        if seen and _complete(_target(remaining[seen - 1])):
            done = seen
        for document in remaining[:done]:
            result.pdfs[document] = _target(document)
        if done == len(remaining):
            return
        culprit = remaining[done]
        _target(culprit).unlink(missing_ok=True)  # a half-written PDF is worse than none
        result.failed[culprit] = f"LibreOffice did not finish it within {limit:.0f} s"
        remaining = remaining[done + 1:]


def _remove_leftovers(folder: Path, before: set[Path]) -> None:
    """What a killed LibreOffice leaves beside its output: lock files (.~lock.NAME#, which make the
    next conversion of NAME fail) and its temporary files."""
    for path in set(folder.iterdir()) - before:
        if path.name.startswith(".~lock.") or (path.suffix == ".tmp" and path.name.startswith("lu")):
            path.unlink(missing_ok=True)


def _complete(path: Path) -> bool:
    """Whether a PDF file is whole: it ends with its end-of-file marker."""
    try:
        with path.open("rb") as handle:
            handle.seek(max(path.stat().st_size - 1024, 0))
            return b"%%EOF" in handle.read()
    except OSError:
        return False


def _stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def bundle(main: Path, main_title: str, attachments: list[tuple[str, Path]], target: Path) -> Path:
    """One PDF: the main document, then each attachment, with a bookmark for each part."""
    from pypdf import PdfReader, PdfWriter  # deferred: see docs/architecture.md

    writer = PdfWriter()
    for title, path in [(main_title, main), *attachments]:
        start = len(writer.pages)
        writer.append(PdfReader(str(path)))
        writer.add_outline_item(title=title, page_number=start)
    with target.open("wb") as handle:
        writer.write(handle)
    return target
