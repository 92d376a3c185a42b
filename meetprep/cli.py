"""The `meetprep` command line.

Heavy modules (SQLAlchemy, pydantic models, and above all Prefect) are imported inside the
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
items_app = typer.Typer(help="Pending items: papers (sager, Vorlagen, Anträge) and their meetings.", no_args_is_help=True)
agenda_app = typer.Typer(help="Agendas (dagsorden, Tagesordnung) and their documents.", no_args_is_help=True)
meetings_app = typer.Typer(help="Meetings of the configured committees.", no_args_is_help=True)
config_app = typer.Typer(help="The per-body configuration files.", no_args_is_help=True)
app.add_typer(items_app, name="items")
app.add_typer(agenda_app, name="agenda")
app.add_typer(meetings_app, name="meetings")
app.add_typer(config_app, name="config")

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
        from . import __version__

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


# ---------------------------------------------------------------------------------------------
# Helpers


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _settings():
    from .config import Settings

    settings = Settings.from_env()
    return settings.with_home(state.home.resolve()) if state.home else settings


def _in_store(work: Callable[[Any, Any, Any], Any]) -> Any:
    """Call work(store, configs, settings) with the store open and the body configs loaded."""
    from .config import load_configs
    from .store import Store

    settings = _settings()
    with Store(settings.database_url) as store:
        return work(store, load_configs(settings.config_dir), settings)


def _now() -> dt.datetime:
    # The CLI is the boundary where the real clock enters; everything below takes it as input.
    return dt.datetime.now(dt.timezone.utc)


def _fail_input(problems: list[Any], as_json: bool) -> NoReturn:
    if as_json:
        typer.echo(json.dumps({"ok": False, "problems": [p.as_dict() for p in problems]}, ensure_ascii=False, indent=2))
    else:
        console = _console(stderr=True)
        errors = [p for p in problems if p.severity == "error"]
        console.print(f"[bold red]{len(errors)} problem(s); nothing was written:[/]")
        for problem in problems:
            console.print(f"  - {problem}", markup=False, soft_wrap=True)  # whole lines: grep and copy work
    raise typer.Exit(EXIT_INPUT)


def _fail_environment(message: str, as_json: bool) -> NoReturn:
    if as_json:
        typer.echo(json.dumps({"ok": False, "error": message}, ensure_ascii=False))
    else:
        _console(stderr=True).print(f"[bold red]error:[/] {message}")
    raise typer.Exit(EXIT_ENVIRONMENT)


def _guarded(as_json: bool, work: Callable[[], Any]) -> Any:
    """Run `work`, turning input and environment errors into messages and exit codes."""
    from sqlalchemy.exc import OperationalError

    from .config import ConfigError
    from .documents import TemplateProblem
    from .problems import InputError, Problem
    from .store import StoreUnavailable

    try:
        return work()
    except InputError as exc:
        _fail_input(exc.problems, as_json)
    except (ConfigError, StoreUnavailable) as exc:
        _fail_environment(str(exc), as_json)
    except TemplateProblem as exc:
        _fail_input([Problem(file="(template)", message=str(exc))], as_json)
    except OperationalError as exc:
        _fail_environment(f"the store cannot be used: {exc.orig}", as_json)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


KEY_COLUMNS = ("reference", "meeting", "start", "date", "body")


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    """A Rich table whose identifier columns never wrap (a broken reference is misread)."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold", no_wrap=column in KEY_COLUMNS)
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    _console().print(table)


def _print_warnings(warnings: list[Any]) -> None:
    if warnings:
        console = _console(stderr=True)
        for warning in warnings:
            console.print("[yellow]warning:[/] ", end="")
            console.print(str(warning), markup=False, soft_wrap=True)


# ---------------------------------------------------------------------------------------------
# config


@config_app.command("check")
def config_check(as_json: bool = JsonOption) -> None:
    """Validate every body file in the config folder and show what it defines."""

    def work():
        from .config import load_configs

        settings = _settings()
        configs = load_configs(settings.config_dir)
        return settings, configs

    settings, configs = _guarded(as_json, work)
    summary = [
        {
            "body": c.body.key,
            "name": c.body.name,
            "locale": c.body.locale.value,
            "timezone": c.body.timezone,
            "holidays": c.body.holidays.code,
            "organizations": [o.key for o in c.organizations],
            "persons": len(c.persons),
            "file": str(configs.bodies[c.body.key].path),
        }
        for c in configs
    ]
    if as_json:
        _print_json({"ok": True, "config_dir": str(settings.config_dir), "bodies": summary,
                     "warnings": [w.as_dict() for w in configs.warnings]})
        return
    _print_warnings(configs.warnings)
    _table(
        f"Config in {settings.config_dir}: {len(summary)} bodies, all valid",
        ["body", "name", "locale", "time zone", "holidays", "organizations", "persons"],
        [[s["body"], s["name"], s["locale"], s["timezone"], s["holidays"], ", ".join(s["organizations"]), s["persons"]] for s in summary],
    )


# ---------------------------------------------------------------------------------------------
# items


def _import(paths: list[Path], root: Optional[Path] = None):
    from .config import load_configs
    from .importing import import_files
    from .store import Store

    settings = _settings()
    configs = load_configs(settings.config_dir)
    with Store(settings.database_url) as store:
        report = import_files(store, configs, paths, _now(), root.resolve() if root else None)
        if any(m["action"] != "unchanged" for m in report.meetings):
            from .invitations import feed_secret, write_feeds

            # Subscribed calendars follow every change of a meeting's time, place or state.
            write_feeds(store, configs, settings.output_dir, _now(), feed_secret(settings.home))
        return settings, report


@items_app.command("import")
def items_import(
    paths: list[Path] = typer.Argument(..., help="Paper files, meeting files (with 'meetings:'), or folders of them."),
    root: Optional[Path] = typer.Option(
        None, "--root", help="The folder attachments must lie inside (default: each folder named, or the folder of "
                             "each file named). Paths leading outside it, also through links, are refused."),
    as_json: bool = JsonOption,
) -> None:
    """Import papers and meetings from YAML files. All or nothing: any problem imports nothing."""
    settings, report = _guarded(as_json, lambda: _import(paths, root))
    if as_json:
        _print_json({"ok": True, "store": settings.database_url, **report.as_dict()})
        return
    _print_warnings(report.warnings)
    if report.meetings:
        _table("Meetings", ["body", "meeting", "action", "file"], [[m["body"], m["key"], m["action"], m["file"]] for m in report.meetings])
    if report.papers:
        _table(
            "Papers",
            ["body", "reference", "action", "revision", "file"],
            [[p["body"], p["reference"], p["action"], p["revision"], p["file"]] for p in report.papers],
        )
    typer.echo(
        f"Imported into {settings.database_url}: "
        f"{report.count('papers', 'created')} papers created, {report.count('papers', 'updated')} updated, "
        f"{report.count('papers', 'unchanged')} unchanged; "
        f"{report.count('meetings', 'created')} meetings created, {report.count('meetings', 'updated')} updated."
        + (f" Skipped {len(report.skipped)} minutes file(s): record them with 'meetprep minutes record'." if report.skipped else "")
    )


