"""Exactly once when runs overlap: 2, 4 and 8 runs of each sending path at the same instant,
each in its own process, against a real SMTP server and a real apprise endpoint on 127.0.0.1,
on SQLite and on PostgreSQL. Every recipient gets exactly one copy.

Each run calls the job its flow and its CLI command call (meetprep.jobs: rebuild, plan, send,
publish, write the feeds), with live transports, so a job that drifts is what is tested.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections import Counter
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from meetprep.jobs import attachments as attachment_job
from meetprep.jobs import invitations as invitation_job
from meetprep.jobs import minutes as minutes_job
from meetprep.jobs import planning as planning_job
from meetprep.agenda.draft import AgendaRequest
from meetprep.messages import ledger, reminders
from meetprep.minutes import record as minutes
from meetprep.config import Settings, load_configs
from meetprep.store import MessageRow, Store
from tests.conftest import CONFIG_DIR, EXAMPLES, ROOT, write_yaml
from tests.overlap import overlapping
from tests.servers import JsonEndpoint, Mailbox
from tests.worlds import EBI_AND_ASI, IMPORTED, build_world, copy_sqlite

EBI_DAY = dt.date(2025, 9, 22)
ASI_DAY = dt.date(2025, 3, 25)
RUNS = [2, 4, 8]
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module")
def endpoint():
    with JsonEndpoint() as server:
        yield server


@pytest.fixture(scope="module")
def config_dir(tmp_path_factory, endpoint):
    """The shipped config; every apprise address goes to the local endpoint (one path per person),
    and EBI has the press office as a guest."""
    folder = tmp_path_factory.mktemp("overlap") / "config"
    shutil.copytree(CONFIG_DIR, folder)
    for path in folder.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for person in data["persons"]:
            if person.get("notify"):
                person["notify"] = [endpoint.url(person["key"])]
        if data["body"]["key"] == "gentofte":
            data["persons"].append({"key": "presse", "name": "Pressetjenesten", "email": "presse@example.org"})
            katja = next(p for p in data["persons"] if p["key"] == "katja-johansen")
            katja["notify"] = [endpoint.url("katja-johansen")]
            data["organizations"][0]["guests"] = ["presse"]
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def _world(url: str, config_dir: Path, folder: Path) -> None:
    """Gentofte and Herzogenrath imported, with the EBI and ASI agendas built (tests/worlds.py), and
    a Herzogenrath paper with two more attachments to follow (one responsible has an apprise address)."""
    examples = folder / "examples"
    shutil.copytree(EXAMPLES / "gentofte", examples / "gentofte")
    shutil.copytree(EXAMPLES / "herzogenrath", examples / "herzogenrath")
    write_yaml(examples / "herzogenrath" / "papers" / "antrag.yaml", {
        "body": "herzogenrath", "reference": "V/2025/101", "title": "Antrag Quartiersarbeit", "type": "Antrag",
        "access": "öffentlich", "proposal": {"points": ["Der Ausschuss beschließt."]},
        "consultations": [{"committee": "asi", "role": "Entscheidung", "meeting": "asi-2025-03-25"}],
        "attachments": [
            {"title": "Stellungnahme Quartiersbüro", "status": "to_follow", "responsible": "mitglied-asi-1",
             "due": "2025-03-20"},
            {"title": "Kostenschätzung", "status": "to_follow", "responsible": "mitglied-asi-2", "due": "2025-03-20"}]})
    build_world(url, load_configs(config_dir), [examples], EBI_AND_ASI, folder / "out", IMPORTED)


@pytest.fixture(scope="module", params=BACKENDS)
def template(request, tmp_path_factory, config_dir):
    """The world built once per database; each test gets a copy of it."""
    folder = tmp_path_factory.mktemp("overlap-world")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'template.sqlite3'}"
        _world(url, config_dir, folder)
        return "sqlite", folder / "template.sqlite3"
    server = request.getfixturevalue("postgres")
    name = f"tmpl_{uuid.uuid4().hex[:10]}"
    _world(server.create_database(name), config_dir, folder)
    return "postgresql", (server, name)


@pytest.fixture
def world(template, tmp_path, config_dir):
    """A private copy of the world's store, and settings for the runs."""
    kind, source = template
    if kind == "sqlite":
        target = tmp_path / "store.sqlite3"
        copy_sqlite(source, target)
        url = f"sqlite:///{target}"
    else:
        import psycopg

        server, name = source
        copy = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={server.port} user={server.user} dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
        url = server.url(copy)
    return Settings(home=tmp_path / "home", database_url=url, config_dir=config_dir,
                    templates_dir=ROOT / "templates", output_dir=tmp_path / "out", delivery="live")


# ---------------------------------------------------------------------------------------------
# One run of each sending flow: the job the flow and the CLI call, with live transports


def _transport(smtp_url: str, now: dt.datetime):
    return ledger.Router(ledger.SmtpTransport(ledger.SmtpServer.from_url(smtp_url), lambda: now),
                         ledger.AppriseTransport())


def _counts(report: dict[str, list]) -> dict[str, int]:
    return {name: len(report[name]) for name in ("sent", "skipped", "in_progress", "failed")}


