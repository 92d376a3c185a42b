"""Command group `minutes`: recording what a meeting decided."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from meetprep.cli.common import EXIT_UNDELIVERED, JsonOption, app, clock, current_settings, get_console, guarded, in_store, prefect_api_url, print_dispatch, print_json, print_table, run, transport_for_body


minutes_app = typer.Typer(help="Minutes (referat, Niederschrift) and decisions.", no_args_is_help=True)
app.add_typer(minutes_app, name="minutes")


@minutes_app.command("record")
def minutes_record(
    file: Path = typer.Option(..., "--file", help="The minutes as YAML (kind: minutes; see docs/minutes.md)."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also write PDFs."),
    as_json: bool = JsonOption,
) -> None:
    """Record a meeting's minutes, move its papers on, write and send the referat / Niederschrift."""
    settings = guarded(as_json, current_settings)

    with get_console(stderr=True).status("Recording the minutes…"):
        result = guarded(as_json, lambda: record_minutes(settings, file, pdf))
    if as_json:
        print_json({"ok": not result["sent"]["failed"], **result})
    else:
        console = get_console()
        console.print(f"Recorded the minutes of {result['meeting']}:")
        print_table("Decisions", ["reference", "result"], [[r, v] for r, v in result["decisions"].items()])
        for note in result["notes"]:
            console.print(f"[yellow]note:[/] {note}")
        console.print("Wrote:")
        for item in result["files"]:
            console.print(f"  {item['path']}  ({item['variant']})", markup=False, soft_wrap=True)
        print_dispatch("Minutes sent", result["sent"], settings)
    if result["sent"]["failed"]:
        raise typer.Exit(EXIT_UNDELIVERED)


def record_minutes(settings, file: Path, pdf: bool = True) -> dict[str, Any]:
    """Minutes from a file: in this process, or as the record-minutes flow on a Prefect server (checked
    against the store first, so that bad minutes never start a flow)."""
    from meetprep.minutes.record import load

    data = load(file)

    def check(store, configs, settings):
        from meetprep.minutes.record import check

        check(store, configs, data, str(file))

    def plain(store, configs, settings):
        from meetprep.jobs.minutes import record_minutes

        return record_minutes(store, configs, settings, data, str(file), clock,
                               transport_for_body(settings, configs, data.body), pdf)

    if prefect_api_url():
        in_store(check, settings)
    return run(settings, "minutes:record_minutes", lambda: in_store(plain, settings), body=data.body,
               meeting=data.meeting, minutes_file=str(file.resolve()), pdf=pdf)


@minutes_app.command("form")
def minutes_form(
    body: str = typer.Option(..., "--body", help="The body's key, e.g. gentofte."),
    meeting: str = typer.Option(..., "--meeting", help="The meeting's key, e.g. ebi-2025-09-22."),
    out: Path = typer.Option(None, "--out", help="Write the form to this file (default: print it)."),
) -> None:
    """The minutes to fill in: the agenda's items, and who came as far as the replies to the
    meeting request tell (declined members absent, substitutes in their place)."""

    def work(store, configs, settings):
        from meetprep.minutes.form import form

        return form(store, configs, body, meeting)

    text = guarded(False, lambda: in_store(work))
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    get_console().print(f"Wrote the minutes form to {out}", markup=False, soft_wrap=True)


@minutes_app.command("approve")
def minutes_approve(
    body: str = typer.Option(..., "--body", help="The body's key, e.g. gentofte."),
    meeting: str = typer.Option(..., "--meeting", help="The meeting's key, e.g. ebi-2025-09-22."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also write the excerpts' PDFs."),
    as_json: bool = JsonOption,
) -> None:
    """Approve the recorded minutes (Genehmigung der Niederschrift; godkendelse af referatet),
    for a committee that sets agenda.minutes_approval: then the excerpts go to the units and case
    officers, are kept with their papers and published."""
    settings = guarded(as_json, current_settings)

    def work(store, configs, settings):
        from meetprep.jobs.minutes import approve_minutes

        return approve_minutes(store, configs, settings, body, meeting, clock,
                               transport_for_body(settings, configs, body), pdf)

    with get_console(stderr=True).status("Approving the minutes and handing over the excerpts…"):
        result = guarded(as_json, lambda: in_store(work))
    sent = result["excerpts"]["sent"]
    if as_json:
        print_json({"ok": not sent["failed"], **result})
    else:
        console = get_console()
        console.print(f"Approved version {result['approved']} of the minutes of {meeting}.", markup=False)
        for excerpt in result["excerpts"]["excerpts"]:
            for path in excerpt["files"]:
                console.print(f"  {path}", markup=False, soft_wrap=True)
        for note in result["notes"]:
            console.print(f"[yellow]note:[/] {note}")
        print_dispatch("Excerpts sent", sent, settings)
    if sent["failed"]:
        raise typer.Exit(EXIT_UNDELIVERED)
