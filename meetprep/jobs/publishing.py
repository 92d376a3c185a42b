"""Publishing after a job's work: the portal and OParl for what changed, and the feeds.

Only jobs call these. A failure to publish is returned as a note and never undoes the work (the
documents are written and the messages sent); `meetprep publish` catches up.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from meetprep.config import Configs
from meetprep.messages.feeds import feed_secret, write_calendar_feeds
from meetprep.publish import after
from meetprep.publish.atom import committee_feeds
from meetprep.store import Store
from meetprep.folders import write_atomically


def publish_meetings(store: Store, configs: Configs, settings: Any, now: dt.datetime, body: str,
                     meetings: set[str] | None = None) -> list[str]:
    """Publish `meetings` of `body` and their papers (the whole body where None); notes on failure."""
    return after(store, configs, settings, now, body, meetings)


def write_feeds(store: Store, configs: Configs, settings: Any, now: dt.datetime) -> list[Path]:
    """Every calendar feed (per committee and per person) and each committee's Atom feed of its
    public documents, rewritten as a whole so that they follow every change."""
    written = write_calendar_feeds(store, configs, settings.output_dir, now, feed_secret(settings.home))
    with store.session() as session:
        for config in configs:
            folder = settings.output_dir / "feeds" / config.body.key
            for key, data in committee_feeds(session, config, settings.output_dir, now).items():
                written.append(write_atomically(folder / f"{key}.atom", data))
    return written
