"""The stamp of a paper's Word document: what the system owns, and the paper as it was exported.

The stamp is one paragraph of hidden text at the end of the document (Word and LibreOffice keep
hidden text through any number of saves; LibreOffice drops custom document properties). It says
which paper the document is (body, reference, type), which revision it was exported from (none
for a kit), what the system owns (access, unit, Beratungsfolge, ...: shown read-only in the
document's head, and taken from here on import, never from the text), and the author's parts as
they were exported, so that an import of an unedited document changes nothing even where Word
wrote the same text in other characters (a line break for a space, a list for "- ").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

MARK = "meetprep-paper:"
VERSION = 1

# What the author writes in Word; everything else of a paper is the system's.
AUTHOR_FIELDS = ("title", "sections", "proposal", "financial", "climate", "attachments")


@dataclass
class Stamp:
    body: str
    reference: str
    type: str
    revision: int | None  # None: a kit, no revision stored yet
    owned: dict[str, Any]  # access, date, originator, file_number, consultations, related, amends, ...
    exported: dict[str, Any] = field(default_factory=dict)  # the AUTHOR_FIELDS as exported
    mandatory: list[str] = field(default_factory=list)  # section headings that must not stay empty
    files: list[dict[str, Any]] = field(default_factory=list)  # the stored file of each exported attachment

    def encode(self) -> str:
        data = {"v": VERSION, "body": self.body, "reference": self.reference, "type": self.type,
                "revision": self.revision, "owned": self.owned, "exported": self.exported,
                "mandatory": self.mandatory, "files": self.files}
        return MARK + json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)


def decode(text: str) -> Stamp | None:
    """The stamp in a paragraph's text, or None if the text is not one (or is damaged)."""
    start = text.find(MARK)
    if start < 0:
        return None
    try:
        data = json.loads(text[start + len(MARK):])
        return Stamp(body=str(data["body"]), reference=str(data["reference"]), type=str(data["type"]),
                     revision=data.get("revision"), owned=dict(data.get("owned") or {}),
                     exported=dict(data.get("exported") or {}), mandatory=list(data.get("mandatory") or []),
                     files=list(data.get("files") or []))
    except (ValueError, KeyError, TypeError):
        return None
