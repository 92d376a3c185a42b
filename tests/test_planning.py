"""Annual planning: event dates, checklists, orientation papers, budget, meeting calendars."""

from __future__ import annotations

import datetime as dt

import icalendar
import yaml

from meetprep import planning

from meetprep.messages import ledger
from meetprep.config import load_configs
from meetprep.importing.pipeline import import_files
from meetprep.agenda.listing import list_papers
from tests.conftest import CONFIG_DIR, EXAMPLES, snapshot
from tests.servers import Mailbox

NOW = dt.datetime(2026, 1, 5, 9, tzinfo=dt.timezone.utc)


def event(configs, key):
    return next(e for e in configs.get("gentofte").body.events if e.key == key)


def test_julestue_is_on_the_first_sunday_of_advent(configs):
    julestue = event(configs, "julestue")
    days = [planning.event_date(julestue, year, configs.get("gentofte")) for year in (2025, 2026, 2027, 2028)]
    assert days == [None, dt.date(2026, 11, 29), dt.date(2027, 11, 28), dt.date(2028, 12, 3)]


def test_dialogue_meeting_takes_the_first_fitting_day_of_its_window(configs):
    dialogue = event(configs, "dialogmoede")
    assert planning.event_date(dialogue, 2026, configs.get("gentofte")) == dt.date(2026, 9, 1)  # a Tuesday
    assert planning.event_date(dialogue, 2027, configs.get("gentofte")) == dt.date(2027, 9, 7)


def test_planning_2026_creates_everything_once(store, configs):
    import_files(store, configs, [EXAMPLES / "gentofte"], NOW)
    report = planning.plan_year(store, configs, 2026, NOW, ["gentofte"])
    assert report.created == ["gentofte/dialogmoede/2026", "gentofte/julestue/2026"] and report.warnings == []
    julestue = next(e for e in report.events if e["event"] == "julestue")
    assert julestue["start"] == "2026-11-29T14:00:00+01:00"
    assert [(t["name"], t["due"]) for t in julestue["tasks"]] == [
        # 12, 6 and 2 weeks before a Sunday are Sundays: each moves to the Friday before
        ("Planlægningsmøde med Netværkshuset", "2026-09-04"),
        ("Invitationer og opslag udsendt", "2026-10-16"),
        ("Program og kagebord fastlagt", "2026-11-13"),
    ]
    with store.session() as session:
        papers = {p["reference"]: p for p in list_papers(session, committee="ebi")}
    assert papers["JULESTUE-2026"]["title"] == "Orientering om årets julestue"
    assert papers["DIALOGMOEDE-2026"]["title"] == "Orientering om årets dialogmøde"
    assert papers["JULESTUE-2026"]["next_role"] == "information" and papers["JULESTUE-2026"]["next_date"] == "2026-10-04"
    before = snapshot(store)
    again = planning.plan_year(store, configs, 2026, NOW + dt.timedelta(days=1), ["gentofte"])
    assert again.created == [] and again.unchanged == ["gentofte/dialogmoede/2026", "gentofte/julestue/2026"]
    assert snapshot(store) == before
    too_early = planning.plan_year(store, configs, 2025, NOW, ["gentofte"])
    assert too_early.created == [] and len(too_early.warnings) == 2


def test_partners_get_calendar_invitations_once(store, configs):
    import_files(store, configs, [EXAMPLES / "gentofte"], NOW)
    planning.plan_year(store, configs, 2026, NOW, ["gentofte"])
    messages = planning.invitations(store, configs, 2026, NOW, ["gentofte"])
    with Mailbox() as mailbox:
        transport = ledger.SmtpTransport(ledger.SmtpServer.from_url(mailbox.url), lambda: NOW)
        ledger.dispatch(store, messages, transport, lambda: NOW)
        again = ledger.dispatch(store, planning.invitations(store, configs, 2026, NOW, ["gentofte"]), transport, lambda: NOW)
    assert again.sent == []
    to_netvaerkshuset = [m for _, rcpts, m in mailbox.messages if "netvaerkshuset@example.org" in rcpts]
    assert len(to_netvaerkshuset) == 4  # both events and both planning meetings
    julestue = next(m for m in to_netvaerkshuset if str(m["Subject"]).strip().startswith("Invitation: Julestue"))
    data = next(p for p in julestue.walk() if p.get_content_type() == "text/calendar").get_payload(decode=True)
    entry = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert entry.decoded("dtstart") == dt.datetime(2026, 11, 29, 13, 0, tzinfo=dt.timezone.utc)
    assert str(entry["UID"]) == "julestue-2026-event.gentofte@meetprep"


def test_owners_are_reminded_before_each_due_date(store, configs):
    import_files(store, configs, [EXAMPLES / "gentofte"], NOW)
    planning.plan_year(store, configs, 2026, NOW, ["gentofte"])
    due = planning.task_reminders(store, configs, dt.date(2026, 10, 12))
    assert [(m.recipient, m.subject) for m in due] == [
        ("mailto://ebi-sekretariat@example.org",
         "Frist: Invitationer og opslag udsendt (Julestue med juletræstænding (1. advent)) 16-10-2026")]  # Friday, not Sunday
    assert planning.task_reminders(store, configs, dt.date(2026, 10, 19)) == []


def test_budget_report_warns_on_overspend(store, configs):
    import_files(store, configs, [EXAMPLES / "gentofte"], NOW)
    planning.plan_year(store, configs, 2026, NOW, ["gentofte"])
    planning.record_spend(store, "gentofte", "julestue", 2026, 27000, "Kagebord og underholdning", dt.date(2026, 11, 29), NOW)
    report = planning.budget_report(store, configs, 2026)
    (line,) = report["lines"]
    assert (line["budget"], line["planned"], line["actual"], report["warnings"]) == (43000, 43000, 27000, [])
    planning.record_spend(store, "gentofte", "dialogmoede", 2026, 17500, "Lokaler og forplejning", dt.date(2026, 9, 1), NOW)
    report = planning.budget_report(store, configs, 2026)
    assert report["lines"][0]["actual"] == 44500
    assert report["warnings"] == [
        "Årligt dialogmøde om integration: brugt 17.500 mod planlagt 15.000.",
        "Budgettet »Dialog på integrationsområdet (tidl. Integrationsrådet)« (43.000) er overskredet: "
        "planlagt 43.000, brugt 44.500.",
    ]


def test_a_regular_calendar_skips_holidays_and_school_holidays(store, tmp_path):
    folder = tmp_path / "config"
    folder.mkdir()
    data = yaml.safe_load((CONFIG_DIR / "gentofte.yaml").read_text(encoding="utf-8"))
    data["organizations"][0]["calendar"] = {"rule": "FREQ=WEEKLY;BYDAY=MO", "time": "16:30", "skip_months": [7]}
    (folder / "gentofte.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    configs = load_configs(folder)
    result = planning.generate_calendar(store, configs, "gentofte", "ebi", 2026, NOW)
    skipped = {s["date"]: s["reason"] for s in result["skipped"]}
    assert "2026-04-06" in skipped and "2026-05-25" in skipped  # 2. påskedag, 2. pinsedag
    assert skipped["2026-02-09"] == "Vinterferie" and skipped["2026-10-12"] == "Efterårsferie"
    assert skipped["2026-07-06"] == "month"
    assert "ebi-2026-01-05" in result["created"] and "ebi-2026-04-13" in result["created"]
    assert not set(skipped) & {k.removeprefix("ebi-") for k in result["created"]}
    again = planning.generate_calendar(store, configs, "gentofte", "ebi", 2026, NOW)
    assert again["created"] == [] and len(again["kept"]) == len(result["created"])
