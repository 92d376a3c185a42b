"""Engine, sessions and migrations: the SQLite pragmas and write lock, PostgreSQL advisory locks, the Alembic head read from the scripts, and the open Store."""

from __future__ import annotations

import re
import threading
import hashlib
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from meetprep.errors import StoreUnavailable
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite would start transactions itself, lazily and always DEFERRED; meetprep starts them
    # (see _sqlite_begin) so that a writing session can take the write lock at once.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")  # first: switching to WAL may have to wait for the lock
    cursor.execute("PRAGMA journal_mode=WAL")  # readers and one writer at the same time
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A DEFERRED transaction that reads and then writes fails with "database is locked" when
    # another run wrote in between; IMMEDIATE takes the write lock first (others wait for it).
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def create_store_engine(url: str) -> Engine:
    """An engine for the store URL; for SQLite, creates the folder and turns on WAL and FKs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def lock_id(name: str) -> int:
    """A PostgreSQL advisory lock id (signed 64-bit) for a lock name such as "meeting:12"."""

    return int.from_bytes(hashlib.sha256(f"meetprep:{name}".encode()).digest()[:8], "big", signed=True)


_MIGRATION_LOCK = threading.Lock()


_ADVISORY_LOCK_ID = 0x6D656574  # "meet": one lock id for meetprep's migrations on PostgreSQL


_REVISION = re.compile(r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*['"]?([\w]+|None)['"]?""", re.M)


def head_revision() -> str:
    """The newest migration, read from the scripts' own `revision` and `down_revision` lines, so
    that opening a store already at the head costs one query and never imports Alembic (~0.15 s
    per command). A test checks it against Alembic's own reading."""
    revisions, parents = set(), set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        found = dict((name, value) for name, value in _REVISION.findall(script.read_text(encoding="utf-8")))
        revisions.add(found["revision"])
        parents.add(found.get("down_revision"))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"the migrations in {MIGRATIONS} have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` with Alembic (creates it in an empty database).

    Alembic's context is process-global, so migrations are serialized in the process; on
    PostgreSQL an advisory lock serializes them across processes (SQLite's write lock does
    that there). A store already at the head revision is left alone.
    """
    if revision == "head" and stored_revision(engine) == head_revision():
        return
    from alembic import command  # deferred: see docs/architecture.md
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if revision == "head" and current_revision(engine) == ScriptDirectory.from_config(config).get_current_head():
        return
    with _MIGRATION_LOCK, engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK_ID})")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def stored_revision(engine: Engine) -> str | None:
    """The revision recorded in the store, read without Alembic; None for an empty database."""

    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    return versions[0] if len(versions) == 1 else None


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL has no password we could find either
        return url.split("@")[-1]


class Store:
    """The open store: an engine with an up-to-date schema, and a way to get sessions."""

    def __init__(self, url: str, *, migrate: bool = True):
        self.url = url
        try:
            self.engine = create_store_engine(url)
            if migrate:
                upgrade(self.engine)
        except (OSError, ArgumentError, NoSuchModuleError, OperationalError) as exc:
            reason = getattr(exc, "orig", None) or exc
            raise StoreUnavailable(f"the store at {safe_url(url)} cannot be used: {reason}") from exc
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose writes commit together at the end, or not at all."""
        with self._sessions() as session:
            with session.begin():
                yield session

    @contextmanager
    def writing(self, *locks: str) -> Iterator[Session]:
        """A session for work that reads, decides and writes, and must not interleave with another
        run doing the same (two imports, two minutes of one meeting, a schedule and a clerk).

        On SQLite it holds the database's write lock from its first statement (BEGIN IMMEDIATE):
        a second run waits for the first to commit, then reads what the first wrote. On PostgreSQL
        it takes a transaction-level advisory lock per name in `locks` (in a fixed order, so two
        runs never wait for each other crosswise); runs with other lock names go on in parallel.
        """
        with self._sessions() as session:
            with session.begin():
                if self.engine.dialect.name == "sqlite":
                    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
                else:
                    for name in sorted(set(locks)) or ["meetprep"]:
                        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id(name)})
                yield session

    def close(self) -> None:
        self.engine.dispose()

    _shared: dict[str, "Store"] = {}
    _shared_lock = threading.Lock()

    @classmethod
    def shared(cls, url: str) -> "Store":
        """One open store per URL for this process (flows' tasks reuse its engine and pool)."""
        with cls._shared_lock:
            store = cls._shared.get(url)
            if store is None:
                store = cls._shared[url] = cls(url)
            return store

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
