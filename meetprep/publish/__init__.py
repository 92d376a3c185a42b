"""Publishing for the public: the portal (static HTML), OParl 1.1, the Atom feeds.

`publish()` is what `meetprep publish` and the flows run after a build, minutes or planning run.
Everything it writes lies under `output/public/`, the folder to put on a web server (or to serve
with `meetprep serve`):

    output/public/index.html             the bodies
    output/public/<body>/...             each body's portal (meetprep.publish.site)
    output/public/oparl/v1/...           OParl 1.1: system.json, <body>/body.json, lists, objects

Personal calendar feeds (closed titles) are never under it: they stay in output/personal-feeds.

What is public is decided in one place, meetprep.publish.view. A run takes the body's publish
lock: two runs (a schedule and a clerk) publish one after the other, and the second sees what
the first wrote. A build publishes its own meeting and that meeting's papers (scoped); a whole
publish also notices what is gone (a paper made closed, a deleted meeting) and removes it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from sqlalchemy import func, select
from meetprep.store import AgendaRow, AgendaVersionRow, BodyRow, MeetingRow, PublishedObjectRow
from meetprep.publish import oparl
from meetprep.publish.checks import load_report
from meetprep.publish.followup import decisions_feed
from meetprep.publish.site import Site
from meetprep.publish.view import meetings_of_papers, public_body, slug
from meetprep.folders import write_atomically
from html import escape
from meetprep.i18n import catalogue

__all__ = ["publish", "PublishResult", "after", "copy_feeds"]


@dataclass
class PublishResult:
    body: str
    folder: Path
    pages: int = 0
    objects_changed: int = 0
    removed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"body": self.body, "folder": str(self.folder), "pages": self.pages,
                "objects_changed": self.objects_changed, "removed": self.removed}


def public_root(output_dir: Path) -> Path:
    return output_dir / "public"


def publish(store: Any, configs: Any, settings: Any, now: dt.datetime, body: str | None = None,
            meetings: set[str] | None = None, papers: set[str] | None = None) -> list[PublishResult]:
    """Publish one body (or all) as a whole, or only `meetings` of `body` and their papers (and
    `papers`, by reference: an import changed them)."""

    if papers and meetings is None:
        meetings = set()
    if meetings is not None and body is None:
        raise ValueError("publishing some meetings needs their body")
    root = public_root(settings.output_dir)
    results = []
    for config in configs:
        key = config.body.key
        if body is not None and key != body:
            continue
        whole = meetings is None
        with store.writing(f"publish:{key}") as session:
            references: set[str] | None = None
            if papers:  # a paper changed without a build: the meetings that show it show it anew
                body_row = session.execute(select(BodyRow).where(BodyRow.key == key)).scalar_one_or_none()
                meetings = set(meetings) | (meetings_of_papers(session, body_row.id, papers) if body_row else set())
            if not whole:
                # every paper any version of these agendas showed: one taken off must go too
                rows = session.execute(select(AgendaVersionRow.entries).join(AgendaRow).join(MeetingRow)
                                       .join(BodyRow, MeetingRow.body_id == BodyRow.id)
                                       .where(BodyRow.key == key, MeetingRow.key.in_(meetings))).scalars()
                references = {e["reference"] for entries in rows for e in entries if e["kind"] == "paper" and e["reference"]}
                references |= set(papers or ())
            view = public_body(session, config, settings.output_dir, None if whole else set(meetings), references)
            scopes = oparl.build_objects(view)
            if not whole:
                for meeting_key in meetings:
                    scopes.setdefault(f"meeting:{meeting_key}", {})
                for reference in references:
                    scopes.setdefault(f"paper:{reference}", {})
            # the ledger's dates are the clock on the wall (`now` may be a story's clock: the demo)
            changes = oparl.sync(session, key, scopes, dt.datetime.now(dt.timezone.utc), whole)
            result = PublishResult(key, root / key, objects_changed=len(changes.changed))
            _write_oparl(session, root, key, changes, whole, settings.public_url, [c.body.key for c in configs],
                         catalogue(config.body.locale.value))
            site = Site(view, settings.templates_dir, root)
            site.assets()
            site.feeds(settings.output_dir)
            for meeting in view.meetings.values():
                site.meeting_page(meeting)
            for paper in view.papers.values():
                site.paper_page(paper)
            gone_papers = _gone(site.folder / "paper", set(view.papers), references if not whole else None)
            gone_meetings = _gone(site.folder / "meeting", set(view.meetings), set(meetings) if not whole else None)
            for reference in gone_papers:
                site.remove_paper(reference)
            for meeting_key in gone_meetings:
                site.remove_meeting(meeting_key)
            years = None if whole else {m.start.astimezone(view.zone).year for m in view.meetings.values()}
            site.calendar_pages(session, years, now)
            site.committee_pages(session, None if whole else {m.committee for m in view.meetings.values()})
            site.search_index(everything=whole)
            site.decisions_page(view.tasks)
            site.decisions_feed(decisions_feed(config, view.tasks))
            a11y = config.body.accessibility
            site.accessibility_pages(load_report(settings.output_dir, key), str(a11y.feedback or config.body.mail.from_address),
                                     a11y.enforcement, a11y.enforcement_url, f"{settings.public_url}{key}/")
            result.pages = len(site.written)
            result.removed = sorted(gone_papers | gone_meetings)
            results.append(result)
    _write_root(root, configs)
    return results


def copy_feeds(output_dir: Path, body: str) -> list[Path]:
    """The body's public calendar and document feeds (output/feeds/<body>) copied beside its
    portal's pages, where they changed: called whenever the feeds are written."""
    return Site.copy_feeds(output_dir / "feeds" / body, public_root(output_dir) / body / "feeds")