def _query(fn_name: str, **filters: Any) -> list[dict[str, Any]]:
    from .store import Store

    with Store(_settings().database_url) as store:
        return _query_store(store, fn_name, **filters)


@items_app.command("list")
def items_list(
    body: Optional[str] = typer.Option(None, "--body", help="Only this body (its key, e.g. gentofte)."),
    committee: Optional[str] = typer.Option(None, "--committee", help="Only papers whose next step is this committee."),
    pending: bool = typer.Option(False, "--pending", help="Only papers with an open consultation step."),
    as_json: bool = JsonOption,
) -> None:
    """List papers with their next step in the Beratungsfolge."""
    rows = _guarded(as_json, lambda: _query("list_papers", body=body, committee=committee, pending=pending))
    if as_json:
        _print_json(rows)
        return
    _table(
        f"{len(rows)} paper(s)",
        ["reference", "title", "next step", "date", "notes"],
        [
            [
                r["reference"],
                _short(r["title"], 40),
                f"{r['next_committee']} ({r['next_role']}, {r['status']})" if r["next_committee"] else "done",
                r["next_date"],
                _paper_notes(r),
            ]
            for r in rows
        ],
    )


def _paper_notes(row: dict[str, Any]) -> str:
    notes = [row["type"]]
    if row["access"] != "public":
        notes.append("CLOSED")
    if row["attachments"]:
        notes.append(f"{row['attachments']} attachment(s)")
    if row["attachments_to_follow"]:
        notes.append(f"{row['attachments_to_follow']} to follow")
    return ", ".join(notes)


def _when(iso: str) -> str:
    """'2025-09-22T16:30+02:00' -> '2025-09-22 16:30' (local time; the offset is in --json)."""
    return iso[:16].replace("T", " ")


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@meetings_app.command("list")
def meetings_list(
    body: Optional[str] = typer.Option(None, "--body", help="Only this body."),
    committee: Optional[str] = typer.Option(None, "--committee", help="Only this committee."),
    as_json: bool = JsonOption,
) -> None:
    """List meetings with their local start time, room and state."""
    rows = _guarded(as_json, lambda: _query("list_meetings", body=body, committee=committee))
    if as_json:
        _print_json(rows)
        return
    _table(
        f"{len(rows)} meeting(s)",
        ["meeting", "body", "start", "room", "state"],
        [[r["key"], r["body"], _when(r["start"]), r["room"], r["state"]] for r in rows],
    )


def _transport(settings, configs, body: str):
    from .notify import transport_for

    config = configs.get(body)
    return transport_for(settings, config.body.mail, _now) if config else None


