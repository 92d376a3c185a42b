"""Flows under Prefect: one test harness for the whole session (it takes ~15 s to start)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from meetprep.cli import app
from tests.conftest import EXAMPLES
from tests.docxtext import text

pytestmark = [pytest.mark.flow, pytest.mark.xdist_group("prefect-harness")]  # one harness per session


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def on_the_server(prefect_harness, monkeypatch):
    """Commands as an operator with a Prefect server runs them: as flows against it (PREFECT_API_URL)."""
    from prefect.settings import PREFECT_API_URL

    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())


@pytest.fixture
def meetprep_env(tmp_path, monkeypatch):
    monkeypatch.setenv("MEETPREP_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _artifact(key: str):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async def read():
        async with get_client() as client:
            return await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))

    return asyncio.run(read())


def subject_of(message) -> str:
    # A long Subject is folded onto a continuation line (RFC 5322); the parser keeps the folding
    # space that mail clients drop.
    return str(message["Subject"]).strip()


def test_build_agenda_flow_writes_documents_and_an_artifact(prefect_harness, meetprep_env, configs):
    from flows.agenda import build_agenda
    from meetprep.importing.pipeline import import_files
    from meetprep.config import Settings
    from meetprep.store import Store

    settings = Settings.from_env()
    with Store(settings.database_url) as store:
        import_files(store, configs, [EXAMPLES / "wedel"], dt.datetime(2023, 11, 1, tzinfo=dt.timezone.utc))
    result = asyncio.run(build_agenda(body="wedel", committee="sozialausschuss", date=dt.date(2023, 12, 5),
                                      as_of=dt.date(2023, 11, 27), pdf=False))
    assert (result["action"], result["version"]) == ("created", 1)
    assert [e["number"] + " " + e["title"] for e in result["entries"]][2] == "3 Fortgeschriebenes Integrationskonzept 2023 - 2026"
    vorlage = next(Path(d["path"]) for d in result["documents"] if d["kind"] == "vorlage")
    assert "Geschäftszeichen: | 1-50/JSA" in text(vorlage)
    (artifact,) = _artifact("agenda-wedel-sozialausschuss-2023-12-05")
    assert artifact.type == "markdown"
    assert "| 3 | public | Fortgeschriebenes Integrationskonzept 2023 - 2026 | BV/2023/162 |" in artifact.data
    again = asyncio.run(build_agenda(body="wedel", committee="sozialausschuss", date=dt.date(2023, 12, 5),
                                     as_of=dt.date(2023, 11, 28), pdf=False))
    assert (again["action"], again["version"]) == ("unchanged", 1)


def test_cli_agenda_build_prints_what_it_wrote(prefect_harness, meetprep_env, tmp_path):
    runner = CliRunner()
    assert runner.invoke(app, ["items", "import", str(EXAMPLES / "hamburg-bezirk")]).exit_code == 0
    out = tmp_path / "documents"
    result = runner.invoke(app, ["agenda", "build", "--body", "hamburg-bezirk", "--committee", "bv",
                                 "--date", "2023-12-07", "--as-of", "2023-11-29", "--out", str(out), "--no-pdf"])
    assert result.exit_code == 0, result.output
    assert "Built version 1 of the agenda of bv-2023-12-07" in result.stdout
    assert "public/vorlage-22-4292.docx  (public)" in result.stdout
    written = out / "hamburg-bezirk/bv/bv-2023-12-07/v1"
    assert (written / "public/vorlage-22-4292.docx").exists()
    manifest = json.loads((written / "members/manifest.json").read_text(encoding="utf-8"))
    assert {f["file"] for f in manifest["files"]} == {
        "members/tagesordnung-bv-2023-12-07-mitglieder.docx", "public/tagesordnung-bv-2023-12-07-oeffentlich.docx",
        "public/vorlage-22-4292.docx"}
    public = json.loads((written / "public/manifest.json").read_text(encoding="utf-8"))
    assert {f["file"] for f in public["files"]} == {"tagesordnung-bv-2023-12-07-oeffentlich.docx", "vorlage-22-4292.docx"}
    assert "problems" not in public and "checksum" not in public

    missing = runner.invoke(app, ["agenda", "build", "--body", "hamburg-bezirk", "--committee", "bv",
                                  "--date", "2023-12-08", "--no-pdf", "--json"])
    assert missing.exit_code == 1
    (problem,) = json.loads(missing.stdout)["problems"]
    assert problem["field"] == "date" and "no meeting of bv on 2023-12-08" in problem["message"]
    bad = runner.invoke(app, ["agenda", "build", "--body", "hamburg-bezirk", "--committee", "bv", "--date", "7.12.2023"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def test_cli_invitations_reminders_and_feeds(prefect_harness, meetprep_env, monkeypatch):
    from tests.servers import Mailbox

    runner = CliRunner()
    assert runner.invoke(app, ["items", "import", str(EXAMPLES / "wedel")]).exit_code == 0
    built = runner.invoke(app, ["agenda", "build", "--body", "wedel", "--committee", "sozialausschuss",
                                "--date", "2023-12-05", "--as-of", "2023-11-27", "--no-pdf"])
    assert built.exit_code == 0, built.output

    first = runner.invoke(app, ["invitations", "send", "--body", "wedel", "--committee", "sozialausschuss",
                                "--date", "2023-12-05", "--json"])
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert len(data["sent"]) == 9 and data["failed"] == []  # the chair and eight members
    outbox = meetprep_env / "outbox"
    emails = sorted(outbox.glob("*.eml"))
    assert len(emails) == 9
    from email import message_from_bytes, policy

    message = message_from_bytes(emails[0].read_bytes(), policy=policy.default)
    assert message["Subject"] == "Einladung: Sozialausschuss, Dienstag, 5. Dezember 2023, 19:00 Uhr"
    assert "TOP Ö 3: Fortgeschriebenes Integrationskonzept 2023 - 2026" in message.get_body(("plain",)).get_content()
    assert any(feed.name == "sozialausschuss.ics" for feed in (meetprep_env / "output/feeds/wedel").iterdir())

    again = runner.invoke(app, ["invitations", "send", "--body", "wedel", "--committee", "sozialausschuss",
                                "--date", "2023-12-05"])
    assert again.exit_code == 0 and "0 sent to the outbox" in again.stdout and "9 already sent before" in again.stdout

    # Live delivery: the reminders go to a real SMTP server on 127.0.0.1.
    with Mailbox() as mailbox:
        monkeypatch.setenv("MEETPREP_DELIVERY", "live")
        monkeypatch.setenv("MEETPREP_SMTP_URL", mailbox.url)
        reminded = runner.invoke(app, ["reminders", "run", "--body", "wedel", "--as-of", "2023-11-28", "--json"])
    assert reminded.exit_code == 0, reminded.output
    assert sorted(r for _, rcpts, _ in mailbox.messages for r in rcpts) == [
        "birte.beispiel@example.org", "fatma.beispiel@example.org", "hakan.muster@example.org",
        "jens.exempel@example.org", "karin.beispiel@example.org", "maria.muster@example.org", "ole.beispiel@example.org",
        "svenja.exempel@example.org", "torben.muster@example.org"]
    assert mailbox.messages[0][2]["Subject"].startswith("Erinnerung: Sozialausschuss, Dienstag, 5. Dezember 2023")


def test_herzogenrath_attachment_cycle(prefect_harness, on_the_server, meetprep_env, monkeypatch, tmp_path):
    """Seed 002: the Druckfassung is missing when the paper goes out; chased, delivered, re-sent."""
    from email import message_from_bytes, policy  # noqa: F401

    from tests.pdfgen import write_pdf
    from tests.servers import Mailbox

    runner = CliRunner()
    assert runner.invoke(app, ["items", "import", str(EXAMPLES / "herzogenrath")]).exit_code == 0
    built = runner.invoke(app, ["agenda", "build", "--body", "herzogenrath", "--committee", "asi", "--date", "2025-03-25",
                                "--as-of", "2025-03-14", "--no-pdf", "--json"])
    vorlage = next(Path(d["path"]) for d in json.loads(built.stdout)["documents"] if d["kind"] == "vorlage")
    assert "1 - 250317_Integrationskonzept (wird nachgereicht)" in text(vorlage)

    subjects_per_day = {}
    started = dt.datetime.now(dt.timezone.utc)
    with Mailbox() as mailbox:
        monkeypatch.setenv("MEETPREP_DELIVERY", "live")
        monkeypatch.setenv("MEETPREP_SMTP_URL", mailbox.url)
        for day in range(17, 24):  # Monday 17 to Sunday 23 March 2025; due Friday 21 (2 business days before)
            before = len(mailbox.messages)
            result = runner.invoke(app, ["attachments", "chase", "--body", "herzogenrath", "--as-of", f"2025-03-{day:02d}", "--json"])
            assert result.exit_code == 0, result.output
            subjects_per_day[day] = [(m["To"].addresses[0].addr_spec, subject_of(m)) for _, _, m in mailbox.messages[before:]]
        subject = "Anlage fehlt: 250317_Integrationskonzept (V/2019/367-E04), Frist 21.03.2025"
        assert subjects_per_day == {
            17: [], 18: [],
            19: [("amt50@example.org", subject)],  # two days before: to the unit responsible
            20: [],
            21: [("amt50@example.org", subject)],  # on the due date
            22: [("amt50@example.org", subject)],  # the day after: escalation to the secretary
            23: [],
        }
        bodies = [m.get_body(("plain",)).get_content() for _, _, m in mailbox.messages]
        assert "bis 21.03.2025 nachzureichen" in bodies[0] and "endet heute" in bodies[1]
        assert "liegt noch nicht vor" in bodies[2] and "Verantwortlich: Amt 50 - Sozialamt" in bodies[2]

        # A wrong file dropped into the watched inbox is refused and kept, with the reason.
        inbox = meetprep_env / "inbox" / "herzogenrath" / "V-2019-367-E04"
        inbox.mkdir(parents=True)
        (inbox / "konzept.txt").write_text("not an attachment")
        refused = json.loads(runner.invoke(app, ["attachments", "chase", "--as-of", "2025-03-24", "--json"]).stdout)
        assert len(refused["rejected"]) == 1 and "not accepted as an attachment" in refused["rejected"][0]["reason"]
        kept = Path(refused["rejected"][0]["file"])
        assert kept.read_text() == "not an attachment" and kept.with_name(kept.name + ".reason.txt").exists()

        before = len(mailbox.messages)
        source = write_pdf(tmp_path / "250317_Integrationskonzept.pdf", "Integrationskonzept der Stadt Herzogenrath")
        delivered = runner.invoke(app, ["attachments", "deliver", "--body", "herzogenrath", "--paper", "V/2019/367-E04",
                                        "--file", str(source), "--no-pdf", "--json"])
        assert delivered.exit_code == 0, delivered.output
        data = json.loads(delivered.stdout)
        assert data["agenda_version"] == 2 and data["attachment"] == 1
        notices = mailbox.messages[before:]
        assert sorted(m["To"].addresses[0].addr_spec for _, _, m in notices) == [
            "ayse.beispiel@example.org", "guenther.muster@example.org", "jonas.muster@example.org", "petra.beispiel@example.org"]
        notice = notices[0][2]
        assert subject_of(notice) == "Nachversand: 250317_Integrationskonzept (V/2019/367-E04)"
        (pdf,) = [p for p in notice.iter_attachments()]
        assert pdf.get_content_type() == "application/pdf" and pdf.get_content() == source.read_bytes()

        received = len(mailbox.messages)
        again = runner.invoke(app, ["attachments", "deliver", "--body", "herzogenrath", "--paper", "V/2019/367-E04",
                                    "--file", str(source), "--no-pdf"])
        assert again.exit_code == 0 and "This file was delivered before as attachment 1" in again.stdout
        assert "0 sent" in again.stdout and len(mailbox.messages) == received  # nobody gets the notice twice
        after = json.loads(runner.invoke(app, ["attachments", "chase", "--as-of", "2025-03-24", "--json"]).stdout)
        assert after["outstanding"] == [] and after["sent"] == []
    tables = sorted((a for a in _artifact("attachments-outstanding") if a.created >= started), key=lambda a: a.created)
    assert len(tables) == 9 and {t.type for t in tables} == {"table"}  # one version per chase run (7 days + 2)
    assert '"days left": 4' in tables[0].data and "250317_Integrationskonzept" in tables[0].data  # on the 17th
    assert "nothing outstanding" in tables[-1].data

    rebuilt = Path(data["stored"]).parent  # the file is kept in the data folder
    assert rebuilt.is_relative_to(meetprep_env / "files")
    version_2 = meetprep_env / "output/herzogenrath/asi/asi-2025-03-25/v2/public/vorlage-V-2019-367-E04.docx"
    content = text(version_2)
    assert "1 - 250317_Integrationskonzept" in content and "nachgereicht)" not in content


def test_cli_minutes_record_sends_once_and_publishes(prefect_harness, meetprep_env):
    runner = CliRunner()
    assert runner.invoke(app, ["items", "import", str(EXAMPLES / "gentofte")]).exit_code == 0
    assert runner.invoke(app, ["agenda", "build", "--body", "gentofte", "--committee", "ebi", "--date", "2025-09-22",
                               "--as-of", "2025-09-14", "--no-pdf"]).exit_code == 0
    minutes_file = EXAMPLES / "gentofte/minutes/ebi-2025-09-22.yaml"
    first = runner.invoke(app, ["minutes", "record", "--file", str(minutes_file), "--no-pdf", "--json"])
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert data["decisions"] == {"EMN-2025-05820": "recommended"} and len(data["sent"]["sent"]) == 7
    again = json.loads(runner.invoke(app, ["minutes", "record", "--file", str(minutes_file), "--no-pdf", "--json"]).stdout)
    assert again["sent"]["sent"] == [] and len(again["sent"]["skipped"]) == 7  # each member gets the minutes once
    mails = sorted((meetprep_env / "outbox").glob("*_minutes_*.eml"))
    assert len(mails) == 7
    public = meetprep_env / "output/public/gentofte/ebi/ebi-2025-09-22/referat-ebi-2025-09-22-offentlig.docx"
    assert "Pkt. 1-3: Anbefales til Økonomiudvalget og Kommunalbestyrelsen." in text(public)
    meetings = json.loads(runner.invoke(app, ["meetings", "list", "--body", "gentofte", "--json"]).stdout)
    assert {m["key"]: m["state"] for m in meetings}["ebi-2025-09-22"] == "minuted"
    bad = runner.invoke(app, ["minutes", "record", "--file", str(EXAMPLES / "gentofte/meetings.yaml")])
    assert bad.exit_code == 1 and "field 'kind'" in bad.stderr


def test_minutes_from_the_prefect_form(prefect_harness, meetprep_env, configs):
    """Without a file the flow pauses with a typed form; a clerk's answer resumes it."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
    from prefect.flow_runs import aresume_flow_run

    from flows.minutes import record_minutes

    runner = CliRunner()
    assert runner.invoke(app, ["items", "import", str(EXAMPLES / "gentofte")]).exit_code == 0
    assert runner.invoke(app, ["agenda", "build", "--body", "gentofte", "--committee", "ebi", "--date", "2025-09-22",
                               "--as-of", "2025-09-14", "--no-pdf"]).exit_code == 0

    async def clerk_answers():
        run = asyncio.create_task(record_minutes(body="gentofte", meeting="ebi-2025-09-22", pdf=False))
        paused = []
        async with get_client() as client:
            for _ in range(300):
                paused = await client.read_flow_runs(flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=["PAUSED"]))))
                if paused:
                    break
                await asyncio.sleep(0.2)
        assert paused, "the flow did not pause for the form"
        await aresume_flow_run(paused[0].id, run_input={
            "absent": ["stig-wall"],
            "items": [{"number": "1", "reference": "EMN-2025-05820", "result": "recommended",
                       "text": "Pkt. 1-3: Anbefales til Økonomiudvalget og Kommunalbestyrelsen."}, {"number": "2"}]})
        return await asyncio.wait_for(run, timeout=120)

    result = asyncio.run(clerk_answers())
    assert result["decisions"] == {"EMN-2025-05820": "recommended"}
    referat = next(Path(f["path"]) for f in result["files"] if f["variant"] == "members")
    assert "Stig Wall (Fravær)" in text(referat) and "Pkt. 1-3: Anbefales" in text(referat)


