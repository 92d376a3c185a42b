"""Follow-up of decisions (issue 28, part 2): the minutes give a decision tasks; the daily run
reminds the owner before the due date and escalates after it (a real SMTP server on 127.0.0.1);
the owner answers by replying (a maildir), or the clerk records it; `meetprep decisions list`
shows the state; the portal page, the feed and OParl show the public tasks only."""

from __future__ import annotations

import datetime as dt
import json
import mailbox
import re
import threading
from dataclasses import replace
from email.message import EmailMessage

import pytest

from meetprep.decisions.tasks import listing
from meetprep.jobs.decisions import follow_up, record_report
from meetprep.messages import ledger
from tests.servers import Mailbox
from tests.test_excerpts import NOW, _danish_world, _record, _minutes


def _world(tmp_path):
    world = _danish_world(tmp_path)
    world.settings = replace(world.settings, decisions_mail=str(tmp_path / "decisions"))
    minutes = _minutes()
    minutes.items[2].tasks = type(minutes.items[0].tasks)(  # the closed paper's task never leaves the committee
        [minutes.items[0].tasks[0].model_copy(update={"text": "Borgerens sag genoptages", "due": dt.date(2026, 2, 1)})])
    with Mailbox() as smtp:
        _record(world, smtp, minutes)
    return world


def _day(world, smtp, day: dt.date, hour: int = 6) -> dict:
    now = dt.datetime.combine(day, dt.time(hour), dt.timezone.utc)
    transport = ledger.SmtpTransport(ledger.SmtpServer.from_url(smtp.url), lambda: now)
    return follow_up(world.store, world.configs, world.settings, now, lambda config: transport)


def _task_mails(smtp, kind: str) -> list:
    return [(rcpts, m) for _, rcpts, m in smtp.messages if f"/{kind}/" in str(m["X-Meetprep-Key"])]


