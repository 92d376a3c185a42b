"""Command group `planning`: recurring events, checklists and budgets."""

from __future__ import annotations

from typing import Any, Optional

import typer

from meetprep.cli.common import JsonOption, app, clock, current_settings, get_console, guarded, in_store, parse_day, print_dispatch, print_json, print_table, run, transport_for_body


planning_app = typer.Typer(help="Annual planning: recurring events, their checklists and budget.", no_args_is_help=True)
app.add_typer(planning_app, name="planning")


@planning_app.command("plan")
def planning_plan(
    year: int = typer.Option(..., "--year", help="The year to plan."),
    body: Optional[list[str]] = typer.Option(None, "--body", help="Only this body (repeatable)."),
    as_json: bool = JsonOption,
) -> None:
    """Plan the year's recurring events (dialogue meeting, julestue): dates, tasks, invitations, budget."""
    settings = guarded(as_json, current_settings)
    with get_console(stderr=True).status(f"Planning {year}…"):
        result = guarded(as_json, lambda: plan_year(settings, year, body or None))
    if as_json:
        print_json({"ok": True, **result})
        return
    console = get_console()
    for event in result["events"]:
        console.rule(f"{event['name']} ({event['body']}): {event['date']}")
        print_table("Checklist", ["task", "date", "owner"], [[t["name"], t["due"], t["owner"]] for t in event["tasks"]])
        if event["orientation"]:
            console.print(f"Orientation paper {event['orientation']} is on the committee's list.", markup=False)
    console.print(f"Created {len(result['created'])} event(s), {len(result['unchanged'])} already planned.")
    print_budget(result["budget"])
    print_dispatch("Invitations to partners", result["invitations"], settings)
    for warning in result["warnings"]:
        console.print(f"[yellow]warning:[/] {warning}")


def plan_year(settings, year: int, bodies: Optional[list[str]]) -> dict[str, Any]:
    """The year planned: with the plain functions in this process, or as the plan-year flow on a server."""

    def plain(store, configs, settings):
        from meetprep.jobs.planning import plan_year

        return plan_year(store, configs, settings, year, bodies, clock,
                        lambda config: transport_for_body(settings, configs, config.body.key))

    return run(settings, "planning:plan_year", lambda: in_store(plain, settings), year=year, bodies=bodies)


def print_budget(budget: dict[str, Any]) -> None:
    print_table(f"Budget {budget['year']}", ["body", "budget line", "budget", "planned", "actual", "left"],
           [[b["body"], b["line"], f"{b['budget']:,.0f} {b['currency']}", f"{b['planned']:,.0f}", f"{b['actual']:,.0f}",
             f"{b['left']:,.0f}"] for b in budget["lines"]])
    for warning in budget["warnings"]:
        get_console().print(f"[yellow]warning:[/] {warning}")


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
    day = parse_day(date, "--date") or clock().date()

    def work(store, configs, settings):
        from meetprep.planning import budget_report, record_spend

        record_spend(store, body, event, year, amount, text, day, clock())
        return budget_report(store, configs, year)

    budget = guarded(as_json, lambda: in_store(work))
    if as_json:
        print_json({"ok": True, "budget": budget})
    else:
        print_budget(budget)


@planning_app.command("report")
def planning_report(year: int = typer.Option(..., "--year", help="The year."), as_json: bool = JsonOption) -> None:
    """Planned and actual spend per event against the annual budget."""

    def work(store, configs, settings):
        from meetprep.planning import budget_report

        return budget_report(store, configs, year)

    budget = guarded(as_json, lambda: in_store(work))
    if as_json:
        print_json(budget)
    else:
        print_budget(budget)