def test_cli_planning_and_meeting_calendar(prefect_harness, meetprep_env):
    runner = CliRunner()
    assert runner.invoke(app, ["items", "import", str(EXAMPLES / "gentofte")]).exit_code == 0
    planned = runner.invoke(app, ["planning", "plan", "--year", "2027", "--body", "gentofte"])
    assert planned.exit_code == 0, planned.output
    assert "Julestue med juletræstænding (1. advent) (gentofte): 2027-11-28" in planned.stdout
    assert "Orientation paper JULESTUE-2027 is on the committee's list." in planned.stdout
    spent = runner.invoke(app, ["planning", "spend", "--body", "gentofte", "--event", "julestue", "--year", "2027",
                                "--amount", "50000", "--text", "Telt", "--json"])
    assert spent.exit_code == 0 and any("overskredet" in w for w in json.loads(spent.stdout)["budget"]["warnings"])
    generated = json.loads(runner.invoke(app, ["meetings", "generate", "--body", "gentofte", "--committee", "ebi",
                                               "--year", "2026", "--json"]).stdout)
    assert "ebi-2026-01-19" in generated["created"] and {"date": "2026-07-20", "reason": "month"} in generated["skipped"]
    feed = (meetprep_env / "output/feeds/gentofte/ebi.ics").read_bytes()
    # the example meeting, the generated ones, and the two planned public events of 2026
    assert feed.count(b"BEGIN:VEVENT") == 1 + len(generated["created"]) + 2
    assert b"SUMMARY:Julestue" in feed


