"""A meeting runs along its own timeline: 40 days played with an injected clock against a real
SMTP server, for a Danish committee (business days) and a German one (holidays in the window)."""

from __future__ import annotations

import datetime as dt
import shutil
import signal
import subprocess
import sys
from collections import Counter, defaultdict
from email import message_from_bytes, policy
from pathlib import Path

import icalendar
import pytest
import yaml
from sqlalchemy import select

from meetprep.agenda import build

from meetprep.meetings import changes as meetings

from meetprep.messages import ledger

from meetprep.messages import reminders

from meetprep.meetings import timeline
from meetprep.jobs import timeline as timeline_jobs
from meetprep.config import Settings, load_configs
from meetprep.importing.pipeline import import_files
from meetprep.store import MessageRow, Store
from tests.conftest import CONFIG_DIR, ROOT, write_yaml
from tests.docxtext import text as docx_text
from tests.servers import Mailbox, wait_for

EBI = dt.date(2025, 11, 17)  # a Monday: papers due 10 business days before, agenda out 4 days before
ASI = dt.date(2026, 6, 2)  # Ascension (14.5.), Whit Monday (25.5.) and Corpus Christi (4.6., NRW) around it


def _config(folder: Path, approval: bool = False) -> Path:
    """The shipped config with example data a timeline needs: a chair for EBI, a unit's address,
    no apprise addresses (every message by e-mail); ASI wants its agenda approved if asked."""
    config = folder / "config"
    shutil.copytree(CONFIG_DIR, config)
    for name in ("gentofte", "herzogenrath"):
        path = config / f"{name}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for person in data["persons"]:
            person.pop("notify", None)
        if name == "gentofte":
            data["body"]["units"] = {"Erhverv og Beskæftigelse": "erhverv@example.org"}
            data["organizations"][0]["memberships"][0]["role"] = "chair"
        else:
            data["organizations"][0]["agenda"]["approval_required"] = approval
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return config


def danish_paper(reference: str, **changes) -> dict:
    data = {"body": "gentofte", "reference": reference, "title": f"Sag {reference[-5:]}", "type": "indstilling",
            "access": "public", "originator": {"unit": "Erhverv og Beskæftigelse"},
            "proposal": {"points": ["At sagen godkendes."]},
            "consultations": [{"committee": "ebi", "role": "indstilling", "meeting": "ebi-2025-11-17"}]}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def german_paper(reference: str, **changes) -> dict:
    data = {"body": "herzogenrath", "reference": reference, "title": f"Vorlage {reference}", "type": "Sitzungsvorlage",
            "access": "öffentlich", "originator": {"unit": "Amt 50 - Sozialamt"},
            "proposal": {"points": ["Der Ausschuss beschließt."]},
            "consultations": [{"committee": "asi", "role": "Entscheidung", "meeting": "asi-2026-06-02"}]}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


class World:
    def __init__(self, folder: Path, body: str, approval: bool = False):
        self.folder, self.body = folder, body
        self.config_dir = _config(folder, approval)
        self.configs = load_configs(self.config_dir)
        self.store = Store(f"sqlite:///{folder / 'store.sqlite3'}")
        self.settings = Settings(home=folder / "home", database_url=self.store.url, config_dir=self.config_dir,
                                 templates_dir=ROOT / "templates", output_dir=folder / "out", delivery="live")
        self.input = folder / "input"
        if body == "gentofte":
            write_yaml(self.input / "meetings.yaml", {"body": "gentofte", "meetings": [
                {"committee": "ebi", "start": "2025-11-17T16:30:00+01:00", "end": "2025-11-17T18:30:00+01:00"}]})
            self.papers([danish_paper("EMN-2025-10001", proposal=None),
                         danish_paper("EMN-2025-10002", attachments=[{"title": "Notat", "status": "to_follow"}]),
                         danish_paper("EMN-2025-10003")], dt.date(2025, 10, 1))
        else:
            write_yaml(self.input / "meetings.yaml", {"body": "herzogenrath", "meetings": [
                {"committee": "asi", "start": "2026-06-02T17:00:00+02:00", "end": "2026-06-02T19:00:00+02:00"}]})
            self.papers([german_paper("V/2026/101", proposal=None), german_paper("V/2026/102")], dt.date(2026, 4, 20))

    def papers(self, papers: list[dict], day: dt.date) -> None:
        for paper in papers:
            write_yaml(self.input / "papers" / f"{paper['reference'].replace('/', '-')}.yaml", paper)
        import_files(self.store, self.configs, [self.input], dt.datetime.combine(day, dt.time(9), dt.timezone.utc))

    def run(self, day: dt.date, smtp_url: str, minutes: int = 0) -> dict:
        now = dt.datetime.combine(day, dt.time(5), dt.timezone.utc) + dt.timedelta(minutes=minutes)
        transport = ledger.SmtpTransport(ledger.SmtpServer.from_url(smtp_url), lambda: now)
        return timeline_jobs.run_day(self.store, self.configs, self.settings, lambda config: day, now, lambda config: transport,
                                pdf=False)


