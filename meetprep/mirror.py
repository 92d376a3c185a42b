"""Mirroring the configuration into the store: bodies, organizations, persons and memberships.

The config files are the source of truth for who sits where; the store keeps rows for them so
that meetings, papers and messages can refer to them. An import and the year's planning mirror
the config before they write.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from meetprep.store import BodyRow, MembershipRow, OrganizationRow, PersonRow


def sync_config(session: Session, configs: Any) -> None:
    """Mirror bodies, organizations, persons and memberships from the config into the store.

    Rows are matched by key and updated in place, so ids that meetings and papers refer to stay
    stable. Memberships are replaced as a whole: the config is their only source. Nothing is
    deleted that other rows may still refer to (a committee dropped from the config keeps its
    row and its meetings).
    """
    for config in configs:
        b = config.body
        body = session.execute(select(BodyRow).where(BodyRow.key == b.key)).scalar_one_or_none()
        if body is None:
            body = BodyRow(key=b.key)
            session.add(body)
        body.name, body.locale, body.timezone = b.name, b.locale.value, b.timezone
        session.flush()

        persons: dict[str, PersonRow] = {
            p.key: p for p in session.execute(select(PersonRow).where(PersonRow.body_id == body.id)).scalars()
        }
        for p in config.persons:
            row = persons.get(p.key)
            if row is None:
                row = persons[p.key] = PersonRow(body_id=body.id, key=p.key)
                session.add(row)
            row.name, row.email, row.notify = p.name, p.email, list(p.notify)
            row.language = (p.language or b.locale).value

        orgs: dict[str, OrganizationRow] = {
            o.key: o for o in session.execute(select(OrganizationRow).where(OrganizationRow.body_id == body.id)).scalars()
        }
        for o in config.organizations:
            row = orgs.get(o.key)
            if row is None:
                row = orgs[o.key] = OrganizationRow(body_id=body.id, key=o.key)
                session.add(row)
            row.name, row.short_name, row.classification = o.name, o.short_name, o.classification
        session.flush()

        for o in config.organizations:
            org = orgs[o.key]
            wanted = [
                (persons[m.person].id, m.role.value, bool(m.voting_right), m.start, m.end,
                 persons[m.substitute_for].id if m.substitute_for else None, m.on_behalf_of)
                for m in o.memberships
            ]
            current = session.execute(
                select(MembershipRow).where(MembershipRow.organization_id == org.id).order_by(MembershipRow.id)
            ).scalars().all()
            if [(m.person_id, m.role, m.voting_right, m.start, m.end, m.substitute_for_id, m.on_behalf_of)
                    for m in current] == wanted:
                continue  # unchanged: keep the rows (and their ids) as they are
            session.execute(delete(MembershipRow).where(MembershipRow.organization_id == org.id))
            for person_id, role, voting_right, start, end, substitute_for, on_behalf_of in wanted:
                session.add(
                    MembershipRow(
                        organization_id=org.id,
                        person_id=person_id,
                        role=role,
                        voting_right=voting_right,
                        start=start,
                        end=end,
                        substitute_for_id=substitute_for,
                        on_behalf_of=on_behalf_of,
                    )
                )
    session.flush()