def test_invitations_wait_for_the_clerks_approval(prefect_harness, meetprep_env, monkeypatch, tmp_path):
    """Where the committee wants approval, sending pauses with a form; approving sends."""
    import shutil

    import yaml
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
    from prefect.flow_runs import aresume_flow_run

    from flows.invitations import send_invitations
    from tests.conftest import CONFIG_DIR

    config_dir = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config_dir)
    data = yaml.safe_load((config_dir / "wedel.yaml").read_text(encoding="utf-8"))
    data["organizations"][0]["agenda"]["approval_required"] = True
    (config_dir / "wedel.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("MEETPREP_CONFIG_DIR", str(config_dir))
    runner = CliRunner()
    assert runner.invoke(app, ["items", "import", str(EXAMPLES / "wedel")]).exit_code == 0
    assert runner.invoke(app, ["agenda", "build", "--body", "wedel", "--committee", "sozialausschuss", "--date",
                               "2023-12-05", "--as-of", "2023-11-27", "--no-pdf"]).exit_code == 0
    refused = runner.invoke(app, ["invitations", "send", "--body", "wedel", "--committee", "sozialausschuss",
                                  "--date", "2023-12-05", "--json"])
    # Without the UI the CLI cannot wait for a form: it says how to approve instead of hanging.
    assert refused.exit_code == 1 and "not approved yet" in json.loads(refused.stdout)["problems"][0]["message"]

    async def clerk_approves(approve: bool):
        run = asyncio.create_task(send_invitations(body="wedel", committee="sozialausschuss", date=dt.date(2023, 12, 5)))
        async with get_client() as client:
            for _ in range(300):
                paused = await client.read_flow_runs(flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=["PAUSED"]))))
                if paused:
                    break
                await asyncio.sleep(0.2)
        await aresume_flow_run(paused[0].id, run_input={"version": 1, "approve": approve, "comment": "ok" if approve else "TOP 3 fehlt"})
        return await asyncio.wait_for(run, timeout=120)

    declined = asyncio.run(clerk_approves(False))
    assert declined["approved"] is False and declined["sent"] == [] and declined["comment"] == "TOP 3 fehlt"
    approved = asyncio.run(clerk_approves(True))
    assert len(approved["sent"]) == 9