def play(world: World, first: dt.date, last: dt.date, before_each=None, twice: bool = False) -> None:
    """Run the daily job on every day from `first` to `last` (twice a day if asked); what arrived is
    kept in world.mailbox."""
    with Mailbox() as mailbox:
        day = first
        while day <= last:
            if before_each:
                before_each(day)
            result = world.run(day, mailbox.url)
            assert result["errors"] == [], result["errors"]
            if twice:
                again = world.run(day, mailbox.url, minutes=30)
                assert again["errors"] == [] and sum(len(m["sent"]) for m in again["meetings"]) == 0, again
            day += dt.timedelta(days=1)
        world.mailbox = list(mailbox.messages)


def kinds(messages) -> list[tuple[str, str]]:
    return sorted((_kind(m), rcpt) for _, rcpts, m in messages for rcpt in rcpts)


def _kind(message) -> str:
    key = str(message["X-Meetprep-Key"]).strip()
    for kind in ("papers-reminder", "draft-digest", "approval-missing", "invitation", "update", "change-notice",
                 "cancellation", "minutes-reminder", "minutes-escalation"):
        if f"/{kind}/" in key:
            return kind
    return key


EBI_MEMBERS = ["anton.bruniche-olsen@example.org", "frederik.dehlholm@example.org", "jesper.marcus@example.org",
               "katja.johansen@example.org", "marie.brixtofte@example.org", "soeren.heisel@example.org",
               "stig.wall@example.org"]


def _per_day(world: World) -> dict[str, list[tuple[str, str]]]:
    days = defaultdict(list)
    for _, rcpts, message in world.mailbox:
        day = message_from_bytes(bytes(message), policy=policy.default)["Date"].datetime.date().isoformat()
        days[day] += [(_kind(message), rcpt) for rcpt in rcpts]
    return {day: sorted(items) for day, items in days.items()}


