"""The minutes to fill in (`meetprep minutes form`): the agenda's items in order, attendance
prefilled from the replies to the meeting request."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select

from meetprep.config import Configs
from meetprep.i18n import catalogue
from meetprep.messages.replies import attendance
from meetprep.store import AgendaRow, Store, the_meeting


def form(store: Store, configs: Configs, body: str, meeting_key: str) -> str:
    """The minutes to fill in, as YAML (`meetprep minutes record --file`): the agenda's items in
    order, and the attendance prefilled from the replies to the meeting request: members who
    declined absent (Fravær, entschuldigt), substitutes called in for them present in their place.
    Comments say what each item is; a clerk fills in results, texts and votes."""


    state = attendance(store, configs, body, meeting_key)
    words = catalogue(configs.get(body).body.locale.value)
    with store.session() as session:
        meeting = the_meeting(session, body, meeting_key)
        zone = ZoneInfo(configs.get(body).body.timezone)
        agenda_row = session.execute(select(AgendaRow).where(AgendaRow.meeting_id == meeting.id)).scalar_one_or_none()
        entries = agenda_row.versions[-1].entries if agenda_row and agenda_row.versions else []
        start = meeting.start.astimezone(zone)
    present_substitutes = {p["stands_in_for"]: p for p in state["people"] if p["stands_in_for"] and p["answer"] != "declined"}
    absent = [p["person"] for p in state["people"] if p["voting"] and p["answer"] == "declined"]
    data: dict[str, Any] = {"kind": "minutes", "body": body, "meeting": meeting_key, "started": start.isoformat(),
                            "attendance": {"absent": absent,
                                           "substitutes": [{"person": s["person"], "for": member}
                                                           for member, s in present_substitutes.items()]}}
    lines = [f"# Minutes of {meeting_key}: fill in each item's result (and text, votes), then",
             "#   meetprep minutes record --file <this file>",
             "# Attendance from the replies to the meeting request; correct it to who actually came.",
             yaml.safe_dump(data, allow_unicode=True, sort_keys=False).rstrip(), "items:"]
    for entry in entries:
        if entry.get("withdrawn"):
            continue
        title = " ".join(str(entry["title"]).split())
        if entry["kind"] == "paper":
            lines.append(f"  - reference: {json.dumps(entry['reference'], ensure_ascii=False)}   # {entry['number']} {title}")
            lines.append("    result:   # decided, recommended, rejected, postponed, noted, withdrawn")
            lines.append("    # biased: [person]   tasks: [{text: ..., due: YYYY-MM-DD, owner: unit}]   (optional)")
        else:
            part = words.data["numbering"]["part"].get(entry.get("part", "public"), "")
            label = f"{part} {entry['number']}".strip()  # German items are "Ö 3" / "N 1"
            lines.append(f"  - number: {json.dumps(label, ensure_ascii=False)}   # {title}")
    return "\n".join(lines) + "\n"
