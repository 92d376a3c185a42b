"""OParl's output: objects with their dates and embedded children, list pages (static and
filtered), and which static pages a publish must write.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from meetprep.publish.oparl.ledger import Changes
from meetprep.publish.oparl.paths import (BACKREF, BASE, EMBED, LISTS, PAGE_SIZE, stamp,
                                          static_page_path, url)
from meetprep.store import PublishedObjectRow

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
        return {**row.data, "created": stamp(row.created), "modified": stamp(row.modified), "deleted": True}

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
    data["created"], data["modified"] = stamp(row.created), stamp(row.modified)
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


def _page(session: Session, body: str | None, kind: str, page: int, *, modified_since: dt.datetime | None = None,
          modified_until: dt.datetime | None = None, created_since: dt.datetime | None = None,
          created_until: dt.datetime | None = None, limit: int | None = None, link=None,
          totals: bool = True) -> tuple[Any, dict[str, Any], dict[str, str]]:
    """The query of a list page's rows (in order), its pagination and its links. `body` None is
    the system's list of bodies."""
    limit = limit or PAGE_SIZE
    query = select(PublishedObjectRow).where(PublishedObjectRow.kind == kind)
    if body is not None:
        query = query.where(PublishedObjectRow.body_key == body)
    if modified_since:
        query = query.where(PublishedObjectRow.modified >= modified_since)
    else:  # a deleted object is listed only to a client asking what changed (OParl 1.1, 2.5)
        query = query.where(PublishedObjectRow.deleted.is_(False))
    if modified_until:
        query = query.where(PublishedObjectRow.modified <= modified_until)
    if created_since:
        query = query.where(PublishedObjectRow.created >= created_since)
    if created_until:
        query = query.where(PublishedObjectRow.created <= created_until)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    # ledger order (position, given once): stable, and a new object comes last
    query = query.order_by(PublishedObjectRow.position, PublishedObjectRow.id).offset((page - 1) * limit).limit(limit)
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


def last_page(session: Session, body: str, kind: str) -> int:
    """The number of the last static page of a body's list of `kind` (1 for an empty list)."""
    total = session.execute(select(func.count()).where(
        PublishedObjectRow.body_key == body, PublishedObjectRow.kind == kind,
        PublishedObjectRow.deleted.is_(False))).scalar_one()
    return max(1, -(-total // PAGE_SIZE))


def pages_to_write(session: Session, body: str, changes: Changes | None) -> dict[str, set[int]]:
    """{kind: page numbers} of the static list pages to write: all of them after a whole publish
    (`changes` None); else the page holding each object whose content changed, and every page
    from the first one an object joined or left to the end (the lists show no deleted objects,
    so the objects after it move up or down a place; static pages carry no totals, so no page
    before it changes, but the one before a page that a new object opened gains a `next` link)."""
    pages: dict[str, set[int]] = {}
    if changes is None:
        for kind in LISTS.values():
            pages[kind] = set(range(1, last_page(session, body, kind) + 1))
        return pages
    rows = session.execute(select(PublishedObjectRow.kind, PublishedObjectRow.position, PublishedObjectRow.path).where(
        PublishedObjectRow.path.in_(changes.changed or {""}))).all()
    by_kind: dict[str, list[tuple[int, str]]] = {}
    for kind, position, path in rows:
        if kind in LISTS.values():
            by_kind.setdefault(kind, []).append((position, path))
    for kind, changed in by_kind.items():
        listed = session.execute(select(PublishedObjectRow.position).where(
            PublishedObjectRow.body_key == body, PublishedObjectRow.kind == kind,
            PublishedObjectRow.deleted.is_(False)).order_by(PublishedObjectRow.position)).scalars().all()
        last = max(1, -(-len(listed) // PAGE_SIZE))
        wanted = pages.setdefault(kind, set())
        for position, path in changed:
            page = bisect.bisect_left(listed, position) // PAGE_SIZE + 1  # where it is, or was
            if path in changes.listed:
                wanted.update(range(max(1, page - 1), last + 1))
            else:
                wanted.add(page)
        wanted &= set(range(1, last + 1))
    return pages

