"""What every command shares: the root app, options, settings, error handling, printing, and how
a command runs its work (see `run`).

Heavy modules (SQLAlchemy, pydantic models, docxtpl and above all Prefect) are imported inside the
commands that need them, so that `meetprep --help` starts fast and never imports Prefect.

Exit codes: 0 success; 1 invalid input (nothing was written); 2 wrong usage;
3 environment problem (no config folder, store unreachable); 4 some messages were not delivered;
5 internal error (a bug in meetprep: one line on the screen, the details in a log file).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, Callable, NoReturn, Optional

import typer

EXIT_INPUT = 1


EXIT_ENVIRONMENT = 3


EXIT_UNDELIVERED = 4


EXIT_INTERNAL = 5


EPILOG = (
    "Exit codes: 0 done; 1 invalid input, nothing written; 2 wrong usage; 3 environment problem; "
    "4 some messages could not be delivered (the others were); 5 internal error (details in the log it names). "
    "Settings: MEETPREP_HOME, MEETPREP_DATABASE_URL, MEETPREP_CONFIG_DIR (see README)."
)


app = typer.Typer(
    name="meetprep",
    help="Prepare municipal committee meetings: agendas, papers, invitations, reminders and minutes.",
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,  # a clerk never sees a traceback: see main()
)


JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON on standard output.")


# The options that name one meeting, shared by the commands that act on a meeting.
BodyOption = typer.Option(..., "--body", help="The body's key, e.g. gentofte.")


CommitteeOption = typer.Option(..., "--committee", help="The committee's key, e.g. ebi.")


DateOption = typer.Option(None, "--date", help="The meeting's day, YYYY-MM-DD.")


MeetingOption = typer.Option(None, "--meeting", help="The meeting's key, where a committee meets twice a day.")


class _State:
    home: Optional[Path] = None


state = _State()


def _version(value: bool) -> None:
    if value:
        from meetprep import __version__

        typer.echo(f"meetprep {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    home: Optional[Path] = typer.Option(
        None, "--home", help="Data folder for the embedded store and output (overrides MEETPREP_HOME)."
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    state.home = home


def get_console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def current_settings():
    from meetprep.runtime import cache
    from meetprep.config import Settings

    settings = Settings.from_env()
    settings = settings.with_home(state.home.resolve()) if state.home else settings
    cache.use(settings.cache_dir)  # a command is a new process: keep what it would recompute
    return settings


def in_store(work: Callable[[Any, Any, Any], Any], settings: Any = None) -> Any:
    """Call work(store, configs, settings) with the store open and the body configs loaded."""
    from meetprep.config import load_configs

    settings = settings or current_settings()
    configs = load_configs(settings.config_dir)  # before the store (and SQLAlchemy): a bad config is refused at once
    from meetprep.store import Store

    with Store(settings.database_url) as store:
        return work(store, configs, settings)


def today(config: Any) -> dt.date:
    """Today in the body's time zone (UTC for an unknown body: its refusal comes later)."""
    from zoneinfo import ZoneInfo

    return clock().astimezone(ZoneInfo(config.body.timezone) if config else dt.timezone.utc).date()


def clock() -> dt.datetime:
    # The CLI is the boundary where the real clock enters; everything below takes it as input.
    return dt.datetime.now(dt.timezone.utc)


def fail_input(problems: list[Any], as_json: bool) -> NoReturn:
    if as_json:
        typer.echo(json.dumps({"ok": False, "problems": [p.as_dict() for p in problems]}, ensure_ascii=False, indent=2))
    else:
        console = get_console(stderr=True)
        errors = [p for p in problems if p.severity == "error"]
        console.print(f"[bold red]{len(errors)} problem(s); nothing was written:[/]")
        for problem in problems:
            console.print(f"  - {problem}", markup=False, soft_wrap=True)  # whole lines: grep and copy work
    raise typer.Exit(EXIT_INPUT)


def fail_environment(message: str, as_json: bool) -> NoReturn:
    if as_json:
        typer.echo(json.dumps({"ok": False, "error": message}, ensure_ascii=False))
    else:
        get_console(stderr=True).print(f"[bold red]error:[/] {message}")
    raise typer.Exit(EXIT_ENVIRONMENT)


def guarded(as_json: bool, work: Callable[[], Any]) -> Any:
    """Run `work`, turning input and environment errors into messages and exit codes.

    meetprep's own errors are caught by class (meetprep.errors imports nothing heavy). SQLAlchemy's
    is looked up only where `work` imported it: a command that refuses bad input never pays for
    importing the store.
    """
    from meetprep.errors import EnvironmentProblem, InputError, Problem, TemplateProblem

    try:
        return work()
    except InputError as exc:
        fail_input(exc.problems, as_json)
    except EnvironmentProblem as exc:
        fail_environment(str(exc), as_json)
    except TemplateProblem as exc:
        fail_input([Problem(file="(template)", message=str(exc))], as_json)
    except Exception as exc:
        if _raised(exc, "sqlalchemy.exc", "OperationalError"):
            fail_environment(f"the store cannot be used: {exc.orig}", as_json)  # type: ignore[attr-defined]
        raise


def _raised(exc: BaseException, module: str, name: str) -> bool:
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(exc, getattr(loaded, name))


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


KEY_COLUMNS = ("reference", "meeting", "start", "date", "body")


