"""`meetprep serve`: a Prefect server, the deployments and workers on this machine."""

from __future__ import annotations

from typing import Optional

import typer

from .common import app, current_settings, fail_environment, get_console, guarded


@app.command()
def serve(
    port: int = typer.Option(4200, "--port", help="Port of the Prefect server and its UI on 127.0.0.1."),
    workers: int = typer.Option(1, "--workers", help="Process workers (more than one needs PostgreSQL: --prefect-database)."),
    prefect_database: Optional[str] = typer.Option(None, "--prefect-database",
                                                   help="PostgreSQL URL for the Prefect server (postgresql+asyncpg://...)."),
    process_workers: bool = typer.Option(False, "--process-workers",
                                         help="Prefect's process workers (a new process per run, ~5 s slower to start "
                                              "each run) instead of resident ones."),
) -> None:
    """Serve everything on this machine: Prefect server and UI, the deployments of prefect.yaml, workers.

    Runs until Ctrl-C. The clerk starts flows (agenda build, minutes, ...) from the UI's forms;
    the daily and yearly schedules run by themselves. Resident workers run each flow run in
    their own long-lived process: a click gives documents in about a second.
    """
    import signal as _signal

    from ..serve import Stack

    if workers > 1 and not prefect_database:
        raise typer.BadParameter("more than one worker needs PostgreSQL for the Prefect server (SQLite locks up)",
                                 param_hint="--workers")
    settings = guarded(False, current_settings)
    stack = Stack(settings.home, {"MEETPREP_HOME": str(settings.home), "MEETPREP_DATABASE_URL": settings.database_url,
                                  "MEETPREP_CONFIG_DIR": str(settings.config_dir),
                                  "MEETPREP_TEMPLATES_DIR": str(settings.templates_dir),
                                  "MEETPREP_OUTPUT_DIR": str(settings.output_dir), "MEETPREP_DELIVERY": settings.delivery},
                  port=port, database_url=prefect_database)
    console = get_console()
    try:
        with console.status("Starting the Prefect server, deploying prefect.yaml, starting workers…"):
            stack.start(workers=workers, resident=not process_workers)
        console.print(f"Serving. Prefect UI: {stack.ui}  (logs in {stack.logs}). Ctrl-C stops everything.", soft_wrap=True)
        # Blocked, the signals wait for sigwait instead of killing us before the stack is stopped.
        _signal.pthread_sigmask(_signal.SIG_BLOCK, {_signal.SIGINT, _signal.SIGTERM})
        _signal.sigwait({_signal.SIGINT, _signal.SIGTERM})
    except KeyboardInterrupt:
        pass
    except RuntimeError as exc:
        fail_environment(str(exc), False)
    finally:
        stack.stop()
        console.print("Stopped.")
