"""A resident worker: runs the deployments' flow runs inside one long-lived process.

Prefect's process worker starts a new Python process for every flow run, which imports Prefect,
meetprep and the flow again before any work starts: about 5 s on two cores, for a build that
itself takes a fraction of a second (and it looks at its queue only every few seconds). A clerk
who clicks "Run" in the UI waits for all of that. The resident worker imports the flows once,
asks the server for due runs of its work pool every half second, claims each run (the server's
Pending transition: of two workers asking at once only one gets it) and runs it in this process
with Prefect's own engine, so the run, its tasks, logs and artifacts show in the UI as before.

    python -m meetprep.runtime.resident --pool meetprep [--poll 0.5]

`meetprep serve` starts it instead of `prefect worker start`. Settings reach the flows through
the MEETPREP_* environment of this process, as with a process worker. Runs are taken one at a
time per process; start more processes (`meetprep serve --workers 2`) for runs in parallel.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import inspect
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("meetprep.runtime.resident")


class ResidentWorker:
    def __init__(self, pool: str, project_root: Path, poll: float = 0.5):
        self.pool, self.project_root, self.poll = pool, project_root, poll
        self.stopping = threading.Event()
        self._flows: dict[str, Any] = {}

    def run_forever(self) -> None:
        asyncio.run(self._loop())

    async def _loop(self) -> None:
        from prefect.client.orchestration import get_client

        async with get_client() as client:
            while not self.stopping.is_set():
                try:
                    ran = await self._take_one_due_run(client)
                except Exception:  # the server restarting or briefly unreachable: ask again
                    log.warning("could not ask the Prefect server for due runs", exc_info=True)
                    ran = False
                if not ran:
                    await asyncio.sleep(self.poll)

    async def _take_one_due_run(self, client: Any) -> bool:
        """Claim and run the first due run; True if one ran. One at a time, and the list asked
        for afresh each time: a list read before a long run is stale by its end (another worker
        may have run those meanwhile, and Prefect lets a finished run go back to Pending)."""
        soon = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=self.poll)
        for response in await client.get_scheduled_flow_runs_for_work_pool(self.pool, scheduled_before=soon):
            if self.stopping.is_set():
                return False
            flow_run = response.flow_run
            if not await self._claim(client, flow_run):
                continue
            log.info("started flow run %s (%s)", flow_run.id, flow_run.name)
            try:
                flow = await self._flow_of(client, flow_run)
            except Exception as exc:
                await self._crash(client, flow_run, f"could not load the flow: {exc}")
                return True
            if flow.isgenerator:
                await self._crash(client, flow_run, f"{flow.name} is a generator flow: the resident worker runs "
                                                    "plain and async flows (use `meetprep serve --process-workers`)")
                return True
            # The engine drives its own event loop: give it a thread of its own.
            await asyncio.to_thread(self._run, flow, flow_run)
            return True
        return False

    async def _claim(self, client: Any, flow_run: Any) -> bool:
        """Scheduled -> Pending. Of two workers proposing Pending at once the server aborts the
        second (Pending from Pending is refused); a run no longer Scheduled is left alone."""
        from prefect.exceptions import Abort
        from prefect.states import Pending
        from prefect.utilities.engine import propose_state

        current = await client.read_flow_run(flow_run.id)
        if current.state is None or not current.state.is_scheduled():
            return False
        try:
            state = await propose_state(client, Pending(), flow_run_id=flow_run.id)
        except Abort:  # another worker took it, or it was cancelled meanwhile
            return False
        return state.is_pending()

    async def _flow_of(self, client: Any, flow_run: Any) -> Any:
        from prefect.flows import load_flow_from_entrypoint

        deployment = await client.read_deployment(flow_run.deployment_id)
        entrypoint = deployment.entrypoint
        if entrypoint not in self._flows:
            path, _, name = entrypoint.partition(":")
            self._flows[entrypoint] = load_flow_from_entrypoint(f"{self.project_root / path}:{name}")
        return self._flows[entrypoint]

    async def _crash(self, client: Any, flow_run: Any, message: str) -> None:
        from prefect.states import Crashed
        from prefect.utilities.engine import propose_state

        log.error("flow run %s: %s", flow_run.id, message)
        try:
            await propose_state(client, Crashed(message=message), flow_run_id=flow_run.id)
        except Exception:
            log.warning("could not mark flow run %s as crashed", flow_run.id, exc_info=True)

    def _run(self, flow: Any, flow_run: Any) -> None:
        """Run the claimed flow run with Prefect's public engine entry point, `run_flow`, as a
        process worker's child does. For an async flow (all of meetprep's) it returns the run's
        coroutine, driven here on this thread's own event loop."""
        from prefect.flow_engine import run_flow
        from prefect.logging.loggers import flow_run_logger

        run_logger = flow_run_logger(flow_run=flow_run)
        try:
            outcome = run_flow(flow, flow_run=flow_run, error_logger=run_logger)
            if inspect.iscoroutine(outcome):
                asyncio.run(outcome)
        except BaseException:  # the engine has recorded the failed state; the worker goes on
            log.exception("flow run %s failed", flow_run.id)


def main(argv: list[str] | None = None) -> int:
    from meetprep.config import PROJECT_ROOT

    parser = argparse.ArgumentParser(description="Run the deployments' flow runs in this process.")
    parser.add_argument("--pool", default="meetprep", help="the work pool to take runs from")
    parser.add_argument("--poll", type=float, default=0.5, help="seconds between two looks at the pool")
    parser.add_argument("--project", type=Path, default=Path(os.environ.get("MEETPREP_PROJECT_DIR") or PROJECT_ROOT),
                        help="the folder of prefect.yaml (the flows' entrypoints are relative to it)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker = ResidentWorker(args.pool, args.project.resolve(), args.poll)
    signal.signal(signal.SIGTERM, lambda *_: worker.stopping.set())
    signal.signal(signal.SIGINT, lambda *_: worker.stopping.set())
    sys.path.insert(0, str(args.project.resolve()))
    log.info("taking flow runs of work pool %r every %.1f s", args.pool, args.poll)
    worker.run_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
