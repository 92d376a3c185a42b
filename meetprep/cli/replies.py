"""Command group `replies`: answers to meeting requests; `meetings attendance` shows who comes."""

from __future__ import annotations

from typing import Any, Optional

import typer

from meetprep.cli.common import BodyOption, JsonOption, app, clock, get_console, guarded, in_store, print_dispatch, print_json, print_table, run, run_and_report
from meetprep.cli.meetings import meetings_app

replies_app = typer.Typer(help="Replies to meeting requests (Accept/Decline): attendance, substitutes, quorum.",
                          no_args_is_help=True)
app.add_typer(replies_app, name="replies")


@replies_app.command("take")
def replies_take(
    source: Optional[str] = typer.Option(None, "--from", help="A maildir folder or imaps://user:password@host/INBOX "
                                                               "(default MEETPREP_REPLIES, else MEETPREP_HOME/replies)."),
    as_json: bool = JsonOption,
) -> None:
    """Read new replies, each once; call in substitutes for members who declined (and withdraw them
    when the member accepts after all); tell the secretary and the chair about the quorum."""

    def work(settings) -> dict[str, Any]:
        def plain(store, configs, settings):
            from meetprep.jobs.replies import take_replies
            from meetprep.messages.replies import inbox_for

            return take_replies(store, configs, settings, inbox_for(settings, source), clock)

        return run(settings, "replies:take_replies", lambda: in_store(plain, settings), source=source)

    run_and_report(as_json, "Taking replies…", work, _print_take, failures=lambda r: r["messages"]["failed"])


def _print_take(result: dict[str, Any], settings) -> None:
    console = get_console()
    taken = result["replies"]
    console.print(f"[bold]Replies[/]: {len(taken['counted'])} counted, {len(taken['aside'])} kept aside, "
                  f"{taken['again']} read before")
    for item in taken["aside"]:
        console.print(f"  kept aside: {item['source']} from {item['from'] or '?'}: {item['reason']}", markup=False,
                      soft_wrap=True)
    for problem in result["problems"]:
        console.print(f"  [yellow]problem:[/] {problem}", soft_wrap=True)
    print_dispatch("Messages", result["messages"], settings)
    for meeting in result["attendance"]:
        _print_attendance(meeting)


def _print_attendance(meeting: dict[str, Any]) -> None:
    rows = [[p["name"], p["role"], p["answer"], p["stands_in_for"] or ""] for p in meeting["people"]]
    print_table(f"{meeting['meeting']}: {meeting['expected']} of {meeting['voting_members']} voting members expected, "
                f"quorum {meeting['quorum']}" + (" [AT RISK]" if meeting["at_risk"] else ""),
                ["person", "role", "answer", "stands in for"], rows)


@meetings_app.command("attendance")
def meetings_attendance(
    body: str = BodyOption,
    meeting: str = typer.Option(..., "--meeting", help="The meeting's key, e.g. biu-2010-01-27."),
    as_json: bool = JsonOption,
) -> None:
    """Who comes: each member's answer to the meeting request (accepted, declined, tentative, none),
    the substitutes called in, and whether the meeting will have its quorum."""

    def work(store, configs, settings):
        from meetprep.messages.replies import attendance

        return attendance(store, configs, body, meeting)

    result = guarded(as_json, lambda: in_store(work))
    if as_json:
        print_json(result)
        return
    _print_attendance(result)
