"""Command group `minutes`: recording what a meeting decided."""

from __future__ import annotations

from pathlib import Path

import typer

from .common import EXIT_UNDELIVERED, JsonOption, app, get_console, current_settings, guarded, prefect_defaults, print_dispatch, print_json, run_flow, print_table


minutes_app = typer.Typer(help="Minutes (referat, Niederschrift) and decisions.", no_args_is_help=True)
app.add_typer(minutes_app, name="minutes")


@minutes_app.command("record")
def minutes_record(
    file: Path = typer.Option(..., "--file", help="The minutes as YAML (kind: minutes; see docs/minutes.md)."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also write PDFs."),
    as_json: bool = JsonOption,
) -> None:
    """Record a meeting's minutes, move its papers on, write and send the referat / Niederschrift."""
    prefect_defaults()
    settings = guarded(as_json, current_settings)

    def work():
        from ..minutes import load

        data = load(file)  # checked here first, against the store too: bad minutes never start Prefect
        from ..config import load_configs
        from ..minutes import check
        from ..store import Store

        with Store(settings.database_url) as store:
            check(store, load_configs(settings.config_dir), data, str(file))
        return run_flow(settings, "minutes:record_minutes", body=data.body, meeting=data.meeting,
                         minutes_file=str(file.resolve()), pdf=pdf)

    with get_console(stderr=True).status("Recording the minutes…"):
        result = guarded(as_json, work)
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
