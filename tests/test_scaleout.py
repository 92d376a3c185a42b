"""Scale-out, end to end: a Prefect server on PostgreSQL, the store on the same PostgreSQL,
deployments from prefect.yaml, a process work pool with two workers, flow runs to completion.

Slow (about two minutes): it starts real servers. Marked `scaleout`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from meetprep.store import AgendaVersionRow, MeetingRow, Store
from tests.conftest import EXAMPLES, ROOT

DEPLOYMENTS = len(yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"])
from tests.prefect_server import PrefectStack

pytestmark = [pytest.mark.scaleout, pytest.mark.postgres,
              pytest.mark.xdist_group("scaleout")]  # one Prefect stack at a time on two cores


@pytest.mark.parametrize("resident", [False, True], ids=["process-workers", "resident-workers"])
def test_two_workers_on_a_postgresql_backed_server(postgres, tmp_path, resident):
    """Prefect's process workers (a new process per run) and meetprep's resident workers (runs in
    a long-lived process) race for the same runs: each run starts exactly once."""
    suffix = "_resident" if resident else ""
    prefect_db = postgres.create_database(f"prefect_e2e{suffix}").replace("postgresql+psycopg", "postgresql+asyncpg")
    store_url = postgres.create_database(f"meetprep_e2e{suffix}")
    env = {"MEETPREP_DATABASE_URL": store_url, "MEETPREP_HOME": str(tmp_path / "home"),
           "MEETPREP_CONFIG_DIR": str(ROOT / "config"), "MEETPREP_TEMPLATES_DIR": str(ROOT / "templates")}
    meetprep = str(Path(sys.executable).with_name("meetprep"))
    imported = subprocess.run([meetprep, "items", "import", str(EXAMPLES)], env={**os.environ, **env},
                              capture_output=True, text=True, timeout=120)
    assert imported.returncode == 0, imported.stderr

    stack = PrefectStack(tmp_path, prefect_db, env)
    try:
        stack.start(workers=2, resident=resident)
        deployments = stack.run("deployment", "ls")
        for name in ("build-agenda/build-agenda", "send-invitations/send-invitations",
                     "send-reminders/send-reminders-danish-bodies", "chase-attachments/chase-attachments-german-bodies",
                     "record-minutes/record-minutes", "plan-year/plan-year-danish-bodies",
                     "generate-meeting-calendar/generate-meeting-calendar", "deliver-attachment/deliver-attachment"):
            assert name in deployments, deployments
        runs = stack.trigger([
            ("build-agenda/build-agenda", {"body": "gentofte", "committee": "ebi", "date": "2025-09-22", "pdf": False,
                                           "as_of": "2025-09-14"}),
            ("build-agenda/build-agenda", {"body": "gentofte", "committee": "ebi", "date": "2025-09-22", "pdf": False,
                                           "as_of": "2025-09-14"}),
            ("build-agenda/build-agenda", {"body": "wedel", "committee": "sozialausschuss", "date": "2023-12-05",
                                           "pdf": False, "as_of": "2023-11-27"}),
            ("build-agenda/build-agenda", {"body": "hamburg-bezirk", "committee": "bv", "date": "2023-12-07",
                                           "pdf": False, "as_of": "2023-11-29"}),
            ("send-reminders/send-reminders-danish-bodies", {"as_of": "2025-09-15"}),
        ])
        assert [r["state"] for r in runs] == ["COMPLETED"] * 5, runs
    finally:
        stack.stop()
    # Two workers may both try to take a run; the server lets one start it and aborts the other
    # ("Aborted submission"). What counts is which worker started each run.
    mark = "started flow run" if resident else "submitted to infrastructure"
    started = {i: (tmp_path / "logs" / f"worker-{i}.log").read_text().count(mark) for i in (1, 2)}
    assert sum(started.values()) == 5, started  # each run started once
    assert all(started.values()), started  # and both workers took part (each takes at most two at a time)
    with Store(store_url) as store, store.session() as session:
        versions = {(v.agenda.meeting.key, v.version) for v in session.execute(select(AgendaVersionRow)).scalars()}
        assert versions == {("ebi-2025-09-22", 1), ("sozialausschuss-2023-12-05", 1), ("bv-2023-12-07", 1)}
        states = dict(session.execute(select(MeetingRow.key, MeetingRow.state)).all())
        assert states["ebi-2025-09-22"] == "agenda_built"
    assert sorted(p.name for p in (tmp_path / "home/output/gentofte/ebi/ebi-2025-09-22").iterdir()) == ["v1"]


SCHEDULED = r"""
import asyncio, json, os, sys
os.environ["PREFECT_API_URL"] = sys.argv[1]
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (DeploymentFilter, DeploymentFilterId, FlowRunFilter, FlowRunFilterState,
                                            FlowRunFilterStateType)
