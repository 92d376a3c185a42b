"""Command group `templates`: the Word templates a clerk edits."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from meetprep.cli.common import JsonOption, app, current_settings, get_console, guarded, print_json

templates_app = typer.Typer(help="The Word templates of the documents.", no_args_is_help=True)
app.add_typer(templates_app, name="templates")


@templates_app.command("check")
def templates_check(
    files: Optional[List[Path]] = typer.Argument(None, help="Template files (.docx), named after their kind "
                                                          "(vorlage.docx); default: every template in the templates folder."),
    as_json: bool = JsonOption,
) -> None:
    """Name every field a template uses that its documents do not receive, with the nearest valid names.

    The fields are listed in docs/templates.md. Exit code 1 when a template uses a field that does
    not exist (or cannot be read as a Word template)."""

    def work():
        from meetprep.agenda.shapes import CONTEXTS
        from meetprep.agenda.template_check import check_template
        from meetprep.errors import InputError, Problem

        paths = list(files or sorted(current_settings().templates_dir.glob("*/*.docx")))
        problems, checked = [], []
        for path in paths:
            if not path.is_file():
                problems.append(Problem(file=str(path), message="no such file"))
                continue
            if path.stem not in CONTEXTS:
                problems.append(Problem(file=str(path), message=f"not a template kind meetprep renders (the file name "
                                                                f"says which: {', '.join(sorted(CONTEXTS))})"))
                continue
            found = check_template(path)
            checked.append({"file": str(path), "kind": path.stem, "ok": not found})
            problems += [Problem(file=str(path), field=p.field, message="not a field"
                                 + (f"; did you mean {' or '.join(p.nearest)}?" if p.nearest else ""))
                         for p in found]
        if problems:
            raise InputError(problems)
        return checked

    checked = guarded(as_json, work)
    if as_json:
        print_json({"ok": True, "templates": checked})
        return
    console = get_console()
    for entry in checked:
        console.print(f"[green]ok[/] {entry['file']} ({entry['kind']})")
    console.print(f"{len(checked)} template(s): every field they use exists (docs/templates.md lists them)")
