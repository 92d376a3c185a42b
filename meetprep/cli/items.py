"""Command group `items`: papers and meetings imported from YAML, and listed."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from meetprep.cli.common import JsonOption, app, clock, current_settings, guarded, print_json, print_table, print_warnings, query


items_app = typer.Typer(help="Pending items: papers (sager, Vorlagen, Anträge) and their meetings.", no_args_is_help=True)
app.add_typer(items_app, name="items")


def _import(paths: list[Path], root: Optional[Path] = None):
    from meetprep.config import load_configs
    from meetprep.jobs.importing import import_papers
    from meetprep.store import Store

    settings = current_settings()
    configs = load_configs(settings.config_dir)
    with Store(settings.database_url) as store:
        report = import_papers(store, configs, settings, paths, clock(), root.resolve() if root else None)
        return settings, report


@items_app.command("import")
def items_import(
    paths: list[Path] = typer.Argument(..., help="Paper files (.yaml, .docx), meeting files (with 'meetings:'), or folders of them."),
    root: Optional[Path] = typer.Option(
        None, "--root", help="The folder attachments must lie inside (default: each folder named, or the folder of "
                             "each file named). Paths leading outside it, also through links, are refused."),
    as_json: bool = JsonOption,
) -> None:
    """Import papers (YAML, or Word documents from `items kit` / `items export`) and meetings. All or nothing: any problem imports nothing."""
    settings, report = guarded(as_json, lambda: _import(paths, root))
    if as_json:
        print_json({"ok": True, "store": settings.database_url, **report.as_dict()})
        return
    print_warnings(report.warnings)
    if report.meetings:
        print_table("Meetings", ["body", "meeting", "action", "file"], [[m["body"], m["key"], m["action"], m["file"]] for m in report.meetings])
    if report.papers:
        print_table(
            "Papers",
            ["body", "reference", "action", "revision", "file"],
            [[p["body"], p["reference"], p["action"], p["revision"], p["file"]] for p in report.papers],
        )
    typer.echo(
        f"Imported into {settings.database_url}: "
        f"{report.count('papers', 'created')} papers created, {report.count('papers', 'updated')} updated, "
        f"{report.count('papers', 'unchanged')} unchanged; "
        f"{report.count('meetings', 'created')} meetings created, {report.count('meetings', 'updated')} updated."
        + (f" Skipped {len(report.skipped)} minutes file(s): record them with 'meetprep minutes record'." if report.skipped else "")
    )


@items_app.command("list")
def items_list(
    body: Optional[str] = typer.Option(None, "--body", help="Only this body (its key, e.g. gentofte)."),
    committee: Optional[str] = typer.Option(None, "--committee", help="Only papers whose next step is this committee."),
    pending: bool = typer.Option(False, "--pending", help="Only papers with an open consultation step."),
    state: Optional[str] = typer.Option(None, "--state", help="Only papers in this state: draft, signoff, ready, "
                                                              "placed, decided."),
    as_json: bool = JsonOption,
) -> None:
    """List papers with their state (draft, in sign-off, ready, placed, decided) and next step in the Beratungsfolge."""

    def work():
        from meetprep.config import load_configs

        configs = load_configs(current_settings().config_dir)
        return query("list_papers", body=body, committee=committee, pending=pending, configs=configs, state=state)

    if state is not None and state not in STATES:
        typer.echo(f"--state must be one of {', '.join(STATES)} (got {state!r})", err=True)
        raise typer.Exit(2)
    rows = guarded(as_json, work)
    if as_json:
        print_json(rows)
        return
    print_table(
        f"{len(rows)} paper(s)",
        ["reference", "title", "state", "next step", "date", "notes"],
        [
            [
                r["reference"],
                _short(r["title"], 40),
                _state(r),
                f"{r['next_committee']} ({r['next_role']}, {r['status']})" if r["next_committee"] else "done",
                r["next_date"],
                _paper_notes(r),
            ]
            for r in rows
        ],
    )


STATES = ("draft", "signoff", "ready", "placed", "decided")


def _state(row: dict[str, Any]) -> str:
    """'signoff: Kämmerei (kaemmerei-leitung, due 2025-03-04)' for a paper waiting; else the state."""
    waiting = [s for s in row["signoff"] if s["state"] == "requested"]
    if row["state"] == "signoff" and waiting:
        return "signoff: " + "; ".join(f"{s['step']} ({s['holder'] or 'group'}, due {s['due'] or '-'})" for s in waiting)
    declined = next((s for s in row["signoff"] if s["state"] == "declined"), None)
    if row["state"] == "draft" and declined:
        return f"draft: {declined['step']} declined"
    return row["state"]


def _paper_notes(row: dict[str, Any]) -> str:
    notes = [row["type"]]
    if row["access"] != "public":
        notes.append("CLOSED")
    if row["attachments"]:
        notes.append(f"{row['attachments']} attachment(s)")
    if row["attachments_to_follow"]:
        notes.append(f"{row['attachments_to_follow']} to follow")
    return ", ".join(notes)


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@items_app.command("kit")
def items_kit(
    body: str = typer.Option(..., "--body", help="The body's key, e.g. herzogenrath."),
    paper_type: str = typer.Option(..., "--type", help="The paper's type as the body names it: Beschlussvorlage, indstilling."),
    reference: str = typer.Option(..., "--reference", help="The reference the paper will have (Drucksachen-Nr., sagsnummer)."),
    course: Optional[str] = typer.Option(None, "--course", help="The Beratungsfolge / sagsgang: committee:role, in "
                                                                "order, e.g. 'asi:Vorberatung,rat:Entscheidung'."),
    unit: Optional[str] = typer.Option(None, "--unit", help="The originating unit (Federführung, forvaltning)."),
    officer: Optional[str] = typer.Option(None, "--officer", help="The case officer (Sachbearbeitung, sagsbehandler)."),
    public: bool = typer.Option(False, "--public/--closed", help="Whether the paper is public (default: closed)."),
    out: Path = typer.Option(..., "--out", help="The Word document to write (.docx)."),
    as_json: bool = JsonOption,
) -> None:
    """Write an empty paper of a type for its author to fill in Word or LibreOffice (docs/papers-in-word.md)."""

    def work():
        from meetprep.authoring.documents import kit, parse_course
        from meetprep.config import load_configs

        from meetprep.store import Store

        settings = current_settings()
        with Store(settings.database_url) as store:  # for the papers deadline the head shows
            data = kit(load_configs(settings.config_dir), settings.templates_dir, body, paper_type, reference,
                       parse_course(course), unit, officer, "public" if public else "closed", clock().year,
                       store, clock().date())
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        return out

    written = guarded(as_json, work)
    if as_json:
        print_json({"ok": True, "written": str(written)})
        return
    typer.echo(f"Wrote the kit for {reference} to {written}: fill it in, then `meetprep items import {written}`.")


@items_app.command("export")
def items_export(
    body: str = typer.Option(..., "--body", help="The body's key."),
    reference: str = typer.Option(..., "--reference", help="The paper's reference."),
    out: Path = typer.Option(..., "--out", help="The Word document to write (.docx)."),
    as_json: bool = JsonOption,
) -> None:
    """Write a stored paper as its author's Word document, with its current text and revision."""

    def work():
        from meetprep.authoring.documents import export
        from meetprep.config import load_configs
        from meetprep.store import Store

        settings = current_settings()
        with Store(settings.database_url) as store:
            data, revision = export(store, load_configs(settings.config_dir), settings.templates_dir, body, reference,
                                    clock().date())
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        return revision

    revision = guarded(as_json, work)
    if as_json:
        print_json({"ok": True, "written": str(out), "revision": revision})
        return
    typer.echo(f"Wrote {reference} (revision {revision}) to {out}: edit it, then `meetprep items import {out}`.")