def test_forty_days_of_a_danish_committee(tmp_path):
    world = World(tmp_path, "gentofte")
    play(world, dt.date(2025, 10, 20), dt.date(2025, 11, 28))
    assert _per_day(world) == {
        # 3 business days before the papers deadline: the unit of each paper that is not ready.
        "2025-10-29": [("papers-reminder", "erhverv@example.org")] * 2,
        # The papers deadline, 10 business days before Monday 17 November: the secretary's digest.
        "2025-11-03": [("draft-digest", "ebi-sekretariat@example.org")],
        # 4 calendar days before the meeting: the invitations.
        "2025-11-13": [("invitation", address) for address in EBI_MEMBERS],
        # The next business day after the meeting, and 5 business days after it (to the chair).
        "2025-11-18": [("minutes-reminder", "ebi-sekretariat@example.org")],
        "2025-11-24": [("minutes-escalation", "soeren.heisel@example.org")],
    }
    by_kind = {_kind(m): m for _, _, m in world.mailbox}
    reminder = by_kind["papers-reminder"].get_body(("plain",)).get_content()
    assert "Fristen for sager er 03-11-2025" in reminder and "mandag d. 17. november 2025 kl. 16:30" in reminder
    digest = by_kind["draft-digest"]
    body = digest.get_body(("plain",)).get_content()
    for line in ["Punkt 1: Sag 10001", "Punkt 4: Underskrift EBI", "- EMN-2025-10001: Sagen har ingen indstilling.",
                 "- EMN-2025-10002: Bilag eftersendes: Notat", "- 13-11-2025: Dagsordenen udsendes",
                 "- 24-11-2025: Referat mangler: formanden orienteres",
                 "Dagsordenen sendes automatisk til udvalget 13-11-2025."]:
        assert line in body, line
    assert [a.get_filename() for a in digest.iter_attachments()] == ["dagsorden-ebi-2025-11-17-medlemmer.docx"]
    invitation = by_kind["invitation"]
    event = icalendar.Calendar.from_ical(next(p for p in invitation.walk() if p.get_content_type() == "text/calendar")
                                         .get_payload(decode=True)).walk("VEVENT")[0]
    assert str(event["UID"]) == "ebi-2025-11-17.gentofte@meetprep" and event["SEQUENCE"] == 0
    steps = {s["step"]: s["state"] for s in timeline.view(world.store, world.configs, "gentofte", "ebi-2025-11-17",
                                                          dt.date(2025, 11, 28))["steps"]}
    assert steps == {"papers_reminder": "done", "draft_agenda": "done", "agenda_out": "done", "meeting": "held",
                     "minutes_reminder": "done", "minutes_escalation": "done"}


def test_forty_days_of_a_german_committee_with_holidays_and_an_approval(tmp_path):
    world = World(tmp_path, "herzogenrath", approval=True)

    def clerk(day: dt.date) -> None:
        if day == dt.date(2026, 5, 28):  # the clerk reads the timeline, and approves two days late
            world.waiting = timeline.view(world.store, world.configs, "herzogenrath", "asi-2026-06-02", day)
            build.approve(world.store, world.configs, build.AgendaRequest("herzogenrath", "asi", day, day=ASI),
                          dt.datetime.combine(day, dt.time(4), dt.timezone.utc))

    play(world, dt.date(2026, 5, 5), dt.date(2026, 6, 13), before_each=clerk)
    # The substitute (guenther.muster) is invited only when called in for a member who declines.
    members = ["ayse.beispiel@example.org", "jonas.muster@example.org", "petra.beispiel@example.org"]
    assert _per_day(world) == {
        # 3 business days before the papers deadline (19.5.): 18.5., 15.5., and 13.5. (14.5. is Ascension).
        "2026-05-13": [("papers-reminder", "amt50@example.org")],
        "2026-05-19": [("draft-digest", "amt50@example.org")],
        # The Ladungsfrist, 7 calendar days before: not approved, so nothing goes out; the secretary
        # and the chair are told once (not again on the 27th).
        "2026-05-26": [("approval-missing", "amt50@example.org"), ("approval-missing", "petra.beispiel@example.org")],
        # Approved on the 28th: the invitations go out that morning.
        "2026-05-28": [("invitation", address) for address in members],
        # The next business day after the meeting; 5 business days after it, over Corpus Christi (4.6.).
        "2026-06-03": [("minutes-reminder", "amt50@example.org")],
        "2026-06-10": [("minutes-escalation", "petra.beispiel@example.org")],
    }
    by_kind = {_kind(m): m for _, _, m in world.mailbox}
    digest = by_kind["draft-digest"].get_body(("plain",)).get_content()
    assert "Die Tagesordnung muss vor dem Versand am 26.05.2026 freigegeben werden" in digest
    assert "meetprep agenda approve --body herzogenrath --committee asi --meeting asi-2026-06-02" in digest
    assert "- V/2026/101: Die Vorlage hat keinen Beschlussvorschlag." in digest
    assert "hätte heute (26.05.2026) versandt werden müssen" in by_kind["approval-missing"].get_body(("plain",)).get_content()
    steps = {s["step"]: (s["date"], s["state"], s["state_label"]) for s in world.waiting["steps"]}
    assert steps["agenda_out"] == ("2026-05-26", "waiting", "wartet auf Freigabe")
    assert steps["draft_agenda"] == ("2026-05-19", "done", "erledigt")
    assert steps["minutes_reminder"] == ("2026-06-03", "upcoming", "geplant")


