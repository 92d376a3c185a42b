"""The public portal: a static site per body, rendered from `templates/portal/*.html`.

One folder per body under `output/public/<body>/`:

    index.html                 the meeting calendar: coming meetings, then each year's page
    calendar/<year>.html       every meeting of a year, by month
    meeting/<meeting>.html     the public agenda, its documents, the minutes and decisions
    paper/<reference>.html     a paper: its text, its whole Beratungsfolge / sagsgang, its files
    committees.html            the committees; committee/<key>.html with members and meetings
    search.html                search across titles and text (search/index.json lists the shards)
    files/...                  copies of the public documents and attachments
    feeds/<committee>.ics|.atom  the committee's public calendar and document feeds

The templates are data: a clerk edits the HTML (labels come from the message catalogue,
`portal:` in meetprep/locale/<locale>.yaml) and the next publish uses it. They are rendered in a
sandboxed, autoescaping Jinja environment: a title with "<script>" is text, never markup.

A build publishes only what it changed (its meeting, that meeting's papers, the meeting's year
and committee): nothing here reads every paper of the body, except `meetprep publish` itself.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from meetprep.publish.checks import conformance
from meetprep.minutes.record import vote_text
from meetprep.agenda.markup import text_blocks
from meetprep.folders import write_atomically
from meetprep.i18n import Catalogue, catalogue
from meetprep.store import BodyRow, MeetingRow, OrganizationRow
from meetprep.publish.view import PublicBody, PublicFile, PublicMeeting, PublicPaper, slug
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

STYLE = "portal.css"
SCRIPT = "search.js"


@lru_cache(maxsize=4)
def _environment(folder: str, stamp: float):
    del stamp  # part of the cache key only: an edited template is read again
    return SandboxedEnvironment(loader=FileSystemLoader(folder), undefined=StrictUndefined, autoescape=True,
                                trim_blocks=True, lstrip_blocks=True)


def environment(templates_dir: Path):
    folder = templates_dir / "portal"
    if not folder.is_dir():
        raise FileNotFoundError(f"the portal's templates are missing: {folder}")
    return _environment(str(folder), max(p.stat().st_mtime for p in folder.iterdir()))


class Site:
    """Writes one body's pages. `root` is output/public; pages go to root/<body>/."""

    def __init__(self, view: PublicBody, templates_dir: Path, root: Path):
        self.view, self.root = view, root
        self.folder = root / view.key
        self.words: Catalogue = catalogue(view.locale)
        self.env = environment(templates_dir)
        self.templates_dir = templates_dir
        self.written: list[Path] = []
        self._dirty_groups: set[str] = set()  # search shard groups to merge again

    # -- helpers -----------------------------------------------------------------------------

    def t(self, key: str, **values: Any) -> str:
        return self.words.text(f"portal.{key}", **values)

    def when(self, moment: dt.datetime) -> str:
        return self.words.datetime(moment.astimezone(self.view.zone))

    def day(self, value: dt.date | None) -> str:
        return self.words.date(value, "date_text", capitalize=False) if value else ""

    def page(self, template: str, target: str, depth: int, **context: Any) -> Path:
        up = "../" * depth
        html = self.env.get_template(template).render(
            t=self.t, body=self.view, lang=self.view.locale, up=up, style=f"{up}{STYLE}", **context)
        self.written.append(write_atomically(self.folder / target, html.encode("utf-8")))
        return self.folder / target

    def assets(self) -> None:
        for name in (STYLE, SCRIPT):
            source = self.templates_dir / "portal" / name
            target = self.folder / name
            if not target.exists() or target.read_bytes() != source.read_bytes():
                self.written.append(write_atomically(target, source.read_bytes()))

    def copy_files(self, files: list[PublicFile]) -> None:
        for file in files:
            target = self.folder / file.href
            if not file.source.is_file():
                continue
            if target.exists() and target.stat().st_size == file.source.stat().st_size and file.sha256 and \
                    target.stat().st_mtime >= file.source.stat().st_mtime:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.part")
            shutil.copyfile(file.source, partial)
            os.replace(partial, target)
            self.written.append(target)

    def prune(self, folder: Path, keep: set[Path]) -> None:
        """Remove the files under `folder` that are not in `keep` (a new version with fewer files)."""
        if not folder.is_dir():
            return
        for path in folder.rglob("*"):
            if path.is_file() and path not in keep:
                path.unlink(missing_ok=True)

    # -- contexts ----------------------------------------------------------------------------

    def file_context(self, file: PublicFile, up: str) -> dict[str, Any]:
        kind = "PDF" if file.media_type == "application/pdf" else (
            "Word" if "wordprocessingml" in file.media_type else file.file_name.rpartition(".")[2].upper())
        size = f"{max(1, round((file.size or 0) / 1024))} kB" if file.size else ""
        return {"name": file.name, "href": up + file.href, "kind": kind, "size": size}

    def meeting_summary(self, row: dict[str, Any], up: str) -> dict[str, Any]:
        return {**row, "href": f"{up}meeting/{slug(row['key'])}.html", "when": self.when(row["start"]),
                "state": self.t(f"states.{row['state']}")}

    def meeting_context(self, meeting: PublicMeeting) -> dict[str, Any]:
        up = "../"
        items = []
        for item in meeting.items:
            paper = self.view.papers.get(item.reference) if item.reference else None
            items.append({
                "label": item.label, "number": item.number, "public": item.public, "withdrawn": item.withdrawn,
                "title": item.title if item.public else self.words.text("labels.closed_item_title"),
                "reference": item.reference if paper else None,
                "href": f"{up}paper/{slug(paper.reference)}.html" if paper else None,
                "text": item.standing_text,
                "result": self.words.text(f"results.{item.result}") if item.result else "",
                "resolution": item.resolution or "",
                "votes": vote_text(self.words, item.votes, item.unanimous) if item.public else "",
                "planned": self.words.time(item.planned.astimezone(self.view.zone)) if item.planned else "",
                "files": [self.file_context(f, up) for f in (paper.documents + paper.files if paper else [])]})
        committee = self.view.committees.get(meeting.committee)
        return {"meeting": meeting, "when": self.when(meeting.start), "items": items,
                "state": self.t(f"states.{meeting.state}"),
                "place": meeting.place,
                "committee": committee, "committee_href": f"{up}committee/{slug(meeting.committee)}.html",
                "agenda_files": [self.file_context(f, up) for f in meeting.agenda_files],
                "minutes_files": [self.file_context(f, up) for f in meeting.minutes_files]}

    def paper_context(self, paper: PublicPaper) -> dict[str, Any]:
        up = "../"
        sessions = []
        for s in paper.sessions:
            sessions.append({"date": self.day(s.date), "committee": s.committee_name,
                             "role": self.words.text(f"roles.{s.role}"),
                             "result": self.words.text(f"results.{s.result}") if s.result else "",
                             "text": s.result_text or "", "held": s.held,
                             "href": f"{up}meeting/{slug(s.meeting)}.html" if s.meeting else None})
        proposal = None
        if paper.proposal:
            proposal = {"heading": paper.proposal.get("heading") or self.words.text("labels.proposal_heading"),
                        "intro": [b.text for b in text_blocks(paper.proposal.get("intro"))],
                        "points": list(paper.proposal.get("points") or []),
                        "numbered": paper.proposal.get("style", "numbered") == "numbered"}
        return {"paper": paper, "date": self.day(paper.date), "sessions": sessions, "proposal": proposal,
                "sections": [{"heading": s.get("heading") or "", "blocks": _grouped(text_blocks(s.get("text")))}
                             for s in paper.sections],
                "files": [self.file_context(f, up) for f in paper.documents + paper.files],
                "related": [{"reference": r, "href": f"{up}paper/{slug(r)}.html"} for r in paper.related],
                "amends": {"reference": paper.amends, "href": f"{up}paper/{slug(paper.amends)}.html"} if paper.amends else None}

    # -- pages -------------------------------------------------------------------------------

    def meeting_page(self, meeting: PublicMeeting) -> None:
        self.copy_files(meeting.agenda_files + meeting.minutes_files)
        self.prune(self.folder / "files" / "meeting" / slug(meeting.key),
                   {self.folder / f.href for f in meeting.agenda_files + meeting.minutes_files})
        self.page("meeting.html", f"meeting/{slug(meeting.key)}.html", 1, **self.meeting_context(meeting))
        self.search_shard(meeting)

    def paper_page(self, paper: PublicPaper) -> None:
        self.copy_files(paper.documents + paper.files)
        self.prune(self.folder / "files" / "paper" / slug(paper.reference),
                   {self.folder / f.href for f in paper.documents + paper.files})
        self.page("paper.html", f"paper/{slug(paper.reference)}.html", 1, **self.paper_context(paper))

    def remove_paper(self, reference: str) -> None:
        """A paper that is not public (any more): its page and its files go."""
        (self.folder / "paper" / f"{slug(reference)}.html").unlink(missing_ok=True)
        shutil.rmtree(self.folder / "files" / "paper" / slug(reference), ignore_errors=True)

    def remove_meeting(self, key: str) -> None:
        (self.folder / "meeting" / f"{slug(key)}.html").unlink(missing_ok=True)
        self._drop_shards(slug(key))
        shutil.rmtree(self.folder / "files" / "meeting" / slug(key), ignore_errors=True)

    def search_shard(self, meeting: PublicMeeting) -> None:
        """The meeting's public items and papers as search entries (search/meetings/<key>.json)."""
        entries = []
        day = self.day(meeting.start.astimezone(self.view.zone).date())
        entries.append({"title": meeting.name, "kind": self.t("search_kinds.meeting"), "date": day,
                        "href": f"meeting/{slug(meeting.key)}.html", "text": ""})
        for item in meeting.items:
            if not item.public:
                continue
            paper = self.view.papers.get(item.reference) if item.reference else None
            if paper is None:
                entries.append({"title": item.title, "kind": self.t("search_kinds.item"), "date": day,
                                "href": f"meeting/{slug(meeting.key)}.html", "text": item.standing_text or ""})
                continue
            text = " ".join(b.text for s in paper.sections for b in text_blocks(s.get("text")))
            text += " " + " ".join(str(p) for p in (paper.proposal or {}).get("points") or [])
            entries.append({"title": paper.title, "reference": paper.reference, "kind": paper.paper_type, "date": day,
                            "href": f"paper/{slug(paper.reference)}.html", "text": text[:4000]})
        data = {"meeting": meeting.key, "committee": meeting.committee, "year": meeting.start.year, "entries": entries}
        group = _shard_group(data)
        self._drop_shards(slug(meeting.key), keep=group)  # a meeting moved to another year or committee
        write_atomically(self.folder / "search" / "meetings" / group / f"{slug(meeting.key)}.json",
                         json.dumps(data, ensure_ascii=False).encode())
        self._dirty_groups.add(group)

    def _drop_shards(self, name: str, keep: str | None = None) -> None:
        """Remove the meeting's shard from every group but `keep`; those groups are merged again."""
        for path in (self.folder / "search" / "meetings").glob(f"*/{name}.json"):
            if path.parent.name != keep:
                path.unlink(missing_ok=True)
                self._dirty_groups.add(path.parent.name)

    def search_index(self, everything: bool = False) -> None:
        """Merge the meetings' shards into one file per committee and year, and list those in
        search/index.json. A meeting's shard lies in its group's folder
        (search/meetings/<committee>-<year>/<meeting>.json), so a build merges again only the
        groups it touched and reads none of the other meetings; `everything` merges all."""
        meetings = self.folder / "search" / "meetings"
        folder = self.folder / "search"
        self._regroup_flat_shards(meetings)
        if everything:
            groups = sorted(p.name for p in meetings.iterdir() if p.is_dir()) if meetings.is_dir() else []
        else:  # a build: the groups it touched, without listing every committee-year
            groups = sorted(self._dirty_groups)
        for group in groups:
            entries: list[dict[str, Any]] = []
            for path in sorted((meetings / group).glob("*.json")):
                entries.extend(json.loads(path.read_text(encoding="utf-8"))["entries"])
            seen, unique = set(), []
            for entry in entries:  # a paper on two meetings is one hit
                if (entry["href"], entry["title"]) not in seen:
                    seen.add((entry["href"], entry["title"]))
                    unique.append(entry)
            if unique:
                write_atomically(folder / f"{group}.json", json.dumps(unique, ensure_ascii=False).encode())
            else:
                (folder / f"{group}.json").unlink(missing_ok=True)
        if everything:
            for old in folder.glob("*.json") if folder.is_dir() else []:
                if old.stem not in groups and old.name != "index.json":
                    old.unlink()
        self._dirty_groups.clear()
        shards = sorted(p.name for p in folder.glob("*.json") if p.name != "index.json") if folder.is_dir() else []
        write_atomically(folder / "index.json", json.dumps({"shards": shards}).encode())

    def _regroup_flat_shards(self, meetings: Path) -> None:
        """Shards written before they were grouped (search/meetings/<meeting>.json) move into
        their group's folder, once, so that no meeting drops out of the search."""
        for path in sorted(meetings.glob("*.json")) if meetings.is_dir() else []:
            group = _shard_group(json.loads(path.read_text(encoding="utf-8")))
            (meetings / group).mkdir(parents=True, exist_ok=True)
            os.replace(path, meetings / group / path.name)
            self._dirty_groups.add(group)

    def accessibility_pages(self, report: dict[str, Any] | None, feedback: str, enforcement: str | None,
                            enforcement_url: str | None, portal_url: str) -> None:
        """The accessibility statement, from the newest check (meetprep.publish.checks), and the
        portal explained in plain language (Leichte Sprache; let dansk)."""
        checked = self.day(dt.date.fromisoformat(report["checked_at"][:10])) if report else ""
        before, _, after = self.t("a11y.feedback", address="\x00").partition("\x00")
        self.page("accessibility.html", "accessibility.html", 0, report=report, status=conformance(report),
                  checked=checked, feedback=feedback, feedback_before=before, feedback_after=after,
                  enforcement=enforcement, enforcement_url=enforcement_url, portal_url=portal_url)
        paragraphs = []
        for text in self.words.data["portal"]["plain"]["paragraphs"]:
            head, found, tail = text.replace("{body}", self.view.name).partition("{address}")
            paragraphs.append((head, feedback if found else None, tail))
        self.page("plain.html", "plain.html", 0, paragraphs=paragraphs)

    def decisions_page(self, tasks: list[Any]) -> None:
        """The public decisions in progress and done (meetprep.publish.followup)."""
        words = self.words.data["decisions"]
        rows = [{"task": t, "decided": self.words.date(t.decided_on, "date_short"),
                 "due": self.words.date(t.due, "date_short"), "due_iso": t.due.isoformat(),
                 "earlier": ", ".join(self.words.date(d, "date_short") for d in t.earlier_due),
                 "done": self.words.date(t.done_on, "date_short") if t.done_on else "",
                 "state": words["states"][t.state], "paper": f"paper/{slug(t.reference)}.html"} for t in tasks]
        self.page("decisions.html", "decisions.html", 0, rows=rows, words=words, overdue=words["states"]["overdue"])

    def decisions_feed(self, data: bytes) -> None:
        """The Atom feed of the public tasks, beside the committees' feeds (written by every publish:
        it is public only, and made from the store alone)."""
        target = self.folder / "feeds" / "decisions.atom"
        if not target.exists() or target.read_bytes() != data:
            self.written.append(write_atomically(target, data))

    def calendar_pages(self, session: Session, years: set[int] | None, now: dt.datetime) -> None:
        rows = meeting_rows(session, self.view.key, self.words, years)
        by_year: dict[int, list[dict[str, Any]]] = {}
        for row in rows:
            by_year.setdefault(row["start"].astimezone(self.view.zone).year, []).append(row)
        for year, meetings in by_year.items():
            if years is not None and year not in years:
                continue  # read only to place meetings near New Year in their local year
            months: dict[str, list[dict[str, Any]]] = {}
            for row in meetings:
                local = row["start"].astimezone(self.view.zone)
                month = self.words.date(local.date(), "month_year")
                months.setdefault(month, []).append(self.meeting_summary(row, "../"))
            self.page("calendar.html", f"calendar/{year}.html", 1, year=year, months=list(months.items()))
        all_years = sorted({int(p.stem) for p in (self.folder / "calendar").glob("*.html") if p.stem.isdigit()})
        coming = [self.meeting_summary(r, "") for r in upcoming(session, self.view.key, self.words, now)]
        self.page("index.html", "index.html", 0, coming=coming, years=all_years, events=[
            {"name": e.name, "when": self.when(e.start), "committee": self.view.committees[e.committee].name
             if e.committee in self.view.committees else ""} for e in self.view.events if e.end >= now],
            committees=self.committee_links(""))

    def committee_links(self, up: str) -> list[dict[str, str]]:
        return [{"name": c.name, "href": f"{up}committee/{slug(c.key)}.html"} for c in self.view.committees.values()]

    def committee_pages(self, session: Session, keys: set[str] | None) -> None:
        for committee in self.view.committees.values():
            if keys is not None and committee.key not in keys:
                continue
            rows = meeting_rows(session, self.view.key, self.words, None, committee.key)
            feeds = [{"name": self.t(f"feed_kinds.{suffix}"), "href": f"../feeds/{slug(committee.key)}.{suffix}"}
                     for suffix in ("ics", "atom") if (self.folder / "feeds" / f"{slug(committee.key)}.{suffix}").exists()]
            members = [{"name": m.name, "role": self.t(f"roles.{m.role}"), "group": m.on_behalf_of or ""}
                       for m in committee.members]
            self.page("committee.html", f"committee/{slug(committee.key)}.html", 1, committee=committee,
                      members=members, feeds=feeds,
                      meetings=[self.meeting_summary(r, "../") for r in reversed(rows)])
        self.page("committees.html", "committees.html", 0, committees=self.committee_links(""))
        self.page("search.html", "search.html", 0)

    def feeds(self, output_dir: Path) -> None:
        """Copies of the body's public calendar and document feeds, beside the pages."""
        self.written += self.copy_feeds(output_dir / "feeds" / self.view.key, self.folder / "feeds")

    @staticmethod
    def copy_feeds(source: Path, target_folder: Path) -> list[Path]:
        written = []
        for path in sorted(source.glob("*")) if source.is_dir() else []:
            if path.suffix in (".ics", ".atom") and path.is_file():
                target = target_folder / path.name
                data = path.read_bytes()
                if not target.exists() or target.read_bytes() != data:
                    written.append(write_atomically(target, data))
        return written


