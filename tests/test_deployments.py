"""prefect.yaml stays in step with the flows: entrypoints, parameters, schedules."""

from __future__ import annotations

import importlib
import inspect
from zoneinfo import ZoneInfo

import yaml

from tests.conftest import ROOT


def deployments():
    return yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]


def test_every_entrypoint_is_a_flow_with_those_parameters(configs):
    from prefect.flows import Flow

    for deployment in deployments():
        path, _, name = deployment["entrypoint"].partition(":")
        flow = getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), name)
        assert isinstance(flow, Flow), deployment["name"]
        signature = inspect.signature(flow.fn)
        assert set(deployment.get("parameters", {})) <= set(signature.parameters), deployment["name"]
        for body in deployment.get("parameters", {}).get("bodies", []):
            assert configs.get(body) is not None, (deployment["name"], body)


def test_schedules_are_in_a_time_zone_and_avoid_the_missing_hour():
    schedules = [s for d in deployments() for s in d.get("schedules", [])]
    assert schedules
    for schedule in schedules:
        if "interval" in schedule:  # every few minutes (take-replies): no wall-clock time to get wrong
            assert 60 <= schedule["interval"] <= 3600, schedule
            continue
        ZoneInfo(schedule["timezone"])
        minute, hour, *_ = schedule["cron"].split()
        assert hour != "2", schedule  # 02:00-03:00 does not exist on the spring-forward day


import pytest


@pytest.mark.parametrize("entrypoint", [":send_reminders", ":chase_attachments", ":prepare_meetings"])
def test_daily_deployments_cover_every_body_in_its_own_time_zone(configs, entrypoint):
    covered = {}
    for deployment in deployments():
        if deployment["entrypoint"].endswith(entrypoint):
            for body in deployment["parameters"]["bodies"]:
                covered[body] = deployment["schedules"][0]["timezone"]
    assert covered == {c.body.key: c.body.timezone for c in configs}


WORKER = """
import os, pathlib, signal, sys, time
marker = pathlib.Path(sys.argv[1])
runs = int(marker.read_text()) + 1 if marker.exists() else 1
marker.write_text(str(runs))
print("worker run", runs, flush=True)
if runs == 1 or sys.argv[2] == "always":
    os.kill(os.getpid(), signal.SIGSEGV)
time.sleep(60)
"""


def test_serve_starts_a_worker_again_that_died_and_leaves_down_one_that_keeps_dying(tmp_path):
    """`meetprep serve` looks at its workers every 2 s (Stack.revive): a worker killed by a
    signal is started again with its log kept; one that dies every time stops being restarted."""
    import subprocess
    import sys
    import time

    from meetprep.runtime import supervisor as serve

    stack = serve.Stack(tmp_path)

    def ended(name: str) -> None:
        process = stack.workers[name][0]
        process.wait(timeout=30)

    try:
        stack._spawn_worker("worker-1", "-c", WORKER, str(tmp_path / "once"), "once", command=[sys.executable])
        ended("worker-1")
        assert stack.revive() == [("worker-1", -11, True)]
        process = stack.workers["worker-1"][0]
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(timeout=1.0)  # the second start lives
        assert stack.revive() == []
        deadline = time.monotonic() + 10
        log = tmp_path / "logs" / "worker-1.log"
        while "worker run 2" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        text = log.read_text()
        assert text.index("worker run 1") < text.index("ended with exit code -11") < text.index("worker run 2")

        stack._spawn_worker("worker-2", "-c", WORKER, str(tmp_path / "always"), "always", command=[sys.executable])
        reports = []
        for _ in range(serve.RESTARTS_PER_HOUR + 2):
            ended("worker-2")
            reports += stack.revive()
        assert reports == [("worker-2", -11, True)] * serve.RESTARTS_PER_HOUR + [("worker-2", -11, False)]
        assert stack.workers["worker-2"][0].poll() == -11  # left down
        assert (tmp_path / "always").read_text() == str(serve.RESTARTS_PER_HOUR + 1)
    finally:
        stack.stop()
    assert all(p.poll() is not None for p in stack.processes)


def test_the_run_form_offers_the_configured_choices_and_hides_the_internals(configs):
    """What `meetprep serve` writes into each deployment's parameter schema after `prefect deploy`:
    the schema Prefect makes from the flow's signature, shaped for a clerk."""
    from prefect.utilities.callables import parameter_schema

    from meetprep.runtime.run_forms import choices, shaped

    picks = choices(configs, ["ebi-2025-09-22", "asi-2025-03-25"])
    seen = set()
    for deployment in deployments():
        path, _, name = deployment["entrypoint"].partition(":")
        flow = getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), name)
        raw = parameter_schema(flow).model_dump()
        form = shaped(raw, picks)
        properties = form["properties"]
        assert "settings" not in properties and "settings" not in form.get("required", []), deployment["name"]
        assert "Settings" not in form.get("definitions", {})
        for field, prop in properties.items():
            assert "anyOf" not in prop or len([o for o in prop["anyOf"] if o.get("type") != "null"]) > 1, (
                deployment["name"], field, prop)  # no "X or None" choice left where X alone will do
            if raw["properties"][field].get("anyOf") and prop.get("format") == "date":
                assert prop["type"] == "string" and field not in form.get("required", []), (deployment["name"], field)
                seen.add("optional date")
        if "body" in properties:
            assert properties["body"]["enum"] == [c.body.key for c in configs]
            seen.add("body")
        if "committee" in properties:
            assert {"ebi", "asi", "sozialausschuss", "bv"} <= set(properties["committee"]["enum"])
            seen.add("committee")
        if "meeting" in properties:
            assert properties["meeting"]["enum"] == ["ebi-2025-09-22", "asi-2025-03-25"]
            seen.add("meeting")
        if "bodies" in properties:
            assert properties["bodies"]["items"]["enum"] == [c.body.key for c in configs]
            seen.add("bodies")
    assert seen == {"optional date", "body", "committee", "meeting", "bodies"}
