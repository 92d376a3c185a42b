"""Calendar feeds: one .ics per committee (public) and one per person (their committees' meetings,
closed titles included) under an unguessable name. Computed and written here; the jobs decide
when (meetprep.jobs.feeds), together with the portal's Atom feeds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from meetprep.config import Configs
from meetprep.i18n import catalogue
from meetprep.messages import calendar
from meetprep.messages.invitations import calendar_entry, latest_entries
from meetprep.model import BodyConfig
from meetprep.store import BodyRow, MeetingRow, MembershipRow, OrganizationRow, PlannedEventRow, Store
from meetprep.folders import write_atomically


def feed_secret(home: Path) -> bytes:
    """The installation's secret for the names of personal feeds, made on first use (mode 600)."""
    path = home / ".feed-secret"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # made by a run at the same moment
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def feed_token(secret: bytes, body: str, person: str) -> str:
    """The unguessable file name of a person's feed: without the secret, nobody can find it."""
    return hmac.new(secret, f"{body}/{person}".encode(), hashlib.sha256).hexdigest()[:32]


def write_calendar_feeds(store: Store, configs: Configs, output_dir: Path, stamp: dt.datetime,
                         secret: bytes) -> list[Path]:
    """One feed per committee (public variant) in `output_dir/feeds/<body>/`, for publishing; one per
    person (their committees' meetings, members' variant, closed titles included) in
    `output_dir/personal-feeds/<body>/` under an unguessable name, listed in that folder's
    index.json for the clerk who hands them out. Rewritten as a whole each time, so that they
    follow every change. The committees' Atom feeds are the portal's (meetprep.jobs.feeds writes
    both)."""
    written = []
    with store.session() as session:
        for config in configs:
            words = catalogue(config.body.locale.value)
            rows = session.execute(
                select(MeetingRow, OrganizationRow).join(OrganizationRow, MeetingRow.organization_id == OrganizationRow.id)
                .join(BodyRow, MeetingRow.body_id == BodyRow.id).where(BodyRow.key == config.body.key,
                                                                      # held back: it may be another one moved
                                                                      MeetingRow.held_back_for.is_(None))
                .order_by(MeetingRow.start)
            ).all()
            per_person: dict[str, list[calendar.CalendarMeeting]] = {}
            by_committee: dict[str, list[calendar.CalendarMeeting]] = {}
            names: dict[str, str] = {}
            for meeting, org in rows:
                entries, _ = latest_entries(session, meeting)
                by_committee.setdefault(org.key, []).append(calendar_entry(config, meeting, org, entries, public=True))
                names[org.key] = org.name
                members = session.execute(select(MembershipRow).where(MembershipRow.organization_id == org.id)).scalars()
                for membership in members:
                    per_person.setdefault(membership.person.key, []).append(
                        calendar_entry(config, meeting, org, entries, public=False))
            for org_key, entry in _public_events(session, config):
                by_committee.setdefault(org_key, []).append(entry)
                names.setdefault(org_key, next((o.name for o in config.organizations if o.key == org_key), org_key))
            public = output_dir / "feeds" / config.body.key
            for key, meetings in by_committee.items():
                written.append(write_atomically(public / f"{key}.ics", calendar.feed(f"{names[key]} ({config.body.name})", meetings, stamp)))
            personal = output_dir / "personal-feeds" / config.body.key
            persons = {p.key: p.name for p in config.persons}
            index = {}
            for key, meetings in per_person.items():
                title = f"{persons.get(key, key)}: {words.text('documents.' + config.body.agenda_documents[0])}"
                name = f"{feed_token(secret, config.body.key, key)}.ics"
                written.append(write_atomically(personal / name, calendar.feed(title, meetings, stamp, public=False)))
                index[key] = {"name": persons.get(key, key), "file": name}
            if index:
                write_atomically(personal / "index.json", json.dumps(index, ensure_ascii=False, indent=2).encode())
    return written


def _public_events(session: Session, config: BodyConfig) -> list[tuple[str, calendar.CalendarMeeting]]:
    """The body's planned public events (the julestue, the dialogue meeting), each under the
    committee responsible for it, with the UID its partners' invitations carry."""
    events = {e.key: e for e in config.body.events}
    zone = ZoneInfo(config.body.timezone)
    rows = session.execute(select(PlannedEventRow).join(BodyRow).where(BodyRow.key == config.body.key)
                           .order_by(PlannedEventRow.start)).scalars()
    found = []
    for row in rows:
        event = events.get(row.event_key)
        if event is None or not event.public:
            continue
        found.append((event.committee, calendar.CalendarMeeting(
            uid=f"{row.event_key}-{row.year}-event.{config.body.key}@meetprep", summary=row.name,
            start=row.start.astimezone(zone), end=row.end.astimezone(zone),
            location=", ".join(x for x in (event.location.room, event.location.address) if x), description="",
            alarm_minutes=None)))
    return found


