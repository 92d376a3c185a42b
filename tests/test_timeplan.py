"""The time plan (issue 28, part 3): expected minutes per item, learned from the minutes' item
times, the planned start on the portal, and a draft digest that warns the secretary and the
chair of a plan that overruns its slot (a real SMTP server on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from meetprep.agenda import build
from meetprep.agenda.timeplan import plan, time_plan
from meetprep.config import load_configs
from meetprep.jobs.minutes import record_minutes
from meetprep.messages import ledger
from meetprep.model import MinutesFile
from meetprep.publish import publish
from meetprep.store import AgendaRow, meeting_by_key
from tests.conftest import ROOT, write_yaml
from tests.servers import Mailbox
from tests.test_timeline import World, danish_paper

START = dt.datetime(2025, 11, 17, 15, 30, tzinfo=dt.timezone.utc)


def entry(key: str, withdrawn: bool = False, parent: str | None = None) -> dict:
    return {"key": key, "kind": "paper", "reference": key, "title": key, "withdrawn": withdrawn, "parent": parent}


def test_each_item_starts_when_the_one_before_ends():
    entries = [entry("a"), entry("b", withdrawn=True), entry("head"), entry("c", parent="head"), entry("d")]
    result = plan(entries, START, START + dt.timedelta(minutes=60), {"a": 20, "b": 30, "head": 5, "c": 25, "d": 30})
    starts = {k: (i.start - START).total_seconds() / 60 for k, i in result.items.items()}
    assert starts == {"a": 0, "b": 20, "head": 20, "c": 20, "d": 45}  # withdrawn and heading take no time
    assert result.end == START + dt.timedelta(minutes=75) and result.overrun == 15


def _set_time_plan(world: World, **settings) -> None:
    path = world.config_dir / "gentofte.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["body"]["time_plan"] = settings
    data["organizations"][0]["agenda"]["opening_items"] = [{"title": "Godkendelse af dagsorden", "minutes": 2}]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    world.configs = load_configs(world.config_dir)


def test_the_minutes_item_times_teach_the_next_agenda_and_the_portal_shows_it(tmp_path):
    world = World(tmp_path, "gentofte")
    _set_time_plan(world, paper_types={"indstilling": 20})
    write_yaml(world.input / "meetings.yaml", {"body": "gentofte", "meetings": [
        {"committee": "ebi", "start": "2025-10-20T16:30:00+02:00", "end": "2025-10-20T18:30:00+02:00"},
        {"committee": "ebi", "start": "2025-11-17T16:30:00+01:00", "end": "2025-11-17T18:30:00+01:00"}]})
    world.papers([danish_paper("EMN-2025-10009", consultations=[
        {"committee": "ebi", "role": "indstilling", "meeting": "ebi-2025-10-20"}])], dt.date(2025, 9, 1))
    now = dt.datetime(2025, 10, 10, 8, tzinfo=dt.timezone.utc)
    for day in (dt.date(2025, 10, 20), dt.date(2025, 11, 17)):
        build.run(world.store, world.configs, build.AgendaRequest("gentofte", "ebi", now.date(), day=day),
                  ROOT / "templates", world.settings.output_dir, now, pdf=False)

    def planned() -> dict[str, int]:
        with world.store.session() as session:
            meeting = meeting_by_key(session, "gentofte", "ebi-2025-11-17")
            agenda = session.query(AgendaRow).filter_by(meeting_id=meeting.id).one()
            entries = agenda.versions[-1].entries
            result = time_plan(session, world.configs.get("gentofte"), meeting, entries)
            return {e["title"]: result.items[e["key"]].minutes for e in entries}

    before = planned()
    assert before["Godkendelse af dagsorden"] == 2 and before["Sag 10001"] == 20  # the configured numbers
    minutes = MinutesFile.model_validate({"kind": "minutes", "body": "gentofte", "meeting": "ebi-2025-10-20", "items": [
        {"number": "1", "started": "16:30", "ended": "16:34"},
        {"reference": "EMN-2025-10009", "result": "decided", "started": "16:34", "ended": "17:19"}]})
    with Mailbox() as smtp:
        transport = ledger.SmtpTransport(ledger.SmtpServer.from_url(smtp.url), lambda: now)
        record_minutes(world.store, world.configs, world.settings, minutes, "(test)", lambda: now, transport, pdf=False)
    after = planned()
    assert after["Godkendelse af dagsorden"] == 4 and after["Sag 10001"] == 45  # what the last meeting took

    publish(world.store, world.configs, world.settings, now, body="gentofte")
    page = (world.settings.output_dir / "public" / "gentofte" / "meeting" / "ebi-2025-11-17.html").read_text()
    times = re.findall(r'<p class="planned">forventet kl\. (\d\d:\d\d)</p>', page)
    assert times[:3] == ["16:30", "16:34", "17:19"]  # 4 minutes, then 45 per sag


def test_a_plan_over_its_slot_warns_the_secretary_and_the_chair_in_the_draft_digest(tmp_path):
    world = World(tmp_path, "gentofte")
    _set_time_plan(world, paper_types={"indstilling": 50})  # 2 + 3 x 50 + 5 minutes in a 120-minute slot
    with Mailbox() as smtp:
        result = world.run(dt.date(2025, 11, 3), smtp.url)  # the papers deadline: the draft digest
        assert result["errors"] == []
        digests = [(rcpts, m) for _, rcpts, m in smtp.messages if "/draft-digest/" in str(m["X-Meetprep-Key"])]
    recipients = sorted(r for rcpts, _ in digests for r in rcpts)
    config = world.configs.get("gentofte")
    chair_key = next(m.person for m in config.organization("ebi").memberships if m.role.value == "chair")
    chair = next(str(p.email) for p in config.persons if p.key == chair_key)
    assert "ebi-sekretariat@example.org" in recipients and chair in recipients
    text = " ".join(digests[0][1].get_body(("plain",)).get_content().split())
    assert "Bemærk: Efter tidsplanen slutter mødet først ca. kl. 19:07, 37 minutter efter det afsatte sluttidspunkt " \
           "kl. 18:30." in text


def test_an_item_that_ends_before_it_starts_is_refused():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as refused:
        MinutesFile.model_validate({"kind": "minutes", "body": "gentofte", "meeting": "ebi-2025-10-20", "items": [
            {"number": "1", "started": "16:40", "ended": "16:30"}]})
    assert "'ended' (16:30) is before 'started' (16:40)" in str(refused.value)


def _build_and_invite(world: World) -> tuple[str, str]:
    """The members' dagsorden's text and one member's invitation text, for ebi-2025-11-17."""
    from meetprep.messages.invitations import plan_invitations
    from tests.docxtext import text

    now = dt.datetime(2025, 11, 3, 8, tzinfo=dt.timezone.utc)
    result, _ = build.run(world.store, world.configs, build.AgendaRequest("gentofte", "ebi", now.date(),
                                                                       day=dt.date(2025, 11, 17)),
                       ROOT / "templates", world.settings.output_dir, now, pdf=False)
    document = next(Path(result.output_dir) / f["path"] for f in result.documents
                    if f["kind"] == "dagsorden" and f["variant"] == "members")
    planned = plan_invitations(world.store, world.configs, "gentofte", "ebi", now, day=dt.date(2025, 11, 17))
    return text(document), planned.messages[0].text


