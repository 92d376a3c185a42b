"""The accessibility checks behind the portal's accessibility statement (docs/publishing.md).

Run by `meetprep accessibility check` (meetprep.jobs.accessibility), never by a build: each
portal page is checked by html-validate (its markup) and by axe-core in Debian's Chromium (WCAG
2.1 A/AA as rendered); each PDF the portal publishes by two PDF/UA-1 checkers, pdfua and
outloud. meetprep's own documents are expected to pass; attachments from third parties are
checked and listed as they are (never altered), with the exemption the statement relies on.
A checker that is not installed is named as not run: the statement says only what was checked.

The report is JSON in output/accessibility/<body>.json; every publish writes the statement from
the newest one.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from meetprep.publish.view import PublicBody, PublicFile

BROWSER_KIT = Path(__file__).parent / "browser"  # `npm ci` here installs axe-core, playwright-core, html-validate
# EU directive 2016/2102, art. 1(4): (a) office documents published before 23 September 2018;
# (e) third-party content neither funded, developed nor controlled by the public body.
OLD_DOCUMENTS_UNTIL = dt.date(2018, 9, 23)


def report_path(output_dir: Path, body: str) -> Path:
    return output_dir / "accessibility" / f"{body}.json"


def load_report(output_dir: Path, body: str) -> dict[str, Any] | None:
    try:
        return json.loads(report_path(output_dir, body).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def check_portal(view: PublicBody, folder: Path, now: dt.datetime, timeout: float = 900) -> dict[str, Any]:
    """Check one body's published portal (`folder` = output/public/<body>) and its PDFs."""
    not_run: list[str] = []
    pages = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.html"))
    audited = _audit_pages(folder, pages, timeout, not_run)
    own: list[dict[str, Any]] = []
    third_party: list[dict[str, Any]] = []
    files: dict[str, PublicFile] = {}
    for meeting in view.meetings.values():
        for file in meeting.agenda_files + meeting.minutes_files:
            files[file.href] = file
    for paper in view.papers.values():
        for file in paper.documents + paper.files:
            files[file.href] = file
    for href, file in sorted(files.items()):
        path = folder / href
        entry: dict[str, Any] = {"file": href, "title": file.name, "type": file.media_type}
        if file.media_type == "application/pdf" and path.is_file():
            entry.update(_check_pdf(path, not_run))
        else:
            entry["checked"] = False  # a Word document or an image: no checker here
        if file.role == "attachment":
            entry["date"] = file.date.isoformat() if file.date else None
            entry["exemption"] = "before_2018" if file.date and file.date < OLD_DOCUMENTS_UNTIL else "third_party"
            third_party.append(entry)
        else:
            own.append(entry)
    tools = {name: _version(name) for name in ("pdfua", "outloud")}
    tools.update(audited.get("tools", {}))
    return {
        "body": view.key,
        "checked_at": now.isoformat(timespec="seconds"),
        "tools": {k: v for k, v in tools.items() if v},
        "not_run": sorted(set(not_run)),
        "pages": {"count": len(pages), "checked": len(audited.get("pages", [])),
                  "problems": [p for p in audited.get("pages", []) if p["markup"] or p["axe"]]},
        "documents": {"count": len(own), "checked": sum(1 for e in own if e.get("checked")),
                      "problems": [e for e in own if e.get("problems")], "unchecked": [e for e in own if not e.get("checked")]},
        "third_party": third_party,
    }


def conformance(report: dict[str, Any] | None) -> str:
    """'full', 'partial' or 'unknown' (no check, or a checker did not run)."""
    if report is None or report["not_run"]:
        return "unknown"
    inaccessible = [e for e in report["third_party"] if e.get("problems") or not e.get("checked")]
    if report["pages"]["problems"] or report["documents"]["problems"] or inaccessible:
        return "partial"
    return "full"


def _check_pdf(path: Path, not_run: list[str]) -> dict[str, Any]:
    problems: list[str] = []
    ran = False
    try:
        from pdfua import validate  # the machine-checkable PDF/UA-1 rules (pikepdf)
    except ImportError:
        not_run.append("pdfua (pip install pdfua)")
    else:
        ran = True
        try:
            problems += [f"pdfua {f.rule_id}: {f.message}" for f in validate(str(path)).findings]
        except Exception as exc:  # noqa: BLE001 - a file the checker cannot read is a finding of its own
            problems.append(f"pdfua could not read it ({type(exc).__name__})")
    try:
        from outloud import check  # a second PDF/UA-1 and WCAG 2.2 checker (pikepdf, PyMuPDF)
    except ImportError:
        not_run.append("outloud (pip install outloud)")
    else:
        ran = True
        try:
            result = check(str(path))
            if result.verdict in ("fail", "unreadable"):
                problems += [f"outloud {f.rule}: {f.message}" for f in result.sorted_findings()
                             if getattr(f, "severity", "error") == "error"][:20] or [f"outloud: {result.verdict}"]
        except Exception as exc:  # noqa: BLE001
            problems.append(f"outloud could not read it ({type(exc).__name__})")
    return {"checked": ran, "problems": problems}


def _audit_pages(folder: Path, pages: list[str], timeout: float, not_run: list[str]) -> dict[str, Any]:
    node = shutil.which("node")
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if node is None or not Path(chromium).exists() or not (BROWSER_KIT / "node_modules" / "html-validate").is_dir():
        not_run.append(f"axe-core and html-validate (needs Node, Debian's chromium and `npm ci` in {BROWSER_KIT})")
        return {}
    report: dict[str, Any] = {"pages": []}
    for start in range(0, len(pages), 200):  # one browser per 200 pages: a bounded command line
        done = subprocess.run([node, "audit.mjs", str(folder), *pages[start:start + 200]], cwd=BROWSER_KIT,
                              capture_output=True, text=True, timeout=timeout, env={**os.environ, "CHROMIUM": chromium})
        if done.returncode != 0:
            not_run.append(f"axe-core and html-validate (failed: {done.stderr.strip()[-300:]})")
            return {}
        part = json.loads(done.stdout)
        report["tools"] = part["tools"]
        report["pages"] += part["pages"]
    return report


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
