"""The field reference of docs/templates.md, written from meetprep/agenda/shapes.py.

    python scripts/template_fields.py            # print it
    python scripts/template_fields.py --write    # put it into docs/templates.md
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from meetprep.agenda.shapes import shapes_markdown  # noqa: E402

DOC = ROOT / "docs" / "templates.md"
BLOCK = re.compile(r"(<!-- fields: begin \(generated\) -->\n).*?(<!-- fields: end -->)", re.S)


def with_fields(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + "\n" + shapes_markdown() + "\n" + m.group(2), text)


if __name__ == "__main__":
    if "--write" in sys.argv:
        DOC.write_text(with_fields(DOC.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"wrote the field reference into {DOC}")
    else:
        print(shapes_markdown())
