"""Command group `config`: the per-body configuration files."""

from __future__ import annotations


import typer

from meetprep.cli.common import JsonOption, app, current_settings, guarded, print_json, print_table, print_warnings


config_app = typer.Typer(help="The per-body configuration files.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("check")
def config_check(as_json: bool = JsonOption) -> None:
    """Validate every body file in the config folder and show what it defines."""

    def work():
        from meetprep.config import load_configs

        settings = current_settings()
        configs = load_configs(settings.config_dir)
        return settings, configs

    settings, configs = guarded(as_json, work)
    summary = [
        {
            "body": c.body.key,
            "name": c.body.name,
            "locale": c.body.locale.value,
            "timezone": c.body.timezone,
            "holidays": c.body.holidays.code,
            "organizations": [o.key for o in c.organizations],
            "persons": len(c.persons),
            "file": str(configs.bodies[c.body.key].path),
        }
        for c in configs
    ]
    if as_json:
        print_json({"ok": True, "config_dir": str(settings.config_dir), "bodies": summary,
                     "warnings": [w.as_dict() for w in configs.warnings]})
        return
    print_warnings(configs.warnings)
    print_table(
        f"Config in {settings.config_dir}: {len(summary)} bodies, all valid",
        ["body", "name", "locale", "time zone", "holidays", "organizations", "persons"],
        [[s["body"], s["name"], s["locale"], s["timezone"], s["holidays"], ", ".join(s["organizations"]), s["persons"]] for s in summary],
    )