def send_invitations(settings: Settings, smtp_url: str) -> dict[str, int]:
    now = dt.datetime(2025, 9, 15, 8, tzinfo=dt.timezone.utc)
    request = AgendaRequest("gentofte", "ebi", now.date(), day=EBI_DAY)
    with Store(settings.database_url) as store:
        result = invitation_job.send_invitations(store, load_configs(settings.config_dir), settings, request,
                                                   lambda: now, _transport(smtp_url, now), pdf=False)
    return _counts(result)


def send_reminders(settings: Settings, smtp_url: str) -> dict[str, int]:
    day = EBI_DAY - dt.timedelta(days=7)
    now = dt.datetime.combine(day, dt.time(6), dt.timezone.utc)
    with Store(settings.database_url) as store:
        report = reminders.send_day(store, load_configs(settings.config_dir), "gentofte", day, lambda: now,
                                    _transport(smtp_url, now))
    return _counts(report.as_dict())


def chase_attachments(settings: Settings, smtp_url: str) -> dict[str, int]:
    day = dt.date(2025, 3, 19)
    now = dt.datetime.combine(day, dt.time(6), dt.timezone.utc)
    with Store(settings.database_url) as store:
        result = attachment_job.chase_day(store, load_configs(settings.config_dir), settings, "herzogenrath", day,
                                            lambda: now, _transport(smtp_url, now), pdf=False)
    return _counts(result)


def deliver_attachment(settings: Settings, smtp_url: str) -> dict[str, int]:
    now = dt.datetime(2025, 3, 20, 9, tzinfo=dt.timezone.utc)
    source = EXAMPLES / "herzogenrath" / "nachreichung" / "250317_Integrationskonzept.pdf"
    with Store(settings.database_url) as store:
        result = attachment_job.deliver(store, load_configs(settings.config_dir), settings, "herzogenrath",
                                          "V/2019/367-E04", source, None, now.date(), lambda: now,
                                          _transport(smtp_url, now), pdf=False)
    return _counts(result["notices"])


def record_minutes(settings: Settings, smtp_url: str) -> dict[str, int]:
    now = dt.datetime(2025, 9, 23, 8, tzinfo=dt.timezone.utc)
    source = EXAMPLES / "gentofte" / "minutes" / "ebi-2025-09-22.yaml"
    with Store(settings.database_url) as store:
        result = minutes_job.record_minutes(store, load_configs(settings.config_dir), settings, minutes.load(source),
                                             str(source), lambda: now, _transport(smtp_url, now), pdf=False)
    # the minutes to the members, and the excerpt (to the secretary: the example's unit has no address)
    both = {name: result["sent"][name] + result["excerpts"]["sent"][name] for name in result["sent"]}
    return _counts(both)


def plan_year(settings: Settings, smtp_url: str) -> dict[str, int]:
    now = dt.datetime(2026, 1, 5, 8, tzinfo=dt.timezone.utc)
    transport = _transport(smtp_url, now)
    with Store(settings.database_url) as store:
        result = planning_job.plan_year(store, load_configs(settings.config_dir), settings, 2026, ["gentofte"],
                                         lambda: now, lambda config: transport)
    return _counts(result["invitations"])


FLOWS = {
    "send-invitations": send_invitations,
    "send-reminders": send_reminders,
    "chase-attachments": chase_attachments,
    "deliver-attachment": deliver_attachment,
    "record-minutes": record_minutes,
    "plan-year": plan_year,
}


def _copies(mailbox: Mailbox, endpoint: JsonEndpoint, since: int) -> Counter:
    """How often each message reached its recipient: e-mail by recipient and the message's key,
    apprise notifications by endpoint path and title."""
    received = Counter((address, str(message["X-Meetprep-Key"]).strip())
                       for _, rcpts, message in mailbox.messages for address in rcpts)
    received.update((f"apprise:{path}", data["title"]) for path, data in endpoint.received[since:])
    return received


@pytest.mark.parametrize("runs", RUNS)
@pytest.mark.parametrize("flow", FLOWS)
def test_overlapping_runs_send_each_message_exactly_once(flow, runs, world, endpoint):
    work = FLOWS[flow]
    since = len(endpoint.received)
    with Mailbox(delay=0.02) as mailbox:  # a little slow, as a real server is: the runs overlap
        # What one run alone sends, on a copy of the store, is the expectation.
        results = overlapping(runs, work, world, mailbox.url)
        received = _copies(mailbox, endpoint, since)
    assert received, "nothing was sent"
    assert set(received.values()) == {1}, f"copies per message: {received}"
    assert sum(r["sent"] for r in results) == sum(received.values())
    with Store(world.database_url) as store, store.session() as session:
        statuses = Counter(session.execute(select(MessageRow.status)).scalars())
        assert statuses == Counter({"sent": sum(received.values())}), statuses
    expected = {
        "send-invitations": 8, "send-reminders": 7, "chase-attachments": 3, "deliver-attachment": 4,
        "record-minutes": 8, "plan-year": 12,
    }[flow]
    assert sum(received.values()) == expected, received
    for result in results:  # every run accounts for every message: sent by it, or by another run
        assert result["sent"] + result["skipped"] + result["in_progress"] == expected and result["failed"] == 0, result
    if flow in ("send-reminders", "chase-attachments"):
        assert any(r.startswith("apprise:") for r, _ in received), received  # both channels took part