def _shard_group(data: dict[str, Any]) -> str:
    return f"{slug(data['committee'])}-{data['year']}"


def _grouped(blocks) -> list[dict[str, Any]]:
    """Paragraphs as they are; consecutive list items as one list (HTML wants <ul><li>…</li></ul>)."""
    out: list[dict[str, Any]] = []
    for block in blocks:
        if block.kind == "paragraph":
            out.append({"kind": "paragraph", "text": block.text})
        elif out and out[-1]["kind"] == "list" and out[-1]["ordered"] == (block.kind == "number"):
            out[-1]["entries"].append(block.text)
        else:
            out.append({"kind": "list", "ordered": block.kind == "number", "entries": [block.text]})
    return out


def meeting_rows(session: Session, body: str, words: Catalogue, years: set[int] | None,
                 committee: str | None = None, since: dt.datetime | None = None,
                 count: int | None = None) -> list[dict[str, Any]]:
    """The body's meetings as short rows (no agendas), for calendars and committee pages."""
    query = (select(MeetingRow.key, MeetingRow.start, MeetingRow.state, MeetingRow.extraordinary, OrganizationRow.key,
                    OrganizationRow.name)
             .join(OrganizationRow, MeetingRow.organization_id == OrganizationRow.id)
             .join(BodyRow, MeetingRow.body_id == BodyRow.id).where(BodyRow.key == body).order_by(MeetingRow.start))
    if years:
        # each year a range of the start index, a day wider on both sides: a meeting near New
        # Year belongs to its local year, which the caller works out
        spans = [and_(MeetingRow.start >= dt.datetime(y - 1, 12, 31, tzinfo=dt.timezone.utc),
                      MeetingRow.start < dt.datetime(y + 1, 1, 2, tzinfo=dt.timezone.utc)) for y in sorted(years)]
        query = query.where(or_(*spans))
    if committee:
        query = query.where(OrganizationRow.key == committee)
    if since:
        query = query.where(MeetingRow.start >= since)
    if count:
        query = query.limit(count)
    rows = []
    for key, start, state, extraordinary, org_key, org_name in session.execute(query):
        rows.append({"key": key, "start": start, "state": state, "committee": org_key,
                     "name": words.meeting_name(org_name, extraordinary), "cancelled": state == "cancelled"})
    return rows


def upcoming(session: Session, body: str, words: Catalogue, now: dt.datetime, count: int = 12) -> list[dict[str, Any]]:
    return meeting_rows(session, body, words, None, since=now - dt.timedelta(hours=12), count=count)
