"""`meetprep publish`: the public portal and OParl under output/public."""

from __future__ import annotations

from typing import Any, List, Optional

import typer

from meetprep.cli.common import JsonOption, app, clock, get_console, guarded, in_store, print_json, print_table


@app.command()
def publish(
    body: Optional[str] = typer.Option(None, "--body", help="Only this body (default: every body)."),
    meeting: Optional[List[str]] = typer.Option(None, "--meeting", help="Only this meeting and its papers (needs --body); "
                                                                          "may be given more than once."),
    as_json: bool = JsonOption,
) -> None:
    """Write the public portal (HTML pages, search, feeds, files) and OParl 1.1 of each body under
    output/public. Only public items, papers and files are published; what became closed or was
    withdrawn since the last run is removed (and marked deleted in OParl).

    Builds, minutes and planning runs publish by themselves; run this after changing the portal's
    templates (templates/portal) or MEETPREP_PUBLIC_URL, or to catch up after a failure.
    """
    if meeting and not body:
        raise typer.BadParameter("--meeting needs --body", param_hint="--meeting")

    def work(store, configs, settings) -> dict[str, Any]:
        from meetprep.jobs.publishing import publish_all
        from meetprep.publish import public_root

        if body and configs.get(body) is None:
            from meetprep.errors import InputError, Problem

            raise InputError([Problem(file=str(settings.config_dir), item=body, field="--body",
                                      message=f"no body {body!r} in the config (known: {', '.join(configs.keys())})")])
        results = publish_all(store, configs, settings, clock(), body=body, meetings=set(meeting) if meeting else None)
        return {"root": str(public_root(settings.output_dir)), "base_url": settings.public_url,
                "bodies": [r.as_dict() for r in results]}

    with get_console(stderr=True).status("Publishing…"):
        result = guarded(as_json, lambda: in_store(work))
    if as_json:
        print_json({"ok": True, **result})
        return
    print_table(f"Published under {result['root']} (addresses below {result['base_url']})",
                ["body", "portal", "pages written", "OParl objects changed", "removed"],
                [[b["body"], f"{b['folder']}/index.html", str(b["pages"]), str(b["objects_changed"]),
                  ", ".join(b["removed"]) or "-"] for b in result["bodies"]])
    get_console().print(f"OParl: {result['root']}/oparl/v1/system.json", soft_wrap=True)
