"""Command group `attachments`: files still to follow."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Optional

import typer

from meetprep.cli.common import EXIT_UNDELIVERED, JsonOption, app, clock, current_settings, get_console, guarded, in_store, parse_day, prefect_api_url, print_dispatch, print_json, print_table, run, run_and_report, today, transport_for_body


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
        from meetprep.attachments.core import outstanding

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
    settings = guarded(as_json, current_settings)
    with get_console(stderr=True).status("Recording the file and rebuilding the agenda…"):
        result = guarded(as_json, lambda: deliver_attachment(settings, body, paper, file.resolve(), attachment, pdf))
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

    day = parse_day(as_of, "--as-of")
    run_and_report(as_json, "Chasing attachments…", lambda settings: chase_attachments(settings, body or None, day), report)


def deliver_attachment(settings, body: str, paper: str, source: Path, attachment: Optional[int], pdf: bool = True,
                       as_of: Optional[dt.date] = None) -> dict[str, Any]:
    """A delivered file: in this process, or as the deliver-attachment flow on a Prefect server (checked
    first, so that a file that will be refused is refused before a flow starts)."""

    def refusal(store, configs, settings):
        from meetprep.attachments.core import check_delivery

        check_delivery(store, configs, body, paper, source, attachment)

    def plain(store, configs, settings):
        from meetprep.jobs.attachments import deliver

        return deliver(store, configs, settings, body, paper, source, attachment, as_of or today(configs.get(body)),
                       clock, transport_for_body(settings, configs, body), pdf)

    if prefect_api_url():
        in_store(refusal, settings)
    return run(settings, "attachments:deliver_attachment", lambda: in_store(plain, settings), body=body,
               reference=paper, file=str(source), attachment=attachment, as_of=as_of, pdf=pdf)


def chase_attachments(settings, bodies: Optional[list[str]], day: Optional[dt.date], pdf: bool = True) -> dict[str, Any]:
    """The daily chase: in this process, or as the chase-attachments flow on a Prefect server."""

    def plain(store, configs, settings):
        from meetprep.jobs.attachments import chase_day

        result: dict[str, Any] = {"delivered": [], "rejected": [], "sent": [], "skipped": [], "in_progress": [],
                                  "failed": [], "outstanding": []}
        for config in configs:
            if not bodies or config.body.key in bodies:
                found = chase_day(store, configs, settings, config.body.key, day or today(config), clock,
                                  transport_for_body(settings, configs, config.body.key), pdf)
                for name, rows in found.items():
                    result[name] += rows
        return result

    return run(settings, "attachments:chase_attachments", lambda: in_store(plain, settings), bodies=bodies,
               as_of=day, pdf=pdf)
