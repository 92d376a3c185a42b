"""Command groups `invitations`, `reminders` and `feeds`: messages and calendars."""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import typer

from meetprep.cli.common import BodyOption, CommitteeOption, DateOption, JsonOption, MeetingOption, app, clock, current_settings, guarded, in_store, parse_day, print_dispatch, print_json, run, run_and_report, today, transport_for_body


invitations_app = typer.Typer(help="Meeting invitations (iMIP e-mail with the agenda).", no_args_is_help=True)


reminders_app = typer.Typer(help="Reminders before meetings (apprise or e-mail).", no_args_is_help=True)


feeds_app = typer.Typer(help="Subscribable calendar feeds (.ics).", no_args_is_help=True)
app.add_typer(invitations_app, name="invitations")
app.add_typer(reminders_app, name="reminders")
app.add_typer(feeds_app, name="feeds")


@invitations_app.command("send")
def invitations_send(
    body: str = BodyOption,
    committee: str = CommitteeOption,
    date: Optional[str] = DateOption,
    meeting: Optional[str] = MeetingOption,
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Write PDFs when the agenda is rebuilt."),
    as_json: bool = JsonOption,
) -> None:
    """Send a meeting's invitations (or its update, change notice or cancellation); each message once.

    The agenda is rebuilt first, so that nobody gets an older state of the meeting.
    """
    if date is None and meeting is None:
        raise typer.BadParameter("give --date or --meeting", param_hint="--date")
    day = parse_day(date, "--date")
    settings = guarded(as_json, current_settings)

    def approval():
        from meetprep.agenda.draft import AgendaRequest
        from meetprep.agenda.build import approval_state
        from meetprep.config import load_configs
        from meetprep.jobs.agenda import rebuild_before_sending
        from meetprep.errors import InputError, Problem
        from meetprep.store import Store

        configs = load_configs(settings.config_dir)
        request = AgendaRequest(body, committee, clock().date(), day=day, meeting=meeting)
        with Store(settings.database_url) as store:
            rebuilt = rebuild_before_sending(store, configs, settings, request, clock(), pdf)
            state = approval_state(store, configs, request)
        if state["required"] and state["current"] and state["approved"] != state["current"]:
            # The flow would wait for the approval form in the Prefect UI; from the command line, say what to do.
            why = (f"the agenda was rebuilt as version {state['current']} (the meeting or its papers changed since "
                   f"version {state['approved']} was approved)" if rebuilt and rebuilt.action == "created"
                   and state["approved"] else f"version {state['current']} of the agenda is not approved yet")
            raise InputError([Problem(file="(request)", item=f"meeting {state['meeting']}", field="agenda",
                                      message=f"{why}: run 'meetprep agenda approve', or start send-invitations "
                                              "from the Prefect UI and approve it in its form")])

    guarded(as_json, approval)
    run_and_report(as_json, "Sending invitations…",
                   lambda settings: send_invitations(settings, body, committee, day, meeting, pdf),
                   lambda result, settings: print_dispatch(f"Invitations for {result['meeting']}", result, settings))


def send_invitations(settings, body: str, committee: str, day: Optional[dt.date], meeting: Optional[str],
                     pdf: bool = True) -> dict[str, Any]:
    """A meeting's invitations: in this process, or as the send-invitations flow on a Prefect server."""

    def plain(store, configs, settings):
        from meetprep.agenda.draft import AgendaRequest
        from meetprep.jobs.invitations import send_invitations as send

        request = AgendaRequest(body, committee, today(configs.get(body)), day=day, meeting=meeting)
        return send(store, configs, settings, request, clock, transport_for_body(settings, configs, body), pdf)

    return run(settings, "invitations:send_invitations", lambda: in_store(plain, settings), body=body,
               committee=committee, date=day, meeting=meeting, pdf=pdf)


@reminders_app.command("run")
def reminders_run(
    body: Optional[list[str]] = typer.Option(None, "--body", help="Only this body (repeatable)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Send what is due on this day; default today."),
    as_json: bool = JsonOption,
) -> None:
    """Send every reminder that is due (what the daily schedule runs)."""
    day = parse_day(as_of, "--as-of")
    run_and_report(as_json, "Sending reminders…", lambda settings: send_reminders(settings, body or None, day),
                   lambda result, settings: print_dispatch("Reminders", result, settings))


def send_reminders(settings, bodies: Optional[list[str]], day: Optional[dt.date]) -> dict[str, Any]:
    """The reminders due on a day: in this process, or as the send-reminders flow on a Prefect server."""

    def plain(store, configs, settings):
        from meetprep.messages.ledger import DispatchReport
        from meetprep.messages.reminders import send_day

        results = DispatchReport()
        for config in configs:
            if not bodies or config.body.key in bodies:
                results.add(send_day(store, configs, config.body.key, day or today(config), clock,
                                     transport_for_body(settings, configs, config.body.key)))
        return results.as_dict()

    return run(settings, "invitations:send_reminders", lambda: in_store(plain, settings), bodies=bodies, as_of=day)


@feeds_app.command("write")
def feeds_write(as_json: bool = JsonOption) -> None:
    """Write one feed per committee (public) and one per person (their meetings) under the output folder."""

    def work(store, configs, settings):
        from meetprep.jobs.publishing import write_feeds

        return write_feeds(store, configs, settings, clock())

    paths = guarded(as_json, lambda: in_store(work))
    if as_json:
        print_json({"ok": True, "feeds": [str(p) for p in paths]})
    else:
        typer.echo(f"Wrote {len(paths)} feeds:")
        for path in paths:
            typer.echo(f"  {path}")
