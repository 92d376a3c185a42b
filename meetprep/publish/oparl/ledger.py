"""The ledger of what was published (`published_objects`), which dates every object.

An object seen for the first time gets `created`; one whose content changed gets a new
`modified`; one that is gone (a paper made closed, a file withdrawn, an item taken off the
agenda) stays in the ledger as `{"id", "type", "created", "modified", "deleted": true}` and
nothing else, as OParl asks. Content is compared by checksum, so publishing unchanged data
changes nothing. A parent's checksum includes its children's content, so a changed agenda item
makes its meeting modified too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from meetprep.publish.oparl.paths import EMBED, SCHEMA, bodies_path, stamp, system_path, url
from meetprep.store import PublishedObjectRow


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


@dataclass
class Changes:
    """What a publish changed in the ledger: `changed`, every path new, modified or deleted;
    `listed`, those of them that joined or left the plain lists (new, deleted, back again)."""

    changed: set[str] = field(default_factory=set)
    listed: set[str] = field(default_factory=set)


def sync(session: Session, body: str, scopes: dict[str, dict[str, dict[str, Any]]], published: dt.datetime,
         whole: bool) -> Changes:
    """Bring the ledger in step with `scopes` at the moment `published` (the clock on the wall,
    never a story's: a client syncs by `modified_since`, and `created` is never after
    `modified`). With `whole`, scopes of the body that are not in `scopes` any more are gone
    (a paper that is closed now, a meeting deleted): their objects become deleted too."""
    rows = session.execute(select(PublishedObjectRow).where(
        PublishedObjectRow.body_key == body,
        *(() if whole else (PublishedObjectRow.scope.in_(list(scopes)),)))).scalars().all()
    by_path = {r.path: r for r in rows}
    changes = Changes()
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
                                               checksum=digest, data=data, created=published, modified=published,
                                               deleted=False))
                changes.changed.add(path)
                changes.listed.add(path)
            elif row.checksum != digest or row.deleted or row.scope != scope:
                if row.deleted:
                    changes.listed.add(path)
                row.checksum, row.data, row.deleted, row.scope = digest, data, False, scope
                row.modified = _later(published, row)
                changes.changed.add(path)
    for row in by_path.values():
        if row.deleted:
            continue
        row.deleted, row.modified = True, _later(published, row)
        row.data = {"id": row.data["id"], "type": row.data["type"]}
        row.checksum = checksum(row.data)
        changes.changed.add(row.path)
        changes.listed.add(row.path)
    session.flush()
    return changes


def _later(published: dt.datetime, row: PublishedObjectRow) -> dt.datetime:
    """`published`, or the object's `created` if the clock was set back since: never before it."""
    return max(published, row.created)


def _last_position(session: Session, body: str, kind: str) -> int:
    """The highest position in the body's list of `kind` (0 for none): one look into the index."""
    return session.execute(select(func.max(PublishedObjectRow.position)).where(
        PublishedObjectRow.body_key == body, PublishedObjectRow.kind == kind)).scalar() or 0


def system_object(created: dt.datetime, modified: dt.datetime) -> dict[str, Any]:
    return {"id": url(system_path()), "type": SCHEMA + "System", "oparlVersion": SCHEMA, "name": "meetprep",
            "body": url(bodies_path()), "product": "https://github.com/meetprep/meetprep",
            "created": stamp(created), "modified": stamp(modified)}

