"""Command group `forkserver`: whether commands run in a warm fork server, and stopping it."""

from __future__ import annotations

import os
import signal
import time

import typer

from meetprep.runtime import socket_folder
from meetprep.cli.common import EXIT_ENVIRONMENT, JsonOption, app, get_console, print_json

forkserver_app = typer.Typer(help="The warm fork server that makes commands quick (MEETPREP_FORKSERVER).",
                             no_args_is_help=True)
app.add_typer(forkserver_app, name="forkserver")


def _where() -> tuple[str | None, str | None]:
    directory = socket_folder.folder()
    return directory, socket_folder.socket_path(directory) if directory else None


@forkserver_app.command("status")
def status(as_json: bool = JsonOption) -> None:
    """Show whether a fork server runs for this installation, its socket, process and log."""
    directory, path = _where()
    mode = socket_folder.mode()
    pid = socket_folder.running(path) if path else None
    report = {"mode": mode, "folder": directory, "socket": path, "running": pid is not None, "pid": pid,
              "log": socket_folder.log_path(directory) if directory else None}
    if as_json:
        print_json(report)
    else:
        console = get_console()
        if directory is None:
            console.print("No private folder for the fork server's socket (see MEETPREP_FORKSERVER_DIR): "
                          "every command runs in its own process.", soft_wrap=True)
            raise typer.Exit(EXIT_ENVIRONMENT)
        state = f"running (process {pid})" if pid else "not running"
        console.print(f"Fork server: {state}; MEETPREP_FORKSERVER={mode}\n  socket {path}\n  log    {report['log']}",
                      soft_wrap=True, highlight=False, markup=False)


@forkserver_app.command("stop")
def stop(as_json: bool = JsonOption) -> None:
    """Stop the fork server of this installation (commands then run in their own process until
    one starts again). Commands it is running finish."""
    _directory, path = _where()
    pid = socket_folder.running(path) if path else None
    if pid:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while socket_folder.running(path) and time.monotonic() < deadline:
            time.sleep(0.05)
    if as_json:
        print_json({"stopped": pid})
    else:
        get_console().print(f"Stopped the fork server (process {pid})." if pid else "No fork server was running.")
