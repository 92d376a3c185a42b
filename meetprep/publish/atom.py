"""An Atom feed (RFC 4287) of a committee's new public documents, beside its calendar feed.

Each entry is one public document of the current agenda version of a meeting (the agenda, the
papers' documents, their PDFs): a feed reader shows "Dagsorden, 22. september 2025 (v2)" when a
new version appears. Entry ids are stable (tag: URIs from the body, meeting, version and file),
so a rebuilt but unchanged agenda adds nothing. Only public variants are listed, and a closed
paper has none; links are relative to the published output folder.
"""

from __future__ import annotations

import datetime as dt
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from meetprep.i18n import catalogue
from meetprep.model import BodyConfig
from meetprep.store import AgendaRow, BodyRow, DocumentRow, MeetingRow, OrganizationRow

ATOM = "http://www.w3.org/2005/Atom"


def committee_feeds(session: Any, config: BodyConfig, output_dir: Path, stamp: dt.datetime) -> dict[str, bytes]:
    """{committee key: the Atom document} for every committee of the body with public documents."""
    words = catalogue(config.body.locale.value)
    zone = ZoneInfo(config.body.timezone)
    rows = session.execute(
        select(MeetingRow, OrganizationRow, AgendaRow).join(OrganizationRow, MeetingRow.organization_id == OrganizationRow.id)
        .join(BodyRow, MeetingRow.body_id == BodyRow.id).join(AgendaRow, AgendaRow.meeting_id == MeetingRow.id)
        .where(BodyRow.key == config.body.key).order_by(MeetingRow.start)).all()
    entries: dict[str, list[dict[str, Any]]] = {}
    names: dict[str, str] = {}
    for meeting, org, agenda in rows:
        current = next((v for v in agenda.versions if v.version == agenda.current_version), None)
        if current is None:
            continue
        names[org.key] = org.name
        day = words.date(meeting.start.astimezone(zone).date(), "date_text", capitalize=False)
        documents = session.execute(select(DocumentRow).where(DocumentRow.agenda_version_id == current.id,
                                                              DocumentRow.variant == "public")).scalars()
        for document in documents:
            path = Path(document.path)
            kind = words.data["documents"].get(document.kind, document.kind)
            suffix = " (PDF)" if document.media_type == "application/pdf" else ""
            try:
                href = Path(os.path.relpath(path, output_dir)).as_posix()
            except ValueError:
                href = path.name
            entries.setdefault(org.key, []).append({
                "id": f"tag:meetprep,{current.created_at:%Y-%m-%d}:{config.body.key}/{meeting.key}/v{current.version}/"
                      f"{path.name}",
                "title": f"{kind}, {org.name}, {day} (v{current.version}){suffix}: {path.name}",
                "updated": current.created_at, "href": href, "type": document.media_type})
    return {key: _document(f"{names[key]} ({config.body.name})", f"tag:meetprep,2025:{config.body.key}/{key}",
                           items, stamp, config.body.locale.value)
            for key, items in entries.items()}


def _document(title: str, feed_id: str, items: list[dict[str, Any]], stamp: dt.datetime, language: str) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": language})
    ET.SubElement(feed, f"{{{ATOM}}}id").text = feed_id
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    newest = max((i["updated"] for i in items), default=stamp)
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _when(newest)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = title
    for item in sorted(items, key=lambda i: (i["updated"], i["id"]), reverse=True):
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = item["id"]
        ET.SubElement(entry, f"{{{ATOM}}}title").text = item["title"]
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _when(item["updated"])
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "enclosure", "href": item["href"], "type": item["type"]})
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