def _gone(folder: Path, present: set[str], candidates: set[str] | None) -> set[str]:
    """Keys whose page must go: the candidates not present (scoped), or every page on disk whose
    key is not present (whole: pages are named by slug, so compare slugs)."""

    if candidates is not None:
        return {c for c in candidates if c not in present}
    slugs = {slug(k) for k in present}
    return {p.stem for p in folder.glob("*.html") if p.stem not in slugs} if folder.is_dir() else set()


def _write_oparl(session: Any, root: Path, body: str, changes: oparl.Changes, whole: bool, base: str,
                 bodies: list[str], words: Any) -> None:
    # a whole publish writes every object again (the files may be missing); a scoped one what changed
    where = PublishedObjectRow.body_key == body if whole else PublishedObjectRow.path.in_(changes.changed or {""})
    rows = session.execute(select(PublishedObjectRow).where(where)).scalars().all()
    for row, document in zip(rows, oparl.output(rows, session)):
        write_atomically(root / row.path, oparl.absolute(document, base))
    to_write = oparl.pages_to_write(session, body, None if whole else changes)
    for kind in oparl.LISTS.values():
        last = oparl.last_page(session, body, kind)
        if not (root / oparl.static_page_path(body, kind, 1)).exists():  # body.json links every list, an empty one too
            to_write.setdefault(kind, set()).add(1)
        # a list that lost objects ends earlier: its old last pages go (they would list stale objects)
        page = last + 1
        while (root / oparl.static_page_path(body, kind, page)).exists():
            (root / oparl.static_page_path(body, kind, page)).unlink()
            page += 1
    for kind, pages in to_write.items():
        for page in sorted(pages):  # after the objects: a page is spliced from their files
            write_atomically(root / oparl.static_page_path(body, kind, page),
                             oparl.static_list_page(session, root, body, kind, page, base))
    # both through an index (the first row is the oldest): no scan of the whole ledger per build
    first = session.execute(select(PublishedObjectRow.created).order_by(PublishedObjectRow.id).limit(1)).scalar()
    last = session.execute(select(func.max(PublishedObjectRow.modified))).scalar()
    now = dt.datetime.now(dt.timezone.utc)
    system = oparl.system_object(first or now, last or now)
    write_atomically(root / oparl.system_path(), oparl.absolute(system, base))
    write_atomically(root / oparl.bodies_path(), oparl.spliced_page(session, root, None, "Body", 1, base))
    # what a web server answers for an unknown URL below the body's OParl root (docs/operations.md)
    error = oparl.error_object(words.text("portal.oparl_not_found"))
    write_atomically(root / oparl.ROOT / body / "error-404.json", oparl.absolute(error, base))
    if body == bodies[0]:
        write_atomically(root / oparl.ROOT / "error-404.json", oparl.absolute(error, base))


def _write_root(root: Path, configs: Any) -> None:
    """output/public/index.html: a link to each body's portal, each in its own language."""

    links = []
    for config in configs:
        words = catalogue(config.body.locale.value)
        if (root / config.body.key / "index.html").exists():
            links.append(f'<li lang="{config.body.locale.value}"><a href="{escape(config.body.key)}/index.html">'
                         f'{escape(config.body.name)}: {escape(words.text("portal.site_name"))}</a></li>')
    first = next(iter(configs), None)
    lang = first.body.locale.value if first else "da"
    title = catalogue(lang).text("portal.site_name")
    html = (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{escape(title)}</title>\n'
            f'</head>\n<body>\n<main>\n<h1>{escape(title)}</h1>\n<ul>\n' + "\n".join(links) +
            '\n</ul>\n</main>\n</body>\n</html>\n')
    write_atomically(root / "index.html", html.encode("utf-8"))


def after(store: Any, configs: Any, settings: Any, now: dt.datetime, body: str,
          meetings: set[str] | None = None, papers: set[str] | None = None) -> list[str]:
    """Publish after a build, minutes or planning run: only `meetings` (and their papers) where
    given, else the whole body. A failure here is returned as a note, never raised: the run's own
    work (documents, messages) is done and recorded, and `meetprep publish` catches up."""

    try:
        publish(store, configs, settings, now, body=body, meetings=meetings, papers=papers)
    except Exception as exc:  # noqa: BLE001 - any failure of publishing must not undo the build
        logging.getLogger("meetprep.publish").exception("publishing %s failed", body)
        return [f"the public portal of {body} was not updated ({type(exc).__name__}: {exc}); "
                f"run `meetprep publish --body {body}`"]
    return []
