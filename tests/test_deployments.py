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
