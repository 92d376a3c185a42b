"""Incremental publishing equals a full publish (issue 27), shown by search.

Each example plays a sequence of what a Stadt's office does through the jobs, as the CLI and the
flows run them: papers imported (a new title, made closed or public again, withdrawn, an
attachment still to follow), agendas built, minutes recorded, a meeting moved or cancelled, an
attachment delivered. Every job publishes what it changed, as it does in real use. Then the
public tree is compared with what a full `meetprep publish` (at the same story clock) makes of
the same store: every file, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, example, given, settings, strategies as st

from meetprep.agenda.draft import AgendaRequest
from meetprep.config import Settings, load_configs
from meetprep.errors import MeetprepError
from meetprep.jobs import agenda as agenda_job
from meetprep.jobs import attachments as attachment_job
from meetprep.jobs import minutes as minutes_job
from meetprep.jobs.importing import import_papers
from meetprep.jobs.timeline import announce
from meetprep.meetings import changes
from meetprep.messages import ledger
from meetprep.model import MinutesFile
from meetprep.jobs.publishing import publish_all
from meetprep.store import Store
from tests.conftest import ROOT, write_yaml
from tests.pdfgen import write_pdf

BODY = "wedel"
MEETINGS = [("sozialausschuss", "2024-02-06T19:00:00+01:00"), ("sozialausschuss", "2024-03-05T19:00:00+01:00"),
            ("rat", "2024-03-21T18:00:00+01:00")]
START = dt.datetime(2024, 1, 8, 8, tzinfo=dt.timezone.utc)

operation = st.one_of(
    st.tuples(st.just("paper"), st.integers(0, 2), st.sampled_from(["title", "closed", "public", "withdraw", "later"])),
    st.tuples(st.just("build"), st.integers(0, 2)),
    st.tuples(st.just("minutes"), st.integers(0, 2)),
    st.tuples(st.just("move"), st.integers(0, 2)),
    st.tuples(st.just("cancel"), st.integers(0, 2)),
    st.tuples(st.just("deliver"), st.integers(0, 2)),
)


class Office:
    """One Stadt's store and folders, driven through the jobs."""

    def __init__(self, work: Path):
        self.work = work
        self.configs = load_configs(ROOT / "config")
        self.settings = Settings.from_env({"MEETPREP_HOME": str(work / "home"), "MEETPREP_CONFIG_DIR": str(ROOT / "config"),
                                           "MEETPREP_TEMPLATES_DIR": str(ROOT / "templates"),
                                           "MEETPREP_PUBLIC_URL": "https://ratsinfo.example.org/"})
        self.store = Store(self.settings.database_url)
        self.now = START
        self.keys: list[str] = []
        self.refused: list[tuple[tuple, str]] = []
        self.papers = {i: {"title": f"Vorlage {i}", "access": "öffentlich", "withdrawn": False, "later": False}
                       for i in range(4)}  # the fourth is placed on the second meeting
        self.papers[2]["later"] = True  # its Lageplan follows (an attachment once present does not go back)
        self.input = work / "input"
        write_pdf(self.input / "files" / "plan.pdf", "Lageplan")
        write_pdf(self.input / "files" / "nachgereicht.pdf", "Lageplan, endgültige Fassung")  # what is delivered later

    def tick(self) -> dt.datetime:
        self.now += dt.timedelta(days=2)
        return self.now

    def import_meetings(self) -> None:
        write_yaml(self.input / "meetings.yaml", {"body": BODY, "meetings": [
            {"committee": committee, "start": start, "location": {"room": "Ratssaal"}} for committee, start in MEETINGS]})
        report = import_papers(self.store, self.configs, self.settings, [self.input / "meetings.yaml"], self.now)
        self.keys = [m["key"] for m in report.meetings]

    def import_papers(self) -> None:
        for index, spec in self.papers.items():
            paper = {
                "body": BODY, "reference": f"BV/2024/{index + 1:03d}", "title": spec["title"], "type": "Beschlussvorlage",
                "access": spec["access"], "date": "2024-01-05",
                "sections": [{"heading": "Sachverhalt", "text": f"Sachverhalt {index}."}],
                "proposal": {"points": ["Der Ausschuss empfiehlt dem Rat zuzustimmen."]},
                "consultations": [{"committee": "sozialausschuss", "role": "Vorberatung",
                                   "status": "withdrawn" if spec["withdrawn"] else "pending",
                                   **({"meeting": self.keys[1]} if index == 3 else {})},
                                  {"committee": "rat", "role": "Entscheidung"}],
                "attachments": [{"title": "Lageplan", "status": "to_follow"} if spec["later"] else
                                {"title": "Lageplan", "path": "../files/plan.pdf"}],
            }
            if index == 2:
                paper["related"] = ["BV/2024/001"]
            write_yaml(self.input / "papers" / f"p{index}.yaml", paper)
        import_papers(self.store, self.configs, self.settings, [self.input / "papers"], self.tick(), root=self.input)

    def run(self, op: tuple) -> None:
        what, index, *rest = op
        transport = ledger.transport_for(self.settings, self.configs.get(BODY).body.mail, lambda: self.now)
        key = self.keys[index]
        committee = MEETINGS[index][0]
        try:
            if what == "paper":
                spec = self.papers[index]
                change = rest[0]
                if change == "title":
                    spec["title"] += " (neu)"
                elif change in ("closed", "public"):
                    spec["access"] = "nichtöffentlich" if change == "closed" else "öffentlich"
                elif change == "withdraw":
                    spec["withdrawn"] = True
                else:
                    spec["later"] = True
                self.import_papers()
            elif what == "build":
                day = dt.date.fromisoformat(MEETINGS[index][1][:10])
                agenda_job.build_agenda(self.store, self.configs, self.settings,
                                        AgendaRequest(BODY, committee, self.tick().date(), day=day), self.now, pdf=False)
            elif what == "minutes":
                held = dt.datetime.fromisoformat(MEETINGS[index][1]) + dt.timedelta(days=1)
                self.now = max(self.now, held.astimezone(dt.timezone.utc))  # minutes come after the meeting
                data = MinutesFile.model_validate({"kind": "minutes", "body": BODY, "meeting": key, "items": [
                    {"reference": f"BV/2024/{i + 1:03d}", "result": "decided", "text": "Beschlossen.",
                     "votes": {"yes": 3 if index == 2 else 6, "no": 1, "abstain": 1},  # within the members present
                     # item times: the later agendas' time plans learn from them
                     "started": f"19:{10 * i:02d}", "ended": f"19:{10 * i + 7 + index:02d}"} for i in range(3)]})
                minutes_job.record_minutes(self.store, self.configs, self.settings, data, "(test)", self.tick,
                                           transport, pdf=False)
            elif what == "move":
                start = dt.datetime.fromisoformat(MEETINGS[index][1]) + dt.timedelta(days=1)
                changes.move(self.store, self.configs, BODY, key, self.tick(), start=start.isoformat())
                announce(self.store, self.configs, self.settings, BODY, key, self.now, transport, pdf=False)
            elif what == "cancel":
                changes.cancel(self.store, self.configs, BODY, key, self.tick())
                announce(self.store, self.configs, self.settings, BODY, key, self.now, transport, pdf=False)
            elif what == "deliver":
                if not self.papers[index]["later"]:
                    return
                attachment_job.deliver(self.store, self.configs, self.settings, BODY, f"BV/2024/{index + 1:03d}",
                                       self.input / "files" / "nachgereicht.pdf", None, self.tick().date(),
                                       lambda: self.now,
                                       transport, pdf=False)
                self.papers[index]["later"] = False
        except MeetprepError as refused:  # as a clerk would be (minutes before an agenda, a build of a cancelled meeting)
            self.refused.append((op, str(getattr(refused, "problems", refused))[:300]))

    def daily(self) -> None:
        """What the daily prepare-meetings run publishes on its own (jobs.timeline.run_day)."""
        from meetprep.jobs.publishing import publish_meetings

        assert publish_meetings(self.store, self.configs, self.settings, self.now, BODY, set()) == []

    def public(self) -> dict[str, bytes]:
        root = self.settings.output_dir / "public"
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def differences(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    return ([f"only incremental: {p}" for p in sorted(set(before) - set(after))]
            + [f"only full: {p}" for p in sorted(set(after) - set(before))]
            + [f"differs: {p}" for p in sorted(set(before) & set(after)) if before[p] != after[p]])


@settings(max_examples=int(os.environ.get("MEETPREP_EXAMPLES", "12")), deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
          suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=1, max_size=7))
