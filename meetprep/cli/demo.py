"""`meetprep demo`: the whole story on the shipped examples, on a story clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from meetprep.cli.agenda import build_agenda, print_build
from meetprep.cli.attachments import chase_attachments, deliver_attachment
from meetprep.cli.invitations import send_invitations, send_reminders
from meetprep.cli.minutes import record_minutes
from meetprep.cli.common import JsonOption, app, clock, current_settings, get_console, guarded, print_json, query, query_store, state
from meetprep.cli.planning import plan_year, print_budget


@app.command()
def demo(
    out: Path = typer.Option(Path("demo-output"), "--out", help="Folder for the demo's store and everything it writes."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also write PDFs (needs LibreOffice)."),
    as_json: bool = JsonOption,
) -> None:
    """Run the whole story on the shipped examples with embedded defaults, writing under OUT.

    The story has its own clock: each body's papers arrive a month before its first meeting,
    and each agenda is built a week before its meeting.
    """
    from meetprep.config import PROJECT_ROOT

    examples = Path("examples") if Path("examples").is_dir() else PROJECT_ROOT / "examples"
    state.home = out.resolve()
    from rich.progress import Progress

    def import_all():
        from meetprep.config import load_configs
        from meetprep.importing.pipeline import import_files
        from meetprep.store import Store

        settings = current_settings()
        configs = load_configs(settings.config_dir)
        reports = []
        with Store(settings.database_url) as store:
            for folder in sorted(p for p in examples.iterdir() if p.is_dir()):
                import_files(store, configs, [folder / "meetings.yaml"], clock())
                meetings = query_store(store, "list_meetings", body=folder.name)
                first = min(dt.datetime.fromisoformat(m["start"]) for m in meetings)
                reports.append(import_files(store, configs, [folder], first - dt.timedelta(days=30)))
        return settings, reports

    settings, reports = guarded(as_json, import_all)
    builds = _demo_builds()
    results = []
    with Progress(transient=True, disable=as_json) as progress:
        task = progress.add_task("Building agendas", total=len(builds))
        for body, committee, day in builds:
            progress.update(task, description=f"Building {body}/{committee} {day}")
            results.append(guarded(as_json, lambda: build_agenda(
                settings, body, committee, day, as_of=day - dt.timedelta(days=7), pdf=pdf)))
            progress.advance(task)
    sent = []
    with Progress(transient=True, disable=as_json) as progress:
        task = progress.add_task("Invitations and reminders", total=len(builds))
        for body, committee, day in builds:
            sent.append(guarded(as_json, lambda: send_invitations(settings, body, committee, day, None, pdf)))
            # The story's clock again: run the daily reminders on the day a week before the meeting.
            sent.append(guarded(as_json, lambda: send_reminders(settings, [body], day - dt.timedelta(days=7))))
            progress.advance(task)
    # Seed 002's Druckfassung: chased two days before it is due, then delivered and re-sent.
    chased = delivered = None
    late = examples / "herzogenrath" / "nachreichung" / "250317_Integrationskonzept.pdf"
    if ("herzogenrath", "asi", dt.date(2025, 3, 25)) in builds and late.is_file():
        chased = guarded(as_json, lambda: chase_attachments(settings, ["herzogenrath"], dt.date(2025, 3, 19), pdf))
        delivered = guarded(as_json, lambda: deliver_attachment(settings, "herzogenrath", "V/2019/367-E04", late.resolve(),
                                                                None, pdf, as_of=dt.date(2025, 3, 20)))
    # Seed 000's path: EBI recommends (its referat), then Økonomiudvalget and Kommunalbestyrelsen.
    from meetprep.minutes.record import load

    path = []
    starts = {m["key"]: m["start"] for m in query("list_meetings", body="gentofte")}
    recorded_minutes = [(file, guarded(as_json, lambda: load(file)))
                        for file in (examples / "gentofte" / "minutes").glob("*.yaml")]
    previous_day = None
    for minutes_file, data in sorted(recorded_minutes, key=lambda pair: starts.get(pair[1].meeting, "")):
        key = data.meeting
        meeting = next(m for m in query("list_meetings", body=data.body) if m["key"] == key)
        day = dt.date.fromisoformat(meeting["start"][:10])
        if meeting["state"] == "planned" and previous_day is not None:
            # The meeting prepares itself: the daily run, day by day on the story's clock, from the
            # day after the last meeting (whose minutes moved the paper on) to this one.
            path.append({"timeline": key, "days": guarded(as_json, lambda: _demo_timeline(settings, previous_day, day))})
        elif meeting["state"] == "planned":
            path.append(guarded(as_json, lambda: build_agenda(
                settings, data.body, meeting["committee"], day, as_of=day - dt.timedelta(days=7), pdf=pdf)))
        recorded = guarded(as_json, lambda: record_minutes(settings, minutes_file, pdf))
        path.append({"minutes": key, **recorded})
        previous_day = day
    # Seed 000 also decided an annual dialogue meeting and the julestue from 2026: plan 2026.
    planned = guarded(as_json, lambda: plan_year(settings, 2026, ["gentofte"]))
    outbox = sorted(p.name for p in settings.outbox.glob("*") if p.suffix in (".eml", ".json"))
    if as_json:
        print_json({"ok": True, "home": str(settings.home), "output": str(settings.output_dir),
                     "import": [r.as_dict() for r in reports], "agendas": results, "messages": sent,
                     "chase": chased, "delivery": delivered, "gentofte_path": path, "planning": planned,
                     "outbox": str(settings.outbox),
                     "outbox_files": outbox})
        return
    console = get_console()
    console.print(f"[bold]meetprep demo[/] — store and output under {settings.home}", soft_wrap=True)
    console.print(f"Imported {sum(len(r.papers) for r in reports)} papers and {sum(len(r.meetings) for r in reports)} "
                  f"meetings of {len(reports)} bodies from {examples}.")
    for result in results:
        console.rule(f"{result['body']} · {result['meeting']}")
        print_build(result)
    console.rule("Invitations and reminders")
    invitations_sent = sum(len(r["sent"]) for r in sent[0::2])
    reminders_sent = sum(len(r["sent"]) for r in sent[1::2])
    console.print(f"{invitations_sent} invitations and {reminders_sent} reminders written to the outbox "
                  f"{settings.outbox} ({len(outbox)} files); calendar feeds in {settings.output_dir / 'feeds'}.",
                  soft_wrap=True, markup=False)
    if chased is not None and delivered is not None:
        console.rule("Herzogenrath: the Druckfassung that was to follow")
        console.print(f"19.03.2025: {len(chased['sent'])} chaser(s) for the missing Druckfassung (due "
                      f"{chased['outstanding'][0]['due'] if chased['outstanding'] else '-'}).", markup=False)
        console.print(f"20.03.2025: delivered, stored as {delivered['stored']}; agenda rebuilt as version "
                      f"{delivered['agenda_version']}; {len(delivered['notices']['sent'])} 'Nachversand' notice(s) sent.",
                      soft_wrap=True, markup=False)
    if path:
        console.rule("Gentofte: EMN-2025-05820 through EBI, Økonomiudvalget and Kommunalbestyrelsen")
        for step in path:
            if "timeline" in step:
                console.print(f"{step['timeline']} prepares itself (prepare-meetings, once a day):", markup=False)
                for line in step["days"]:
                    console.print(f"  {line}", markup=False, soft_wrap=True)
            elif "minutes" in step:
                files = [Path(f["path"]).name for f in step["files"] if f["path"].endswith(".docx")]
                console.print(f"{step['minutes']}: {', '.join(f'{r} {v}' for r, v in step['decisions'].items())}; "
                              f"wrote {', '.join(files)}; sent to {len(step['sent']['sent'])} members.", soft_wrap=True,
                              markup=False)
                handed = step.get("excerpts") or {}
                if handed.get("excerpts"):  # the excerpt for the unit, kept with the paper for its next body
                    console.print(f"  excerpt of {', '.join(e['reference'] for e in handed['excerpts'])} written, kept "
                                  f"with the paper, sent {len(handed['sent']['sent'])} time(s)", soft_wrap=True,
                                  markup=False)
            else:
                console.print(f"{step['meeting']}: agenda version {step['version']} with "
                              f"{', '.join(e['reference'] for e in step['entries'] if e['kind'] == 'paper')}.", markup=False)
        console.print(f"Published minutes: {settings.output_dir / 'public'}", soft_wrap=True, markup=False)
        console.print(f"Decisions followed up: meetprep decisions list; public: "
                      f"{settings.output_dir / 'public' / 'gentofte' / 'decisions.html'}", soft_wrap=True, markup=False)
    console.rule("Gentofte: planning 2026")
    for event in planned["events"]:
        console.print(f"{event['name']}: {event['date']}; " + "; ".join(f"{t['name']} {t['due']}" for t in event["tasks"])
                      + f"; orientation paper {event['orientation']} on EBI's list.", soft_wrap=True, markup=False)
    console.print(f"{len(planned['invitations']['sent'])} calendar invitations to partners in the outbox.", markup=False)
    print_budget(planned["budget"])
    console.print(f"\nEverything is under {settings.output_dir}; the store is {settings.database_url}.",
                  soft_wrap=True, markup=False)


def _demo_timeline(settings, first: dt.date, last: dt.date) -> list[str]:
    """Run the daily timeline from the day after `first` to `last` on the story's clock: what each day did."""
    from meetprep.config import load_configs
    from meetprep.messages.ledger import OutboxTransport
    from meetprep.store import Store
    from meetprep.jobs.timeline import run_day

    configs = load_configs(settings.config_dir)
    lines = []
    day = first + dt.timedelta(days=1)
    with Store(settings.database_url) as store:
        while day <= last:
            now = dt.datetime.combine(day, dt.time(5), dt.timezone.utc)
            outbox = OutboxTransport(settings.outbox, lambda: now)
            result = run_day(store, configs, settings, lambda config, day=day: day, now, lambda config: outbox,
                             ["gentofte"], pdf=False)
            for item in result["meetings"]:
                if item["step"] or item["sent"]:
                    sent = sorted({f"{m['kind']} to {m['recipient']}" for m in item["sent"]})
                    if sent:
                        what = f" ({', '.join(sent[:3])}{', ...' if len(sent) > 3 else ''})"
                    elif item.get("detail", {}).get("minutes") == "recorded":
                        what = " (nothing to send: the minutes are recorded)"
                    else:
                        what = " (nothing to send)"
                    lines.append(f"{day.isoformat()} {item['meeting']}: {item['step'] or 'keeping members current'}{what}")
            day += dt.timedelta(days=1)
    return lines


def _demo_builds() -> list[tuple[str, str, dt.date]]:
    """Every meeting that has a paper due, in time order: (body, committee, day)."""
    meetings = query("list_meetings")
    papers = query("list_papers", pending=True)
    builds = []
    for m in meetings:
        day = dt.date.fromisoformat(m["start"][:10])
        if any(p["body"] == m["body"] and p["next_committee"] == m["committee"]
               and (p["next_meeting"] == m["key"] or (p["next_meeting"] is None and (p["next_date"] or "") <= m["start"][:10]))
               for p in papers):
            builds.append((m["body"], m["committee"], day))
    return builds
