"""A corpus of bad input, through the command line as a clerk meets it.

Every case asserts that the command exits with 1 (invalid input), that a problem names the file
and the field (and the line where the input has lines), that the answer comes within seconds,
and that the store is unchanged. Papers, meetings, body configuration, minutes and deliveries.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from typer.testing import CliRunner

from meetprep.cli import app
from meetprep.store import Store
from tests.conftest import CONFIG_DIR, EXAMPLES, snapshot
from tests.pdfgen import minimal_pdf
from tests.worlds import copy_sqlite

IMPORTED = dt.datetime(2025, 2, 1, 8, tzinfo=dt.timezone.utc)


@dataclass
class Case:
    id: str
    command: str  # import, config, minutes, deliver
    content: Any  # the file: a dict (written as YAML), text, bytes, or a function that makes them
    field: str | None  # the field a problem must name
    message: str  # words that problem's message must contain
    line: bool = True  # the problem must give a line
    name: str = "input.yaml"
    setup: Callable[[Path], None] | None = None  # more files beside it
    args: list[str] = field(default_factory=list)


def paper(**changes: Any) -> dict[str, Any]:
    """A valid Gentofte paper, with fields replaced (None removes a field)."""
    data = {"body": "gentofte", "reference": "EMN-2025-09999", "title": "Ny sag", "type": "indstilling",
            "access": "public", "sections": [{"heading": "Resumé", "text": "Kort."}],
            "proposal": {"points": ["At sagen godkendes."]},
            "consultations": [{"committee": "ebi", "role": "indstilling", "date": "2025-09-22"}]}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def attached(path: str, **more: Any) -> dict[str, Any]:
    return paper(attachments=[{"title": "Bilag", "path": path, **more}])


def with_file(name: str, data: bytes) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        (folder / name).write_bytes(data)
    return make


def _zip(entries: dict[str, bytes]) -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in entries.items():
            package.writestr(name, data)
    return buffer.getvalue()


def _link(name: str, target: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        os.symlink(target, folder / name)
    return make


def _bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def meetings(*items: dict[str, Any], body: str = "gentofte") -> dict[str, Any]:
    return {"body": body, "meetings": list(items)}


def meeting(**changes: Any) -> dict[str, Any]:
    data = {"committee": "ebi", "start": "2025-11-17T16:30:00+01:00", "end": "2025-11-17T18:30:00+01:00"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


PDF = minimal_pdf("Bilag")

PAPERS = [
    Case("paper-no-reference", "import", paper(reference=None), "reference", "required field is missing"),
    Case("paper-no-title", "import", paper(title=None), "title", "required field is missing"),
    Case("paper-no-type", "import", paper(type=None), "type", "required field is missing"),
    Case("paper-no-body", "import", paper(body=None), "body", "required field is missing"),
    Case("paper-title-a-list", "import", paper(title=["a", "b"]), "title", "valid string"),
    Case("paper-title-empty", "import", paper(title=""), "title", "at least 1 character"),
    Case("paper-title-line-break", "import", paper(title="Ny sag\r\nBcc: alle@example.org"), "title", "must be one line"),
    Case("paper-title-control", "import", paper(title="Ny\x07sag"), "title", "control character"),
    Case("paper-title-too-long", "import", paper(title="x" * 1001), "title", "at most 1000 characters"),
    Case("paper-title-100k", "import", paper(title="x" * 100_000), "title", "at most 1000 characters"),
    Case("paper-type-too-long", "import", paper(type="t" * 101), "type", "at most 100 characters"),
    Case("paper-unknown-body", "import", paper(body="roskilde"), "body", "unknown body"),
    Case("paper-bad-body-key", "import", paper(body="Gentofte Kommune"), "body", "should match pattern"),
    Case("paper-unknown-committee", "import", paper(consultations=[{"committee": "kultur", "role": "indstilling"}]),
         "consultations[0].committee", "unknown committee"),
    Case("paper-reference-pattern", "import", paper(reference="EMN-25-1"), "reference", "pattern"),
    Case("paper-reference-space", "import", paper(reference="EMN 2025 09999"), "reference", "should match pattern"),
    Case("paper-reference-too-long", "import", paper(reference="E" * 65), "reference", "at most 64 characters"),
    Case("paper-reference-slash-dot", "import", paper(reference="../../etc"), "reference", "should match pattern"),
    Case("paper-unknown-field", "import", paper(titel="Ny sag"), "titel", "unknown field"),
    Case("paper-unknown-access", "import", paper(access="hemmelig"), "access", "Input should be"),
    Case("paper-unknown-role", "import", paper(consultations=[{"committee": "ebi", "role": "godkendelse"}]),
         "consultations[0].role", "Input should be"),
    Case("paper-unknown-meeting", "import", paper(consultations=[{"committee": "ebi", "role": "indstilling",
                                                                  "meeting": "ebi-2030-01-01"}]),
         "consultations[0].meeting", "unknown meeting"),
    Case("paper-meeting-of-other-committee", "import",
         paper(consultations=[{"committee": "kb", "role": "beslutning", "meeting": "ebi-2025-09-22"}]),
         "consultations[0].meeting", "is a meeting of 'ebi', not of 'kb'"),
    Case("paper-bad-date", "import", paper(date="2025-13-01"), "date", "valid date"),
    Case("paper-date-words", "import", paper(date="næste uge"), "date", "valid date"),
    Case("paper-consultation-date", "import", paper(consultations=[{"committee": "ebi", "role": "indstilling",
                                                                    "date": "22.09.2025"}]),
         "consultations[0].date", "valid date"),
    Case("paper-priority-huge", "import", paper(priority=99999999999999999999), None, "too large"),
    Case("paper-priority-range", "import", paper(priority=5000), "priority", "less than or equal to 1000"),
    Case("paper-proposal-empty", "import", paper(proposal={"points": []}), "proposal.points", "at least 1 item"),
    Case("paper-section-no-heading", "import", paper(sections=[{"text": "Kort."}]), "sections[0].heading",
         "required field is missing"),
    Case("paper-section-nul", "import", paper(sections=[{"heading": "Resumé", "text": "a\x00b"}]),
         "sections[0].text", "NUL"),
    Case("paper-section-too-long", "import", paper(sections=[{"heading": "Resumé", "text": "ord " * 60_000}]),
         "sections[0].text", "at most 200000 characters"),
    Case("paper-amount-row-width", "import",
         paper(financial={"tables": [{"title": "Ergebnisplan", "columns": ["2024", "2025"], "rows": [{"label": "x", "values": [1]}]}]}),
         "financial.tables[0]", "has 1 values for 2 columns"),
    Case("paper-amount-inf", "import",
         "body: gentofte\nreference: EMN-2025-09999\ntitle: T\ntype: indstilling\naccess: public\n"
         "financial: {tables: [{title: E, columns: ['2024'], rows: [{label: x, values: [.inf]}]}]}\n",
         None, "not a number that can be used"),
    Case("paper-financial-answer", "import",
         paper(financial={"questions": [{"text": "Mittel veranschlagt?", "options": ["yes", "no"], "answer": "partly"}]}),
         "financial.questions[0]", "is not one of the options"),
    Case("paper-climate-impact", "import", paper(climate={"impact": "enorm"}), "climate.impact", "Input should be"),
    Case("paper-amends-itself", "import", paper(amends="EMN-2025-09999"), None, "cannot amend itself", line=True),
    Case("paper-amends-unknown", "import", paper(amends="EMN-2025-01234"), "amends", "neither in the store nor"),
    Case("paper-amends-circle", "import", paper(amends="EMN-2025-09998"), "amends", "go in a circle",
         setup=lambda folder: (folder / "other.yaml").write_text(yaml.safe_dump(
             paper(reference="EMN-2025-09998", amends="EMN-2025-09999")), encoding="utf-8")),
    Case("paper-duplicate-reference", "import", paper(), "reference", "duplicate reference",
         setup=lambda folder: (folder / "again.yaml").write_text(yaml.safe_dump(paper()), encoding="utf-8")),
    Case("paper-history-removed", "import",
         paper(reference="EMN-2025-05820", title="Ny model", consultations=[{"committee": "kb", "role": "beslutning"}]),
         "consultations[0]", "cannot be removed or replaced", setup=None),
    Case("paper-attachment-absolute", "import", attached("/etc/passwd"), "attachments[0].path",
         "an absolute path is not accepted"),
    Case("paper-attachment-dotdot", "import", attached("../../../../../../etc/passwd"), "attachments[0].path",
         "outside the imported folder"),
    Case("paper-attachment-symlink-out", "import", attached("bilag.pdf"), "attachments[0].path",
         "outside the imported folder", setup=_link("bilag.pdf", "/etc/hostname")),
    Case("paper-attachment-symlink-dir", "import", attached("docs/passwd"), "attachments[0].path",
         "outside the imported folder", setup=_link("docs", "/etc")),
    Case("paper-attachment-missing", "import", attached("bilag.pdf"), "attachments[0].path", "not found"),
    Case("paper-attachment-folder", "import", attached("sub"), "attachments[0].path", "is not a file",
         setup=lambda folder: (folder / "sub").mkdir()),
    Case("paper-attachment-empty", "import", attached("bilag.pdf"), "attachments[0].path", "the file is empty",
         setup=with_file("bilag.pdf", b"")),
    Case("paper-attachment-program-as-pdf", "import", attached("bilag.pdf"), "attachments[0].path",
         "its content is not a PDF file", setup=with_file("bilag.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 200)),
    Case("paper-attachment-script-as-pdf", "import", attached("bilag.pdf"), "attachments[0].path",
         "its content is not a PDF file", setup=with_file("bilag.pdf", b"#!/bin/sh\nrm -rf /\n")),
    Case("paper-attachment-broken-pdf", "import", attached("bilag.pdf"), "attachments[0].path",
         "does not open as a PDF", setup=with_file("bilag.pdf", b"%PDF-1.4\nnot really\n")),
    Case("paper-attachment-exe", "import", attached("setup.exe"), "attachments[0].path",
         "this type of file is not accepted", setup=with_file("setup.exe", b"MZ" + b"\x00" * 100)),
    Case("paper-attachment-no-extension", "import", attached("bilag"), "attachments[0].path",
         "this type of file is not accepted", setup=with_file("bilag", PDF)),
    Case("paper-attachment-docx-not-word", "import", attached("bilag.docx"), "attachments[0].path",
         "not a .docx document", setup=with_file("bilag.docx", _zip({"[Content_Types].xml": b"<x/>", "a.txt": b"a"}))),
    Case("paper-attachment-docx-not-zip", "import", attached("bilag.docx"), "attachments[0].path",
         "its content is not a DOCX file", setup=with_file("bilag.docx", b"just text")),
    Case("paper-attachment-odt-wrong-mimetype", "import", attached("bilag.odt"), "attachments[0].path",
         "not a .odt document", setup=with_file("bilag.odt", _zip({"mimetype": b"application/zip"}))),
    Case("paper-attachment-png-not-png", "import", attached("kort.png"), "attachments[0].path",
         "its content is not a PNG file", setup=with_file("kort.png", b"GIF89a....")),
    Case("paper-attachment-media-type", "import", attached("bilag.pdf", media_type="image/png"),
         "attachments[0].path", "media_type does not match", setup=with_file("bilag.pdf", PDF)),
    Case("paper-attachment-present-without-path", "import", paper(attachments=[{"title": "Bilag"}]),
         "attachments[0]", "needs a 'path'"),
    Case("paper-attachment-unknown-status", "import",
         paper(attachments=[{"title": "Bilag", "status": "måske"}]), "attachments[0].status", "Input should be"),
    Case("paper-attachment-title-line-break", "import", paper(attachments=[{"title": "Bilag\nTo: x", "status": "to_follow"}]),
         "attachments[0].title", "must be one line"),
    Case("paper-signatory-tab", "import", paper(signatories=["Navn\tEfternavn"]), "signatories[0]", "control character"),
    Case("paper-officer-too-long", "import", paper(originator={"officer": "o" * 201}), "originator.officer",
         "at most 200 characters"),
    Case("paper-not-a-mapping", "import", "- a\n- b\n", None, "expected a mapping", line=False),
    Case("paper-empty-file", "import", "", None, "expected a mapping", line=False),
    Case("paper-not-utf8", "import", "title: Møde\n".encode("latin-1"), None, "not UTF-8 text", line=False),
    Case("paper-yaml-unclosed", "import", "body: gentofte\ntitle: [unclosed\n", None, "malformed YAML"),
    Case("paper-yaml-tab-indent", "import", "body: gentofte\nsections:\n\t- heading: x\n", None, "malformed YAML"),
    Case("paper-yaml-duplicate-key", "import", "body: gentofte\nreference: EMN-2025-09999\nreference: EMN-2025-09998\n",
         "reference", "duplicate key"),
    Case("paper-yaml-alias-bomb", "import", _bomb(), None, "values once its aliases are expanded"),
    Case("paper-yaml-too-many-aliases", "import", "a: &a x\nb: [" + ",".join(["*a"] * 300) + "]\n", None,
         "more than 200 aliases"),
    Case("paper-yaml-recursive-alias", "import", "a: &a [*a]\n", None, "refers to the value that contains it"),
    Case("paper-yaml-deep-flow", "import", "title: " + "[" * 5000 + "]" * 5000 + "\n", None, "nested more than 40"),
    Case("paper-yaml-deep-block", "import", "".join("  " * i + f"k{i}:\n" for i in range(200)), None,
         "nested more than 40"),
    Case("paper-yaml-huge", "import", "title: " + "x" * (6 * 1024 * 1024) + "\n", None, "file too large", line=False),
    Case("paper-yaml-python-tag", "import", "title: !!python/object/apply:os.system ['id']\n", None, "malformed YAML"),
]

MEETINGS = [
    Case("meeting-unknown-body", "import", meetings(meeting(), body="roskilde"), "body", "unknown body"),
    Case("meeting-new-and-held", "import", meetings(meeting(state="held")), "meetings[0].state",
         "a new meeting cannot be held already"),
    Case("meeting-unknown-committee", "import", meetings(meeting(committee="kultur")), "meetings[0].committee",
         "unknown committee"),
    Case("meeting-no-timezone", "import", meetings(meeting(start="2025-11-17T16:30:00", end=None)), "meetings[0].start",
         "timezone-aware"),
    Case("meeting-end-before-start", "import", meetings(meeting(end="2025-11-17T15:00:00+01:00")), "meetings[0]",
         "must be after 'start'"),
    Case("meeting-wrong-offset", "import", meetings(meeting(start="2025-11-17T16:30:00+02:00", end=None)),
         "meetings[0].start", "UTC offset does not match"),
    Case("meeting-bad-date", "import", meetings(meeting(start="2025-02-30T16:30:00+01:00", end=None)),
         "meetings[0].start", "valid datetime"),
    Case("meeting-start-number", "import", meetings(meeting(start=20251117, end=None)), "meetings[0].start",
         "expected a date and time with its offset"),
    Case("meeting-no-start", "import", meetings(meeting(start=None, end=None)), "meetings[0].start",
         "required field is missing"),
    Case("meeting-no-committee", "import", meetings(meeting(committee=None)), "meetings[0].committee",
         "required field is missing"),
    Case("meeting-duplicate-key", "import", meetings(meeting(), meeting(end=None)), "meetings[1].key",
         "meeting key given twice"),
    Case("meeting-bad-key", "import", meetings(meeting(key="EBI møde 1")), "meetings[0].key", "should match pattern"),
    Case("meeting-name-line-break", "import", meetings(meeting(name="Møde\r\nSubject: x")), "meetings[0].name",
         "must be one line"),
    Case("meeting-room-line-break", "import", meetings(meeting(location={"room": "Sal A\nLOCATION:x"})),
         "meetings[0].location.room", "must be one line"),
    Case("meeting-room-too-long", "import", meetings(meeting(location={"room": "r" * 201})),
         "meetings[0].location.room", "at most 200 characters"),
    Case("meeting-address-too-long", "import", meetings(meeting(location={"address": "a" * 301})),
         "meetings[0].location.address", "at most 300 characters"),
    Case("meeting-unknown-state", "import", meetings(meeting(state="udsat")), "meetings[0].state", "Input should be"),
    Case("meeting-extraordinary-text", "import", meetings(meeting(extraordinary="måske")), "meetings[0].extraordinary",
         "valid boolean"),
    Case("meeting-unknown-field", "import", meetings(meeting(sted="Rådhuset")), "meetings[0].sted", "unknown field"),
    Case("meetings-not-a-list", "import", {"body": "gentofte", "meetings": "ebi"}, "meetings", "valid list"),
    Case("meeting-name-control", "import", meetings(meeting(name="Møde\x1b[31m")), "meetings[0].name",
         "control character"),
]


def body_config(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = yaml.safe_load((CONFIG_DIR / "gentofte.yaml").read_text(encoding="utf-8"))
    change(data)
    return data


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        node = data
        parts = path.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(parts[-1]) if parts[-1].isdigit() else parts[-1]] = value
    return change


CONFIG = [
    Case("config-school-holiday-backwards", "config",
         body_config(_set("body.school_holidays", [{"name": "Sommerferie", "from": "2025-08-09", "to": "2025-06-28"}])),
         "body.school_holidays[0]", "ends (2025-06-28) before it starts (2025-08-09)"),
    Case("config-locale", "config", body_config(_set("body.locale", "sv")), "body.locale", "Input should be"),
    Case("config-timezone", "config", body_config(_set("body.timezone", "Europe/Gentofte")), "body.timezone",
         "unknown time zone"),
    Case("config-holidays-country", "config", body_config(_set("body.holidays", "XX")), "body.holidays",
         "no calendar for country"),
    Case("config-holidays-subdivision", "config", body_config(_set("body.holidays", "DE-XY")), "body.holidays",
         "no subdivision"),
    Case("config-pattern-invalid", "config", body_config(_set("body.reference_pattern", "^EMN-(\\d{4}$")),
         "body.reference_pattern", "not a valid regular expression"),
    Case("config-pattern-nested", "config", body_config(_set("body.reference_pattern", "^([A-Z]|[A-Z0-9])*$")),
         "body.reference_pattern", "takes too long"),
    Case("config-pattern-alternation", "config", body_config(_set("body.reference_pattern", "^(a|aa)+$")),
         "body.reference_pattern", "takes too long"),
    Case("config-pattern-too-long", "config", body_config(_set("body.reference_pattern", "^" + "A" * 300 + "$")),
         "body.reference_pattern", "at most 200 characters"),
    Case("config-body-name-crlf", "config", body_config(_set("body.name", "Gentofte\r\nBcc: x@example.org")),
         "body.name", "must be one line"),
    Case("config-committee-name-crlf", "config", body_config(_set("organizations.0.name", "EBI\r\nX-Evil: 1")),
         "organizations[0].name", "must be one line"),
    Case("config-committee-name-too-long", "config", body_config(_set("organizations.0.name", "n" * 301)),
         "organizations[0].name", "at most 300 characters"),
    Case("config-person-name-tab", "config", body_config(_set("persons.0.name", "Søren\tHeisel")), "persons[0].name",
         "control character"),
    Case("config-person-email", "config", body_config(_set("persons.0.email", "soeren@@example")), "persons[0].email",
         "valid email address"),
    Case("config-apprise-url", "config", body_config(_set("persons.7.notify", ["ebi sekretariat"])), "persons[7].notify[0]",
         "not an apprise URL"),
    Case("config-apprise-control", "config", body_config(_set("persons.7.notify", ["mailto://a@example.org/\x07"])),
         "persons[7].notify[0]", "not an apprise URL"),
    Case("config-membership-person", "config", body_config(_set("organizations.0.memberships.0.person", "ukendt")),
         "organizations[0].memberships[0].person", "unknown person"),
    Case("config-duplicate-person", "config", body_config(_set("persons.1.key", "soeren-b-heisel")), "persons[1].key",
         "duplicate key"),
    Case("config-duplicate-organization", "config", body_config(_set("organizations.1.key", "ebi")),
         "organizations[1].key", "duplicate key"),
    Case("config-deadline-days", "config", body_config(_set("body.deadlines.agenda_out.days", 500)),
         "body.deadlines.agenda_out.days", "less than or equal to 120"),
    Case("config-deadline-count", "config", body_config(_set("body.deadlines.agenda_out.count", "måneder")),
         "body.deadlines.agenda_out.count", "Input should be"),
    Case("config-reminder-days", "config", body_config(_set("body.reminders", [{"days": 400}])), "body.reminders[0].days",
         "less than or equal to 60"),
    Case("config-reminder-subject-crlf", "config", body_config(_set("body.reminders", [{"days": 7, "subject": "a\nb"}])),
         "body.reminders[0].subject", "must be one line"),
    Case("config-attachment-max", "config", body_config(_set("body.attachment_max_mb", 0)), "body.attachment_max_mb",
         "greater than or equal to 1"),
    Case("config-attachment-type", "config", body_config(_set("body.attachment_types", ["pdf", "../x"])),
         "body.attachment_types[1]", "should match pattern"),
    Case("config-from-address", "config", body_config(_set("body.mail", {"from_address": "ikke en adresse"})),
         "body.mail.from_address", "valid email address"),
    Case("config-smtp-port", "config", body_config(_set("body.mail", {"smtp": {"host": "mail", "port": 70000}})),
         "body.mail.smtp.port", "less than or equal to 65535"),
    Case("config-event-rule-and-window", "config",
         body_config(_set("body.events.1.window", {"from": "11-01", "to": "12-01"})), "body.events[1]",
         "exactly one of 'rule'"),
    Case("config-event-rrule", "config", body_config(_set("body.events.1.rule", "FREQ=SOMETIMES")),
         "body.events[1].rule", "not an RFC 5545 RRULE"),
    Case("config-event-budget-line", "config", body_config(_set("body.events.1.budget_line", "Ukendt")),
         "body.events[1].budget_line", "no budget line"),
    Case("config-budget-amount", "config", body_config(_set("body.budgets.0.amount", 1e20)), "body.budgets[0].amount",
         "less than or equal to 9999999999"),
    Case("config-skip-month", "config", body_config(_set("organizations.0.calendar.skip_months", [13])),
         "organizations[0].calendar.skip_months[0]", "less than or equal to 12"),
    Case("config-guest", "config", body_config(_set("organizations.0.guests", ["ukendt"])), "organizations[0].guests[0]",
         "unknown person"),
    Case("config-first-number", "config", body_config(_set("organizations.0.agenda.numbering.first_number", 0)),
         "organizations[0].agenda.numbering.first_number", "greater than or equal to 1"),
    Case("config-membership-dates", "config",
         body_config(_set("organizations.0.memberships.0", {"person": "soeren-b-heisel", "start": "2025-01-01",
                                                            "end": "2024-01-01"})),
         "organizations[0].memberships[0]", "is before 'start'"),
    Case("config-unknown-key", "config", body_config(_set("body.sprog", "da")), "body.sprog", "unknown field"),
    Case("config-standing-item-crlf", "config",
         body_config(_set("organizations.0.agenda.closing_items", [{"title": "Underskrift\r\nEBI"}])),
         "organizations[0].agenda.closing_items[0].title", "must be one line"),
    Case("config-alias-bomb", "config", _bomb(), None, "values once its aliases are expanded"),
    Case("config-number-huge", "config",
         (CONFIG_DIR / "gentofte.yaml").read_text(encoding="utf-8").replace("days: 4,", "days: 99999999999999999999,"),
         None, "too large"),
]


def minutes_file(**changes: Any) -> dict[str, Any]:
    data = {"kind": "minutes", "body": "gentofte", "meeting": "ebi-2025-09-22", "started": "2025-09-22T16:30:00+02:00",
            "attendance": {"absent": ["stig-wall"]},
            "items": [{"reference": "EMN-2025-05820", "result": "recommended", "text": "Anbefales."}]}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def item(**changes: Any) -> list[dict[str, Any]]:
    data = {"reference": "EMN-2025-05820", "result": "recommended"}
    data.update(changes)
    return [{k: v for k, v in data.items() if v is not None}]


MINUTES = [
    Case("minutes-unknown-body", "minutes", minutes_file(body="roskilde"), "body", "unknown body", line=False),
    Case("minutes-unknown-meeting", "minutes", minutes_file(meeting="ebi-2030-01-01"), "meeting", "unknown meeting"),
    Case("minutes-meeting-without-agenda", "minutes", minutes_file(meeting="oeu-2025-10-06"), "meeting",
         "has no agenda"),
    Case("minutes-no-result", "minutes", minutes_file(items=item(result=None)), "items[0].result", "needs a result"),
    Case("minutes-paper-missing", "minutes", minutes_file(items=[]), "items", "no result for paper EMN-2025-05820"),
    Case("minutes-unknown-result", "minutes", minutes_file(items=item(result="måske")), "items[0].result",
         "Input should be"),
    Case("minutes-too-many-votes", "minutes", minutes_file(items=item(votes={"yes": 12})), "items[0].votes",
         "only 6 voting members were present"),
    Case("minutes-votes-with-biased", "minutes", minutes_file(items=item(votes={"yes": 5, "biased": 2})),
         "items[0].votes", "7 votes, but only 6"),
    Case("minutes-unanimous-against", "minutes", minutes_file(items=item(unanimous=True, votes={"yes": 3, "no": 2})),
         "items[0].unanimous", "unanimous, but 2 voted against"),
    Case("minutes-same-paper-twice", "minutes", minutes_file(items=item() + item(result="rejected")), "items[1]",
         "one result per item"),
    Case("minutes-paper-and-number", "minutes", minutes_file(items=item() + [{"number": 1, "result": "rejected"}]),
         "items[1]", "one result per item"),
    Case("minutes-ends-before-start", "minutes", minutes_file(ended="2025-09-22T15:00:00+02:00"), "ended",
         "ends before it starts"),
    Case("minutes-lasts-days", "minutes", minutes_file(ended="2025-09-25T15:00:00+02:00"), "ended", "more than a day"),
    Case("minutes-start-no-zone", "minutes", minutes_file(started="2025-09-22T16:30:00"), "started", "timezone-aware"),
    Case("minutes-substitute-self", "minutes",
         minutes_file(attendance={"absent": ["stig-wall"], "substitutes": [{"person": "stig-wall", "for": "stig-wall"}]}),
         "attendance.substitutes[0].for", "stands in for someone else"),
    Case("minutes-substitute-present-member", "minutes",
         minutes_file(attendance={"absent": ["stig-wall"], "substitutes": [{"person": "jesper-marcus", "for": "stig-wall"}]}),
         "attendance.substitutes[0].person", "cannot also vote"),
    Case("minutes-substitute-not-absent", "minutes",
         minutes_file(attendance={"substitutes": [{"person": "ole-eksempel", "for": "stig-wall"}]}),
         "attendance.substitutes[0].for", "is not listed as absent"),
    Case("minutes-substitute-twice", "minutes",
         minutes_file(attendance={"absent": ["stig-wall"], "substitutes": [{"person": "ole-eksempel", "for": "stig-wall"},
                                                                             {"person": "ida-eksempel", "for": "stig-wall"}]}),
         "attendance.substitutes[1].for", "already has a substitute"),
    Case("minutes-substitute-unknown", "minutes",
         minutes_file(attendance={"absent": ["stig-wall"], "substitutes": [{"person": "ukendt", "for": "stig-wall"}]}),
         "attendance.substitutes[0].person", "unknown person"),
    Case("minutes-absent-not-member", "minutes", minutes_file(attendance={"absent": ["ole-eksempel"]}),
         "attendance.absent[0]", "not a member of the committee"),
    Case("minutes-item-not-on-agenda", "minutes", minutes_file(items=item() + [{"number": 9, "text": "?"}]), "items[1]",
         "no such item on the agenda"),
    Case("minutes-votes-negative", "minutes", minutes_file(items=item(votes={"yes": -1})), "items[0].votes.yes",
         "greater than or equal to 0"),
    Case("minutes-votes-huge", "minutes", minutes_file(items=item(votes={"yes": 10**6})), "items[0].votes.yes",
         "less than or equal to 10000"),
    Case("minutes-no-kind", "minutes", minutes_file(kind=None), "kind", "required field is missing"),
    Case("minutes-items-not-list", "minutes", minutes_file(items="alle anbefalet"), "items", "valid list"),
    Case("minutes-text-nul", "minutes", minutes_file(items=item(text="a\x00b")), "items[0].text", "NUL"),
]

DELIVERIES = [
    Case("deliver-missing-file", "deliver", None, "file", "no such file", line=False, name="Integrationskonzept.pdf"),
    Case("deliver-empty", "deliver", b"", "file", "the file is empty", line=False, name="Integrationskonzept.pdf"),
    Case("deliver-program-as-pdf", "deliver", b"\x7fELF" + b"\x00" * 64, "file", "its content is not a PDF file",
         line=False, name="Integrationskonzept.pdf"),
    Case("deliver-broken-pdf", "deliver", b"%PDF-1.7\ngarbage", "file", "does not open as a PDF", line=False,
         name="Integrationskonzept.pdf"),
    Case("deliver-text-file", "deliver", b"Integrationskonzept", "file", "this type of file is not accepted", line=False,
         name="Integrationskonzept.txt"),
    Case("deliver-zip-bomb-docx", "deliver",
         lambda: _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"0" * (80 * 1024 * 1024)}),
         "file", "would unpack to", line=False, name="Integrationskonzept.docx"),
    Case("deliver-unknown-paper", "deliver", PDF, "paper", "no paper V/2019/999", line=False,
         name="Integrationskonzept.pdf", args=["--paper", "V/2019/999"]),
    Case("deliver-unknown-body", "deliver", PDF, "body", "unknown body", line=False, name="Integrationskonzept.pdf",
         args=["--body", "roskilde"]),
    Case("deliver-no-such-attachment", "deliver", PDF, "attachment", "has no attachment 7", line=False,
         name="Integrationskonzept.pdf", args=["--attachment", "7"]),
    Case("deliver-nothing-to-follow", "deliver", PDF, "attachment", "no attachment of this paper is still to follow",
         line=False, name="Forslag.pdf", args=["--body", "gentofte", "--paper", "EMN-2025-05820"]),
    Case("deliver-already-imported", "deliver",
         lambda: (EXAMPLES / "gentofte" / "files" / "forslag-til-model-for-ny-organisering.pdf").read_bytes(),
         "file", "is already attachment 1", line=False,
         name="forslag.pdf", args=["--body", "gentofte", "--paper", "EMN-2025-05820"]),
    Case("deliver-png-not-png", "deliver", b"GIF89a", "file", "its content is not a PNG file", line=False,
         name="Integrationskonzept.png"),
]

CASES = PAPERS + MEETINGS + CONFIG + MINUTES + DELIVERIES


def test_the_corpus_is_big_enough():
    assert len(CASES) >= 120 and len({c.id for c in CASES}) == len(CASES)
    assert {c.command for c in CASES} == {"import", "config", "minutes", "deliver"}


@pytest.fixture(scope="session")
def world(built_world):
    """Gentofte and Herzogenrath imported, the EBI and ASI agendas built: a store to copy per case."""
    return built_world().store_file


def _write(path: Path, content: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, dict):
        path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif isinstance(content, bytes):
        path.write_bytes(content)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_by_file_and_field_and_changes_nothing(case, world, tmp_path, monkeypatch):
    store_path = tmp_path / "store.sqlite3"
    copy_sqlite(world, store_path)
    config_dir = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config_dir)
    monkeypatch.setenv("MEETPREP_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MEETPREP_DATABASE_URL", f"sqlite:///{store_path}")
    monkeypatch.setenv("MEETPREP_CONFIG_DIR", str(config_dir))
    folder = tmp_path / "input"
    folder.mkdir()
    path = folder / case.name
    if case.command == "config":
        path = config_dir / "gentofte.yaml"
        args = ["config", "check", "--json"]
    elif case.command == "import":
        args = ["items", "import", str(folder), "--json"]
    elif case.command == "minutes":
        args = ["minutes", "record", "--file", str(path), "--no-pdf", "--json"]
    else:
        options = {"--body": "herzogenrath", "--paper": "V/2019/367-E04"}
        extra = list(case.args)
        for key in list(options):
            if key in extra:
                options[key] = extra.pop(extra.index(key) + 1)
                extra.remove(key)
        args = ["attachments", "deliver", *[x for kv in options.items() for x in kv], *extra,
                "--file", str(path), "--no-pdf", "--json"]
    _write(path, case.content() if callable(case.content) else case.content)
    if case.setup:
        case.setup(folder)
    with Store(f"sqlite:///{store_path}") as store:
        before = snapshot(store)
    result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    problems = json.loads(result.stdout)["problems"]
    matching = [p for p in problems if p["field"] == case.field and case.message in p["message"]]
    assert matching, f"no problem with field {case.field!r} and {case.message!r} in {problems}"
    problem = matching[0]
    assert Path(problem["file"]).name == path.name, problem
    if case.line:
        assert problem["line"] is not None, problem
    with Store(f"sqlite:///{store_path}") as store:
        assert snapshot(store) == before
