"""Publishing after a job's work: the portal and OParl for what changed, and the feeds.

Only jobs call these. A failure to publish is returned as a note and never undoes the work (the
documents are written and the messages sent); `meetprep publish` catches up.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from meetprep.config import Configs
from meetprep.messages.feeds import feed_secret, write_calendar_feeds
from meetprep.publish import PublishResult, after, copy_feeds, publish
from meetprep.publish.atom import committee_feeds
from meetprep.store import Store
from meetprep.folders import write_atomically


def publish_meetings(store: Store, configs: Configs, settings: Any, now: dt.datetime, body: str,
                     meetings: set[str] | None = None, papers: set[str] | None = None) -> list[str]:
    """Publish `meetings` of `body` and their papers, and `papers` (the whole body where both are
    None), with the body's Atom feeds of public documents first (a new agenda version is news);
    notes on failure."""
    try:
        write_document_feeds(store, configs, settings, now, body)
    except Exception as exc:  # noqa: BLE001 - like publishing, a feed must not undo the job's work
        logging.getLogger("meetprep.publish").exception("the document feeds of %s were not written", body)
        return [f"the document feeds of {body} were not updated ({type(exc).__name__}: {exc}); "
                f"run `meetprep publish --body {body}`"]
    return after(store, configs, settings, now, body, meetings, papers)


def publish_all(store: Store, configs: Configs, settings: Any, now: dt.datetime, body: str | None = None,
                meetings: set[str] | None = None) -> list[PublishResult]:
    """`meetprep publish`: the document feeds, then the portal and OParl of one body or all, as a
    whole (or `meetings` of `body`); raises where publishing fails."""
    for config in configs:
        if body is None or config.body.key == body:
            write_document_feeds(store, configs, settings, now, config.body.key)
    return publish(store, configs, settings, now, body=body, meetings=meetings)


def write_document_feeds(store: Store, configs: Configs, settings: Any, now: dt.datetime, body: str) -> list[Path]:
    """Each committee's Atom feed of its public documents (meetprep.publish.atom)."""
    written = []
    config = configs.get(body)
    with store.session() as session:
        folder = settings.output_dir / "feeds" / body
        for key, data in committee_feeds(session, config, settings.output_dir, now).items():
            written.append(write_atomically(folder / f"{key}.atom", data))
    return written


def write_feeds(store: Store, configs: Configs, settings: Any, now: dt.datetime) -> list[Path]:
    """Every calendar feed (per committee and per person) and each committee's Atom feed of its
    public documents, rewritten as a whole so that they follow every change, and the public ones
    copied beside the portal's pages at once."""
    written = write_calendar_feeds(store, configs, settings.output_dir, now, feed_secret(settings.home))
    for config in configs:
        written += write_document_feeds(store, configs, settings, now, config.body.key)
        copy_feeds(settings.output_dir, config.body.key)
    return written