def print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    """A Rich table whose identifier columns never wrap (a broken reference is misread)."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold", no_wrap=column in KEY_COLUMNS)
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    get_console().print(table)


def print_warnings(warnings: list[Any]) -> None:
    if warnings:
        console = get_console(stderr=True)
        for warning in warnings:
            console.print("[yellow]warning:[/] ", end="")
            console.print(str(warning), markup=False, soft_wrap=True)


def parse_day(value: Optional[str], option: str) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected a date as YYYY-MM-DD, got {value!r}", param_hint=option) from None


def query(fn_name: str, **filters: Any) -> list[dict[str, Any]]:
    from meetprep.store import Store

    with Store(current_settings().database_url) as store:
        return query_store(store, fn_name, **filters)


def query_store(store, fn_name: str, **filters: Any) -> list[dict[str, Any]]:
    from meetprep.agenda import listing

    with store.session() as session:
        return getattr(listing, fn_name)(session, **filters)


def transport_for_body(settings, configs, body: str):
    from meetprep.messages.ledger import transport_for

    config = configs.get(body)
    return transport_for(settings, config.body.mail, clock) if config else None


def prefect_defaults(verbose: bool = False) -> None:
    """Prefect's own settings for a command that runs a flow against a server, before Prefect is imported."""
    import os

    if not verbose:
        # The CLI prints every outcome itself (problems, notes, failures); Prefect's own log lines
        # would repeat an input problem as an error traceback. --verbose shows them.
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")


def prefect_api_url() -> str | None:
    """The Prefect server that commands run their flows against, or None: embedded defaults.

    From PREFECT_API_URL, else from the active Prefect profile (`prefect config set
    PREFECT_API_URL=...`), read without importing Prefect.
    """
    import os

    url = os.environ.get("PREFECT_API_URL")
    if url:
        return url
    profiles = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect") / "profiles.toml"
    if not profiles.is_file():
        return None
    import tomllib

    try:
        data = tomllib.loads(profiles.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or data.get("active") or "ephemeral"
    return data.get("profiles", {}).get(active, {}).get("PREFECT_API_URL") or None


def run(settings, flow: str, plain: Callable[[], Any], verbose: bool = False, **parameters: Any) -> Any:
    """Do a command's work: where a Prefect server is configured, as its flow against that server, so
    that the run shows in its UI; on embedded defaults, the same plain functions in this process, with
    no server to start (a flow without a server would start Prefect's temporary one: seconds)."""
    if prefect_api_url():
        prefect_defaults(verbose)
        return run_flow(settings, flow, **parameters)
    return plain()


def run_flow(settings, name: str, **parameters: Any) -> dict[str, Any]:
    """Run one of the flows in this process; `name` is "module:function" under flows/. The settings
    reach it as a parameter."""
    import asyncio
    import importlib

    module, _, function = name.partition(":")
    return asyncio.run(getattr(importlib.import_module(f"flows.{module}"), function)(settings=settings, **parameters))


def run_and_report(as_json: bool, status: str, work: Callable[[Any], dict[str, Any]],
                   report: Callable[[dict[str, Any], Any], None],
                   failures: Callable[[dict[str, Any]], list[Any]] = lambda r: r["failed"]) -> None:
    """Run a command that sends messages (`work(settings)`), print its result (or JSON), exit 4 if some
    were not delivered."""
    settings = guarded(as_json, current_settings)
    with get_console(stderr=True).status(status):
        result = guarded(as_json, lambda: work(settings))
    if as_json:
        print_json({"ok": not failures(result), **result})
    else:
        report(result, settings)
    if failures(result):
        raise typer.Exit(EXIT_UNDELIVERED)


def print_dispatch(title: str, result: dict[str, Any], settings) -> None:
    console = get_console()
    where = f"the outbox {settings.outbox}" if settings.delivery != "live" else "the mail server and apprise"
    in_progress = result.get("in_progress", [])
    console.print(f"[bold]{title}[/]: {len(result['sent'])} sent to {where}, "
                  f"{len(result['skipped'])} already sent before, "
                  + (f"{len(in_progress)} being sent by another run right now, " if in_progress else "")
                  + f"{len(result['failed'])} failed.", soft_wrap=True)
    if result["sent"]:
        print_table("Sent", ["kind", "recipient", "subject"], [[m["kind"], m["recipient"], m["subject"]] for m in result["sent"]])
    for failure in result["failed"]:
        console.print(f"[red]not delivered[/] {failure['recipient']} ({failure['kind']}): {failure['error']}",
                      markup=True, soft_wrap=True)
    for problem in result.get("problems", []):
        console.print(f"[yellow]not sent[/] {problem['person']}: {problem['message']}")


def main() -> None:
    """Console-script entry point.

    Input and environment problems are handled where they arise (exit 1 and 3). Anything else is
    a bug: the clerk gets one line and the path of a log with the details, and exit code 5.
    """
    try:
        app(prog_name="meetprep")
    except KeyboardInterrupt:
        get_console(stderr=True).print("Interrupted.")
        sys.exit(130)
    except Exception as exc:  # the last resort: never a traceback on a clerk's screen
        log = _write_error_log(exc)
        summary = " ".join(str(exc).split())[:200] or "no message"
        get_console(stderr=True).print(
            f"meetprep: internal error ({type(exc).__name__}: {summary}). Nothing more was done. "
            f"The details are in {log}; please report them.", markup=False, soft_wrap=True)
        sys.exit(EXIT_INTERNAL)


def _write_error_log(exc: BaseException) -> Path:
    """Write the traceback where the operator finds it: MEETPREP_HOME/logs, else the temporary folder."""
    import os
    import tempfile
    import traceback

    text = f"meetprep {' '.join(sys.argv[1:])}\n{dt.datetime.now(dt.timezone.utc).isoformat()}\n\n" + "".join(
        traceback.format_exception(exc))
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    candidates = []
    try:
        candidates.append(current_settings().home / "logs")
    except Exception:  # the settings themselves may be what failed
        pass
    candidates.append(Path(tempfile.gettempdir()) / "meetprep-logs")
    for folder in candidates:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"error-{stamp}-{os.getpid()}.log"
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return Path("(no writable folder for the log)")
