"""Command group `attachments`: files still to follow."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from .common import EXIT_UNDELIVERED, JsonOption, app, clock, get_console, current_settings, guarded, in_store, parse_day, prefect_defaults, print_dispatch, print_json, run_and_report, run_flow, print_table


attachments_app = typer.Typer(help="Attachments still to follow (eftersendes, wird nachgereicht).", no_args_is_help=True)
app.add_typer(attachments_app, name="attachments")


@attachments_app.command("list")
def attachments_list(
    body: Optional[list[str]] = typer.Option(None, "--body", help="Only this body (repeatable)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Count the days left from this day; default today."),
    as_json: bool = JsonOption,
) -> None:
    """List the attachments still to follow, with their due dates and days left."""
    day = parse_day(as_of, "--as-of") or clock().date()

    def work(store, configs, settings):
        from ..attachments import outstanding

        return [o.as_dict() for o in outstanding(store, configs, day, body or None)]

    rows = guarded(as_json, lambda: in_store(work))
    if as_json:
        print_json(rows)
        return
    print_table(f"{len(rows)} attachment(s) to follow", ["reference", "attachment", "responsible", "date", "days left", "meeting"],
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
    prefect_defaults()
    settings = guarded(as_json, current_settings)

    def refusal():  # a file that will be refused is refused at once, before anything heavy starts
        from ..attachments import check_delivery
        from ..config import load_configs
        from ..store import Store

        with Store(settings.database_url) as store:
            check_delivery(store, load_configs(settings.config_dir), body, paper, file.resolve(), attachment)

    guarded(as_json, refusal)
    with get_console(stderr=True).status("Recording the file and rebuilding the agenda…"):
        result = guarded(as_json, lambda: run_flow(settings, "attachments:deliver_attachment", body=body,
                                                     reference=paper, file=str(file.resolve()), attachment=attachment,
                                                     pdf=pdf))
    if as_json:
        print_json({"ok": not result["notices"]["failed"], **result})
    else:
        console = get_console()
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
        print_dispatch("Notices", result["notices"], settings)
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
        console = get_console()
        for item in result["delivered"]:
            console.print(f"Took in {item['reference']} attachment {item['attachment']} from the inbox.", markup=False)
        for item in result["rejected"]:
            console.print(f"[red]Refused[/] an inbox file, kept in {item['file']}: {item['reason']}", soft_wrap=True)
        print_dispatch("Chasers", result, settings)
        print_table("Still to follow", ["reference", "attachment", "date", "days left"],
               [[o["reference"], o["title"], o["due"], o["days_left"]] for o in result["outstanding"]])

    run_and_report(as_json, "Chasing attachments…", "attachments:chase_attachments", report,
                    bodies=body or None, as_of=parse_day(as_of, "--as-of"))
