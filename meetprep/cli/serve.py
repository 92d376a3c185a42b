"""`meetprep serve`: a Prefect server, the deployments and workers on this machine, and the public
portal with OParl (output/public)."""

from __future__ import annotations

from typing import Optional

import typer

from meetprep.cli.common import app, current_settings, fail_environment, get_console, guarded


@app.command()
def serve(
    port: int = typer.Option(4200, "--port", help="Port of the Prefect server and its UI on 127.0.0.1."),
    workers: int = typer.Option(1, "--workers", help="Process workers (more than one needs PostgreSQL: --prefect-database)."),
    prefect_database: Optional[str] = typer.Option(None, "--prefect-database",
                                                   help="PostgreSQL URL for the Prefect server (postgresql+asyncpg://...)."),
    process_workers: bool = typer.Option(False, "--process-workers",
                                         help="Prefect's process workers (a new process per run, ~5 s slower to start "
                                              "each run) instead of resident ones."),
    portal_port: int = typer.Option(8080, "--portal-port", help="Port of the public portal and OParl on 127.0.0.1 "
                                                                "(0: do not serve them)."),
    portal_only: bool = typer.Option(False, "--portal-only", help="Serve only the portal and OParl (no Prefect)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Where the Prefect server and UI listen: 127.0.0.1 (this "
                                                          "machine), or the office network's address, which needs "
                                                          "MEETPREP_CONSOLE_AUTH=user:password (docs/operations.md)."),
) -> None:
    """Serve everything on this machine: Prefect server and UI, the deployments of prefect.yaml, workers.

    Runs until Ctrl-C. The clerk starts flows (agenda build, minutes, ...) from the UI's forms;
    the daily and yearly schedules run by themselves. Resident workers run each flow run in
    their own long-lived process: a click gives documents in about a second.
    """
    from meetprep.runtime.supervisor import Stack

    if workers > 1 and not prefect_database:
        raise typer.BadParameter("more than one worker needs PostgreSQL for the Prefect server (SQLite locks up)",
                                 param_hint="--workers")
    settings = guarded(False, current_settings)
    console = get_console()
    import os

    from meetprep.runtime.supervisor import check_exposure

    auth = os.environ.get("MEETPREP_CONSOLE_AUTH") or None
    try:
        check_exposure(host, auth)
    except RuntimeError as exc:
        fail_environment(str(exc), False)
    portal = _start_portal(settings, portal_port, console) if portal_port or portal_only else None
    if portal_only:
        _wait()
        portal.shutdown()
        console.print("Stopped.")
        return
    stack = Stack(settings.home, {"MEETPREP_HOME": str(settings.home), "MEETPREP_DATABASE_URL": settings.database_url,
                                  "MEETPREP_CONFIG_DIR": str(settings.config_dir),
                                  "MEETPREP_TEMPLATES_DIR": str(settings.templates_dir),
                                  "MEETPREP_OUTPUT_DIR": str(settings.output_dir), "MEETPREP_DELIVERY": settings.delivery},
                  port=port, database_url=prefect_database, host=host, auth=auth)
    try:
        with console.status("Starting the Prefect server, deploying prefect.yaml, starting workers…"):
            stack.start(workers=workers, resident=not process_workers)
        shown = stack.ui if host in ("127.0.0.1", "localhost", "::1") else f"http://{host}:{port}"
        console.print(f"Serving. Prefect UI: {shown}{' (asks for MEETPREP_CONSOLE_AUTH)' if auth else ''}  "
                      f"(logs in {stack.logs}). Ctrl-C stops everything.", soft_wrap=True)
        _wait(stack, console)
    except KeyboardInterrupt:
        pass
    except RuntimeError as exc:
        fail_environment(str(exc), False)
    finally:
        stack.stop()
        if portal is not None:
            portal.shutdown()
        console.print("Stopped.")


def _wait(stack=None, console=None) -> None:
    """Until Ctrl-C or SIGTERM; meanwhile a worker that ends is started again (Stack.revive)."""
    import signal as _signal

    # Blocked, the signals wait for sigtimedwait instead of killing us before everything is stopped.
    _signal.pthread_sigmask(_signal.SIG_BLOCK, {_signal.SIGINT, _signal.SIGTERM})
    while _signal.sigtimedwait({_signal.SIGINT, _signal.SIGTERM}, 2.0) is None:
        for name, code, again in stack.revive() if stack is not None else []:
            log = stack.logs / f"{name}.log"
            if again:
                console.print(f"[yellow]{name} ended (exit code {code}); started it again. Its log: {log}[/yellow]",
                              soft_wrap=True)
            else:
                console.print(f"[red]{name} keeps ending (exit code {code}); left down. Its log: {log}[/red]",
                              soft_wrap=True)


def _start_portal(settings, port: int, console):
    """The portal's HTTP server in a thread of this process (meetprep.publish.server)."""
    from meetprep.publish import public_root
    from meetprep.publish.server import portal_server, start
    from meetprep.store import Store

    store = guarded(False, lambda: Store(settings.database_url))
    try:
        server = portal_server(store, public_root(settings.output_dir), settings.public_url, port=port or 8080)
    except OSError as exc:
        fail_environment(f"cannot serve the portal on 127.0.0.1:{port}: {exc}", False)
    start(server)
    address = f"http://127.0.0.1:{server.server_address[1]}/"
    console.print(f"Portal and OParl: {address} (files in {public_root(settings.output_dir)}; "
                  f"OParl: {address}oparl/v1/system.json)", soft_wrap=True)
    if address != settings.public_url:
        console.print(f"[yellow]Note:[/] published addresses point to {settings.public_url} (MEETPREP_PUBLIC_URL); "
                      f"set it to {address} and run `meetprep publish` for links that work here.", soft_wrap=True)
    return server
