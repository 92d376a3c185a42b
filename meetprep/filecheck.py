"""Is a file what it claims to be? Checked by content, before it reaches a build or a message.

An attachment is accepted only as a type the body allows, within the body's size limit, not
empty, and readable as that type: a PDF must open as a PDF (and not need a password), a Word,
Excel or OpenDocument file must be a ZIP package holding that format's main part (and not
unpack to far more than its size), an old Office file must start as one, an image must carry
its format's signature. A program renamed to `.pdf` is refused here, not by LibreOffice later.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "txt": "text/plain",
    "csv": "text/csv",
}
OOXML_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
SIGNATURES = {"doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
              "png": b"\x89PNG\r\n\x1a\n", "jpg": b"\xff\xd8\xff", "jpeg": b"\xff\xd8\xff"}
PROGRAMS = [b"\x7fELF", b"MZ", b"#!", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe"]  # ELF, Windows, script, Mach-O
UNPACKED_FACTOR = 50  # a document unpacks to a few times its size; a ZIP bomb to thousands


class NotAccepted(Exception):
    """The file cannot be used as an attachment; the message says why, for a clerk."""

    def __init__(self, message: str, expected: str | None = None, found: str | None = None):
        super().__init__(message)
        self.message, self.expected, self.found = message, expected, found


@dataclass(frozen=True)
class Checked:
    sha256: str
    size: int
    media_type: str
    kind: str  # the file type: pdf, docx, ...


def inspect(path: Path, allowed: list[str], max_bytes: int, declared_media_type: str | None = None) -> Checked:
    """Check `path` as an attachment; raises NotAccepted with the reason."""
    kind = path.suffix.lower().lstrip(".")
    if kind not in allowed:
        raise NotAccepted("this type of file is not accepted as an attachment", expected=", ".join(allowed),
                          found=f".{kind}" if kind else "no file extension")
    size = path.stat().st_size
    if size == 0:
        raise NotAccepted("the file is empty")
    if size > max_bytes:
        raise NotAccepted("the file is larger than the body accepts (body.attachment_max_mb)",
                          expected=f"at most {max_bytes:,} bytes", found=f"{size:,} bytes")
    media_type = MEDIA_TYPES.get(kind, "application/octet-stream")
    if declared_media_type and declared_media_type.split(";")[0].strip().lower() != media_type:
        raise NotAccepted(f"media_type does not match the file (.{kind} is {media_type})",
                          expected=media_type, found=declared_media_type)
    with path.open("rb") as handle:
        head = handle.read(16)
    _check_content(path, kind, head, size)
    return Checked(sha256_of(path), size, media_type, kind)


def _check_content(path: Path, kind: str, head: bytes, size: int) -> None:
    claimed = f"the file is named .{kind} but its content is not a {kind.upper()} file"
    if kind == "pdf":
        if not head.startswith(b"%PDF-"):
            raise NotAccepted(claimed, found=_describe(head))
        _check_pdf(path)
    elif kind in OOXML_PART or kind in ("odt", "ods"):
        if not head.startswith(b"PK\x03\x04"):
            raise NotAccepted(claimed, found=_describe(head))
        _check_package(path, kind, size)
    elif kind in SIGNATURES:
        if not head.startswith(SIGNATURES[kind]):
            raise NotAccepted(claimed, found=_describe(head))
    elif any(head.startswith(signature) for signature in PROGRAMS):
        raise NotAccepted(f"the file is named .{kind} but it is a program", found=_describe(head))


def _check_pdf(path: Path) -> None:
    from pypdf import PdfReader  # deferred: see docs/architecture.md
    from pypdf.errors import PyPdfError  # deferred: see docs/architecture.md
    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            raise NotAccepted("the PDF is protected by a password: it cannot be bundled or published; "
                              "save it without one")
        if len(reader.pages) == 0:
            raise NotAccepted("the PDF has no pages")
    except NotAccepted:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise NotAccepted(f"the file does not open as a PDF ({type(exc).__name__}: {exc})") from None


def _check_package(path: Path, kind: str, size: int) -> None:
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            unpacked = sum(info.file_size for info in package.infolist())
            if unpacked > max(size, 1 << 20) * UNPACKED_FACTOR:
                raise NotAccepted(f"the file would unpack to {unpacked:,} bytes, far more than a document does")
            if kind in OOXML_PART:
                if "[Content_Types].xml" not in names or OOXML_PART[kind] not in names:
                    raise NotAccepted(f"the file is a ZIP archive but not a .{kind} document "
                                      f"(no {OOXML_PART[kind]} in it)")
            else:
                expected = MEDIA_TYPES[kind]
                found = package.read("mimetype").decode("ascii", "replace").strip() if "mimetype" in names else None
                if found != expected:
                    raise NotAccepted(f"the file is a ZIP archive but not a .{kind} document", expected=expected,
                                      found=found or "no mimetype entry")
    except zipfile.BadZipFile as exc:
        raise NotAccepted(f"the file does not open as a .{kind} document ({exc})") from None


def _describe(head: bytes) -> str:
    if any(head.startswith(signature) for signature in PROGRAMS):
        return "a program"
    return "content starting " + repr(head[:8])


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()
