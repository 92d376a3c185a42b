"""The little markup of input prose: paragraphs, '- ' bullets, '1.' numbered points and *emphasis*,
turned into blocks for Word (docxtpl RichText) and for the web pages; text cleaned of what XML forbids."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

BOX_CHECKED, BOX_EMPTY = "\u2612", "\u2610"  # ☒ ☐


# XML 1.0 forbids most control characters; docxtpl turns \a, \f and \t in values into
# paragraph breaks, page breaks and tabs. Input text keeps only its line breaks.
_ILLEGAL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")


_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")


_BULLET = re.compile(r"^[-•–*]\s+(.*)$")


_NUMBERED = re.compile(r"^(\d{1,3})[.)]\s+(.*)$")


def clean(text: Any) -> str:
    if text is None:
        return ""
    return _ILLEGAL.sub("", str(text).replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n"))


@dataclass(frozen=True)
class Block:
    """A paragraph of section text: plain, a bullet list item or a numbered list item."""

    kind: str  # "paragraph", "bullet" or "number"
    text: str
    marker: str = ""

    def as_context(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "marker": self.marker, "rich": rich(self.text)}


def text_blocks(text: str | None) -> list[Block]:
    """Split light markup into blocks: blank lines end paragraphs, "- " and "1. " start list items."""
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block("paragraph", " ".join(paragraph)))
            paragraph.clear()

    for line in clean(text).split("\n"):
        stripped = line.strip()
        if not stripped:
            flush()
        elif match := _BULLET.match(stripped):
            flush()
            blocks.append(Block("bullet", match.group(1)))
        elif match := _NUMBERED.match(stripped):
            flush()
            blocks.append(Block("number", match.group(2), marker=f"{match.group(1)}."))
        else:
            paragraph.append(stripped)
    flush()
    return blocks


def rich(text: str):
    """A docxtpl RichText of `text`, with *emphasis* in italics; RichText escapes the text."""
    from docxtpl import RichText  # deferred: see docs/architecture.md

    value = RichText()
    position = 0
    for match in _EMPHASIS.finditer(text):
        if match.start() > position:
            value.add(text[position : match.start()])
        value.add(match.group(1), italic=True)
        position = match.end()
    if position < len(text) or not text:
        value.add(text[position:])
    return value