from prefect.client.schemas.schedules import CronSchedule

async def main(name, timeout):
    async with get_client() as client:
        deployment = await client.read_deployment_by_name(name)
        await client.create_deployment_schedules(deployment.id, [(CronSchedule(cron="* * * * *",
                                                                               timezone="Europe/Copenhagen"), True)])
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            runs = await client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
                flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
                    type=FlowRunFilterStateType(any_=["COMPLETED", "FAILED", "CRASHED"]))))
            if runs:
                run = runs[0]
                print(json.dumps({"state": run.state.type.value, "auto_scheduled": run.auto_scheduled,
                                  "parameters": run.parameters, "message": run.state.message}))
                return
            await asyncio.sleep(2)
    print(json.dumps({"state": "NONE", "auto_scheduled": False}))

asyncio.run(main(sys.argv[2], float(sys.argv[3])))
"""


def test_meetprep_serve_runs_everything_on_one_machine_and_stops(tmp_path):
    import signal
    import time
    import urllib.request

    from tests.servers import free_port, wait_for

    import base64
    import urllib.error

    port = free_port()
    # The console asks for credentials (MEETPREP_CONSOLE_AUTH: Prefect's basic authentication, as
    # `serve --host ADDRESS` requires it); the scheduler runs, and looks often: the daily
    # prepare-meetings deployment must run by itself, on workers that were given the credentials.
    secret = "sitzungsdienst:ein-langes-passwort"
    env = {**os.environ, "MEETPREP_HOME": str(tmp_path / "home"), "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
           "PREFECT_WORKER_QUERY_SECONDS": "2", "PREFECT_WORKER_PREFETCH_SECONDS": "5", "MEETPREP_CONSOLE_AUTH": secret}
    env.pop("PREFECT_HOME", None)  # serve keeps Prefect's database under MEETPREP_HOME
    meetprep = str(Path(sys.executable).with_name("meetprep"))
    process = subprocess.Popen([meetprep, "serve", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def request(path: str, auth: str | None = secret, data: bytes | None = None) -> urllib.request.Request:
        made = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data)
        if auth:
            made.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
        return made

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(request("/api/deployments/count", data=b"{}"), timeout=2) as r:
                return int(r.read()) >= DEPLOYMENTS  # every deployment of prefect.yaml is applied
        except OSError:
            return False

    try:
        assert wait_for(healthy, timeout=180, step=1), "the server did not come up with the deployments"
        for auth in (None, "sitzungsdienst:falsch-geraten"):  # a stranger, and a wrong guess: refused
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request("/api/deployments/count", auth=auth, data=b"{}"), timeout=5)
            assert refused.value.code == 401
        assert wait_for(lambda: (tmp_path / "home/logs/worker-1.log").exists(), timeout=30)
        # The Run form offers the configured bodies and hides the internal settings (written
        # before the workers start).
        with urllib.request.urlopen(request("/api/deployments/name/build-agenda/build-agenda"), timeout=5) as r:
            form = json.loads(r.read())["parameter_openapi_schema"]
        assert "gentofte" in form["properties"]["body"]["enum"] and "settings" not in form["properties"], form
        assert form["properties"]["date"] == {**form["properties"]["date"], "type": "string", "format": "date"}
        # Its real schedule is 06:00 each morning; one every minute shows a scheduled run end to end.
        scheduled = subprocess.run([sys.executable, "-c", SCHEDULED, f"http://127.0.0.1:{port}/api",
                                    "prepare-meetings/prepare-meetings-danish-bodies", "150"],
                                   cwd=ROOT, capture_output=True, text=True, timeout=240,
                                   env={**os.environ, "PREFECT_API_AUTH_STRING": secret})
        assert scheduled.returncode == 0, scheduled.stderr
        run = json.loads(scheduled.stdout.strip().splitlines()[-1])
        assert run["state"] == "COMPLETED" and run["auto_scheduled"], run
        time.sleep(1)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=90)
    assert process.returncode == 0, output
    assert f"Prefect UI: http://127.0.0.1:{port} (asks for MEETPREP_CONSOLE_AUTH)" in output and "Stopped." in output
    assert not healthy()


def test_serve_on_the_network_without_authentication_is_refused(tmp_path):
    env = {**os.environ, "MEETPREP_HOME": str(tmp_path / "home")}
    env.pop("MEETPREP_CONSOLE_AUTH", None)
    meetprep = str(Path(sys.executable).with_name("meetprep"))
    done = subprocess.run([meetprep, "serve", "--host", "0.0.0.0", "--portal-port", "0"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "refusing to serve the Prefect UI on 0.0.0.0 without authentication" in done.stdout + done.stderr
    assert not (tmp_path / "home" / "logs" / "server.log").exists()  # nothing was started
