"""The store on SQLite and PostgreSQL: migrations, time zones, constraints."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from meetprep.store import (
    MIGRATIONS,
    Base,
    BodyRow,
    MeetingRow,
    OrganizationRow,
    PaperRow,
    Store,
    current_revision,
    head_revision as head_from_scripts,
    stored_revision,
)
from meetprep.errors import StoreUnavailable


def head_revision() -> str:
    """Alembic's own reading of the scripts."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def test_migrations_match_the_models(store):
    """A model change without a migration fails here, on both databases."""
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    assert current_revision(store.engine) == head_revision() == "0017" == head_from_scripts()
    assert stored_revision(store.engine) == head_from_scripts()


def test_opening_twice_is_harmless(tmp_path):
    url = f"sqlite:///{tmp_path / 'nested' / 'store.sqlite3'}"
    Store(url).close()
    with Store(url) as store:
        assert current_revision(store.engine) == head_revision() == "0017"
    assert (tmp_path / "nested" / "store.sqlite3").exists()


def _meeting(session, start: dt.datetime) -> MeetingRow:
    body = BodyRow(key="b", name="B", locale="da", timezone="Europe/Copenhagen")
    org = OrganizationRow(body=body, key="o", name="O", classification="udvalg")
    meeting = MeetingRow(body=body, organization=org, key="m", start=start, updated_at=start)
    session.add(meeting)
    return meeting


def test_datetimes_come_back_aware_and_equal(store):
    start = dt.datetime(2026, 3, 30, 16, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    with store.session() as session:
        _meeting(session, start)
    with store.session() as session:
        stored = session.execute(select(MeetingRow)).scalar_one().start
    assert stored == start and stored.tzinfo is dt.timezone.utc and stored.hour == 14


def test_naive_datetimes_are_refused(store):
    with pytest.raises(StatementError, match="naive datetime"):
        with store.session() as session:
            _meeting(session, dt.datetime(2026, 3, 30, 16, 30))


def test_access_must_be_public_or_closed(store):
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    with pytest.raises(IntegrityError):
        with store.session() as session:
            body = BodyRow(key="b", name="B", locale="de", timezone="Europe/Berlin")
            session.add(PaperRow(body=body, reference="X-1", title="T", paper_type="Antrag", access="semi",
                                 checksum="0", created_at=now, updated_at=now))


def test_bad_url_is_reported_without_password():
    with pytest.raises(StoreUnavailable) as caught:
        Store("nosuchdb://clerk:s3cret@localhost/x")
    assert "s3cret" not in str(caught.value)


def test_published_objects_get_their_list_positions_when_the_store_is_upgraded(store):
    """0011 numbers the ledger's rows per body and kind in ledger order, as new rows are numbered."""
    from sqlalchemy import text

    from meetprep.store import upgrade

    with store.engine.begin() as connection:
        connection.execute(text("DROP TABLE published_objects"))
        for later in ("signoff_answers", "signoff_exceptions", "signoff_requests", "intake_events", "feedback"):
            connection.execute(text(f"DROP TABLE {later}"))  # 0012, 0013, 0015: made again by the upgrade
        for column in ("held_back_for", "also_known_as"):  # 0014
            connection.execute(text(f"ALTER TABLE meetings DROP COLUMN {column}"))
        connection.execute(text("ALTER TABLE papers DROP COLUMN expected_minutes"))  # 0016
        connection.execute(text("DROP TABLE decision_tasks"))  # 0017
        for table, column in (("minutes", "approved_version"), ("minutes", "approved_at"), ("files", "origin"),
                              ("files", "decision_id")):
            connection.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0009'"))
    upgrade(store.engine, "0010")
    rows = [("a", "Paper"), ("a", "Meeting"), ("b", "Paper"), ("a", "Paper"), ("a", "Meeting"), ("a", "Paper")]
    with store.engine.begin() as connection:
        for number, (body, kind) in enumerate(rows, start=1):
            connection.execute(text(
                "INSERT INTO published_objects (id, body_key, path, kind, scope, checksum, data, created, modified, deleted) "
                "VALUES (:id, :body, :path, :kind, 'body', 'x', '{}', '2026-01-01 00:00:00', '2026-01-01 00:00:00', false)"),
                {"id": number, "body": body, "path": f"{body}/{kind}/{number}", "kind": kind})
    upgrade(store.engine)
    with store.engine.connect() as connection:
        positions = connection.execute(text("SELECT id, position FROM published_objects ORDER BY id")).all()
    assert [tuple(p) for p in positions] == [(1, 1), (2, 1), (3, 1), (4, 2), (5, 2), (6, 3)]
    with pytest.raises(IntegrityError), store.engine.begin() as connection:  # one place per position
        connection.execute(text("UPDATE published_objects SET position = 1 WHERE id = 4"))
