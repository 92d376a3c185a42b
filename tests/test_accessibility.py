"""The accessibility statement from real checks (issue 27): a Stadt's portal with a Vorlage, its
agenda as tagged PDF (LibreOffice), and a third party's untagged Lageplan; `meetprep
accessibility check` runs html-validate and axe-core (Debian's Chromium) on every page and pdfua
and outloud on every PDF; the statement and the plain-language page are read back."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys

import pytest

from meetprep.agenda import pdf
from meetprep.agenda.draft import AgendaRequest
from meetprep.config import load_configs
from meetprep.importing.pipeline import import_files
from meetprep.jobs.accessibility import check_accessibility
from meetprep.jobs.agenda import build_agenda
from meetprep.publish import publish
from meetprep.publish.checks import BROWSER_KIT
from meetprep.store import Store
from tests.conftest import ROOT
from tests.test_portal_browser import browser_ready
from tests.test_publish import CLOCK, SECRET_FILE, SECRET_TITLE, portal_settings, wedel_papers

pytestmark = pytest.mark.skipif(not browser_ready() or pdf.soffice() is None,
                                reason="needs Debian's chromium, LibreOffice and `npm ci` in meetprep/publish/browser")


def text_of(path) -> str:
    html = path.read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split('<main id="main">')[1].split("</main>")[0]))


@pytest.fixture
def wedel(tmp_path):
    configs = load_configs(ROOT / "config")
    settings = portal_settings(tmp_path, "https://ratsinfo.wedel.example/")
    store = Store(settings.database_url)
    import_files(store, configs, [wedel_papers(tmp_path / "wedel")], CLOCK)
    result, notes = build_agenda(store, configs, settings, AgendaRequest("wedel", "sozialausschuss", dt.date(2024, 1, 27),
                                                                         day=dt.date(2024, 2, 6)), CLOCK, pdf=True)
    assert result.action == "created" and notes == []
    yield store, configs, settings
    store.close()


def test_before_any_check_the_statement_says_so(wedel):
    store, configs, settings = wedel
    portal = settings.output_dir / "public" / "wedel"
    statement = text_of(portal / "accessibility.html")
    assert "Erklärung zur Barrierefreiheit" in statement and "Es wurde noch keine Prüfung durchgeführt." in statement
    assert "nicht vollständig geprüft" in statement  # no claim without a check
    index = (portal / "index.html").read_text(encoding="utf-8")
    assert 'href="accessibility.html"' in index and 'href="plain.html"' in index  # on every page's footer


def test_the_check_finds_the_third_partys_untagged_pdf_and_nothing_of_meetprep(wedel):
    store, configs, settings = wedel
    now = dt.datetime(2026, 12, 3, 9, tzinfo=dt.timezone.utc)
    (result,) = check_accessibility(store, configs, settings, now, "wedel")
    assert result["not_run"] == [] and result["notes"] == []
    report = json.loads((settings.output_dir / "accessibility" / "wedel.json").read_text(encoding="utf-8"))
    assert {"pdfua", "outloud", "axe-core", "html-validate", "chromium"} <= set(report["tools"])
    portal = settings.output_dir / "public" / "wedel"
    pages = sorted(p.relative_to(portal).as_posix() for p in portal.rglob("*.html"))
    assert report["pages"]["count"] == report["pages"]["checked"] == len(pages) >= 6
    assert report["pages"]["problems"] == []  # meetprep's pages: html-validate and axe find nothing
    own_pdfs = [e for e in report["documents"]["problems"] if e["file"].endswith(".pdf")]
    assert own_pdfs == [] and report["documents"]["checked"] >= 2  # the agenda's and the Vorlage's PDFs pass
    (lageplan,) = report["third_party"]
    assert lageplan["title"] == "Lageplan" and lageplan["exemption"] == "third_party" and lageplan["problems"]
    assert any(p.startswith("pdfua") for p in lageplan["problems"]) and any(p.startswith("outloud") for p in lageplan["problems"])
    assert result["conformance"] == "partial" and result["third_party_inaccessible"] == 1

    statement = text_of(portal / "accessibility.html")
    assert "Diese Erklärung gilt für https://ratsinfo.wedel.example/wedel/" in statement
    assert "teilweise mit den Anforderungen der BITV 2.0 vereinbar" in statement
    assert "Zuletzt geprüft am 3. Dezember 2026" in statement
    assert re.search(r"Lageplan nicht barrierefrei Inhalt Dritter", statement)
    assert "axe-core 4.10.3" in statement and "html-validate 10.9.0" in statement and "outloud 0.2.1" in statement
    html = (portal / "accessibility.html").read_text(encoding="utf-8")
    assert 'href="mailto:' in html
    for secret in (SECRET_TITLE, SECRET_FILE):  # a closed paper or file is not listed either
        assert secret not in html
    plain = text_of(portal / "plain.html")
    assert "Dieses Portal in Leichter Sprache" in plain and "Stadt Wedel" in plain and "Tagesordnung" in plain

    # the next publish (a build, a full publish) writes the statement from the same report
    publish(store, configs, settings, now, body="wedel")
    assert text_of(portal / "accessibility.html") == statement


def test_the_command_prints_the_result_and_exits_1_on_findings_of_its_own(wedel):
    store, configs, settings = wedel
    env = {"MEETPREP_HOME": str(settings.home), "MEETPREP_PUBLIC_URL": settings.public_url,
           "MEETPREP_CONFIG_DIR": str(ROOT / "config"), "MEETPREP_TEMPLATES_DIR": str(ROOT / "templates"),
           "MEETPREP_FORKSERVER": "off", "PATH": __import__("os").environ["PATH"]}
    done = subprocess.run([sys.executable, "-m", "meetprep.runtime.launch", "accessibility", "check", "--body", "wedel",
                           "--json"], env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]  # the third party's file is listed, not a failure of meetprep's
    data = json.loads(done.stdout)
    assert data["ok"] and data["bodies"][0]["body"] == "wedel" and data["bodies"][0]["third_party_inaccessible"] == 1
    # a page meetprep wrote that fails: html-validate and axe name it, the command exits 1
    broken = settings.output_dir / "public" / "wedel" / "committees.html"
    broken.write_text(broken.read_text(encoding="utf-8").replace('<html lang="de">', "<html>"), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "meetprep.runtime.launch", "accessibility", "check", "--body", "wedel",
                           "--json"], env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 1
    report = json.loads((settings.output_dir / "accessibility" / "wedel.json").read_text(encoding="utf-8"))
    (page,) = [p for p in report["pages"]["problems"] if p["page"] == "committees.html"]
    assert any(a["rule"] == "html-has-lang" for a in page["axe"])
    assert "committees.html" in text_of(settings.output_dir / "public" / "wedel" / "accessibility.html")
    assert BROWSER_KIT.is_dir()
