"""OParl 1.1 as a consumer meets it (issue 27): the demo's output, published incrementally as the
demo's jobs left it, served by `meetprep serve --portal-only` in its own process, walked by
tests/oparl_crawler.py from the System to every object and file, with the list filters."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import ROOT
from tests.oparl_crawler import BODY_LISTS, Crawler, with_query
from tests.test_publish import validator_for


LONG_AGO = "1970-01-01T00:00:00+01:00"
FAR_AHEAD = "2999-01-01T00:00:00+01:00"


@pytest.fixture
def served(demo_run):
    out, _ = demo_run
    system = json.loads((out / "output" / "public" / "oparl" / "v1" / "system.json").read_text(encoding="utf-8"))
    base = system["id"].split("oparl/")[0]  # the demo published below a free port (tests/conftest.py)
    port = int(base.rstrip("/").rsplit(":", 1)[1])
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("MEETPREP_")}, "MEETPREP_FORKSERVER": "off",
           "MEETPREP_HOME": str(out), "MEETPREP_PUBLIC_URL": base}
    process = subprocess.Popen([sys.executable, "-m", "meetprep.runtime.launch", "serve", "--portal-only",
                                "--portal-port", str(port)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "oparl/v1/system.json", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(process.stdout.read().decode(errors="replace")) from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def crawled(served) -> Crawler:
    crawler = Crawler(served, validator_for())
    crawler.crawl()
    return crawler


def _a_consumer_walks_everything_and_every_must_holds(crawled):
    assert crawled.problems == [], "\n".join(crawled.problems[:40])
    kinds = {o["type"].rsplit("/", 1)[-1] for o in crawled.objects.values()}
    assert {"Body", "Organization", "Person", "Meeting", "Paper", "AgendaItem", "Consultation", "File",
            "Membership", "Location"} <= kinds
    files = [o for o in crawled.objects.values() if o["type"].endswith("/File")]
    assert len(files) >= 5 and all(o["downloadUrl"] != o["accessUrl"] for o in files)
    bodies = {o["shortName"]: o for o in crawled.objects.values() if o["type"].endswith("/Body")}
    assert bodies["herzogenrath"]["ags"] == "05334012" and bodies["gentofte"]["meetprep:kommunekode"] == "0157"


def _the_filters_answer_on_every_external_list(crawled):
    bodies = [o for o in crawled.objects.values() if o["type"].endswith("/Body")]
    lists = [crawled.base + "oparl/v1/bodies.json"] + [b[name] for b in bodies for name in BODY_LISTS]
    deleted_seen = 0
    for url in lists:
        plain = crawled.walk_list(url)
        changed = crawled.walk_list(with_query(url, modified_since=LONG_AGO))
        deleted = [o for o in changed if o.get("deleted")]
        deleted_seen += len(deleted)
        # modified_since shows the deleted objects too, and only then
        assert sorted(o["id"] for o in changed if not o.get("deleted")) == sorted(o["id"] for o in plain), url
        assert crawled.walk_list(with_query(url, created_since=FAR_AHEAD)) == [], url
        assert crawled.walk_list(with_query(url, created_until=LONG_AGO)) == [], url
        until = crawled.walk_list(with_query(url, modified_until=FAR_AHEAD, created_since=LONG_AGO))
        assert [o["id"] for o in until] == [o["id"] for o in plain], url  # no deleted object without modified_since
        if len(plain) > 2:
            two = crawled.get_json(with_query(url, limit=2))
            assert len(two["data"]) == 2 and "limit=2" in two["links"]["next"], url
            assert [o["id"] for o in crawled.walk_list(with_query(url, limit=2))] == [o["id"] for o in plain], url
    assert deleted_seen >= 2  # the demo deletes (a consultation moved off, ...): clients learn of it
    assert crawled.problems == [], "\n".join(crawled.problems[:40])


def _modified_since_gives_a_syncing_client_exactly_the_changes(crawled):
    """A client that synced at the newest `modified` it saw asks again: nothing is missed and
    nothing older than that comes back (the filter is inclusive, to the second)."""
    papers = next(o for o in crawled.objects.values() if o["type"].endswith("/Body"))["paper"]
    everything = crawled.walk_list(with_query(papers, modified_since=LONG_AGO))
    newest = max(o["modified"] for o in everything)
    again = crawled.walk_list(with_query(papers, modified_since=newest))
    assert again and all(o["modified"] == newest for o in again)
    assert {o["id"] for o in again} == {o["id"] for o in everything if o["modified"] == newest}
    ahead = (dt.datetime.fromisoformat(newest) + dt.timedelta(seconds=1)).isoformat()
    assert crawled.walk_list(with_query(papers, modified_since=ahead)) == []


def _unknown_urls_and_bad_parameters_get_an_error_object(crawled):
    base = crawled.base
    for url, status, language_word in [(base + "oparl/v1/gentofte/paper/no-such-paper.json", 404, "findes"),
                                       (base + "oparl/v1/herzogenrath/nothing.json", 404, "Adresse"),
                                       (base + "oparl/v1/herzogenrath/papers.json?modified_since=gestern", 400, None),
                                       (base + "oparl/v1/herzogenrath/papers.json?limit=0", 400, None)]:
        response = crawled.get(url)
        assert response.status == status, url
        assert response.headers["content-type"].startswith("application/json"), url
        error = response.json()
        assert error["type"] == "https://schema.oparl.org/1.1/Error" and error["message"] and error["debug"], url
        if language_word:
            assert language_word in error["message"], error
    preflight = crawled.get(base + "oparl/v1/system.json", method="OPTIONS")
    assert preflight.status == 204 and "GET" in preflight.headers["access-control-allow-methods"]
    assert crawled.problems == [], "\n".join(crawled.problems)


def _votes_are_on_the_agenda_item_and_the_meeting_page(crawled, demo_run):
    """Seed 000's paper: unanimous in Økonomiudvalget, 8 for and 1 abstaining in the
    Kommunalbestyrelse (examples/gentofte/minutes): OParl's vendor extension and the portal."""
    items = {o["id"].rsplit("/", 1)[-1].split(".paper-")[0]: o for o in crawled.objects.values()
             if o["type"].endswith("/AgendaItem") and "meetprep:votes" in o}
    assert items["oeu-2025-10-06"]["meetprep:votes"] == {"unanimous": True}
    assert items["kb-2025-10-27"]["meetprep:votes"] == {"yes": 8, "no": 0, "abstain": 1, "unanimous": False}
    out, _ = demo_run
    page = (out / "output" / "public" / "gentofte" / "meeting" / "kb-2025-10-27.html").read_text(encoding="utf-8")
    assert '<p class="votes">' in page and "8" in page.split('<p class="votes">')[1].split("</p>")[0]


def test_a_consumer_syncs_the_demos_oparl(crawled, demo_run):
    """One test (one process, one server on the demo's port) for the consumer's checks above."""
    _a_consumer_walks_everything_and_every_must_holds(crawled)
    _the_filters_answer_on_every_external_list(crawled)
    _modified_since_gives_a_syncing_client_exactly_the_changes(crawled)
    _unknown_urls_and_bad_parameters_get_an_error_object(crawled)
    _votes_are_on_the_agenda_item_and_the_meeting_page(crawled, demo_run)
