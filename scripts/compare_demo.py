"""Compare two `meetprep demo` output folders by what a reader sees, not by bytes.

    python scripts/compare_demo.py BEFORE AFTER        exit 0 when they say the same

Used to show that a refactoring changed no behaviour: the same files, the same text inside every
.docx, the same headers and parts of every message, the same calendar entries, the same public
pages and OParl objects. What differs between any two runs is masked first: timestamps (ISO,
iCalendar and mail dates), Message-IDs, MIME boundaries, random feed tokens, the temporary folder
names of the two runs. PDFs and caches are compared by their presence only (LibreOffice writes a
new creation date and document id into each).
"""

from __future__ import annotations

import email
import json
import re
import sys
import zipfile
from email import policy
from pathlib import Path

MASKS = [
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?"), "<datetime>"),
    (re.compile(r"\b\d{8}T\d{6}Z?\b"), "<ical-datetime>"),
    (re.compile(r"<[^<>@\s]+@[^<>\s]+>"), "<message-id>"),
    (re.compile(r"=+_?[0-9]{10,}=*|===============\d+=="), "<boundary>"),
    (re.compile(r"boundary=\"?[^\";\s]+\"?"), "boundary=<boundary>"),
    (re.compile(r"[0-9a-f]{32,64}"), "<hex>"),
    (re.compile(r"/tmp/[^\s\"'<>]*?/demo"), "<out>"),
    (re.compile(r"build-[a-z0-9_]{6,}"), "build-<tmp>"),
]
SKIPPED_SUFFIXES = {".pdf", ".pickle", ".sqlite3", ".log", ".lock", ".sock"}
SKIPPED_PARTS = {"cache", "logs"}


def mask(text: str, root: Path) -> str:
    text = text.replace(str(root), "<out>")
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        parts = sorted(n for n in archive.namelist() if re.match(r"word/(document|header\d*|footer\d*)\.xml$", n))
        out = []
        for name in parts:
            xml = archive.read(name).decode("utf-8")
            for paragraph in re.findall(r"<w:p[ >].*?</w:p>", xml, flags=re.S):
                out.append("".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", paragraph)))
        return "\n".join(out)


def eml_text(path: Path) -> str:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    out = []
    for part in message.walk():
        for key in ("From", "To", "Cc", "Subject", "Content-Type", "Content-Disposition"):
            if part[key] is not None:
                out.append(f"{key}: {part[key]}")
        if not part.is_multipart():
            payload = part.get_payload(decode=True) or b""
            kind = part.get_content_type()
            if kind.startswith("text/"):
                out.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
            elif kind.endswith("wordprocessingml.document"):
                out.append(f"<docx {len(payload) > 0}>")
            else:
                out.append(f"<{kind}>")
    return "\n".join(out)


def normalise(path: Path, root: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return mask(docx_text(path), root)
    if suffix == ".eml":
        return mask(eml_text(path), root)
    text = path.read_bytes().decode("utf-8", "replace")
    if suffix == ".json":
        try:
            text = json.dumps(json.loads(text), sort_keys=True, indent=1, ensure_ascii=False)
        except ValueError:
            pass
    return mask(text, root)


def listing(root: Path) -> dict[str, Path]:
    files = {}
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if path.is_file() and not SKIPPED_PARTS & set(relative.parts):
            name = mask(str(relative), root)
            if "personal-feeds" in relative.parts:  # named by a random token: name them by their owner
                owner = re.search(r"^X-WR-CALNAME:(.*)$", path.read_text(encoding="utf-8"), flags=re.M)
                name = f"{name} ({owner.group(1).strip() if owner else '?'})"
            files[name] = path
    return files


def compare(before: Path, after: Path) -> list[str]:
    a, b = listing(before), listing(after)
    differences = [f"only in {before}: {name}" for name in sorted(set(a) - set(b))]
    differences += [f"only in {after}: {name}" for name in sorted(set(b) - set(a))]
    for name in sorted(set(a) & set(b)):
        if a[name].suffix.lower() in SKIPPED_SUFFIXES:
            continue
        left, right = normalise(a[name], before), normalise(b[name], after)
        if left != right:
            first = next(i for i, (x, y) in enumerate(zip(left.splitlines() + [""], right.splitlines() + [""])) if x != y)
            differences.append(f"differs: {name} (line {first + 1}: {left.splitlines()[first:first + 1]} vs "
                               f"{right.splitlines()[first:first + 1]})")
    return differences


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    before, after = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    differences = compare(before, after)
    for line in differences:
        print(line)
    print(f"{len(listing(before))} files compared, {len(differences)} difference(s)")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