def test_a_papers_own_minutes_win_and_the_agenda_and_the_invitation_print_the_times(tmp_path):
    world = World(tmp_path, "gentofte")
    _set_time_plan(world, paper_types={"indstilling": 20})
    world.papers([danish_paper("EMN-2025-10001", expected_minutes=45), danish_paper("EMN-2025-10002")],
                 dt.date(2025, 10, 1))
    document, invitation = _build_and_invite(world)
    # 16:30 opening (2 minutes), 16:32 the paper with its own 45 minutes, 17:17 the next by its type's 20
    assert re.search(r"Punkt 2: Sag 10001 \(kl\. 16:32\)\s+Punkt 3: Sag 10002 \(kl\. 17:17\)", document), document
    assert "Forventet sluttid\tkl. 18:02" in document  # and 20 for Punkt 4, 5 for the closing item
    assert "Punkt 2: Sag 10001 (kl. 16:32)\nPunkt 3: Sag 10002 (kl. 17:17)" in invitation
    assert "Forventet sluttid: kl. 18:02" in invitation


def test_a_body_that_prints_no_times_gets_none_in_its_documents(tmp_path):
    world = World(tmp_path, "gentofte")
    _set_time_plan(world, in_documents=False)
    world.papers([danish_paper("EMN-2025-10001", expected_minutes=45)], dt.date(2025, 10, 1))
    document, invitation = _build_and_invite(world)
    assert "Sag 10001" in document and "kl. 16:32" not in document and "Forventet sluttid" not in document
    assert "Sag 10001" in invitation and "(kl." not in invitation and "Forventet sluttid" not in invitation
