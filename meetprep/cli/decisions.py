"""Command group `decisions`: the tasks decisions gave the administration (Beschlusskontrolle;
opfølgning), listed, reported done, given a new date, followed up."""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import typer

from meetprep.cli.common import (EXIT_UNDELIVERED, JsonOption, app, clock, current_settings, get_console, guarded,
                                 in_store, print_dispatch, print_json, print_table, transport_for_body)

decisions_app = typer.Typer(help="Decisions' tasks: what the administration must do by when, and how far it is.",
                            no_args_is_help=True)
app.add_typer(decisions_app, name="decisions")

STATES = ("open", "due", "overdue", "done", "dropped")


@decisions_app.command("list")
def list_tasks(
    body: Optional[str] = typer.Option(None, "--body", help="Only this body (default: every body)."),
    state: list[str] = typer.Option([], "--state", help=f"Only tasks in this state (repeatable): {', '.join(STATES)}. "
                                                         "Default: open, due and overdue."),
    all_states: bool = typer.Option(False, "--all", help="Every task, done and dropped ones too."),
    as_json: bool = JsonOption,
) -> None:
    """The tasks of decisions by due date: open, due (within the body's follow_up.remind_days)
    and overdue. Exit code 0; 1 when a task is overdue (for a script that watches)."""
    unknown = [s for s in state if s not in STATES]
    if unknown:
        get_console(stderr=True).print(f"unknown state {', '.join(unknown)}: use {', '.join(STATES)}", markup=False)
        raise typer.Exit(2)
    wanted = None if all_states else set(state or ("open", "due", "overdue"))

    def work(store, configs, settings) -> list[dict[str, Any]]:
        from meetprep.decisions.tasks import listing

        return listing(store, configs, clock().date(), body, wanted)

    rows = guarded(as_json, lambda: in_store(work))
    overdue = any(r["state"] == "overdue" for r in rows)
    if as_json:
        print_json({"ok": not overdue, "tasks": rows})
    else:
        # the task's text takes the room: the paper and the decision go on one line with it
        print_table("Decisions' tasks", ["id", "reference", "task", "owner", "due", "state"],
                    [[str(r["id"]), r["reference"] if body else f"{r['body']}: {r['reference']}",
                      f"{r['text']} ({r['committee']}, {r['decided_on']})", r["owner"] or "",
                      r["due"] + (f" (moved {r['extended']}x)" if r["extended"] else ""),
                      r["state"] + (f" {-r['days_left']} days" if r["state"] == "overdue" else "")
                      + (f"; new date {r['asked_due']} asked" if r["asked_due"] else "")] for r in rows])
        if not rows:
            get_console().print("No tasks.")
    raise typer.Exit(1 if overdue else 0)


def _report(body: str, task: int, kind: str, note: Optional[str], due: Optional[dt.date], as_json: bool) -> None:
    def work(store, configs, settings) -> dict[str, Any]:
        from meetprep.jobs.decisions import record_report

        return record_report(store, configs, settings, body, task, kind, "clerk", note, clock(), due)

    result = guarded(as_json, lambda: in_store(work))
    if as_json:
        print_json({"ok": result["result"] in ("done", "extended"), **result})
    else:
        console = get_console()
        messages = {"done": f"Task {task} ({result['reference']}) recorded as done.",
                    "extended": f"Task {task} ({result['reference']}) is now due {result['due']}.",
                    "already": f"Task {task} was reported already: nothing changed.",
                    "closed": f"Task {task} is not open (done or dropped): nothing changed."}
        console.print(messages[result["result"]], markup=False)
        for note_text in result["notes"]:
            console.print(f"[yellow]note:[/] {note_text}", soft_wrap=True)
    raise typer.Exit(0 if result["result"] in ("done", "extended") else 1)


@decisions_app.command("done")
def done(
    body: str = typer.Option(..., "--body", help="The body's key, e.g. gentofte."),
    task: int = typer.Option(..., "--task", help="The task's id (`meetprep decisions list`)."),
    note: Optional[str] = typer.Option(None, "--note", help="What was done (shown on the portal for a public task)."),
    as_json: bool = JsonOption,
) -> None:
    """Record a task done (when the owner told the clerk rather than replying)."""
    _report(body, task, "done", note, None, as_json)


@decisions_app.command("extend")
def extend(
    body: str = typer.Option(..., "--body", help="The body's key, e.g. gentofte."),
    task: int = typer.Option(..., "--task", help="The task's id (`meetprep decisions list`)."),
    due: str = typer.Option(..., "--due", help="The new due date, YYYY-MM-DD."),
    reason: Optional[str] = typer.Option(None, "--reason", help="Why the date moves."),
    as_json: bool = JsonOption,
) -> None:
    """Give a task a new due date (the earlier ones are kept and shown)."""
    try:
        new_due = dt.date.fromisoformat(due)
    except ValueError:
        get_console(stderr=True).print(f"--due {due!r} is not a date: write it as YYYY-MM-DD", markup=False)
        raise typer.Exit(2) from None
    _report(body, task, "extend", reason, new_due, as_json)


@decisions_app.command("follow-up")
def follow_up(as_json: bool = JsonOption) -> None:
    """Read the owners' replies now (MEETPREP_DECISIONS_MAIL) and send today's reminders and
    escalations; the daily prepare-meetings run does the same."""
    settings = guarded(as_json, current_settings)

    def work(store, configs, settings) -> dict[str, Any]:
        from meetprep.jobs.decisions import follow_up as run

        return run(store, configs, settings, clock(), lambda config: transport_for_body(settings, configs, config.body.key))

    result = guarded(as_json, lambda: in_store(work))
    if as_json:
        print_json({"ok": not result["sent"]["failed"], **result})
    else:
        print_table("Replies read", ["body", "task", "paper", "answer", "result", "due"],
                    [[t["body"], str(t["task"]), t["reference"], t["kind"], t["result"], t["due"] or ""]
                     for t in result["taken"]])
        for item in result["aside"]:
            get_console().print(f"[yellow]kept aside:[/] {item['source']}: {item['reason']} ({item['kept']})",
                                soft_wrap=True)
        print_dispatch("Messages", result["sent"], settings)
    raise typer.Exit(EXIT_UNDELIVERED if result["sent"]["failed"] else 0)