def test_prepare_meetings_flow_does_what_is_due_and_publishes_the_timeline(prefect_harness, meetprep_env, configs):
    from flows.timeline import prepare_meetings
    from meetprep.config import Settings
    from meetprep.importing.pipeline import import_files
    from meetprep.store import Store

    settings = Settings.from_env()
    with Store(settings.database_url) as store:
        import_files(store, configs, [EXAMPLES / "gentofte"], dt.datetime(2025, 8, 20, tzinfo=dt.timezone.utc))
    # 18 September: EBI's agenda goes out 4 days before its meeting on the 22nd.
    result = asyncio.run(prepare_meetings(bodies=["gentofte"], as_of=dt.date(2025, 9, 18), pdf=False))
    assert result["errors"] == []
    ebi = next(m for m in result["meetings"] if m["meeting"] == "ebi-2025-09-22")
    assert ebi["step"] == "agenda_out" and ebi["state"] == "done" and len(ebi["sent"]) == 7
    assert len(list((meetprep_env / "outbox").glob("*_invitation_*.eml"))) == 7
    (artifact,) = _artifact("meeting-timeline")
    rows = json.loads(artifact.data)
    assert {"body": "gentofte", "meeting": "ebi-2025-09-22", "date": "2025-09-18", "step": "Dagsordenen udsendes",
            "state": "udført"} in rows
    again = asyncio.run(prepare_meetings(bodies=["gentofte"], as_of=dt.date(2025, 9, 18), pdf=False))
    assert sum(len(m["sent"]) for m in again["meetings"]) == 0


