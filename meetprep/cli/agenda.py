"""Command group `agenda`: building and approving agendas."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Optional

import typer

from meetprep.cli.common import BodyOption, CommitteeOption, DateOption, JsonOption, MeetingOption, app, clock, current_settings, get_console, guarded, in_store, parse_day, print_json, print_table, run, today


agenda_app = typer.Typer(help="Agendas (dagsorden, Tagesordnung) and their documents.", no_args_is_help=True)
app.add_typer(agenda_app, name="agenda")


def build_agenda(settings, body: str, committee: str, date: Optional[dt.date] = None, meeting: Optional[str] = None,
                 as_of: Optional[dt.date] = None, renumber: bool = False, pdf: bool = True, verbose: bool = False
                 ) -> dict[str, Any]:
    """Build one agenda: with the build-agenda job in this process, or as the build-agenda flow on a Prefect server."""

    def plain() -> dict[str, Any]:
        def work(store, configs, settings):
            from meetprep.agenda.draft import AgendaRequest
            from meetprep.jobs.agenda import build_agenda

            request = AgendaRequest(body, committee, as_of or today(configs.get(body)), day=date, meeting=meeting,
                                    renumber=renumber)
            result, notes = build_agenda(store, configs, settings, request, clock(), pdf=pdf)
            return {**result.as_dict(), "notes": notes}

        return in_store(work, settings)

    return run(settings, "agenda:build_agenda", plain, verbose, body=body, committee=committee, date=date,
               meeting=meeting, as_of=as_of, renumber=renumber, pdf=pdf)


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
    verbose: bool = typer.Option(False, "--verbose", help="Show Prefect's log (where a Prefect server runs the build)."),
    as_json: bool = JsonOption,
) -> None:
    """Build (or rebuild) a meeting's agenda and write its documents; prints what it wrote."""
    if date is None and meeting is None:
        raise typer.BadParameter("give --date or --meeting", param_hint="--date")
    day, as_of_day = parse_day(date, "--date"), parse_day(as_of, "--as-of")

    def work():
        from dataclasses import replace

        settings = current_settings()
        if out is not None:
            settings = replace(settings, output_dir=out.resolve())
        return build_agenda(settings, body, committee, day, meeting, as_of_day, renumber, pdf, verbose)

    with get_console(stderr=True).status("Building the agenda…"):
        result = guarded(as_json, work)
    if as_json:
        print_json({"ok": True, **result})
        return
    print_build(result)


def print_build(result: dict[str, Any]) -> None:
    console = get_console()
    verb = "Built" if result["action"] == "created" else "Unchanged since"
    console.print(f"[bold]{verb} version {result['version']}[/] of the agenda of {result['meeting']} ({result['body']}).")
    print_table(
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
    day = parse_day(date, "--date")

    def work(store, configs, settings):
        from meetprep.agenda.draft import AgendaRequest
        from meetprep.agenda.build import approve

        return approve(store, configs, AgendaRequest(body, committee, clock().date(), day=day, meeting=meeting), clock())

    version = guarded(as_json, lambda: in_store(work))
    if as_json:
        print_json({"ok": True, "approved_version": version})
    else:
        typer.echo(f"Approved version {version} of the agenda.")
