"""Commands of the sign-off round under `items`: `items signoff` records an approver's answer,
`items exception` lets a late paper on one meeting's agenda (docs/signoff.md)."""

from __future__ import annotations

from typing import Optional

import typer

from meetprep.cli.common import (
    EXIT_UNDELIVERED,
    JsonOption,
    clock,
    current_settings,
    guarded,
    in_store,
    print_dispatch,
    print_json,
    transport_for_body,
)
from meetprep.cli.items import items_app


@items_app.command("signoff")
def items_signoff(
    body: str = typer.Option(..., "--body", help="The body's key, e.g. herzogenrath."),
    reference: str = typer.Option(..., "--reference", help="The paper's reference."),
    step: str = typer.Option(..., "--step", help="The step of its chain, as the body's configuration names it: Kämmerei."),
    approve: bool = typer.Option(False, "--approve", help="The step signs the paper off."),
    decline: Optional[str] = typer.Option(None, "--decline", help="The step declines, for this reason (sent to the author)."),
    comment: Optional[str] = typer.Option(None, "--comment", help="A comment for the author; the step stays open."),
    person: Optional[str] = typer.Option(None, "--as", help="Who answers (a person key: the approver or a deputy); "
                                                            "default: whom the step was asked of."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Attach a PDF to the next step's request (LibreOffice)."),
    as_json: bool = JsonOption,
) -> None:
    """Record a sign-off answer given another way (phone, paper, in person), then ask the next step."""
    chosen = [kind for kind, given in (("approve", approve), ("decline", decline is not None),
                                       ("comment", comment is not None)) if given]
    if len(chosen) != 1:
        typer.echo("Give exactly one of --approve, --decline REASON, --comment TEXT.", err=True)
        raise typer.Exit(2)
    kind = chosen[0]

    def work(store, configs, settings):
        from meetprep.jobs.signoff import record_answer, run_signoff
        from meetprep.messages.ledger import dispatch

        now = clock()
        transport = transport_for_body(settings, configs, body)
        # A paper imported since the last run has its round started (and its requests sent) first.
        before = run_signoff(store, configs, settings, now, lambda config: transport, [body], pdf)
        recorded = record_answer(store, configs, body, reference, step, kind, person,
                                 decline if kind == "decline" else comment, now)
        sent = dispatch(store, recorded.pop("messages"), transport, clock).as_dict()
        followed = run_signoff(store, configs, settings, now, lambda config: transport, [body], pdf)
        followed["sent"] = before["sent"] + followed["sent"]
        followed["failed"] = before["failed"] + followed["failed"]
        followed["changes"] = before["changes"] + followed["changes"]
        return {**recorded, "notified": sent, "next": followed}

    result = guarded(as_json, lambda: in_store(work))
    failed = result["notified"]["failed"] + result["next"]["failed"]
    if as_json:
        print_json({"ok": not failed, **result})
    else:
        typer.echo(f"Recorded for {result['reference']}, {result['step']}: {result['kind']} by {result['person']}.")
        print_dispatch("Told", result["notified"], current_settings())
        if result["next"]["changes"] or result["next"]["sent"]:
            print_dispatch("Sign-off", result["next"], current_settings())
    if failed:
        raise typer.Exit(EXIT_UNDELIVERED)


@items_app.command("exception")
def items_exception(
    body: str = typer.Option(..., "--body", help="The body's key."),
    reference: str = typer.Option(..., "--reference", help="The late paper's reference."),
    meeting: str = typer.Option(..., "--meeting", help="The meeting whose agenda it may go on (its key)."),
    by: str = typer.Option(..., "--by", help="Who allows it: a person key, the committee's secretary or chair "
                                             "(the body's signoff.exceptions_by)."),
    reason: str = typer.Option(..., "--reason", help="Why the paper cannot wait (printed in the build's problems)."),
    as_json: bool = JsonOption,
) -> None:
    """Let a late paper (still in sign-off, or signed off after the papers deadline) on one meeting's agenda."""

    def work(store, configs, settings):
        from meetprep.jobs.signoff import record_exception

        return record_exception(store, configs, body, reference, meeting, by, reason, clock())

    result = guarded(as_json, lambda: in_store(work))
    if as_json:
        print_json({"ok": True, **result})
        return
    typer.echo(f"{reference} may go on the agenda of {meeting} (allowed by {by}: {reason}). "
               f"Rebuild the agenda: meetprep agenda build --body {body} ...")