@meetings_app.command("move")
def meetings_move(
    body: str = BodyOption,
    meeting: str = typer.Option(..., "--meeting", help="The meeting's key, e.g. ebi-2025-09-22 (it stays the same)."),
    to: Optional[str] = typer.Option(None, "--to", help="The new start: 'YYYY-MM-DD HH:MM' in the body's local time, "
                                                         "or with its offset (2025-09-29T16:30:00+02:00)."),
    end: Optional[str] = typer.Option(None, "--end", help="The new end (default: as long as before)."),
    room: Optional[str] = typer.Option(None, "--room", help="The new room."),
    address: Optional[str] = typer.Option(None, "--address", help="The new address."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Write PDFs of the rebuilt agenda."),
    as_json: bool = JsonOption,
) -> None:
    """Move a meeting to another time or place. It stays the same meeting (key, calendar entry): its
    SEQUENCE rises, the agenda is rebuilt, and everyone invited gets the update with it."""
    if to is None and end is None and room is None and address is None:
        raise typer.BadParameter("give --to, --end, --room or --address", param_hint="--to")

    def work(store, configs, settings):
        from .meetings import move
        from .timeline import announce

        changed = move(store, configs, body, meeting, _now(), to, end, room, address)
        return changed, announce(store, configs, settings, body, meeting, _now(), _transport(settings, configs, body), pdf)

    changed, result = _guarded(as_json, lambda: _in_store(work))
    _report_change(as_json, "Moved", changed, result)


@meetings_app.command("cancel")
def meetings_cancel(
    body: str = BodyOption,
    meeting: str = typer.Option(..., "--meeting", help="The meeting's key, e.g. ebi-2025-09-22."),
    as_json: bool = JsonOption,
) -> None:
    """Cancel a meeting: everyone invited gets the cancellation (METHOD:CANCEL), and the feeds show it."""

    def work(store, configs, settings):
        from .meetings import cancel
        from .timeline import announce

        changed = cancel(store, configs, body, meeting, _now())
        return changed, announce(store, configs, settings, body, meeting, _now(), _transport(settings, configs, body))

    changed, result = _guarded(as_json, lambda: _in_store(work))
    _report_change(as_json, "Cancelled", changed, result)


def _report_change(as_json: bool, verb: str, changed, result: dict[str, Any]) -> None:
    settings = _settings()
    if as_json:
        _print_json({"ok": not result["failed"], "meeting": changed.meeting, "sequence": changed.sequence,
                     "changes": {k: {"before": b, "after": a} for k, (b, a) in changed.changes.items()}, **result})
    else:
        console = _console()
        console.print(f"{verb} {changed.meeting} ({changed.body}); calendar SEQUENCE is now {changed.sequence}.",
                      markup=False)
        for name, (before, after) in changed.changes.items():
            console.print(f"  {name}: {before} -> {after}", markup=False, soft_wrap=True)
        if result.get("agenda_version"):
            console.print(f"The agenda is at version {result['agenda_version']}.", markup=False)
        for note in result["notes"]:
            console.print(f"[yellow]note:[/] {note}", soft_wrap=True)
        _print_dispatch("Messages", result, settings)
    if result["failed"]:
        raise typer.Exit(EXIT_UNDELIVERED)


@meetings_app.command("timeline")
def meetings_timeline(
    body: str = BodyOption,
    committee: str = CommitteeOption,
    date: Optional[str] = DateOption,
    meeting: Optional[str] = MeetingOption,
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Show the states as of this day; default today."),
    as_json: bool = JsonOption,
) -> None:
    """Every step of a meeting (or of all the committee's meetings in their timeline) with its date and
    state: done, due, late, skipped, waiting for approval, upcoming."""
    day = _parse_day(date, "--date")
    today = _parse_day(as_of, "--as-of")

    def work(store, configs, settings):
        from zoneinfo import ZoneInfo

        from .build import AgendaRequest, find_meeting
        from .timeline import committee_meetings, view

        config = configs.get(body)
        local = today or (_now().astimezone(ZoneInfo(config.body.timezone)).date() if config else _now().date())
        if day or meeting:
            with store.session() as session:
                _, row = find_meeting(session, configs, AgendaRequest(body, committee, local, day=day, meeting=meeting))
                keys = [row.key]
        else:
            if config is None or config.organization(committee) is None:
                with store.session() as session:  # the same refusal as for one meeting
                    find_meeting(session, configs, AgendaRequest(body, committee, local, meeting="-"))
            keys = committee_meetings(store, configs, body, committee, local)
        return [view(store, configs, body, key, local) for key in keys]

    views = _guarded(as_json, lambda: _in_store(work))
    if as_json:
        _print_json(views)
        return
    if not views:
        typer.echo(f"No meeting of {committee} is in its timeline.")
    for item in views:
        _table(f"{item['meeting']} ({item['start'][:16].replace('T', ' ')}): agenda version {item['agenda_version']}"
               + (f", approved {item['approved_version']}" if item["approved_version"] else "")
               + (f", change notices for versions {', '.join(map(str, item['change_notices']))}" if item["change_notices"] else ""),
               ["date", "step", "state"], [[s["date"], s["label"], s["state_label"]] for s in item["steps"]])


@meetings_app.command("prepare")
def meetings_prepare(
    body: Optional[list[str]] = typer.Option(None, "--body", help="Only this body (repeatable)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Run as on this day; default today in each body's time zone."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Write PDFs of the agendas it builds."),
    as_json: bool = JsonOption,
) -> None:
    """Do what every upcoming meeting's timeline has due today (what the daily prepare-meetings flow runs)."""
    day = _parse_day(as_of, "--as-of")

    def work(store, configs, settings):
        from zoneinfo import ZoneInfo

        from .timeline import run_day

        return run_day(store, configs, settings,
                       lambda config: day or _now().astimezone(ZoneInfo(config.body.timezone)).date(), _now(),
                       lambda config: _transport(settings, configs, config.body.key), body or None, pdf)

    result = _guarded(as_json, lambda: _in_store(work))
    failed = [f for m in result["meetings"] for f in m["failed"]]
    if as_json:
        _print_json({"ok": not failed and not result["errors"], **result})
    else:
        console = _console()
        settings = _settings()
        for item in result["meetings"]:
            if not (item["step"] or item["sent"] or item["failed"] or item["notes"] or item["in_progress"]):
                continue
            console.rule(f"{item['body']} · {item['meeting']}")
            if item["step"]:
                console.print(f"{item['step']}: {item['state']}"
                              + (f" (skipped before it: {', '.join(item['skipped_steps'])})" if item["skipped_steps"] else ""),
                              markup=False)
            for note in item["notes"]:
                console.print(f"[yellow]note:[/] {note}", soft_wrap=True)
            _print_dispatch("Messages", item, settings)
        for error in result["errors"]:
            console.print(f"[red]error[/] {error['body']} · {error['meeting']}: {error['error']}", soft_wrap=True)
        if not any(m["step"] or m["sent"] for m in result["meetings"]):
            console.print("Nothing was due today.")
    if failed or result["errors"]:
        raise typer.Exit(EXIT_UNDELIVERED)


@meetings_app.command("import")
def meetings_import(
    paths: list[Path] = typer.Argument(..., help="Meeting files or folders."),
    as_json: bool = JsonOption,
) -> None:
    """Import meetings (the same all-or-nothing import as `items import`)."""
    items_import(paths, None, as_json)


# ---------------------------------------------------------------------------------------------
# agenda


def _prefect_defaults(verbose: bool = False) -> None:
    """Settings for running flows from the CLI without a server (see docs/operations.md)."""
    import os

    # The temporary API server needs up to ~20 s on a fresh machine; Prefect's default is 20 s.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    # Telemetry would also contend for the temporary server's SQLite database ("database is locked").
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if not verbose:
        # The CLI prints every outcome itself (problems, notes, failures); Prefect's own log lines
        # would repeat an input problem as an error traceback. --verbose shows them.
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")


def _run_flow(settings, name: str, **parameters: Any) -> dict[str, Any]:
    """Run one of the flows in this process; `name` is "module:function" under flows/."""
    import asyncio
    import importlib
    import os

    # The flow reads its settings from the environment, as it does when a worker runs it.
    os.environ["MEETPREP_HOME"] = str(settings.home)
    os.environ["MEETPREP_DATABASE_URL"] = settings.database_url
    os.environ["MEETPREP_CONFIG_DIR"] = str(settings.config_dir)
    os.environ["MEETPREP_TEMPLATES_DIR"] = str(settings.templates_dir)
    os.environ["MEETPREP_OUTPUT_DIR"] = str(settings.output_dir)
    os.environ["MEETPREP_DELIVERY"] = settings.delivery
    if settings.outbox_dir is not None:
        os.environ["MEETPREP_OUTBOX"] = str(settings.outbox_dir)
    module, _, function = name.partition(":")
    return asyncio.run(getattr(importlib.import_module(f"flows.{module}"), function)(**parameters))


def _run_agenda_flow(settings, **parameters: Any) -> dict[str, Any]:
    return _run_flow(settings, "agenda:build_agenda", **parameters)


def _parse_day(value: Optional[str], option: str) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected a date as YYYY-MM-DD, got {value!r}", param_hint=option) from None


@agenda_app.command("build")
def agenda_build(
    body: str = BodyOption,
    committee: str = CommitteeOption,
    date: Optional[str] = DateOption,
    meeting: Optional[str] = MeetingOption,
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Build as of this day (deadlines); default today."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default MEETPREP_OUTPUT_DIR)."),
    renumber: bool = typer.Option(False, "--renumber", help="Order and number afresh instead of keeping earlier numbers."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also write PDFs (needs LibreOffice)."),
    verbose: bool = typer.Option(False, "--verbose", help="Show Prefect's log."),
    as_json: bool = JsonOption,
) -> None:
    """Build (or rebuild) a meeting's agenda and write its documents; prints what it wrote."""
    if date is None and meeting is None:
        raise typer.BadParameter("give --date or --meeting", param_hint="--date")
    day, as_of_day = _parse_day(date, "--date"), _parse_day(as_of, "--as-of")
    _prefect_defaults(verbose)

    def work():
        from dataclasses import replace

        settings = _settings()
        if out is not None:
            settings = replace(settings, output_dir=out.resolve())
        return _run_agenda_flow(settings, body=body, committee=committee, date=day, meeting=meeting,
                                as_of=as_of_day, renumber=renumber, pdf=pdf)

    with _console(stderr=True).status("Building the agenda (starting Prefect)…"):
        result = _guarded(as_json, work)
    if as_json:
        _print_json({"ok": True, **result})
        return
    _print_build(result)


def _print_build(result: dict[str, Any]) -> None:
    console = _console()
    verb = "Built" if result["action"] == "created" else "Unchanged since"
    console.print(f"[bold]{verb} version {result['version']}[/] of the agenda of {result['meeting']} ({result['body']}).")
    _table(
        "Agenda",
        ["no.", "part", "title", "reference"],
        [[e["number"], e["part"], e["title"] + (" (withdrawn)" if e["withdrawn"] else ""), e["reference"]]
         for e in result["entries"]],
    )
    for note in result.get("notes", []):
        console.print(f"[yellow]note:[/] {note}")
    if result["problems"]:
        console.print(f"[yellow]{len(result['problems'])} problem(s) to look at:[/]")
        for problem in result["problems"]:
            console.print(f"  - {problem['reference'] or 'agenda'}: {problem['message']}", markup=False)
    console.print(f"Wrote to {result['output_dir']}:", soft_wrap=True, markup=False)  # paths stay copyable
    for document in result["documents"]:
        path = Path(document["path"])
        shown = path.relative_to(result["output_dir"]) if path.is_relative_to(result["output_dir"]) else path
        console.print(f"  {shown}  ({document['variant']})", markup=False, soft_wrap=True)


@agenda_app.command("approve")
def agenda_approve(
    body: str = BodyOption,
    committee: str = CommitteeOption,
    date: Optional[str] = DateOption,
    meeting: Optional[str] = MeetingOption,
    as_json: bool = JsonOption,
) -> None:
    """Approve the current version of an agenda, where the committee wants approval before invitations."""
    day = _parse_day(date, "--date")

    def work(store, configs, settings):
        from .build import AgendaRequest, approve

        return approve(store, configs, AgendaRequest(body, committee, _now().date(), day=day, meeting=meeting), _now())

    version = _guarded(as_json, lambda: _in_store(work))
    if as_json:
        _print_json({"ok": True, "approved_version": version})
    else:
        typer.echo(f"Approved version {version} of the agenda.")


# ---------------------------------------------------------------------------------------------
# invitations, reminders, feeds

invitations_app = typer.Typer(help="Meeting invitations (iMIP e-mail with the agenda).", no_args_is_help=True)
reminders_app = typer.Typer(help="Reminders before meetings (apprise or e-mail).", no_args_is_help=True)
feeds_app = typer.Typer(help="Subscribable calendar feeds (.ics).", no_args_is_help=True)
app.add_typer(invitations_app, name="invitations")
app.add_typer(reminders_app, name="reminders")
app.add_typer(feeds_app, name="feeds")


def _run_and_report(as_json: bool, status: str, flow: str, report: Callable[[dict[str, Any], Any], None],
                    failures: Callable[[dict[str, Any]], list[Any]] = lambda r: r["failed"], **parameters: Any) -> None:
    """Run a flow that sends messages, print its result (or JSON), exit 4 if some were not delivered."""
    _prefect_defaults()
    settings = _guarded(as_json, _settings)
    with _console(stderr=True).status(status):
        result = _guarded(as_json, lambda: _run_flow(settings, flow, **parameters))
    if as_json:
        _print_json({"ok": not failures(result), **result})
    else:
        report(result, settings)
    if failures(result):
        raise typer.Exit(EXIT_UNDELIVERED)


def _print_dispatch(title: str, result: dict[str, Any], settings) -> None:
    console = _console()
    where = f"the outbox {settings.outbox}" if settings.delivery != "live" else "the mail server and apprise"
    in_progress = result.get("in_progress", [])
    console.print(f"[bold]{title}[/]: {len(result['sent'])} sent to {where}, "
                  f"{len(result['skipped'])} already sent before, "
                  + (f"{len(in_progress)} being sent by another run right now, " if in_progress else "")
                  + f"{len(result['failed'])} failed.", soft_wrap=True)
    if result["sent"]:
        _table("Sent", ["kind", "recipient", "subject"], [[m["kind"], m["recipient"], m["subject"]] for m in result["sent"]])
    for failure in result["failed"]:
        console.print(f"[red]not delivered[/] {failure['recipient']} ({failure['kind']}): {failure['error']}",
                      markup=True, soft_wrap=True)
    for problem in result.get("problems", []):
        console.print(f"[yellow]not sent[/] {problem['person']}: {problem['message']}")


@invitations_app.command("send")
def invitations_send(
    body: str = BodyOption,
    committee: str = CommitteeOption,
    date: Optional[str] = DateOption,
    meeting: Optional[str] = MeetingOption,
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Write PDFs when the agenda is rebuilt."),
    as_json: bool = JsonOption,
) -> None:
    """Send a meeting's invitations (or its update, change notice or cancellation); each message once.

    The agenda is rebuilt first, so that nobody gets an older state of the meeting.
    """
    if date is None and meeting is None:
        raise typer.BadParameter("give --date or --meeting", param_hint="--date")
    day = _parse_day(date, "--date")
    _prefect_defaults()
    settings = _guarded(as_json, _settings)

    def approval():
        from .build import AgendaRequest, approval_state
        from .config import load_configs
        from .invitations import refresh_agenda
        from .problems import InputError, Problem
        from .store import Store

        configs = load_configs(settings.config_dir)
        request = AgendaRequest(body, committee, _now().date(), day=day, meeting=meeting)
        with Store(settings.database_url) as store:
            rebuilt = refresh_agenda(store, configs, settings, request, _now(), pdf)
            state = approval_state(store, configs, request)
        if state["required"] and state["current"] and state["approved"] != state["current"]:
            # The flow would wait for the approval form in the Prefect UI; from the command line, say what to do.
            why = (f"the agenda was rebuilt as version {state['current']} (the meeting or its papers changed since "
                   f"version {state['approved']} was approved)" if rebuilt and rebuilt.action == "created"
                   and state["approved"] else f"version {state['current']} of the agenda is not approved yet")
            raise InputError([Problem(file="(request)", item=f"meeting {state['meeting']}", field="agenda",
                                      message=f"{why}: run 'meetprep agenda approve', or start send-invitations "
                                              "from the Prefect UI and approve it in its form")])

    _guarded(as_json, approval)
    _run_and_report(as_json, "Sending invitations…", "invitations:send_invitations",
                    lambda result, settings: _print_dispatch(f"Invitations for {result['meeting']}", result, settings),
                    body=body, committee=committee, date=day, meeting=meeting, pdf=pdf)


@reminders_app.command("run")
def reminders_run(
    body: Optional[list[str]] = typer.Option(None, "--body", help="Only this body (repeatable)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Send what is due on this day; default today."),
    as_json: bool = JsonOption,
) -> None:
    """Send every reminder that is due (what the daily schedule runs)."""
    _run_and_report(as_json, "Sending reminders…", "invitations:send_reminders",
                    lambda result, settings: _print_dispatch("Reminders", result, settings),
                    bodies=body or None, as_of=_parse_day(as_of, "--as-of"))


attachments_app = typer.Typer(help="Attachments still to follow (eftersendes, wird nachgereicht).", no_args_is_help=True)
app.add_typer(attachments_app, name="attachments")


@attachments_app.command("list")
def attachments_list(
    body: Optional[list[str]] = typer.Option(None, "--body", help="Only this body (repeatable)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Count the days left from this day; default today."),
    as_json: bool = JsonOption,
) -> None:
    """List the attachments still to follow, with their due dates and days left."""
    day = _parse_day(as_of, "--as-of") or _now().date()

    def work(store, configs, settings):
        from .attachments import outstanding

        return [o.as_dict() for o in outstanding(store, configs, day, body or None)]

    rows = _guarded(as_json, lambda: _in_store(work))
    if as_json:
        _print_json(rows)
        return
    _table(f"{len(rows)} attachment(s) to follow", ["reference", "attachment", "responsible", "date", "days left", "meeting"],
           [[r["reference"], r["title"], r["responsible"], r["due"], r["days_left"], r["meeting"]] for r in rows])


@attachments_app.command("deliver")
def attachments_deliver(
    body: str = typer.Option(..., "--body", help="The body's key."),
    paper: str = typer.Option(..., "--paper", help="The paper's reference, e.g. V/2019/367-E04."),
    file: Path = typer.Option(..., "--file", help="The delivered file."),
    attachment: Optional[int] = typer.Option(None, "--attachment", help="Which attachment (1, 2, ...) when several are to follow."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Write PDFs of the rebuilt agenda."),
    as_json: bool = JsonOption,
) -> None:
    """Record a file that was to follow, rebuild the agenda, and send the members a notice with it."""
    _prefect_defaults()
    settings = _guarded(as_json, _settings)

    def refusal():  # a file that will be refused is refused at once, before anything heavy starts
        from .attachments import check_delivery
        from .config import load_configs
        from .store import Store

        with Store(settings.database_url) as store:
            check_delivery(store, load_configs(settings.config_dir), body, paper, file.resolve(), attachment)

    _guarded(as_json, refusal)
    with _console(stderr=True).status("Recording the file and rebuilding the agenda…"):
        result = _guarded(as_json, lambda: _run_flow(settings, "attachments:deliver_attachment", body=body,
                                                     reference=paper, file=str(file.resolve()), attachment=attachment,
                                                     pdf=pdf))
    if as_json:
        _print_json({"ok": not result["notices"]["failed"], **result})
    else:
        console = _console()
        if result["again"]:
            console.print(f"This file was delivered before as attachment {result['attachment']} (\u201c{result['title']}\u201d) "
                          f"of {result['reference']}: nothing new was recorded; notices not sent yet go out now.",
                          soft_wrap=True, markup=False)
        else:
            console.print(f"Recorded attachment {result['attachment']} (\u201c{result['title']}\u201d) of "
                          f"{result['reference']}: {result['stored']} (sha256 {result['sha256'][:12]}…).",
                          soft_wrap=True, markup=False)
        if result["agenda_version"]:
            console.print(f"The agenda of {result['meeting']} is at version {result['agenda_version']}.")
        _print_dispatch("Notices", result["notices"], settings)
    if result["notices"]["failed"]:
        raise typer.Exit(EXIT_UNDELIVERED)


@attachments_app.command("chase")
def attachments_chase(
    body: Optional[list[str]] = typer.Option(None, "--body", help="Only this body (repeatable)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Chase as of this day; default today."),
    as_json: bool = JsonOption,
) -> None:
    """Take in files from the inbox folder, then chase what is still missing (what the daily schedule runs)."""

    def report(result: dict[str, Any], settings) -> None:
        console = _console()
        for item in result["delivered"]:
            console.print(f"Took in {item['reference']} attachment {item['attachment']} from the inbox.", markup=False)
        for item in result["rejected"]:
            console.print(f"[red]Refused[/] an inbox file, kept in {item['file']}: {item['reason']}", soft_wrap=True)
        _print_dispatch("Chasers", result, settings)
        _table("Still to follow", ["reference", "attachment", "date", "days left"],
               [[o["reference"], o["title"], o["due"], o["days_left"]] for o in result["outstanding"]])

    _run_and_report(as_json, "Chasing attachments…", "attachments:chase_attachments", report,
                    bodies=body or None, as_of=_parse_day(as_of, "--as-of"))


minutes_app = typer.Typer(help="Minutes (referat, Niederschrift) and decisions.", no_args_is_help=True)
app.add_typer(minutes_app, name="minutes")


@minutes_app.command("record")
def minutes_record(
    file: Path = typer.Option(..., "--file", help="The minutes as YAML (kind: minutes; see docs/minutes.md)."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also write PDFs."),
    as_json: bool = JsonOption,
) -> None:
    """Record a meeting's minutes, move its papers on, write and send the referat / Niederschrift."""
    _prefect_defaults()
    settings = _guarded(as_json, _settings)

    def work():
        from .minutes import load

        data = load(file)  # checked here first, against the store too: bad minutes never start Prefect
        from .config import load_configs
        from .minutes import check
        from .store import Store

        with Store(settings.database_url) as store:
            check(store, load_configs(settings.config_dir), data, str(file))
        return _run_flow(settings, "minutes:record_minutes", body=data.body, meeting=data.meeting,
                         minutes_file=str(file.resolve()), pdf=pdf)

    with _console(stderr=True).status("Recording the minutes…"):
        result = _guarded(as_json, work)
    if as_json:
        _print_json({"ok": not result["sent"]["failed"], **result})
    else:
        console = _console()
        console.print(f"Recorded the minutes of {result['meeting']}:")
        _table("Decisions", ["reference", "result"], [[r, v] for r, v in result["decisions"].items()])
        for note in result["notes"]:
            console.print(f"[yellow]note:[/] {note}")
        console.print("Wrote:")
        for item in result["files"]:
            console.print(f"  {item['path']}  ({item['variant']})", markup=False, soft_wrap=True)
        _print_dispatch("Minutes sent", result["sent"], settings)
    if result["sent"]["failed"]:
        raise typer.Exit(EXIT_UNDELIVERED)


planning_app = typer.Typer(help="Annual planning: recurring events, their checklists and budget.", no_args_is_help=True)
app.add_typer(planning_app, name="planning")


@planning_app.command("plan")
def planning_plan(
    year: int = typer.Option(..., "--year", help="The year to plan."),
    body: Optional[list[str]] = typer.Option(None, "--body", help="Only this body (repeatable)."),
    as_json: bool = JsonOption,
) -> None:
    """Plan the year's recurring events (dialogue meeting, julestue): dates, tasks, invitations, budget."""
    _prefect_defaults()
    settings = _guarded(as_json, _settings)
    with _console(stderr=True).status(f"Planning {year}…"):
        result = _guarded(as_json, lambda: _run_flow(settings, "planning:plan_year", year=year, bodies=body or None))
    if as_json:
        _print_json({"ok": True, **result})
        return
    console = _console()
    for event in result["events"]:
        console.rule(f"{event['name']} ({event['body']}): {event['date']}")
        _table("Checklist", ["task", "date", "owner"], [[t["name"], t["due"], t["owner"]] for t in event["tasks"]])
        if event["orientation"]:
            console.print(f"Orientation paper {event['orientation']} is on the committee's list.", markup=False)
    console.print(f"Created {len(result['created'])} event(s), {len(result['unchanged'])} already planned.")
    _print_budget(result["budget"])
    _print_dispatch("Invitations to partners", result["invitations"], settings)
    for warning in result["warnings"]:
        console.print(f"[yellow]warning:[/] {warning}")


def _print_budget(budget: dict[str, Any]) -> None:
    _table(f"Budget {budget['year']}", ["body", "budget line", "budget", "planned", "actual", "left"],
           [[b["body"], b["line"], f"{b['budget']:,.0f} {b['currency']}", f"{b['planned']:,.0f}", f"{b['actual']:,.0f}",
             f"{b['left']:,.0f}"] for b in budget["lines"]])
    for warning in budget["warnings"]:
        _console().print(f"[yellow]warning:[/] {warning}")


@planning_app.command("spend")
def planning_spend(
    body: str = typer.Option(..., "--body", help="The body's key."),
    event: str = typer.Option(..., "--event", help="The event's key, e.g. julestue."),
    year: int = typer.Option(..., "--year", help="The event's year."),
    amount: float = typer.Option(..., "--amount", help="The amount spent."),
    text: str = typer.Option(..., "--text", help="What it was spent on."),
    date: Optional[str] = typer.Option(None, "--date", help="When, YYYY-MM-DD; default today."),
    as_json: bool = JsonOption,
) -> None:
    """Record money spent on a planned event; prints the budget report, warning on overspend."""
    day = _parse_day(date, "--date") or _now().date()

    def work(store, configs, settings):
        from .planning import budget_report, record_spend

        record_spend(store, body, event, year, amount, text, day, _now())
        return budget_report(store, configs, year)

    budget = _guarded(as_json, lambda: _in_store(work))
    if as_json:
        _print_json({"ok": True, "budget": budget})
    else:
        _print_budget(budget)


@planning_app.command("report")
def planning_report(year: int = typer.Option(..., "--year", help="The year."), as_json: bool = JsonOption) -> None:
    """Planned and actual spend per event against the annual budget."""

    def work(store, configs, settings):
        from .planning import budget_report

        return budget_report(store, configs, year)

    budget = _guarded(as_json, lambda: _in_store(work))
    if as_json:
        _print_json(budget)
    else:
        _print_budget(budget)


@meetings_app.command("generate")
def meetings_generate(
    body: str = typer.Option(..., "--body", help="The body's key."),
    committee: str = typer.Option(..., "--committee", help="The committee's key (with a calendar rule in its config)."),
    year: int = typer.Option(..., "--year", help="The year."),
    as_json: bool = JsonOption,
) -> None:
    """Put a committee's regular meetings for a year into the store, skipping holidays; rewrite the feeds."""
    _prefect_defaults()
    settings = _guarded(as_json, _settings)
    result = _guarded(as_json, lambda: _run_flow(settings, "planning:generate_meeting_calendar", body=body,
                                                 committee=committee, year=year))
    if as_json:
        _print_json({"ok": True, **result})
        return
    typer.echo(f"{len(result['created'])} meetings created, {len(result['kept'])} already there: {', '.join(result['created'])}")
    for skip in result["skipped"]:
        typer.echo(f"  skipped {skip['date']}: {skip['reason']}")


@feeds_app.command("write")
def feeds_write(as_json: bool = JsonOption) -> None:
    """Write one feed per committee (public) and one per person (their meetings) under the output folder."""

    def work(store, configs, settings):
        from .invitations import feed_secret, write_feeds

        return write_feeds(store, configs, settings.output_dir, _now(), feed_secret(settings.home))

    paths = _guarded(as_json, lambda: _in_store(work))
    if as_json:
        _print_json({"ok": True, "feeds": [str(p) for p in paths]})
    else:
        typer.echo(f"Wrote {len(paths)} feeds:")
        for path in paths:
            typer.echo(f"  {path}")


# ---------------------------------------------------------------------------------------------
# demo


@app.command()
def demo(
    out: Path = typer.Option(Path("demo-output"), "--out", help="Folder for the demo's store and everything it writes."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also write PDFs (needs LibreOffice)."),
    as_json: bool = JsonOption,
) -> None:
    """Run the whole story on the shipped examples with embedded defaults, writing under OUT.

    The story has its own clock: each body's papers arrive a month before its first meeting,
    and each agenda is built a week before its meeting.
    """
    from .config import PROJECT_ROOT

    examples = Path("examples") if Path("examples").is_dir() else PROJECT_ROOT / "examples"
    state.home = out.resolve()
    _prefect_defaults()
    from rich.progress import Progress

    def import_all():
        from .config import load_configs
        from .importing import import_files
        from .store import Store

        settings = _settings()
        configs = load_configs(settings.config_dir)
        reports = []
        with Store(settings.database_url) as store:
            for folder in sorted(p for p in examples.iterdir() if p.is_dir()):
                import_files(store, configs, [folder / "meetings.yaml"], _now())
                meetings = _query_store(store, "list_meetings", body=folder.name)
                first = min(dt.datetime.fromisoformat(m["start"]) for m in meetings)
                reports.append(import_files(store, configs, [folder], first - dt.timedelta(days=30)))
        return settings, reports

    settings, reports = _guarded(as_json, import_all)
    builds = _demo_builds()
    results = []
    with Progress(transient=True, disable=as_json) as progress:
        task = progress.add_task("Building agendas", total=len(builds))
        for body, committee, day in builds:
            progress.update(task, description=f"Building {body}/{committee} {day} (first one starts Prefect)")
            results.append(_guarded(as_json, lambda: _run_agenda_flow(
                settings, body=body, committee=committee, date=day, as_of=day - dt.timedelta(days=7), pdf=pdf)))
            progress.advance(task)
    sent = []
    with Progress(transient=True, disable=as_json) as progress:
        task = progress.add_task("Invitations and reminders", total=len(builds))
        for body, committee, day in builds:
            sent.append(_guarded(as_json, lambda: _run_flow(
                settings, "invitations:send_invitations", body=body, committee=committee, date=day)))
            # The story's clock again: run the daily reminders on the day a week before the meeting.
            sent.append(_guarded(as_json, lambda: _run_flow(
                settings, "invitations:send_reminders", bodies=[body], as_of=day - dt.timedelta(days=7))))
            progress.advance(task)
    # Seed 002's Druckfassung: chased two days before it is due, then delivered and re-sent.
    chased = delivered = None
    late = examples / "herzogenrath" / "nachreichung" / "250317_Integrationskonzept.pdf"
    if ("herzogenrath", "asi", dt.date(2025, 3, 25)) in builds and late.is_file():
        chased = _guarded(as_json, lambda: _run_flow(settings, "attachments:chase_attachments",
                                                     bodies=["herzogenrath"], as_of=dt.date(2025, 3, 19), pdf=pdf))
        delivered = _guarded(as_json, lambda: _run_flow(settings, "attachments:deliver_attachment", body="herzogenrath",
                                                        reference="V/2019/367-E04", file=str(late),
                                                        as_of=dt.date(2025, 3, 20), pdf=pdf))
    # Seed 000's path: EBI recommends (its referat), then Økonomiudvalget and Kommunalbestyrelsen.
    from .minutes import load

    path = []
    starts = {m["key"]: m["start"] for m in _query("list_meetings", body="gentofte")}
    recorded_minutes = [(file, _guarded(as_json, lambda: load(file)))
                        for file in (examples / "gentofte" / "minutes").glob("*.yaml")]
    previous_day = None
    for minutes_file, data in sorted(recorded_minutes, key=lambda pair: starts.get(pair[1].meeting, "")):
        key = data.meeting
        meeting = next(m for m in _query("list_meetings", body=data.body) if m["key"] == key)
        day = dt.date.fromisoformat(meeting["start"][:10])
        if meeting["state"] == "planned" and previous_day is not None:
            # The meeting prepares itself: the daily run, day by day on the story's clock, from the
            # day after the last meeting (whose minutes moved the paper on) to this one.
            path.append({"timeline": key, "days": _guarded(as_json, lambda: _demo_timeline(settings, previous_day, day))})
        elif meeting["state"] == "planned":
            path.append(_guarded(as_json, lambda: _run_agenda_flow(
                settings, body=data.body, committee=meeting["committee"], date=day, as_of=day - dt.timedelta(days=7), pdf=pdf)))
        recorded = _guarded(as_json, lambda: _run_flow(settings, "minutes:record_minutes", body=data.body, meeting=key,
                                                       minutes_file=str(minutes_file), pdf=pdf))
        path.append({"minutes": key, **recorded})
        previous_day = day
    # Seed 000 also decided an annual dialogue meeting and the julestue from 2026: plan 2026.
    planned = _guarded(as_json, lambda: _run_flow(settings, "planning:plan_year", year=2026, bodies=["gentofte"]))
    outbox = sorted(p.name for p in settings.outbox.glob("*") if p.suffix in (".eml", ".json"))
    if as_json:
        _print_json({"ok": True, "home": str(settings.home), "output": str(settings.output_dir),
                     "import": [r.as_dict() for r in reports], "agendas": results, "messages": sent,
                     "chase": chased, "delivery": delivered, "gentofte_path": path, "planning": planned,
                     "outbox": str(settings.outbox),
                     "outbox_files": outbox})
        return
    console = _console()
    console.print(f"[bold]meetprep demo[/] — store and output under {settings.home}", soft_wrap=True)
    console.print(f"Imported {sum(len(r.papers) for r in reports)} papers and {sum(len(r.meetings) for r in reports)} "
                  f"meetings of {len(reports)} bodies from {examples}.")
    for result in results:
        console.rule(f"{result['body']} · {result['meeting']}")
        _print_build(result)
    console.rule("Invitations and reminders")
    invitations_sent = sum(len(r["sent"]) for r in sent[0::2])
    reminders_sent = sum(len(r["sent"]) for r in sent[1::2])
    console.print(f"{invitations_sent} invitations and {reminders_sent} reminders written to the outbox "
                  f"{settings.outbox} ({len(outbox)} files); calendar feeds in {settings.output_dir / 'feeds'}.",
                  soft_wrap=True, markup=False)
    if chased is not None and delivered is not None:
        console.rule("Herzogenrath: the Druckfassung that was to follow")
        console.print(f"19.03.2025: {len(chased['sent'])} chaser(s) for the missing Druckfassung (due "
                      f"{chased['outstanding'][0]['due'] if chased['outstanding'] else '-'}).", markup=False)
        console.print(f"20.03.2025: delivered, stored as {delivered['stored']}; agenda rebuilt as version "
                      f"{delivered['agenda_version']}; {len(delivered['notices']['sent'])} 'Nachversand' notice(s) sent.",
                      soft_wrap=True, markup=False)
    if path:
        console.rule("Gentofte: EMN-2025-05820 through EBI, Økonomiudvalget and Kommunalbestyrelsen")
        for step in path:
            if "timeline" in step:
                console.print(f"{step['timeline']} prepares itself (prepare-meetings, once a day):", markup=False)
                for line in step["days"]:
                    console.print(f"  {line}", markup=False, soft_wrap=True)
            elif "minutes" in step:
                files = [Path(f["path"]).name for f in step["files"] if f["path"].endswith(".docx")]
                console.print(f"{step['minutes']}: {', '.join(f'{r} {v}' for r, v in step['decisions'].items())}; "
                              f"wrote {', '.join(files)}; sent to {len(step['sent']['sent'])} members.", soft_wrap=True,
                              markup=False)
            else:
                console.print(f"{step['meeting']}: agenda version {step['version']} with "
                              f"{', '.join(e['reference'] for e in step['entries'] if e['kind'] == 'paper')}.", markup=False)
        console.print(f"Published minutes: {settings.output_dir / 'public'}", soft_wrap=True, markup=False)
    console.rule("Gentofte: planning 2026")
    for event in planned["events"]:
        console.print(f"{event['name']}: {event['date']}; " + "; ".join(f"{t['name']} {t['due']}" for t in event["tasks"])
                      + f"; orientation paper {event['orientation']} on EBI's list.", soft_wrap=True, markup=False)
    console.print(f"{len(planned['invitations']['sent'])} calendar invitations to partners in the outbox.", markup=False)
    _print_budget(planned["budget"])
    console.print(f"\nEverything is under {settings.output_dir}; the store is {settings.database_url}.",
                  soft_wrap=True, markup=False)


def _demo_timeline(settings, first: dt.date, last: dt.date) -> list[str]:
    """Run the daily timeline from the day after `first` to `last` on the story's clock: what each day did."""
    from .config import load_configs
    from .notify import OutboxTransport
    from .store import Store
    from .timeline import run_day

    configs = load_configs(settings.config_dir)
    lines = []
    day = first + dt.timedelta(days=1)
    with Store(settings.database_url) as store:
        while day <= last:
            now = dt.datetime.combine(day, dt.time(5), dt.timezone.utc)
            outbox = OutboxTransport(settings.outbox, lambda: now)
            result = run_day(store, configs, settings, lambda config, day=day: day, now, lambda config: outbox,
                             ["gentofte"], pdf=False)
            for item in result["meetings"]:
                if item["step"] or item["sent"]:
                    sent = sorted({f"{m['kind']} to {m['recipient']}" for m in item["sent"]})
                    if sent:
                        what = f" ({', '.join(sent[:3])}{', ...' if len(sent) > 3 else ''})"
                    elif item.get("detail", {}).get("minutes") == "recorded":
                        what = " (nothing to send: the minutes are recorded)"
                    else:
                        what = " (nothing to send)"
                    lines.append(f"{day.isoformat()} {item['meeting']}: {item['step'] or 'keeping members current'}{what}")
            day += dt.timedelta(days=1)
    return lines


def _query_store(store, fn_name: str, **filters: Any) -> list[dict[str, Any]]:
    from . import listing

    with store.session() as session:
        return getattr(listing, fn_name)(session, **filters)


def _demo_builds() -> list[tuple[str, str, dt.date]]:
    """Every meeting that has a paper due, in time order: (body, committee, day)."""
    meetings = _query("list_meetings")
    papers = _query("list_papers", pending=True)
    builds = []
    for m in meetings:
        day = dt.date.fromisoformat(m["start"][:10])
        if any(p["body"] == m["body"] and p["next_committee"] == m["committee"]
               and (p["next_meeting"] == m["key"] or (p["next_meeting"] is None and (p["next_date"] or "") <= m["start"][:10]))
               for p in papers):
            builds.append((m["body"], m["committee"], day))
    return builds


@app.command()
def serve(
    port: int = typer.Option(4200, "--port", help="Port of the Prefect server and its UI on 127.0.0.1."),
    workers: int = typer.Option(1, "--workers", help="Process workers (more than one needs PostgreSQL: --prefect-database)."),
    prefect_database: Optional[str] = typer.Option(None, "--prefect-database",
                                                   help="PostgreSQL URL for the Prefect server (postgresql+asyncpg://...)."),
) -> None:
    """Serve everything on this machine: Prefect server and UI, the deployments of prefect.yaml, workers.

    Runs until Ctrl-C. The clerk starts flows (agenda build, minutes, ...) from the UI's forms;
    the daily and yearly schedules run by themselves.
    """
    import signal as _signal

    from .serve import Stack

    if workers > 1 and not prefect_database:
        raise typer.BadParameter("more than one worker needs PostgreSQL for the Prefect server (SQLite locks up)",
                                 param_hint="--workers")
    settings = _guarded(False, _settings)
    stack = Stack(settings.home, {"MEETPREP_HOME": str(settings.home), "MEETPREP_DATABASE_URL": settings.database_url,
                                  "MEETPREP_CONFIG_DIR": str(settings.config_dir),
                                  "MEETPREP_TEMPLATES_DIR": str(settings.templates_dir),
                                  "MEETPREP_OUTPUT_DIR": str(settings.output_dir), "MEETPREP_DELIVERY": settings.delivery},
                  port=port, database_url=prefect_database)
    console = _console()
    try:
        with console.status("Starting the Prefect server, deploying prefect.yaml, starting workers…"):
            stack.start(workers=workers)
        console.print(f"Serving. Prefect UI: {stack.ui}  (logs in {stack.logs}). Ctrl-C stops everything.", soft_wrap=True)
        # Blocked, the signals wait for sigwait instead of killing us before the stack is stopped.
        _signal.pthread_sigmask(_signal.SIG_BLOCK, {_signal.SIGINT, _signal.SIGTERM})
        _signal.sigwait({_signal.SIGINT, _signal.SIGTERM})
    except KeyboardInterrupt:
        pass
    except RuntimeError as exc:
        _fail_environment(str(exc), False)
    finally:
        stack.stop()
        console.print("Stopped.")


def main() -> None:
    """Console-script entry point.

    Input and environment problems are handled where they arise (exit 1 and 3). Anything else is
    a bug: the clerk gets one line and the path of a log with the details, and exit code 5.
    """
    try:
        app(prog_name="meetprep")
    except KeyboardInterrupt:
        _console(stderr=True).print("Interrupted.")
        sys.exit(130)
    except Exception as exc:  # the last resort: never a traceback on a clerk's screen
        log = _write_error_log(exc)
        summary = " ".join(str(exc).split())[:200] or "no message"
        _console(stderr=True).print(
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
        candidates.append(_settings().home / "logs")
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