@items_app.command("take")
def items_take(as_json: bool = JsonOption) -> None:
    """Take in the papers waiting in the papers inbox (MEETPREP_HOME/inbox/papers/), as the
    take-papers flow does every five minutes: each imported on its own, refused ones filed in
    inbox/.rejected/ with their reason. Exit code 1 when a document was refused."""

    def work():
        from meetprep.config import load_configs
        from meetprep.jobs.importing import take_papers
        from meetprep.store import Store

        settings = current_settings()
        with Store(settings.database_url) as store:
            return settings, take_papers(store, load_configs(settings.config_dir), settings, clock)

    settings, result = guarded(as_json, work)
    if as_json:
        print_json({"ok": not result["rejected"], **result})
    else:
        inbox = settings.home / "inbox" / "papers"
        if result["imported"]:
            print_table("Papers taken in", ["reference", "action", "revision", "file"],
                        [[p["reference"], p["action"], p["revision"], p["file"]] for p in result["imported"]])
        for refused in result["rejected"]:
            typer.echo(f"Refused {refused['file']} (kept in {refused['kept']}):", err=True)
            for problem in refused["problems"]:
                typer.echo(f"  - {problem}", err=True)
        if not result["imported"] and not result["rejected"]:
            typer.echo(f"Nothing waiting in {inbox}.")
        signoff = result["signoff"]
        for answer in signoff["answers"]:
            typer.echo(f"Sign-off answer: {answer['reference']}, {answer['step']}: {answer['kind']} by "
                       f"{answer['person']} ({answer['result']})")
        for aside in signoff["aside"]:
            typer.echo(f"Sign-off reply kept aside ({aside['kept']}): {aside['reason']}", err=True)
        if signoff["sent"] or signoff["failed"]:
            from meetprep.cli.common import print_dispatch

            print_dispatch("Sign-off", signoff, settings)
    if result["rejected"]:
        raise typer.Exit(1)
