"""What a paper's Word document shows and both its writer and its reader need: the head of what
the system owns, the tick boxes, the list-line pattern of the input's markup."""

from __future__ import annotations

import re
from typing import Any

from meetprep.authoring.stamp import AUTHOR_FIELDS, Stamp
from meetprep.i18n import Catalogue
from meetprep.model import BodyConfig, Paper

BOXES = ("\u2610", "\u2612")  # ☐ ☒


def owned_part(paper: Paper) -> dict[str, Any]:
    """What the system owns of a paper: everything but the author's parts."""
    data = paper.model_dump(mode="json", by_alias=True, exclude_none=True)
    return {k: v for k, v in data.items() if k not in AUTHOR_FIELDS and k not in ("body", "reference", "type")}


def author_part(paper: Paper) -> dict[str, Any]:
    data = paper.model_dump(mode="json", by_alias=True, exclude_none=True)
    return {k: data[k] for k in AUTHOR_FIELDS if k in data}


def owned_rows(words: Catalogue, config: BodyConfig, stamp: Stamp) -> list[tuple[str, str]]:
    """The head of the document as (label, value): shown to the author, compared on import."""
    labels = words.data["kit"]["fields"]
    owned = stamp.owned
    names = {o.key: o.name for o in config.organizations}
    course = " → ".join(f"{names.get(c['committee'], c['committee'])} ({words.text('roles.' + c['role'])})"
                        for c in owned.get("consultations", []))
    access = owned.get("access")
    rows = [
        ("body", config.body.name), ("reference", stamp.reference), ("type", stamp.type),
        ("unit", (owned.get("originator") or {}).get("unit", "")),
        ("officer", (owned.get("originator") or {}).get("officer", "")),
        ("file_number", owned.get("file_number", "")),
        ("access", words.text("labels.public" if access == "public" else "labels.closed")),
        ("course", course),
        ("revision", str(stamp.revision) if stamp.revision else "–"),
    ]
    if owned.get("expected_minutes"):  # set by the clerk in the paper's data: the time plan's minutes
        rows.insert(-1, ("expected_minutes", words.text("timeplan.minutes", minutes=owned["expected_minutes"])))
    return [(labels[key], value or "") for key, value in rows]


LIST_LINE = re.compile(r"^[-•–*]\s+(.*)$")
