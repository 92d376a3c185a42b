"""Read a rendered .docx back: its text in document order, with paragraph styles."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph


def paragraphs(path: Path) -> list[tuple[str, str]]:
    """(style name, text) for every paragraph, table cells included, in document order."""
    document = Document(str(path))
    found: list[tuple[str, str]] = []

    def walk(parent) -> None:
        for child in parent.iter_inner_content():
            if isinstance(child, Paragraph):
                found.append((child.style.name if child.style is not None else "", child.text))
            elif isinstance(child, Table):
                for row in child.rows:
                    cells = []
                    for cell in row.cells:
                        if cell not in cells:
                            cells.append(cell)
                    found.append(("table-row", " | ".join(c.text for c in cells)))

    walk(document)
    return found


def text(path: Path) -> str:
    return "\n".join(t for _, t in paragraphs(path))
