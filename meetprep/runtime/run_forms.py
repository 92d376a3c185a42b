"""The Run form of each deployment, shaped for a clerk when the deployments are applied.

`prefect deploy` writes each deployment's parameter schema from the flow's signature: free text
for the body and the committee (a clerk must spell "herzogenrath" and "asi" right), "Settings |
None" for the internal `settings` parameter (shown as 'Property is type "None"'), and a choice
between "date" and "None" for every optional date. After the deployments are applied, `shaped`
rewrites each schema: the configured bodies, committees and coming meetings as choices, no
`settings`, optional dates as plain dates (left empty: the flow's default). The schema is what
Prefect's UI draws; the flows accept the same values as before.

    python -m meetprep.runtime.run_forms     # after `prefect deploy --all`, with PREFECT_API_URL set
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
from typing import Any

HIDDEN = {"settings"}  # internal: the worker's environment gives them


def choices(configs: Any, meetings: list[str]) -> dict[str, list[str]]:
    """What a clerk may pick: body keys, committee keys of every body, the keys of the meetings
    not yet held (soonest first)."""
    bodies = [c.body.key for c in configs]
    committees = sorted({o.key for c in configs for o in c.organizations})
    return {"body": bodies, "bodies": bodies, "committee": committees, "meeting": meetings}


def _plain(prop: dict[str, Any]) -> dict[str, Any]:
    """`X | None` with a default of None, as Prefect writes it (anyOf [X, null]), becomes X alone:
    the form shows a date picker or a text field, and an empty field leaves the default."""
    options = prop.get("anyOf")
    if not options:
        return prop
    kept = [o for o in options if o.get("type") != "null"]
    if len(kept) != 1:
        return prop
    plain = {k: v for k, v in prop.items() if k != "anyOf" and not (k == "default" and v is None)}
    plain.update(kept[0])
    return plain


def shaped(schema: dict[str, Any], picks: dict[str, list[str]]) -> dict[str, Any]:
    """The deployment's parameter schema as a clerk's form: hidden internals, plain optional
    values, and choices where meetprep knows the valid answers."""
    result = copy.deepcopy(schema)
    properties = result.get("properties", {})
    for name in HIDDEN & set(properties):
        del properties[name]
    result["required"] = [r for r in result.get("required", []) if r not in HIDDEN]
    for name, prop in list(properties.items()):
        prop = properties[name] = _plain(prop)
        values = picks.get(name)
        if not values:
            continue
        if prop.get("type") == "array":
            prop["items"] = {**prop.get("items", {}), "type": "string", "enum": values}
        elif prop.get("type") == "string":
            prop["enum"] = values
    for name in list(result.get("definitions", {})):
        if name == "Settings":
            del result["definitions"][name]
    return result


def coming_meetings(settings: Any, today: dt.date) -> list[str]:
    """The keys of the meetings from `today` on that are neither held nor cancelled, soonest first."""
    from sqlalchemy import select

    from meetprep.store import MeetingRow, Store

    with Store(settings.database_url) as store, store.session() as session:
        return list(session.execute(select(MeetingRow.key)
                                    .where(MeetingRow.start >= dt.datetime.combine(today, dt.time(), dt.timezone.utc))
                                    .where(MeetingRow.state.notin_(["cancelled", "held", "minuted"]))
                                    .order_by(MeetingRow.start).limit(200)).scalars())


async def apply(settings: Any, configs: Any, today: dt.date) -> list[str]:
    """Rewrite the parameter schema of every deployment on the server; the names it changed."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import DeploymentUpdate

    picks = choices(configs, coming_meetings(settings, today))
    changed = []
    async with get_client() as client:
        for deployment in await client.read_deployments():
            schema = deployment.parameter_openapi_schema or {}
            form = shaped(schema, picks)
            if form != schema:
                await client.update_deployment(deployment.id, DeploymentUpdate(parameter_openapi_schema=form))
                changed.append(deployment.name)
    return changed


def main() -> int:
    from meetprep.config import Settings, load_configs

    settings = Settings.from_env()
    changed = asyncio.run(apply(settings, load_configs(settings.config_dir), dt.date.today()))
    print(f"Run forms with choices: {', '.join(changed) or 'none changed'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
