"""Serve everything on one machine: a Prefect server, the `meetprep` work pool, the deployments
of prefect.yaml, and workers (resident ones by default, see meetprep.runtime.resident). `meetprep serve` runs it until Ctrl-C; the scale-out test
runs the same stack on PostgreSQL with two workers.
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from meetprep.config import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


RESTARTS_PER_HOUR = 5


LOOPBACK = ("127.0.0.1", "::1", "localhost")


def check_exposure(host: str, auth: str | None) -> None:
    """A console on the network must ask who is there: without authentication it would let anyone
    in the office start flows, approve agendas and read closed items' titles in run artifacts."""
    if host in LOOPBACK:
        return
    if not auth or ":" not in auth or not auth.split(":", 1)[0] or len(auth.split(":", 1)[1]) < 12:
        raise RuntimeError(
            f"refusing to serve the Prefect UI on {host} without authentication: set MEETPREP_CONSOLE_AUTH to "
            "user:password (a password of at least 12 characters), and put the server behind a reverse proxy "
            "with TLS (docs/operations.md)")


class Stack:
    """`prefect server start`, a process work pool, `prefect deploy --all` and N workers."""

    def __init__(self, home: Path, env: dict[str, str] | None = None, port: int | None = None,
                 database_url: str | None = None, host: str = "127.0.0.1", auth: str | None = None):
        """`host`: where the server listens (the office network's address for clerks at their own
        PCs); `auth`: "user:password", Prefect's basic authentication, required by the server and
        given to every client this stack starts (workers, deployments, the Run forms)."""
        check_exposure(host, auth)
        self.port = port or free_port()
        self.host, self.auth = host, auth
        self.logs = home / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.prefect = str(Path(sys.executable).with_name("prefect"))
        self.env = {
            **os.environ, **(env or {}),
            "PREFECT_HOME": str(home / "prefect"),
            "PREFECT_API_URL": f"http://127.0.0.1:{self.port}/api",
            "PREFECT_SERVER_API_HOST": host,
            "PREFECT_SERVER_API_PORT": str(self.port),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "MEETPREP_PROJECT_DIR": str(PROJECT_ROOT),  # the deployments' working directory (prefect.yaml)
            "COLUMNS": "250",
            # A clerk's click waits for the worker's next look at the queue: every second, not
            # every 10 s (Prefect's default). A query is one small request to the local server.
            "PREFECT_WORKER_QUERY_SECONDS": os.environ.get("PREFECT_WORKER_QUERY_SECONDS", "1"),
        }
        if auth:  # the server asks for it, every client of this stack gives it
            self.env["PREFECT_SERVER_API_AUTH_STRING"] = auth
            self.env["PREFECT_API_AUTH_STRING"] = auth
            self.env.pop("PREFECT_API_KEY", None)  # it would take precedence and fail (Prefect's security docs)
        if database_url:  # PostgreSQL for more than one worker: SQLite gives "database is locked"
            self.env["PREFECT_API_DATABASE_CONNECTION_URL"] = database_url
        self.processes: list[subprocess.Popen] = []
        self.workers: dict[str, tuple[subprocess.Popen, tuple[str, ...], list[str] | None, dict[str, str]]] = {}
        self.restarts: dict[str, list[float]] = {}
        self.given_up: set[str] = set()

    @property
    def ui(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, path: str, auth: str | None = "own") -> urllib.request.Request:
        """A request to the server, with this stack's credentials (or `auth`, or none)."""
        request = urllib.request.Request(f"{self.ui}{path}")
        given = self.auth if auth == "own" else auth
        if given:
            request.add_header("Authorization", "Basic " + base64.b64encode(given.encode()).decode())
        return request

    def _spawn(self, name: str, *args: str, command: list[str] | None = None, append: bool = False,
               **env: str) -> subprocess.Popen:
        # the child has its own copy of the log's descriptor: ours is closed here, not left to
        # the garbage collector (a ResourceWarning for each start and restart)
        with (self.logs / f"{name}.log").open("a" if append else "w") as log:
            process = subprocess.Popen([*(command or [self.prefect]), *args], cwd=PROJECT_ROOT, env={**self.env, **env},
                                       stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def _spawn_worker(self, name: str, *args: str, command: list[str] | None = None, **env: str) -> subprocess.Popen:
        process = self._spawn(name, *args, command=command, **env)
        self.workers[name] = (process, args, command, env)
        return process

    def revive(self) -> list[tuple[str, int, bool]]:
        """Start again each worker that ended; reports (name, exit code, started again). A
        worker that dies (a crash, the OOM killer) must not leave the work pool without anyone
        to take its runs. One that ended RESTARTS_PER_HOUR times in the last hour is left down
        and reported once: it fails for a reason a restart does not cure (its log says which)."""
        revived = []
        now = time.monotonic()
        for name, (process, args, command, env) in list(self.workers.items()):
            code = process.poll()
            if code is None or name in self.given_up:
                continue
            recent = [t for t in self.restarts.get(name, []) if now - t < 3600]
            if len(recent) >= RESTARTS_PER_HOUR:
                self.given_up.add(name)
                revived.append((name, code, False))
                continue
            self.restarts[name] = recent + [now]
            self.processes.remove(process)
            with (self.logs / f"{name}.log").open("a") as log:
                log.write(f"\n--- meetprep serve: {name} ended with exit code {code}; starting it again ---\n")
            self.workers[name] = (self._spawn(name, *args, command=command, append=True, **env), args, command, env)
            revived.append((name, code, True))
        return revived

    def run(self, *args: str, timeout: float = 120) -> str:
        result = subprocess.run([self.prefect, "--no-prompt", *args], cwd=PROJECT_ROOT, env=self.env,
                                capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"prefect {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self, workers: int = 1, timeout: float = 180, worker_env: dict[str, str] | None = None,
              resident: bool = True) -> "Stack":
        """Start the server, apply the deployments, start the workers.

        Resident workers (meetprep.runtime.resident) run each flow run in their own long-lived process
        and take a clerk's run within a second; Prefect's process workers start a new process
        per run (about 5 s more on two cores) and isolate runs from each other.
        """
        server = self._spawn("server", "server", "start", "--host", self.host, "--port", str(self.port))
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.request("/api/health"), timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the Prefect server did not start:\n" + (self.logs / "server.log").read_text()[-3000:])
            time.sleep(0.5)
        pools = self.run("work-pool", "ls")
        if " meetprep " not in pools:
            self.run("work-pool", "create", "meetprep", "--type", "process")
        self.run("deploy", "--all", timeout=300)
        # The Run forms: configured bodies, committees and coming meetings as choices, no
        # internal parameters (meetprep.runtime.run_forms).
        forms = subprocess.run([sys.executable, "-m", "meetprep.runtime.run_forms"], cwd=PROJECT_ROOT, env=self.env,
                               capture_output=True, text=True, timeout=120)
        if forms.returncode != 0:
            raise RuntimeError(f"the deployments' Run forms could not be written:\n{forms.stderr[-3000:]}")
        for index in range(workers):
            if resident:
                self._spawn_worker(f"worker-{index + 1}", "--pool", "meetprep",
                                   command=[sys.executable, "-m", "meetprep.runtime.resident"], **(worker_env or {}))
            else:
                self._spawn_worker(f"worker-{index + 1}", "worker", "start", "--pool", "meetprep", "--name",
                                   f"worker-{index + 1}", "--limit", "2", **(worker_env or {}))
        return self

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
