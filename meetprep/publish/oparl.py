"""OParl 1.1 of the public data: objects, the ledger that dates them, lists and static files.

Objects are made from the public view (meetprep.publish.view) only. Every object has a stable
URL below the OParl root (`oparl/v1/<body>/paper/<reference>.json`): ids are made from keys and
references, never from database ids, so a rebuild or a new store gives the same ids.

The ledger (`published_objects`) remembers what was published: an object seen for the first time
gets `created`; one whose content changed gets a new `modified`; one that is gone (a paper made
closed, a file withdrawn, an item taken off the agenda) stays in the ledger as
`{"id", "type", "created", "modified", "deleted": true}` and nothing else, as OParl asks.
Content is compared by checksum, so publishing unchanged data changes nothing.

Embedded objects (a meeting's agenda items and files, a paper's consultations and files, a
person's memberships) are stored as their own objects, fetchable at their own id and listed in
the body's lists, and embedded at output time without their back-reference (`meeting`, `paper`,
`person`), as the specification wants. A parent's checksum includes its children's content, so
a changed agenda item makes its meeting modified too.

URLs are stored relative (`oparl-base:oparl/v1/...`) and made absolute with the public base URL
when written or served, so that the base URL can change without republishing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from meetprep.store import PublishedObjectRow
from meetprep.publish.view import PublicBody, PublicFile, PublicMeeting, PublicPaper, slug
from meetprep.i18n import catalogue

SCHEMA = "https://schema.oparl.org/1.1/"
BASE = "oparl-base:"
ROOT = "oparl/v1"
PAGE_SIZE = 100
EMBED = "$embed"
# Lists of a body: the Body's property and the list file's name.
LISTS = {"organization": "Organization", "person": "Person", "meeting": "Meeting", "paper": "Paper",
         "membership": "Membership", "agendaItem": "AgendaItem", "consultation": "Consultation", "file": "File",
         "locationList": "Location", "legislativeTermList": "LegislativeTerm"}
# Embedded children lose the property that points back at their parent.
BACKREF = {("Meeting", "agendaItem"): "meeting", ("Paper", "consultation"): "paper", ("Person", "membership"): "person"}


def url(path: str) -> str:
    return f"{BASE}{path}"


def list_path(body: str, kind: str) -> str:
    return f"{ROOT}/{body}/{kind.lower()}s.json"


def object_path(body: str, kind: str, key: str) -> str:
    return f"{ROOT}/{body}/{kind.lower()}/{slug(key)}.json"


def body_path(body: str) -> str:
    return f"{ROOT}/{body}/body.json"


def system_path() -> str:
    return f"{ROOT}/system.json"


def bodies_path() -> str:
    return f"{ROOT}/bodies.json"


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _moment(value: dt.datetime | None, zone) -> str | None:
    return value.astimezone(zone).isoformat() if value else None


REQUIRED_LISTS = {"legislativeTerm"}  # required even when empty


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "") and (v != [] or k in REQUIRED_LISTS)}


class Objects:
    """Every public object of a body, by scope: {scope: {path: data}}."""

    def __init__(self, view: PublicBody, words):
        self.view, self.words = view, words
        self.body = view.key
        self.scopes: dict[str, dict[str, dict[str, Any]]] = {}

    def add(self, scope: str, path: str, kind: str, **data: Any) -> str:
        self.scopes.setdefault(scope, {})[path] = _clean({"id": url(path), "type": SCHEMA + kind, **data})
        return path

    def embed(self, path: str) -> dict[str, str]:
        return {EMBED: path}

    def portal(self, page: str) -> str:
        return url(f"{self.body}/{page}")

    # -- body scope --------------------------------------------------------------------------

    def body_objects(self) -> None:
        view, body = self.view, self.body
        terms = []
        for period in sorted({c.period for c in view.committees.values() if c.period}):
            match = re.fullmatch(r"\s*(\d{4})\s*[-–]\s*(\d{4})\s*", period)
            terms.append(self.add("body", object_path(body, "LegislativeTerm", period), "LegislativeTerm",
                                  body=url(body_path(body)), name=period,
                                  startDate=f"{match.group(1)}-01-01" if match else None,
                                  endDate=f"{match.group(2)}-12-31" if match else None))
        self.add("body", body_path(body), "Body", system=url(system_path()), name=view.name,
                 shortName=view.key, website=view.website, classification=view.classification,
                 legislativeTerm=[self.embed(t) for t in terms],
                 **{prop: url(list_path(body, kind)) for prop, kind in LISTS.items()},
                 web=self.portal("index.html"))
        memberships: dict[str, list[str]] = {}
        for committee in view.committees.values():
            org_path = object_path(body, "Organization", committee.key)
            member_paths = []
            for index, member in enumerate(committee.members):
                path = self.add("body", object_path(body, "Membership", f"{committee.key}.{member.person}.{index}"),
                                "Membership", person=url(object_path(body, "Person", member.person)),
                                organization=url(org_path), role=self.words.text(f"portal.roles.{member.role}"),
                                votingRight=member.voting_right, startDate=_day(member.start), endDate=_day(member.end))
                member_paths.append(path)
                memberships.setdefault(member.person, []).append(path)
            self.add("body", org_path, "Organization", body=url(body_path(body)), name=committee.name,
                     shortName=committee.short_name, organizationType=self.words.text("portal.organization_type"),
                     classification=committee.classification,
                     membership=[url(p) for p in member_paths], web=self.portal(f"committee/{slug(committee.key)}.html"))
        for key, name in view.persons.items():
            self.add("body", object_path(body, "Person", key), "Person", body=url(body_path(body)), name=name,
                     membership=[self.embed(p) for p in memberships.get(key, [])])

    # -- meetings ----------------------------------------------------------------------------

    def meeting_objects(self, meeting: PublicMeeting) -> None:
        body, zone = self.body, self.view.zone
        scope = f"meeting:{meeting.key}"
        path = object_path(body, "Meeting", meeting.key)
        location = None
        if meeting.place:
            location = self.add(scope, object_path(body, "Location", f"meeting.{meeting.key}"), "Location",
                                description=meeting.place,
                                room=meeting.room, streetAddress=meeting.address, meetings=[url(path)])
        items = []
        for item in meeting.items:
            if not item.public:
                continue  # a closed item is no object at all: its number is on the public agenda only
            consultation = None
            if item.reference and item.reference in self.view.papers and meeting.key in self.view.papers[item.reference].meetings:
                consultation = url(object_path(body, "Consultation", f"{item.reference}.{meeting.key}"))
            result = self.words.text(f"results.{item.result}") if item.result else None
            items.append(self.add(scope, object_path(body, "AgendaItem", f"{meeting.key}.{item.key}"), "AgendaItem",
                                  meeting=url(path), number=item.number, order=item.order, name=item.title,
                                  public=True, consultation=consultation, result=result,
                                  resolutionText=item.resolution or None))
        invitation = [self.file_object(scope, f, meeting=path) for f in meeting.agenda_files]
        protocol = [self.file_object(scope, f, meeting=path) for f in meeting.minutes_files]
        main_invitation = _main(invitation, meeting.agenda_files)
        main_protocol = _main(protocol, meeting.minutes_files)
        state = "durchgeführt" if meeting.minuted else ("eingeladen" if meeting.agenda_version else "terminiert")
        self.add(scope, path, "Meeting", name=meeting.name, meetingState=self.words.text(f"portal.meeting_states.{state}"),
                 cancelled=meeting.cancelled or None, start=_moment(meeting.start, zone), end=_moment(meeting.end, zone),
                 location=self.embed(location) if location else None,
                 organization=[url(object_path(body, "Organization", meeting.committee))],
                 participant=[url(object_path(body, "Person", p)) for p in meeting.present],
                 invitation=self.embed(main_invitation) if main_invitation else None,
                 resultsProtocol=self.embed(main_protocol) if main_protocol else None,
                 auxiliaryFile=[self.embed(p) for p in invitation + protocol if p not in (main_invitation, main_protocol)],
                 agendaItem=[self.embed(p) for p in items],
                 web=self.portal(f"meeting/{slug(meeting.key)}.html"))

    def file_object(self, scope: str, file: PublicFile, **parents: str) -> str:
        access = self.portal(file.href)
        path = object_path(self.body, "File", file.key.replace("/", "."))
        links = {name: [url(p)] for name, p in parents.items()}
        return self.add(scope, path, "File", name=file.name, fileName=file.file_name, mimeType=file.media_type,
                        date=_day(file.date), size=file.size, sha512Checksum=None, accessUrl=access, downloadUrl=access,
                        **links)

    # -- papers ------------------------------------------------------------------------------

    def paper_objects(self, paper: PublicPaper) -> None:
        body = self.body
        scope = f"paper:{paper.reference}"
        path = object_path(body, "Paper", paper.reference)
        consultations = []
        for session in paper.sessions:
            meeting = session.meeting if session.meeting in paper.meetings else None
            agenda_item = None
            if meeting:
                agenda_item = url(object_path(body, "AgendaItem", f"{meeting}.paper:{paper.reference}"))
            key = f"{paper.reference}.{meeting}" if meeting else f"{paper.reference}.{session.position}.{session.committee}"
            consultations.append(self.add(
                scope, object_path(body, "Consultation", key), "Consultation", paper=url(path),
                meeting=url(object_path(body, "Meeting", meeting)) if meeting else None,
                agendaItem=agenda_item, organization=[url(object_path(body, "Organization", session.committee))]
                if session.committee in self.view.committees else None,
                authoritative=session.deciding, role=self.words.text(f"roles.{session.role}")))
        documents = [self.file_object(scope, f, paper=path) for f in paper.documents]
        attachments = [self.file_object(scope, f, paper=path) for f in paper.files]
        main = _main(documents, paper.documents)
        self.add(scope, path, "Paper", body=url(body_path(body)), name=paper.title, reference=paper.reference,
                 date=_day(paper.date), paperType=paper.paper_type,
                 relatedPaper=[url(object_path(body, "Paper", r)) for r in paper.related] or None,
                 superordinatedPaper=[url(object_path(body, "Paper", paper.amends))] if paper.amends else None,
                 mainFile=self.embed(main) if main else None,
                 auxiliaryFile=[self.embed(p) for p in documents + attachments if p != main],
                 consultation=[self.embed(p) for p in consultations],
                 web=self.portal(f"paper/{slug(paper.reference)}.html"))


def _main(paths: list[str], files: list[PublicFile]) -> str | None:
    """The PDF where there is one, else the first file."""
    for path, file in zip(paths, files):
        if file.media_type == "application/pdf":
            return path
    return paths[0] if paths else None


def build_objects(view: PublicBody) -> dict[str, dict[str, dict[str, Any]]]:
    objects = Objects(view, catalogue(view.locale))
    objects.body_objects()
    for meeting in view.meetings.values():
        objects.meeting_objects(meeting)
    for paper in view.papers.values():
        objects.paper_objects(paper)
    return objects.scopes


# -- the ledger -------------------------------------------------------------------------------


def _resolved(data: dict[str, Any], scope_objects: dict[str, dict[str, Any]], known: dict[str, dict[str, Any]]) -> Any:
    """`data` with its embedded children's content in place of the markers (for checksums)."""
    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            if EMBED in value:
                child = scope_objects.get(value[EMBED]) or known.get(value[EMBED]) or {}
                return walk(child)
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value
    return walk(data)


