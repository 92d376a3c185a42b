"""`meetprep accessibility check`: the checks behind the portal's accessibility statement."""

from __future__ import annotations

from typing import Any, Optional

import typer

from meetprep.cli.common import (JsonOption, app, clock, current_settings, get_console, guarded, in_store, print_json,
                                 print_table)

accessibility_app = typer.Typer(help="The portal's accessibility statement and the checks behind it.",
                                no_args_is_help=True)
app.add_typer(accessibility_app, name="accessibility")


@accessibility_app.command("check")
def check(
    body: Optional[str] = typer.Option(None, "--body", help="Only this body (default: every body)."),
    as_json: bool = JsonOption,
) -> None:
    """Check every published page (html-validate; axe-core in Chromium) and PDF (pdfua, outloud),
    keep the report in output/accessibility/<body>.json and publish the accessibility statement
    from it. Attachments from third parties are checked and listed, never altered.

    Exit code 0 when everything meetprep made passes, 1 when a page or document has findings or a
    checker could not run (the statement then says so)."""

    def work(store, configs, settings) -> list[dict[str, Any]]:
        from meetprep.jobs.accessibility import check_accessibility

        with get_console(stderr=True).status("Checking…") as status:
            return check_accessibility(store, configs, settings, clock(), body,
                                       progress=lambda key: status.update(f"Checking the portal of {key}…"))

    results = guarded(as_json, lambda: in_store(work))
    failed = any(r["page_problems"] or r["document_problems"] or r["not_run"] for r in results)
    if as_json:
        print_json({"ok": not failed, "bodies": results})
    else:
        print_table("Accessibility checks", ["body", "status", "pages (findings)", "documents (findings)",
                                             "third-party files (not accessible)", "statement"],
                    [[r["body"], r["conformance"], f"{r['pages']} ({r['page_problems']})",
                      f"{r['documents']} ({r['document_problems']})",
                      f"{r['third_party']} ({r['third_party_inaccessible']})", r["statement"]] for r in results])
        console = get_console()
        for r in results:
            for item in r["not_run"]:
                console.print(f"[yellow]{r['body']}: not run:[/] {item}", soft_wrap=True)
            for note in r["notes"]:
                console.print(f"[yellow]note:[/] {note}", soft_wrap=True)
            console.print(f"Report: {r['report']}", soft_wrap=True, markup=False)
    raise typer.Exit(1 if failed else 0)


@accessibility_app.command("feedback")
def feedback(as_json: bool = JsonOption) -> None:
    """Read the accessibility feedback mailbox now (MEETPREP_FEEDBACK_MAIL; the daily
    prepare-meetings run does it too): each message recorded once, its sender acknowledged in
    the body's language, the body's handlers (accessibility.handlers, else the committees'
    secretaries) sent a copy."""

    def work(store, configs, settings) -> dict[str, Any]:
        from meetprep.cli.common import transport_for_body
        from meetprep.jobs.accessibility import take_feedback

        return take_feedback(store, configs, settings, clock(),
                             lambda config: transport_for_body(settings, configs, config.body.key))

    result = guarded(as_json, lambda: in_store(work))
    if as_json:
        print_json({"ok": not result["sent"]["failed"], **result})
    else:
        print_table("Accessibility feedback read", ["body", "from", "subject", "acknowledged"],
                    [[t["body"], t["sender"] or "(automatic)", t["subject"], "yes" if t["acknowledged"] else "no"]
                     for t in result["taken"]])
        from meetprep.cli.common import print_dispatch

        print_dispatch("Messages", result["sent"], current_settings())
    raise typer.Exit(1 if result["sent"]["failed"] else 0)
