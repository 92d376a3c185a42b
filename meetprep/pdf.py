"""PDF output with LibreOffice, and the public bundle with its attachments.

All documents of a build are converted by one soffice process (far cheaper than one process
per file), with a private LibreOffice profile so that concurrent builds do not share one.
Where LibreOffice is not installed, the build goes on without PDFs and says so.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

SOFFICE_NAMES = ("soffice", "libreoffice")


class PdfError(Exception):
    pass


def soffice() -> str | None:
    return next((found for name in SOFFICE_NAMES if (found := shutil.which(name))), None)


def convert(documents: list[Path], outdir: Path, timeout: float = 600) -> list[Path]:
    """Convert .docx files to PDF in one soffice run; returns the PDFs in the same order."""
    executable = soffice()
    if executable is None:
        raise PdfError("LibreOffice (soffice) is not installed")
    if not documents:
        return []
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="meetprep-lo-") as profile:
        command = [
            executable, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--nologo",
            "--convert-to", "pdf", "--outdir", str(outdir), *map(str, documents),
        ]
        try:
            completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise PdfError(f"LibreOffice did not finish converting {len(documents)} documents in {timeout:.0f} s") from None
    pdfs = [outdir / (doc.stem + ".pdf") for doc in documents]
    missing = [p.name for p in pdfs if not p.is_file()]
    if missing:
        raise PdfError(f"LibreOffice did not write {', '.join(missing)}: {completed.stderr.strip() or completed.stdout.strip()}")
    return pdfs


def bundle(main: Path, main_title: str, attachments: list[tuple[str, Path]], target: Path) -> Path:
    """One PDF: the main document, then each attachment, with a bookmark for each part."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for title, path in [(main_title, main), *attachments]:
        start = len(writer.pages)
        writer.append(PdfReader(str(path)))
        writer.add_outline_item(title=title, page_number=start)
    with target.open("wb") as handle:
        writer.write(handle)
    return target
