"""The public portal in a real browser (issue 15): Debian's Chromium driven by playwright-core
loads every page of a body's portal, axe-core checks each against WCAG 2.1 A/AA, every link must
resolve, the search must find a paper by a word of its text, and a closed item's title must not
be on any page. Papers written for the test, in German and Danish."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess

import pytest

from meetprep.minutes import record as minutes
from meetprep.model import MinutesFile
from meetprep.publish import publish
from meetprep.publish.server import portal_server, start
from tests.conftest import ROOT
from tests.servers import free_port
from tests.test_publish import CLOCK, SECRET_FILE, SECRET_TITLE, build_meeting, portal_settings, wedel_papers

BROWSER = ROOT / "meetprep" / "publish" / "browser"


def browser_ready() -> bool:
    ready = (shutil.which("chromium") or os.path.exists("/usr/bin/chromium")) and shutil.which("node") \
        and (BROWSER / "node_modules" / "axe-core").is_dir() and (BROWSER / "node_modules" / "playwright-core").is_dir()
    if not ready and os.environ.get("CI"):
        pytest.fail("Chromium, Node or the test's npm packages are missing in CI; scripts/test.sh installs them")
    return bool(ready)


pytestmark = pytest.mark.skipif(not browser_ready(), reason="needs Debian's chromium and `npm ci` in meetprep/publish/browser")


def run_browser(url: str, word: str) -> dict:
    result = subprocess.run(["node", str(BROWSER / "check.mjs"), url, word], capture_output=True, text=True,
                            timeout=300, cwd=BROWSER)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


@pytest.fixture
def served(tmp_path):
    from meetprep.config import load_configs
    from meetprep.store import Store

    port = free_port()
    settings = portal_settings(tmp_path, f"http://127.0.0.1:{port}/")
    store = Store(settings.database_url)
    server = portal_server(store, settings.output_dir / "public", settings.public_url, port=port)
    start(server)
    yield store, load_configs(ROOT / "config"), settings, tmp_path
    server.shutdown()
    server.server_close()
    store.close()


def test_every_page_of_the_portal_loads_links_resolve_and_axe_finds_nothing_serious(served):
    store, configs, settings, tmp = served
    from meetprep.importing.pipeline import import_files

    import_files(store, configs, [wedel_papers(tmp / "wedel")], CLOCK)
    build_meeting(store, configs, settings, "sozialausschuss", dt.date(2024, 2, 6))
    minutes.record(store, configs, MinutesFile.model_validate({
        "kind": "minutes", "body": "wedel", "meeting": "sozialausschuss-2024-02-06",
        "items": [{"reference": "BV/2024/011", "result": "empfohlen"},
                  {"reference": "BV/2024/012", "result": "vertagt"}]}), "minutes.yaml", CLOCK)
    build_meeting(store, configs, settings, "rat", dt.date(2024, 2, 29))
    publish(store, configs, settings, CLOCK, body="wedel")

    report = run_browser(f"{settings.public_url}wedel/index.html", "barrierefrei")
    assert report["errors"] == []
    pages = report["pages"]
    assert len(pages) >= 8, pages  # index, calendar, meetings, paper, committees, search
    assert any("/paper/" in p for p in pages) and any("/meeting/" in p for p in pages)
    assert report["broken"] == []
    serious = [v for v in report["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], json.dumps(serious, indent=1, ensure_ascii=False)
    for page, html in report["texts"].items():
        assert SECRET_TITLE not in html and SECRET_FILE not in html, page
    assert report["search"]["hits"], report["search"]
    assert "Neuer Spielplatz <Rosengarten> & Co" in report["search"]["hits"][0]["text"]
    assert report["search"]["hits"][0]["href"].endswith(".html")
