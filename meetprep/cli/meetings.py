"""Command group `meetings`: listing, moving, cancelling, the timeline and the daily run."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from meetprep.cli.common import BodyOption, CommitteeOption, DateOption, EXIT_UNDELIVERED, JsonOption, MeetingOption, app, clock, current_settings, get_console, guarded, in_store, parse_day, print_dispatch, print_json, print_table, query, query_store, run, transport_for_body
from meetprep.cli.items import items_import


meetings_app = typer.Typer(help="Meetings of the configured committees.", no_args_is_help=True)
app.add_typer(meetings_app, name="meetings")


@meetings_app.command("list")
def meetings_list(
    body: Optional[str] = typer.Option(None, "--body", help="Only this body."),
    committee: Optional[str] = typer.Option(None, "--committee", help="Only this committee."),
    as_json: bool = JsonOption,
) -> None:
    """List meetings with their local start time, room and state."""
    rows = guarded(as_json, lambda: query("list_meetings", body=body, committee=committee))
    if as_json:
        print_json(rows)
        return
    print_table(
        f"{len(rows)} meeting(s)",
        ["meeting", "body", "start", "room", "state"],
        [[r["key"], r["body"], _when(r["start"]), r["room"], r["state"]] for r in rows],
    )


def _when(iso: str) -> str:
    """'2025-09-22T16:30+02:00' -> '2025-09-22 16:30' (local time; the offset is in --json)."""
    return iso[:16].replace("T", " ")


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
        from meetprep.meetings.changes import move
        from meetprep.jobs.timeline import announce

        changed = move(store, configs, body, meeting, clock(), to, end, room, address)
        return changed, announce(store, configs, settings, body, meeting, clock(), transport_for_body(settings, configs, body), pdf)

    changed, result = guarded(as_json, lambda: in_store(work))
    report_change(as_json, "Moved", changed, result)


@meetings_app.command("resolve")
def meetings_resolve(
    body: str = BodyOption,
    meeting: str = typer.Option(..., "--meeting", help="The held-back meeting: new in a meetings file that dropped an "
                                                       "announced meeting of the same committee."),
    moved_from: Optional[str] = typer.Option(None, "--moved-from", help="It is this announced meeting, moved: that "
                                                                        "meeting takes its time and place, everyone "
                                                                        "invited gets the update."),
    new: bool = typer.Option(False, "--new", help="It is a meeting of its own: release it."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Write PDFs of the rebuilt agenda."),
    as_json: bool = JsonOption,
) -> None:
    """Say what a held-back meeting is (nothing is sent for it until then): another meeting moved, or a new one."""
    if new == (moved_from is not None):
        raise typer.BadParameter("give exactly one of --moved-from MEETING and --new", param_hint="--moved-from")

    def work(store, configs, settings):
        from meetprep.meetings.changes import resolve
        from meetprep.jobs.timeline import announce

        changed = resolve(store, configs, body, meeting, clock(), moved_from)
        if moved_from is None:
            return changed, None
        return changed, announce(store, configs, settings, body, changed.meeting, clock(),
                                 transport_for_body(settings, configs, body), pdf)

    changed, result = guarded(as_json, lambda: in_store(work))
    if result is None:
        if as_json:
            print_json({"ok": True, "meeting": changed.meeting, "released": True})
        else:
            typer.echo(f"{changed.meeting} is a meeting of its own: its invitations go out on its agenda-out day.")
        return
    report_change(as_json, "Resolved", changed, result)


@meetings_app.command("cancel")
def meetings_cancel(
    body: str = BodyOption,
    meeting: str = typer.Option(..., "--meeting", help="The meeting's key, e.g. ebi-2025-09-22."),
    as_json: bool = JsonOption,
) -> None:
    """Cancel a meeting: everyone invited gets the cancellation (METHOD:CANCEL), and the feeds show it."""

    def work(store, configs, settings):
        from meetprep.meetings.changes import cancel
        from meetprep.jobs.timeline import announce

        changed = cancel(store, configs, body, meeting, clock())
        return changed, announce(store, configs, settings, body, meeting, clock(), transport_for_body(settings, configs, body))

    changed, result = guarded(as_json, lambda: in_store(work))
    report_change(as_json, "Cancelled", changed, result)


def report_change(as_json: bool, verb: str, changed, result: dict[str, Any]) -> None:
    settings = current_settings()
    if as_json:
        print_json({"ok": not result["failed"], "meeting": changed.meeting, "sequence": changed.sequence,
                     "changes": {k: {"before": b, "after": a} for k, (b, a) in changed.changes.items()}, **result})
    else:
        console = get_console()
        console.print(f"{verb} {changed.meeting} ({changed.body}); calendar SEQUENCE is now {changed.sequence}.",
                      markup=False)
        for name, (before, after) in changed.changes.items():
            console.print(f"  {name}: {before} -> {after}", markup=False, soft_wrap=True)
        if result.get("agenda_version"):
            console.print(f"The agenda is at version {result['agenda_version']}.", markup=False)
        for note in result["notes"]:
            console.print(f"[yellow]note:[/] {note}", soft_wrap=True)
        print_dispatch("Messages", result, settings)
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
    day = parse_day(date, "--date")
    today = parse_day(as_of, "--as-of")

    def work(store, configs, settings):
        from zoneinfo import ZoneInfo

        from meetprep.agenda.draft import AgendaRequest, find_meeting
        from meetprep.meetings.timeline import committee_meetings, view

        config = configs.get(body)
        local = today or (clock().astimezone(ZoneInfo(config.body.timezone)).date() if config else clock().date())
        if day or meeting:
            with store.session() as session:
                _, row = find_meeting(session, configs, AgendaRequest(body, committee, local, day=day, meeting=meeting))
                keys = [row.key]
        else:
            if config is None or config.organization(committee) is None:
                with store.session() as session:  # the same refusal as for one meeting
                    find_meeting(session, configs, AgendaRequest(body, committee, local, meeting="-"))
            keys = committee_meetings(store, configs, body, committee, local)
        # The committee's papers still in sign-off (or back with their authors): they wait for it.
        waiting = [row for state in ("signoff", "draft")
                   for row in query_store(store, "list_papers", body=body, committee=committee, configs=configs,
                                          state=state)]
        return [{**view(store, configs, body, key, local), "signoff": waiting} for key in keys]

    views = guarded(as_json, lambda: in_store(work))
    if as_json:
        print_json(views)
        return
    if not views:
        typer.echo(f"No meeting of {committee} is in its timeline.")
    for item in views:
        print_table(f"{item['meeting']} ({item['start'][:16].replace('T', ' ')}): agenda version {item['agenda_version']}"
               + (f", approved {item['approved_version']}" if item["approved_version"] else "")
               + (f", change notices for versions {', '.join(map(str, item['change_notices']))}" if item["change_notices"] else ""),
               ["date", "step", "state"], [[s["date"], s["label"], s["state_label"]] for s in item["steps"]])
    if views and views[0]["signoff"]:
        print_table("Papers for this committee in sign-off", ["reference", "title", "state", "steps"],
                    [[r["reference"], r["title"][:40], r["state"],
                      "; ".join(f"{s['step']}: {s['state']}" + (f" ({s['holder']}, due {s['due']})" if s.get("holder") else "")
                                for s in r["signoff"])] for r in views[0]["signoff"]])


@meetings_app.command("prepare")
def meetings_prepare(
    body: Optional[list[str]] = typer.Option(None, "--body", help="Only this body (repeatable)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Run as on this day; default today in each body's time zone."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Write PDFs of the agendas it builds."),
    as_json: bool = JsonOption,
) -> None:
    """Do what every upcoming meeting's timeline has due today (what the daily prepare-meetings flow runs)."""
    day = parse_day(as_of, "--as-of")

    def work(store, configs, settings):
        from zoneinfo import ZoneInfo

        from meetprep.jobs.timeline import run_day

        return run_day(store, configs, settings,
                       lambda config: day or clock().astimezone(ZoneInfo(config.body.timezone)).date(), clock(),
                       lambda config: transport_for_body(settings, configs, config.body.key), body or None, pdf)

    result = guarded(as_json, lambda: in_store(work))
    failed = ([f for m in result["meetings"] for f in m["failed"]] + result["intake_digest"]["failed"]
              + result["signoff"]["failed"])
    if as_json:
        print_json({"ok": not failed and not result["errors"], **result})
    else:
        console = get_console()
        settings = current_settings()
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
            print_dispatch("Messages", item, settings)
        if result["intake_digest"]["sent"] or result["intake_digest"]["failed"]:
            console.rule("papers inbox")
            print_dispatch("Intake digest", result["intake_digest"], settings)
        if result["signoff"]["sent"] or result["signoff"]["failed"]:
            console.rule("sign-off")
            print_dispatch("Sign-off", result["signoff"], settings)
        for error in result["errors"]:
            console.print(f"[red]error[/] {error['body']} · {error['meeting'] or '-'}: {error['error']}", soft_wrap=True)
        if not any(m["step"] or m["sent"] for m in result["meetings"]) and not result["intake_digest"]["sent"]:
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


@meetings_app.command("generate")
def meetings_generate(
    body: str = typer.Option(..., "--body", help="The body's key."),
    committee: str = typer.Option(..., "--committee", help="The committee's key (with a calendar rule in its config)."),
    year: int = typer.Option(..., "--year", help="The year."),
    as_json: bool = JsonOption,
) -> None:
    """Put a committee's regular meetings for a year into the store, skipping holidays; rewrite the feeds."""
    settings = guarded(as_json, current_settings)

    def plain(store, configs, settings):
        from meetprep.jobs.planning import generate_calendar

        return generate_calendar(store, configs, settings, body, committee, year, clock())

    result = guarded(as_json, lambda: run(settings, "planning:generate_meeting_calendar", lambda: in_store(plain, settings),
                                          body=body, committee=committee, year=year))
    if as_json:
        print_json({"ok": True, **result})
        return
    typer.echo(f"{len(result['created'])} meetings created, {len(result['kept'])} already there: {', '.join(result['created'])}")
    for skip in result["skipped"]:
        typer.echo(f"  skipped {skip['date']}: {skip['reason']}")
