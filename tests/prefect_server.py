"""A real Prefect server, work pool and workers on 127.0.0.1, for the scale-out test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from meetprep.runtime.supervisor import Stack

ROOT = Path(__file__).resolve().parent.parent

TRIGGER = r"""
import asyncio, json, sys
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment

async def main(requests, timeout):
    runs = await asyncio.gather(*[run_deployment(name, parameters=params, timeout=0) for name, params in requests])
    ids = [r.id for r in runs]
    async with get_client() as client:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            states = [await client.read_flow_run(i) for i in ids]
            if all(s.state.is_final() for s in states) or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(1)
    print(json.dumps([{"id": str(s.id), "name": s.name, "deployment": n, "state": s.state.type.value,
                       "message": s.state.message, "parameters": s.parameters} for s, (n, _) in zip(states, requests)]))

asyncio.run(main(json.loads(sys.argv[1]), float(sys.argv[2])))
"""


class PrefectStack(Stack):
    """The `meetprep serve` stack on PostgreSQL, with the test's own settings and a trigger."""

    def __init__(self, home: Path, database_url: str, env: dict[str, str]):
        super().__init__(home, {
            **env,
            "PREFECT_SERVER_UI_ENABLED": "false",
            # No scheduled runs of the daily deployments: the test counts the runs it triggers.
            "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "PREFECT_WORKER_PREFETCH_SECONDS": "2",
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }, database_url=database_url)

    def start(self, workers: int = 2, timeout: float = 180, resident: bool = False) -> "PrefectStack":
        super().start(workers, timeout, worker_env={"PREFECT_LOGGING_LEVEL": "INFO"}, resident=resident)
        self.run("concurrency-limit", "create", "meetprep-agenda-write", "1")
        return self

    def trigger(self, requests: list[tuple[str, dict]], timeout: float = 240) -> list[dict]:
        result = subprocess.run([sys.executable, "-c", TRIGGER, json.dumps(requests), str(timeout)], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=timeout + 60)
        if result.returncode != 0:
            raise RuntimeError(result.stderr)
        return json.loads(result.stdout.strip().splitlines()[-1])