def checksum(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def sync(session: Session, body: str, scopes: dict[str, dict[str, dict[str, Any]]], now: dt.datetime,
         whole: bool) -> set[str]:
    """Bring the ledger in step with `scopes`; returns the paths that changed (new, modified,
    deleted). With `whole`, scopes of the body that are not in `scopes` any more are gone
    (a paper that is closed now, a meeting deleted): their objects become deleted too."""
    rows = session.execute(select(PublishedObjectRow).where(
        PublishedObjectRow.body_key == body,
        *(() if whole else (PublishedObjectRow.scope.in_(list(scopes)),)))).scalars().all()
    by_path = {r.path: r for r in rows}
    changed: set[str] = set()
    flat = {path: data for objects in scopes.values() for path, data in objects.items()}
    # objects this run did not load by body and scope (another scope published them before)
    elsewhere: dict[str, PublishedObjectRow] = {}
    unseen = [path for path in flat if path not in by_path]
    for start in range(0, len(unseen), 500):
        elsewhere.update((r.path, r) for r in session.execute(select(PublishedObjectRow).where(
            PublishedObjectRow.path.in_(unseen[start:start + 500]))).scalars())
    last_position: dict[str, int] = {}
    for scope, objects in scopes.items():
        for path, data in objects.items():
            digest = checksum(_resolved(data, flat, {}))
            row = by_path.pop(path, None) or elsewhere.get(path)
            if row is None:
                kind = data["type"].rsplit("/", 1)[-1]
                if kind not in last_position:
                    last_position[kind] = _last_position(session, body, kind)
                last_position[kind] += 1
                session.add(PublishedObjectRow(body_key=body, path=path, kind=kind, scope=scope, position=last_position[kind],
                                               checksum=digest, data=data, created=now, modified=now, deleted=False))
                changed.add(path)
            elif row.checksum != digest or row.deleted or row.scope != scope:
                row.checksum, row.data, row.modified, row.deleted, row.scope = digest, data, now, False, scope
                changed.add(path)
    for row in by_path.values():
        if row.deleted:
            continue
        row.deleted, row.modified = True, now
        row.data = {"id": row.data["id"], "type": row.data["type"]}
        row.checksum = checksum(row.data)
        changed.add(row.path)
    session.flush()
    return changed


def _last_position(session: Session, body: str, kind: str) -> int:
    """The highest position in the body's list of `kind` (0 for none): one look into the index."""
    return session.execute(select(func.max(PublishedObjectRow.position)).where(
        PublishedObjectRow.body_key == body, PublishedObjectRow.kind == kind)).scalar() or 0


def system_object(created: dt.datetime, modified: dt.datetime) -> dict[str, Any]:
    return {"id": url(system_path()), "type": SCHEMA + "System", "oparlVersion": SCHEMA, "name": "meetprep",
            "body": url(bodies_path()), "product": "https://github.com/meetprep/meetprep",
            "created": _stamp(created), "modified": _stamp(modified)}


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


# -- output -----------------------------------------------------------------------------------


def output(rows: Iterable[PublishedObjectRow], session: Session) -> list[dict[str, Any]]:
    """The rows as OParl objects: dates added, children embedded (without their back-reference)."""
    rows = list(rows)
    wanted = {v for r in rows for v in _embedded(r.data)}
    children: dict[str, PublishedObjectRow] = {}
    while wanted - set(children):
        missing = list(wanted - set(children))
        found = session.execute(select(PublishedObjectRow).where(PublishedObjectRow.path.in_(missing))).scalars().all()
        for child in found:
            children[child.path] = child
            wanted |= set(_embedded(child.data))
        wanted -= set(missing) - {c.path for c in found}
    return [_render(r, children) for r in rows]


def _embedded(data: Any) -> Iterable[str]:
    if isinstance(data, dict):
        if EMBED in data:
            yield data[EMBED]
        else:
            for value in data.values():
                yield from _embedded(value)
    elif isinstance(data, list):
        for value in data:
            yield from _embedded(value)


def _render(row: PublishedObjectRow, children: dict[str, PublishedObjectRow], parent: str | None = None,
            prop: str | None = None) -> dict[str, Any]:
    if row.deleted:
        return {**row.data, "created": _stamp(row.created), "modified": _stamp(row.modified), "deleted": True}

    def walk(value: Any, key: str | None) -> Any:
        if isinstance(value, dict) and EMBED in value:
            child = children.get(value[EMBED])
            return None if child is None or child.deleted else _render(child, children, row.kind, key)
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [x for x in (walk(v, key) for v in value) if x is not None]
        return value

    data = {k: walk(v, k) for k, v in row.data.items()}
    if parent and BACKREF.get((parent, prop)) in data:
        del data[BACKREF[(parent, prop)]]
    data = {k: v for k, v in data.items() if v is not None}
    data["created"], data["modified"] = _stamp(row.created), _stamp(row.modified)
    data["deleted"] = False
    return data


def absolute(document: Any, base: str) -> bytes:
    """The JSON text of `document` with every stored URL made absolute below `base`."""
    # compact: with an indent, json falls back from its C encoder to Python (10x slower)
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return text.replace(f'"{BASE}', '"' + base.rstrip("/") + "/").encode()


def list_page(session: Session, body: str, kind: str, page: int = 1, *, modified_since: dt.datetime | None = None,
              modified_until: dt.datetime | None = None, created_since: dt.datetime | None = None,
              created_until: dt.datetime | None = None, limit: int | None = None, link=None,
              totals: bool = True) -> dict[str, Any]:
    """One page of a body's list of `kind`, filtered as OParl's list parameters ask."""
    query, pagination, links = _page(session, body, kind, page, modified_since=modified_since,
                                     modified_until=modified_until, created_since=created_since,
                                     created_until=created_until, limit=limit, link=link, totals=totals)
    return {"data": output(session.execute(query).scalars(), session), "pagination": pagination, "links": links}


def _page(session: Session, body: str, kind: str, page: int, *, modified_since: dt.datetime | None = None,
          modified_until: dt.datetime | None = None, created_since: dt.datetime | None = None,
          created_until: dt.datetime | None = None, limit: int | None = None, link=None,
          totals: bool = True) -> tuple[Any, dict[str, Any], dict[str, str]]:
    """The query of a list page's rows (in order), its pagination and its links."""
    limit = limit or PAGE_SIZE
    query = select(PublishedObjectRow).where(PublishedObjectRow.body_key == body, PublishedObjectRow.kind == kind)
    if modified_since:
        query = query.where(PublishedObjectRow.modified >= modified_since)
    if modified_until:
        query = query.where(PublishedObjectRow.modified <= modified_until)
    if created_since:
        query = query.where(PublishedObjectRow.created >= created_since)
    if created_until:
        query = query.where(PublishedObjectRow.created <= created_until)
    # Deleted objects stay in the lists (as {"deleted": true}): a client that keeps a copy
    # learns of them with modified_since, and pages of the static lists never shift.
    filtered = any((modified_since, modified_until, created_since, created_until))
    if filtered:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        query = query.order_by(PublishedObjectRow.position).offset((page - 1) * limit).limit(limit)
    else:  # positions run 1..n without gaps: the page is a range of them, the total the last one
        total = _last_position(session, body, kind)
        query = query.where(PublishedObjectRow.position.between((page - 1) * limit + 1, page * limit)).order_by(
            PublishedObjectRow.position)
    pages = max(1, -(-total // limit))
    link = link or (lambda number: url(static_page_path(body, kind, number)))
    links = {"first": link(1), "self": link(page)}
    pagination: dict[str, Any] = {"elementsPerPage": limit, "currentPage": page}
    if totals:  # not in static pages: a page's file is rewritten only when its own rows change
        links["last"] = link(pages)
        pagination.update(totalElements=total, totalPages=pages)
    if page > 1:
        links["prev"] = link(page - 1)
    if page < pages:
        links["next"] = link(page + 1)
    return query, pagination, links


def static_list_page(session: Session, root: Path, body: str, kind: str, page: int, base: str) -> bytes:
    """The bytes of a static list page under `root` (no totals: see `spliced_page`)."""
    return spliced_page(session, root, body, kind, page, base)


def spliced_page(session: Session, root: Path, body: str, kind: str, page: int, base: str, *, link=None,
                 totals: bool = False, limit: int | None = None, **filters: dt.datetime) -> bytes:
    """A list page (static, or the served API's filtered one), the same as `absolute(list_page(...),
    base)` up to whitespace, spliced from its objects' own files: each is written when its object
    last changed and holds what a list shows of it. Rendering the objects again with their
    embedded children (a page of meetings holds some 2,500 agenda items) cost a build 0.8 s a
    page, and a worker rendering them in a loop died of a corrupted heap (docs/performance.md,
    scripts/repro_spawn_segfault.py). An object without its file makes the page render from the
    ledger."""
    query, pagination, links = _page(session, body, kind, page, limit=limit, link=link, totals=totals, **filters)
    texts = []
    for path in session.execute(query.with_only_columns(PublishedObjectRow.path)).scalars():
        try:
            text = (root / path).read_bytes().strip()
        except FileNotFoundError:
            text = b""
        if not (text.startswith(b"{") and text.endswith(b"}")):
            return absolute(list_page(session, body, kind, page, limit=limit, link=link, totals=totals, **filters), base)
        texts.append(text)
    rest = absolute({"pagination": pagination, "links": links}, base)
    return b'{"data":[' + b",".join(texts) + b"]," + rest[1:]


def static_page_path(body: str, kind: str, page: int) -> str:
    return list_path(body, kind) if page == 1 else list_path(body, kind).replace(".json", f"-{page}.json")


def pages_to_write(session: Session, body: str, changed: set[str], whole: bool) -> dict[str, set[int]]:
    """{kind: page numbers} of the static list pages to write: all of them after a whole
    publish; else the pages holding a changed object, and the page before a page that a new
    object opened (it gains a `next` link). Pages never shift: lists keep deleted objects, in
    ledger order, and static pages carry no totals, so no other page changes."""
    pages: dict[str, set[int]] = {}
    if whole:
        for kind in LISTS.values():
            last = max(1, -(-_last_position(session, body, kind) // PAGE_SIZE))
            pages[kind] = set(range(1, last + 1))
        return pages
    rows = session.execute(select(PublishedObjectRow.kind, PublishedObjectRow.position).where(
        PublishedObjectRow.path.in_(changed or {""}))).all()
    for kind, position in rows:
        if kind in LISTS.values() and position:
            page = (position - 1) // PAGE_SIZE + 1
            pages.setdefault(kind, set()).add(page)
            if page > 1 and (position - 1) % PAGE_SIZE == 0:
                pages[kind].add(page - 1)
    return pages


def kind_of_list(name: str) -> str | None:
    """'papers' -> 'Paper'."""
    for kind in LISTS.values():
        if name == f"{kind.lower()}s":
            return kind
    return None


__all__ = ["build_objects", "sync", "output", "list_page", "absolute", "system_object", "PAGE_SIZE",
           "object_path", "list_path"]