def _reply(world, sender: str, subject: str, text: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "meetprep@example.org", f"SV: {subject}"
    message["Message-ID"] = f"<{abs(hash((sender, subject, text)))}@mail.example>"
    message.set_content(text + "\n\n-----Oprindelig meddelelse-----\nFra: meetprep@example.org\n> quoted")
    mailbox.Maildir(world.settings.decisions_mail, create=True).add(bytes(message))


def _page(world) -> str:
    return (world.settings.output_dir / "public" / "gentofte" / "decisions.html").read_text(encoding="utf-8")


def _public_task(world) -> dict:
    return next(t for t in listing(world.store, world.configs, dt.date(2026, 1, 1), "gentofte") if t["public"])


def test_a_task_is_reminded_extended_by_reply_escalated_and_done(tmp_path):
    world = _world(tmp_path)
    tasks = listing(world.store, world.configs, dt.date(2026, 1, 1), "gentofte")
    assert [(t["reference"], t["due"], t["owner"], t["state"], t["public"]) for t in tasks] == [
        ("EMN-2025-10003", "2026-02-01", "Erhverv og Beskæftigelse", "open", False),
        ("EMN-2025-10001", "2026-03-31", "Erhverv og Beskæftigelse", "open", True)]
    assert "Forvaltningen afrapporterer om dialogmødet" in _page(world)
    assert "Borgerens sag genoptages" not in _page(world)  # a closed paper's task stays inside

    with Mailbox() as smtp:
        _day(world, smtp, dt.date(2026, 3, 20))  # 11 days before: nothing for the public task yet
        assert [str(m["Subject"]) for _, m in _task_mails(smtp, "reminder")] == []
        _day(world, smtp, dt.date(2026, 3, 21))
        _day(world, smtp, dt.date(2026, 3, 21), hour=12)  # a second run the same day sends nothing again
        reminders = _task_mails(smtp, "reminder")
        assert len(reminders) == 1 and reminders[0][0] == ["erhverv@example.org"]
        subject = str(reminders[0][1]["Subject"])
        token = re.search(r"\[OP [0-9a-f]{12}\]", subject).group(0)
        text = reminders[0][1].get_body(("plain",)).get_content()
        assert "Fristen er 31-03-2026" in " ".join(text.split()) and "Ny frist 31-03-2027" in text

        _reply(world, "Erhverv <erhverv@example.org>", subject, "Ny frist 30-04-2026\nVi venter på tal fra Danmarks Statistik.")
        _reply(world, "Nogen Andre <nogen@example.net>", subject, "Udført")  # not the owner: kept aside
        result = _day(world, smtp, dt.date(2026, 3, 22))
        # the owner asks; the secretaries decide (the due date stays until they grant it)
        assert [(t["kind"], t["result"], t["due"]) for t in result["taken"]] == [("ask", "asked", "2026-03-31")]
        assert len(result["aside"]) == 1 and "neither the task's owner" in result["aside"][0]["reason"]
        asked = _task_mails(smtp, "asked")
        assert [r for r, _ in asked] == [["ebi-sekretariat@example.org"]]
        text = asked[0][1].get_body(("plain",)).get_content()
        task_id = _public_task(world)["id"]
        assert "Danmarks Statistik" in text and \
            f"meetprep decisions extend --body gentofte --task {task_id} --due 2026-04-30" in text
        assert "Indtil da gælder fristen 31-03-2026" in _task_mails(smtp, "answer")[-1][1].get_body(("plain",)).get_content()
        assert (_public_task(world)["due"], _public_task(world)["asked_due"]) == ("2026-03-31", "2026-04-30")
        assert "30-04-2026" not in _page(world)  # asked is not granted: nothing public changes
        now = dt.datetime(2026, 3, 23, 9, tzinfo=dt.timezone.utc)
        granted = record_report(world.store, world.configs, world.settings, "gentofte", task_id, "extend", "clerk",
                                "Vi venter på tal fra Danmarks Statistik.", now, dt.date(2026, 4, 30))
        assert granted["result"] == "extended"
        assert _public_task(world)["due"] == "2026-04-30" and _public_task(world)["extended"] == 1
        assert _public_task(world)["asked_due"] is None
        assert "30-04-2026 <small>(31-03-2026)</small>" in _page(world)

        for day in (dt.date(2026, 4, 30), dt.date(2026, 5, 1), dt.date(2026, 5, 2), dt.date(2026, 5, 8)):
            _day(world, smtp, day)
        overdue = _task_mails(smtp, "overdue")
        public_overdue = [r for r, m in overdue if "EMN-2025-10001" in str(m["Subject"])]
        # the day after the due date and a week later, each to the owner and the secretary
        assert sorted(public_overdue) == [["ebi-sekretariat@example.org"], ["ebi-sekretariat@example.org"],
                                          ["erhverv@example.org"], ["erhverv@example.org"]]
        assert listing(world.store, world.configs, dt.date(2026, 5, 8), "gentofte", {"overdue"})

        _reply(world, "erhverv@example.org", subject, "Udført. Afrapporteringen er sendt til udvalget.")
        result = _day(world, smtp, dt.date(2026, 5, 9))
        assert [(t["kind"], t["result"]) for t in result["taken"]] == [("done", "done")]
        answer = _task_mails(smtp, "answer")[-1][1]
        assert token in str(answer["Subject"]) and "registreret som udført" in answer.get_body(("plain",)).get_content()
        for day in (dt.date(2026, 5, 15), dt.date(2026, 5, 22)):
            _day(world, smtp, day)
        assert len([1 for _, m in _task_mails(smtp, "overdue") if "EMN-2025-10001" in str(m["Subject"])]) == 4

    assert _public_task(world)["state"] == "done"
    page = _page(world)
    assert "Afrapporteringen er sendt til udvalget." in page and 'data-state="done"' in page
    feed = (world.settings.output_dir / "public" / "gentofte" / "feeds" / "decisions.atom").read_text(encoding="utf-8")
    assert "udført: Forvaltningen afrapporterer om dialogmødet (EMN-2025-10001, 30-04-2026)" in feed
    assert "Borgerens" not in feed
    paper = next((world.settings.output_dir / "public").rglob("oparl/v1/gentofte/paper/EMN-2025-10001.json"), None)
    assert paper is not None
    follow = json.loads(paper.read_text(encoding="utf-8"))["meetprep:followUp"]
    assert follow == [{"text": "Forvaltningen afrapporterer om dialogmødet", "owner": "Erhverv og Beskæftigelse",
                       "dueDate": "2026-04-30", "state": "done", "doneDate": "2026-05-09",
                       "earlierDueDates": ["2026-03-31"]}]
    everything = "".join(p.read_text(errors="ignore") for p in (world.settings.output_dir / "public").rglob("*.json"))
    assert "Borgerens sag genoptages" not in everything


def test_the_clerk_records_a_task_and_two_runs_at_once_send_each_reminder_once(tmp_path):
    world = _world(tmp_path)
    task = _public_task(world)
    result = record_report(world.store, world.configs, world.settings, "gentofte", task["id"], "extend", "clerk",
                           "Afventer budgetforhandlingerne", NOW, dt.date(2026, 6, 30))
    assert result["result"] == "extended" and _public_task(world)["due"] == "2026-06-30"
    with Mailbox() as smtp:
        barrier, errors = threading.Barrier(2), []

        def run() -> None:
            barrier.wait()
            try:
                _day(world, smtp, dt.date(2026, 6, 25))
            except Exception as exc:  # noqa: BLE001 - reported below
                import traceback
                errors.append("".join(traceback.format_exception(exc)))

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert errors == [], errors[0]
        keys = [str(m["X-Meetprep-Key"]) for _, m in _task_mails(smtp, "reminder")]
        assert len(keys) == len(set(keys)) == 1
    done = record_report(world.store, world.configs, world.settings, "gentofte", task["id"], "done", "clerk", None, NOW)
    again = record_report(world.store, world.configs, world.settings, "gentofte", task["id"], "done", "clerk", None, NOW)
    assert (done["result"], again["result"]) == ("done", "already")


def test_a_task_with_an_unknown_owner_or_a_past_due_date_is_refused(tmp_path):
    from meetprep.errors import InputError
    from meetprep.minutes.record import check

    world = _danish_world(tmp_path)
    minutes = _minutes()
    minutes.items[0].tasks[0] = minutes.items[0].tasks[0].model_copy(update={"owner": "Ukendt Forvaltning",
                                                                              "due": dt.date(2025, 11, 1)})
    minutes.items[0].biased = ["stig-wall"]  # absent: cannot have been biased at the meeting
    with pytest.raises(InputError) as caught:
        check(world.store, world.configs, minutes, "minutes.yaml")
    fields = {p.field for p in caught.value.problems}
    assert {"items[0].tasks[0].owner", "items[0].tasks[0].due", "items[0].biased[0]"} <= fields


def test_where_owners_set_their_own_new_dates_a_reply_moves_the_date_at_once(tmp_path):
    import yaml

    from meetprep.config import load_configs

    world = _world(tmp_path)
    path = world.config_dir / "gentofte.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["body"]["follow_up"] = {"owner_sets_new_dates": True}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    world.configs = load_configs(world.config_dir)
    with Mailbox() as smtp:
        _day(world, smtp, dt.date(2026, 3, 21))
        subject = str(next(m for _, m in _task_mails(smtp, "reminder") if "EMN-2025-10001" in str(m["Subject"]))["Subject"])
        _reply(world, "erhverv@example.org", subject, "Ny frist 30-04-2026\nVi venter på tal.")
        result = _day(world, smtp, dt.date(2026, 3, 22))
        assert [(t["kind"], t["result"], t["due"]) for t in result["taken"]] == [("extend", "extended", "2026-04-30")]
        notices = _task_mails(smtp, "extended")
        assert [r for r, _ in notices] == [["ebi-sekretariat@example.org"]]  # the secretaries hear of it
        assert "Vi venter på tal." in notices[0][1].get_body(("plain",)).get_content()
    assert _public_task(world)["due"] == "2026-04-30"
    assert "30-04-2026 <small>(31-03-2026)</small>" in _page(world)