def test_each_day_twice_sends_nothing_twice(tmp_path):
    world = World(tmp_path, "gentofte")
    play(world, dt.date(2025, 10, 27), dt.date(2025, 11, 19), twice=True)
    per_message = Counter((str(m["X-Meetprep-Key"]).strip(), tuple(r)) for _, r, m in world.mailbox)
    assert set(per_message.values()) == {1} and len(per_message) == 2 + 1 + 7 + 1


def test_a_missed_run_catches_up_with_the_latest_step_only(tmp_path):
    world = World(tmp_path, "gentofte")
    with Mailbox() as mailbox:
        result = world.run(dt.date(2025, 11, 13), mailbox.url)  # nothing ran before the agenda-out day
    (outcome,) = result["meetings"]
    assert outcome["step"] == "agenda_out" and outcome["skipped_steps"] == ["papers_reminder", "draft_agenda"]
    assert kinds(mailbox.messages) == [("invitation", address) for address in EBI_MEMBERS]
    states = {s["step"]: s["state"] for s in timeline.view(world.store, world.configs, "gentofte", "ebi-2025-11-17",
                                                           dt.date(2025, 11, 13))["steps"]}
    assert (states["papers_reminder"], states["draft_agenda"], states["agenda_out"]) == ("skipped", "skipped", "done")


RUNNER = """
import datetime as dt, sys
from pathlib import Path
from meetprep.messages import ledger
from meetprep.jobs import timeline as timeline_jobs
from meetprep.config import Settings, load_configs
from meetprep.store import Store
folder, url, day, minutes = Path(sys.argv[1]), sys.argv[2], dt.date.fromisoformat(sys.argv[3]), int(sys.argv[4])
store = Store(f"sqlite:///{folder / 'store.sqlite3'}"); configs = load_configs(folder / "config")
settings = Settings(home=folder / "home", database_url=store.url, config_dir=folder / "config",
                    templates_dir=Path(sys.argv[5]), output_dir=folder / "out", delivery="live")
now = dt.datetime.combine(day, dt.time(5), dt.timezone.utc) + dt.timedelta(minutes=minutes)
transport = ledger.SmtpTransport(ledger.SmtpServer.from_url(url), lambda: now)
result = timeline_jobs.run_day(store, configs, settings, lambda c: day, now, lambda c: transport, pdf=False)
print(sum(len(m["sent"]) for m in result["meetings"]), sum(len(m["in_progress"]) for m in result["meetings"]))
"""