def test_record_signoff_from_the_run_form(prefect_harness, meetprep_env, monkeypatch, tmp_path):
    """The record-signoff deployment's form is its parameters: the clerk records the Rechtsamt's
    yes, the Dezernat is asked next, and the papers still in sign-off are an artifact."""
    from flows.signoff import record_signoff
    from meetprep.importing.pipeline import import_files
    from meetprep.config import load_configs
    from meetprep.store import Store
    from tests.conftest import EXAMPLES
    from tests.test_signoff import _configs

    config_dir = _configs(tmp_path)
    monkeypatch.setenv("MEETPREP_CONFIG_DIR", str(config_dir))
    with Store(f"sqlite:///{meetprep_env / 'meetprep.sqlite3'}") as store:
        import_files(store, load_configs(config_dir), [EXAMPLES], dt.datetime(2025, 2, 1, tzinfo=dt.timezone.utc))
    result = asyncio.run(record_signoff(body="herzogenrath", reference="V/2019/367-E04", step="Rechtsamt",
                                        answer="approve", pdf=False))
    assert (result["step"], result["result"], result["person"]) == ("Rechtsamt", "counted", "rechtsamt")
    assert "dezernat2@herzogenrath.example" in {m["recipient"] for m in result["next"]["sent"]}
    (artifact,) = _artifact("signoff")
    assert "V/2019/367-E04" in artifact.data and "Dezernat II: requested" in artifact.data