@example(ops=[("build", 0), ("paper", 0, "title")])
@example(ops=[("build", 0), ("build", 1), ("minutes", 0)])  # the later agenda's time plan learns from the minutes
@example(ops=[("build", 0), ("paper", 1, "closed"), ("build", 0), ("minutes", 0)])
@example(ops=[("paper", 2, "later"), ("build", 0), ("deliver", 2), ("move", 0), ("cancel", 2)])
def test_incremental_publishing_equals_a_full_publish(ops):
    with tempfile.TemporaryDirectory(prefix="meetprep-incremental-") as folder:
        office = Office(Path(folder))
        try:
            office.import_meetings()
            office.import_papers()
            for op in ops:
                office.run(op)
            office.daily()  # the day's scheduled run, which keeps the front page's coming meetings current
            incremental = office.public()
            publish_all(office.store, office.configs, office.settings, office.now, body=BODY)
            full = office.public()
        finally:
            office.store.close()
            shutil.rmtree(folder, ignore_errors=True)
    found = differences(incremental, full)
    assert not found, "\n".join(found)


def test_the_offices_jobs_are_done_not_refused():
    """The search above is only as good as its operations: each kind, played in a sensible
    order, is done (a refused job would compare two trees that nothing changed)."""
    with tempfile.TemporaryDirectory(prefix="meetprep-incremental-") as folder:
        office = Office(Path(folder))
        try:
            office.import_meetings()
            office.import_papers()
            for op in [("build", 0), ("build", 1), ("deliver", 2), ("paper", 0, "title"),
                       ("minutes", 0), ("move", 1), ("cancel", 2), ("paper", 1, "withdraw")]:
                office.run(op)
            assert office.refused == []
            with office.store.session() as session:
                from meetprep.store import MinutesRow

                assert session.query(MinutesRow).count() == 1
        finally:
            office.store.close()