@pytest.mark.slow  # starts processes (at once, or kills one): in the full suite, not the fast lane
def test_a_run_killed_halfway_on_the_agenda_out_day_misses_nothing(tmp_path):
    world = World(tmp_path, "gentofte")
    with Mailbox() as mailbox:
        for day in (dt.date(2025, 10, 29), dt.date(2025, 11, 3)):
            world.run(day, mailbox.url)
    world.store.close()

    def sent() -> int:
        with Store(world.store.url) as store, store.session() as session:
            return len(session.execute(select(MessageRow).where(
                MessageRow.kind == "invitation", MessageRow.status == "sent")).scalars().all())

    with Mailbox(delay=0.4) as mailbox:
        command = [sys.executable, "-c", RUNNER, str(tmp_path), mailbox.url, "2025-11-13"]
        process = subprocess.Popen([*command, "0", str(ROOT / "templates")], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert wait_for(lambda: sent() >= 3, timeout=90)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        before = len(mailbox.messages)
        assert 3 <= before < 7
        # The same morning, later: the killed run's claim still holds; a run after its lease takes it over.
        for minutes in (5, 15):
            finished = subprocess.run([*command, str(minutes), str(ROOT / "templates")], cwd=ROOT, capture_output=True,
                                      text=True, timeout=120)
            assert finished.returncode == 0, finished.stderr
        received = Counter(r for _, rcpts, _ in mailbox.messages for r in rcpts)
    assert sorted(received) == EBI_MEMBERS and set(received.values()) == {1}
    assert sent() == 7


def test_a_paper_imported_after_the_invitations_makes_one_change_notice(tmp_path):
    world = World(tmp_path, "gentofte")

    def late_paper(day: dt.date) -> None:
        if day == dt.date(2025, 11, 14):
            world.papers([danish_paper("EMN-2025-10009", title="Akut sag om busruter")], day)

    play(world, dt.date(2025, 11, 13), dt.date(2025, 11, 16), before_each=late_paper, twice=True)
    notices = [(m, rcpts) for _, rcpts, m in world.mailbox if _kind(m) == "change-notice"]
    assert sorted(r for _, rcpts in notices for r in rcpts) == EBI_MEMBERS  # one each, though every day ran twice
    message = notices[0][0]
    assert message["Subject"].startswith("Tillægsdagsorden: Erhvervs-, Beskæftigelses- og Integrationsudvalget")
    body = message.get_body(("plain",)).get_content()
    assert "Punkt 4: Akut sag om busruter (ny)" in body and "Punkt 4 er nu Punkt 5: Underskrift EBI" in body
    agenda = next(a for a in message.iter_attachments() if a.get_filename().startswith("dagsorden"))
    path = tmp_path / "notice.docx"
    path.write_bytes(agenda.get_content())
    assert "Akut sag om busruter" in docx_text(path)
    with world.store.session() as session:
        notices = session.execute(select(MessageRow).where(MessageRow.kind == "change-notice")).scalars().all()
        assert {(n.agenda_version, n.status) for n in notices} == {(2, "sent")}


def test_a_moved_meeting_makes_one_update_and_its_old_date_no_reminder(tmp_path):
    world = World(tmp_path, "gentofte")
    new_start = "2025-11-24 16:30"

    def move(day: dt.date) -> None:
        if day == dt.date(2025, 11, 14):
            now = dt.datetime.combine(day, dt.time(4), dt.timezone.utc)
            meetings.move(world.store, world.configs, "gentofte", "ebi-2025-11-17", now, new_start)
            with Mailbox() as mailbox:
                transport = ledger.SmtpTransport(ledger.SmtpServer.from_url(mailbox.url), lambda: now)
                timeline_jobs.announce(world.store, world.configs, world.settings, "gentofte", "ebi-2025-11-17", now,
                                  transport, pdf=False)
            world.updates = list(mailbox.messages)

    play(world, dt.date(2025, 11, 13), dt.date(2025, 11, 28), before_each=move, twice=True)
    assert kinds(world.updates) == [("update", address) for address in EBI_MEMBERS]
    update = world.updates[0][2]
    event = icalendar.Calendar.from_ical(next(p for p in update.walk() if p.get_content_type() == "text/calendar")
                                         .get_payload(decode=True)).walk("VEVENT")[0]
    assert str(event["UID"]) == "ebi-2025-11-17.gentofte@meetprep" and event["SEQUENCE"] == 1
    assert event.decoded("dtstart").date() == dt.date(2025, 11, 24)
    agenda = next(a for a in update.iter_attachments() if a.get_filename().startswith("dagsorden"))
    (tmp_path / "update.docx").write_bytes(agenda.get_content())
    assert "24. november 2025" in docx_text(tmp_path / "update.docx")
    sent = Counter(kind for kind, _ in kinds(world.mailbox))  # the daily runs, not the move itself
    assert sent == {"invitation": 7, "minutes-reminder": 1}  # no second update, no second meeting
    # The minutes steps follow the new date (25.11., then 1.12.): nothing for the old one.
    assert {day: items for day, items in _per_day(world).items() if day >= "2025-11-14"} == {
        "2025-11-25": [("minutes-reminder", "ebi-sekretariat@example.org")]}
    # Reminders: nothing for the old date; for the new one, 7 days and 1 business day before it.
    assert reminders.due_reminders(world.store, world.configs, dt.date(2025, 11, 14), ["gentofte"]) == []
    assert {m.kind for m in reminders.due_reminders(world.store, world.configs, dt.date(2025, 11, 17), ["gentofte"])} \
        == {"reminder-7d"}
    assert all("24. november" in m.text for m in reminders.due_reminders(world.store, world.configs,
                                                                            dt.date(2025, 11, 21), ["gentofte"]))


def test_a_meetings_file_keeps_a_meeting_by_its_key_and_warns_when_one_is_dropped(tmp_path):
    world = World(tmp_path, "gentofte")
    with Mailbox() as mailbox:
        world.run(dt.date(2025, 11, 13), mailbox.url)  # invitations out
    moved = {"body": "gentofte", "meetings": [{"key": "ebi-2025-11-17", "committee": "ebi",
                                               "start": "2025-11-20T16:30:00+01:00"}]}
    write_yaml(world.input / "meetings.yaml", moved)
    report = import_files(world.store, world.configs, [world.input / "meetings.yaml"],
                          dt.datetime(2025, 11, 14, 8, tzinfo=dt.timezone.utc))
    assert report.meetings == [{"body": "gentofte", "key": "ebi-2025-11-17", "action": "updated",
                                "file": report.meetings[0]["file"]}] and report.warnings == []
    # The date in the key is no longer the meeting's date: a file that drops the key makes a second meeting.
    write_yaml(world.input / "meetings.yaml", {"body": "gentofte", "meetings": [
        {"committee": "ebi", "start": "2025-11-21T16:30:00+01:00"}]})
    report = import_files(world.store, world.configs, [world.input / "meetings.yaml"],
                          dt.datetime(2025, 11, 14, 9, tzinfo=dt.timezone.utc))
    (warning,) = report.warnings
    assert warning.item == "meeting ebi-2025-11-17" and warning.severity == "warning"
    assert "ebi-2025-11-21 is new and may be this meeting moved: nothing is sent for it until you say which it is" \
        in warning.message
    assert "meetprep meetings move --body gentofte --meeting ebi-2025-11-17" in warning.message
    assert "meetprep meetings cancel --body gentofte --meeting ebi-2025-11-17" in warning.message


@pytest.mark.parametrize("bad, field, message", [
    ({"start": "2025-11-24 25:00"}, "to", "expected a date and time"),
    ({"start": "2025-03-30 02:30"}, "to", "does not exist in Europe/Copenhagen"),
    ({"start": "2025-11-24T16:30:00+02:00"}, "to", "the UTC offset does not match"),
    ({"start": "2025-11-24 16:30", "end": "2025-11-24 15:00"}, "end", "must end after it starts"),
    ({"start": "2025-11-17 16:30"}, "to", "nothing changes"),
])
def test_a_move_that_cannot_be_done_is_refused(tmp_path, bad, field, message):
    from meetprep.errors import InputError

    world = World(tmp_path, "gentofte")
    with pytest.raises(InputError) as caught:
        meetings.move(world.store, world.configs, "gentofte", "ebi-2025-11-17", dt.datetime(2025, 11, 1, tzinfo=dt.timezone.utc),
                      bad["start"], bad.get("end"))
    (problem,) = caught.value.problems
    assert problem.field == field and message in problem.message


def test_the_command_line_shows_the_timeline_prepares_moves_and_cancels(tmp_path, monkeypatch):
    import json

    from typer.testing import CliRunner

    from meetprep.cli import app

    world = World(tmp_path, "gentofte")
    monkeypatch.setenv("MEETPREP_HOME", str(world.settings.home))
    monkeypatch.setenv("MEETPREP_DATABASE_URL", world.store.url)
    monkeypatch.setenv("MEETPREP_CONFIG_DIR", str(world.config_dir))
    monkeypatch.setenv("MEETPREP_OUTPUT_DIR", str(world.settings.output_dir))
    runner = CliRunner()
    shown = runner.invoke(app, ["meetings", "timeline", "--body", "gentofte", "--committee", "ebi", "--as-of",
                                "2025-11-03", "--json"])
    assert shown.exit_code == 0, shown.output
    (view,) = json.loads(shown.stdout)
    assert [(s["step"], s["date"], s["state"]) for s in view["steps"]] == [
        ("papers_reminder", "2025-10-29", "late"), ("draft_agenda", "2025-11-03", "due"),
        ("agenda_out", "2025-11-13", "upcoming"), ("meeting", "2025-11-17", "upcoming"),
        ("minutes_reminder", "2025-11-18", "upcoming"), ("minutes_escalation", "2025-11-24", "upcoming")]
    table = runner.invoke(app, ["meetings", "timeline", "--body", "gentofte", "--committee", "ebi", "--as-of", "2025-11-03"])
    assert "Sagsfrist: udkast til dagsorden" in table.stdout and "i dag" in table.stdout

    prepared = runner.invoke(app, ["meetings", "prepare", "--body", "gentofte", "--as-of", "2025-11-13", "--no-pdf"])
    assert prepared.exit_code == 0, prepared.output
    assert "agenda_out: done (skipped before it: papers_reminder, draft_agenda)" in prepared.stdout
    assert "7 sent to the outbox" in prepared.stdout
    moved = runner.invoke(app, ["meetings", "move", "--body", "gentofte", "--meeting", "ebi-2025-11-17", "--to",
                                "2025-11-19 17:00", "--no-pdf", "--json"])
    assert moved.exit_code == 0, moved.output
    data = json.loads(moved.stdout)
    assert data["sequence"] == 1 and data["changes"]["start"] == {"before": "2025-11-17T16:30+01:00",
                                                                   "after": "2025-11-19T17:00+01:00"}
    assert len(data["sent"]) == 7 and {m["kind"] for m in data["sent"]} == {"update"} and data["agenda_version"] == 2
    cancelled = runner.invoke(app, ["meetings", "cancel", "--body", "gentofte", "--meeting", "ebi-2025-11-17"])
    assert cancelled.exit_code == 0, cancelled.output
    assert "Cancelled ebi-2025-11-17 (gentofte); calendar SEQUENCE is now 2." in cancelled.stdout
    assert "7 sent to the outbox" in cancelled.stdout
    feed = (world.settings.output_dir / "feeds" / "gentofte" / "ebi.ics").read_bytes()
    assert b"STATUS:CANCELLED" in feed and b"SEQUENCE:2" in feed
    again = runner.invoke(app, ["meetings", "cancel", "--body", "gentofte", "--meeting", "ebi-2025-11-17", "--json"])
    assert again.exit_code == 1 and "cannot be cancelled" in again.stdout


def test_one_bad_meeting_never_stops_the_others(tmp_path):
    world = World(tmp_path, "gentofte")
    write_yaml(tmp_path / "de" / "meetings.yaml", {"body": "herzogenrath", "meetings": [
        {"committee": "asi", "start": "2025-11-20T17:00:00+01:00"}]})
    write_yaml(tmp_path / "de" / "papers" / "v.yaml", german_paper("V/2025/301", consultations=[
        {"committee": "asi", "role": "Entscheidung", "meeting": "asi-2025-11-20"}]))
    import_files(world.store, world.configs, [tmp_path / "de"], dt.datetime(2025, 10, 1, tzinfo=dt.timezone.utc))
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    (templates / "de" / "tagesordnung.docx").write_bytes(b"not a Word file")  # Herzogenrath's template is broken
    world.settings = Settings(**{**world.settings.__dict__, "templates_dir": templates})
    with Mailbox() as mailbox:
        result = world.run(dt.date(2025, 11, 13), mailbox.url)  # both agendas go out today
    (error,) = result["errors"]
    assert error["body"] == "herzogenrath" and error["meeting"] == "asi-2025-11-20"
    assert "tagesordnung.docx" in error["error"]
    assert kinds(mailbox.messages) == [("invitation", address) for address in EBI_MEMBERS]  # Gentofte's went out


@pytest.mark.slow  # a week of daily runs over a real SMTP server: in the full suite
def test_a_meeting_that_may_be_another_moved_sends_nothing_until_the_clerk_says_which(tmp_path):
    """The file drops the announced ebi-2025-11-17 and adds ebi-2025-11-21: the new one is held
    back (no invitations, a problem in its build), until `meetings resolve` says it is the old one
    moved: then the old one moves (members get one update), the new entry is gone, and the file's
    key keeps naming it."""
    from meetprep.meetings.changes import resolve
    from meetprep.store import MeetingRow, meeting_by_key

    world = World(tmp_path, "gentofte")
    with Mailbox() as mailbox:
        world.run(dt.date(2025, 11, 13), mailbox.url)  # the invitations go out for 17 November
        invited = {m["To"].addresses[0].addr_spec for _, _, m in mailbox.messages if "Indkaldelse" in str(m["Subject"])}
        assert invited
        write_yaml(world.input / "meetings.yaml", {"body": "gentofte", "meetings": [
            {"committee": "ebi", "start": "2025-11-21T16:30:00+01:00", "end": "2025-11-21T18:30:00+01:00"}]})
        report = import_files(world.store, world.configs, [world.input / "meetings.yaml"],
                              dt.datetime(2025, 11, 13, 8, tzinfo=dt.timezone.utc))
        (warning,) = report.warnings
        assert "ebi-2025-11-21 is new and may be this meeting moved: nothing is sent for it" in warning.message
        assert "meetprep meetings resolve --body gentofte --meeting ebi-2025-11-21 --moved-from ebi-2025-11-17" \
            in warning.message
        before = len(mailbox.messages)
        results = [world.run(dt.date(2025, 11, day), mailbox.url) for day in range(14, 21)]  # up to the day before
        sent = [m for _, _, m in mailbox.messages[before:]]
        assert not [m for m in sent if "Indkaldelse" in str(m["Subject"])]  # no member is invited to it
        (digest,) = [m for m in sent if "draft-digest" in m["X-Meetprep-Key"]]  # the secretary hears why
        assert "Dette møde kan være mødet ebi-2025-11-17, flyttet: der sendes intet" in " ".join(
            digest.get_body(("plain",)).get_content().split())
        held = [m for r in results for m in r["meetings"] if m["meeting"] == "ebi-2025-11-21" and m["state"] == "waiting"]
        assert held and "may be meeting ebi-2025-11-17 moved" in held[0]["notes"][0]

        changed = resolve(world.store, world.configs, "gentofte", "ebi-2025-11-21",
                          dt.datetime(2025, 11, 20, 9, tzinfo=dt.timezone.utc), moved_from="ebi-2025-11-17")
        assert changed.meeting == "ebi-2025-11-17" and "start" in changed.changes
        timeline_jobs.announce(world.store, world.configs, world.settings, "gentofte", "ebi-2025-11-17",
                               dt.datetime(2025, 11, 14, 9, tzinfo=dt.timezone.utc),
                               ledger.SmtpTransport(ledger.SmtpServer.from_url(mailbox.url), lambda: dt.datetime(
                                   2025, 11, 14, 9, tzinfo=dt.timezone.utc)), pdf=False)
        updates = [m for _, _, m in mailbox.messages[before:]]
        members = [m for m in updates if m["To"].addresses[0].addr_spec in invited]
        assert len(members) == len(invited)  # one update each, for the one meeting they hold
    with world.store.session() as session:
        assert meeting_by_key(session, "gentofte", "ebi-2025-11-21") is None
        moved = meeting_by_key(session, "gentofte", "ebi-2025-11-17")
        assert moved.start == dt.datetime(2025, 11, 21, 15, 30, tzinfo=dt.timezone.utc) and moved.sequence == 1
        assert session.query(MeetingRow).count() == 1
    again = import_files(world.store, world.configs, [world.input / "meetings.yaml"],
                         dt.datetime(2025, 11, 14, 10, tzinfo=dt.timezone.utc))
    assert [(m["key"], m["action"]) for m in again.meetings] == [("ebi-2025-11-21", "unchanged")] and not again.warnings
