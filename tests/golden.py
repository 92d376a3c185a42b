"""Golden files: the reader-visible text of real output, kept under tests/golden/ and reviewed as
diffs. A change to an invitation or a document's text that no assertion names still shows here.

    scripts/test.sh -k golden --update-golden     # write the files anew, then review `git diff`

What differs between any two runs is masked: the moment of stamping (DTSTAMP, LAST-MODIFIED),
MIME boundaries, content hashes and random tokens, the run's temporary folder.
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
sys.path.insert(0, str(ROOT / "scripts"))
from compare_demo import docx_text, eml_text  # noqa: E402

sys.path.remove(str(ROOT / "scripts"))

MASKS = [
    (re.compile(r"^(DTSTAMP|LAST-MODIFIED|CREATED)([;:]).*$", re.M), r"\1\2<stamped>"),
    (re.compile(r"boundary=\"?[^\";\s]+\"?"), "boundary=<boundary>"),
    (re.compile(r"[0-9a-f]{16,64}"), "<hex>"),
]


def readable(path: Path, root: Path) -> str:
    """The text a reader sees in a .docx, .eml or .ics (unfolded), with run-specific values masked."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        text = docx_text(path)
    elif suffix == ".eml":
        text = eml_text(path)
    else:
        text = path.read_text(encoding="utf-8")
    text = re.sub(r"\r?\n[ \t]", "", text.replace("\r\n", "\n"))  # iCalendar folding (RFC 5545, 3.1)
    text = text.replace(str(root), "<out>")
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text.rstrip("\n") + "\n"


def check(name: str, actual: str, update: bool) -> None:
    """Compare with tests/golden/<name>, or write it when `update` (--update-golden)."""
    path = GOLDEN / name
    if update or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        if not update:
            raise AssertionError(f"{path} did not exist: written now; review it and run again")
        return
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                                            f"golden/{name}", "now", n=2))
        raise AssertionError(f"output differs from tests/golden/{name} (if intended: --update-golden, review the "
                             f"diff, commit):\n{diff}")
