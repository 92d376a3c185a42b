"""The store: SQLAlchemy 2 tables, sessions and Alembic migrations.

The embedded default is one SQLite file under MEETPREP_HOME; PostgreSQL is one database URL
away (`MEETPREP_DATABASE_URL=postgresql+psycopg://...`). The schema is created and upgraded
only by Alembic (`meetprep/migrations`), never by `create_all`, so that SQLite and PostgreSQL
stores evolve the same way.

Bodies, organizations, persons and memberships are mirrored from the config files (the config
is their source of truth); meetings, papers, consultations and files are data that meetprep
imports and works on.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker
from sqlalchemy.types import TypeDecorator

from meetprep.errors import StoreUnavailable

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# Explicit constraint names, so that migrations can refer to them on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Stores an aware datetime as naive UTC and gives it back aware (UTC) on every database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"refusing to store a naive datetime ({value.isoformat()}): give it a time zone")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class BodyRow(Base):
    __tablename__ = "bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))


class OrganizationRow(Base):
    __tablename__ = "organizations"
    __table_args__ = (UniqueConstraint("body_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    short_name: Mapped[str | None] = mapped_column(String(64))
    classification: Mapped[str] = mapped_column(String(64))

    body: Mapped[BodyRow] = relationship()


class PersonRow(Base):
    __tablename__ = "persons"
    __table_args__ = (UniqueConstraint("body_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    language: Mapped[str | None] = mapped_column(String(8))
    notify: Mapped[list[str]] = mapped_column(JSON, default=list)


class MembershipRow(Base):
    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    voting_right: Mapped[bool] = mapped_column(Boolean)
    start: Mapped[dt.date | None] = mapped_column(Date)
    end: Mapped[dt.date | None] = mapped_column(Date)
    # A personal substitute (Stellvertretung): the person this substitute stands in for.
    substitute_for_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    on_behalf_of: Mapped[str | None] = mapped_column(String(300))  # party or group

    person: Mapped[PersonRow] = relationship(foreign_keys=[person_id])


class MeetingRow(Base):
    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("body_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(300))
    start: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    end: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    room: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(32), default="planned")
    extraordinary: Mapped[bool] = mapped_column(Boolean, default=False)
    # iTIP SEQUENCE: raised when the time or place changes or the meeting is cancelled, so that
    # calendars replace the entry they have and a new invitation message is due.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    source_file: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    body: Mapped[BodyRow] = relationship()
    organization: Mapped[OrganizationRow] = relationship()


class PaperRow(Base):
    __tablename__ = "papers"
    __table_args__ = (
        UniqueConstraint("body_id", "reference"),
        CheckConstraint("access IN ('public', 'closed')", name="access"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    reference: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    paper_type: Mapped[str] = mapped_column(String(100))
    # "public" or "closed": a paper imported without an access flag is stored as closed.
    access: Mapped[str] = mapped_column(String(16))
    date: Mapped[dt.date | None] = mapped_column(Date)
    originator_unit: Mapped[str | None] = mapped_column(String(300))
    case_officer: Mapped[str | None] = mapped_column(String(200))
    file_number: Mapped[str | None] = mapped_column(String(100))
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    proposal: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    financial: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    climate: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    signatories: Mapped[list[str]] = mapped_column(JSON, default=list)
    related: Mapped[list[str]] = mapped_column(JSON, default=list)
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("papers.id"))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    checksum: Mapped[str] = mapped_column(String(64))
    source_file: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    body: Mapped[BodyRow] = relationship()
    amends: Mapped["PaperRow | None"] = relationship(remote_side="PaperRow.id")
    consultations: Mapped[list["ConsultationRow"]] = relationship(
        back_populates="paper", order_by="ConsultationRow.position", cascade="all, delete-orphan"
    )
    files: Mapped[list["FileRow"]] = relationship(
        back_populates="paper", order_by="FileRow.position", cascade="all, delete-orphan"
    )
    revisions: Mapped[list["PaperRevisionRow"]] = relationship(
        back_populates="paper", order_by="PaperRevisionRow.revision", cascade="all, delete-orphan"
    )


class PaperRevisionRow(Base):
    """Every imported version of a paper, as it was imported: the paper's history."""

    __tablename__ = "paper_revisions"
    __table_args__ = (UniqueConstraint("paper_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    source_file: Mapped[str | None] = mapped_column(String(500))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    paper: Mapped[PaperRow] = relationship(back_populates="revisions")


class ConsultationRow(Base):
    """One step of a paper's Beratungsfolge."""

    __tablename__ = "consultations"
    __table_args__ = (UniqueConstraint("paper_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    authoritative: Mapped[bool] = mapped_column(Boolean, default=False)
    target_date: Mapped[dt.date | None] = mapped_column(Date)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    status: Mapped[str] = mapped_column(String(32), default="pending", index=True)
    result: Mapped[str | None] = mapped_column(String(32))
    result_text: Mapped[str | None] = mapped_column(Text)
    votes_yes: Mapped[int | None] = mapped_column(Integer)
    votes_no: Mapped[int | None] = mapped_column(Integer)
    votes_abstain: Mapped[int | None] = mapped_column(Integer)
    votes_biased: Mapped[int | None] = mapped_column(Integer)
    agenda_number: Mapped[str | None] = mapped_column(String(32))

    paper: Mapped[PaperRow] = relationship(back_populates="consultations")
    organization: Mapped[OrganizationRow] = relationship()
    meeting: Mapped[MeetingRow | None] = relationship()
    # Every session of this step's body that dealt with the paper (a postponement is one too).
    decisions: Mapped[list["DecisionRow"]] = relationship(viewonly=True, order_by="DecisionRow.decided_on")


class FileRow(Base):
    """An attachment (Bilag, Anlage): present with a checksum, or still to follow."""

    __tablename__ = "files"
    __table_args__ = (
        UniqueConstraint("paper_id", "position"),
        CheckConstraint("access IN ('public', 'closed')", name="access"),
        CheckConstraint("status IN ('present', 'to_follow')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(String(64))
    path: Mapped[str | None] = mapped_column(String(1000))
    media_type: Mapped[str | None] = mapped_column(String(100))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    responsible: Mapped[str | None] = mapped_column(String(200))
    access: Mapped[str] = mapped_column(String(16))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # when a file to follow arrived

    paper: Mapped[PaperRow] = relationship(back_populates="files")


class AgendaRow(Base):
    """The one agenda of a meeting; rebuilding adds versions, never a second agenda."""

    __tablename__ = "agendas"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), unique=True)
    current_version: Mapped[int] = mapped_column(Integer, default=0)
    approved_version: Mapped[int | None] = mapped_column(Integer)  # where the body wants approval
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    meeting: Mapped[MeetingRow] = relationship()
    versions: Mapped[list["AgendaVersionRow"]] = relationship(
        back_populates="agenda", order_by="AgendaVersionRow.version", cascade="all, delete-orphan"
    )


class AgendaVersionRow(Base):
    """One built version of an agenda: its entries, the problems found, and a checksum."""

    __tablename__ = "agenda_versions"
    __table_args__ = (UniqueConstraint("agenda_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_id: Mapped[int] = mapped_column(ForeignKey("agendas.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(64))  # of everything the documents are made from
    entries: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    as_of: Mapped[dt.date] = mapped_column(Date)
    output_dir: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # What each paper was in this version (revision, attachments), for the change notice that
    # lists what changed between two versions; and the meeting's SEQUENCE it was built for, so
    # that no message carries an agenda older than the meeting's time and place.
    papers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    meeting_sequence: Mapped[int | None] = mapped_column(Integer)

    agenda: Mapped[AgendaRow] = relationship(back_populates="versions")
    documents: Mapped[list["DocumentRow"]] = relationship(
        back_populates="version", order_by="DocumentRow.id", cascade="all, delete-orphan"
    )


class DocumentRow(Base):
    """A file written for an agenda version: a .docx or .pdf, its variant and checksum."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("agenda_version_id", "path"),
        CheckConstraint("variant IN ('members', 'public')", name="variant"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_version_id: Mapped[int] = mapped_column(ForeignKey("agenda_versions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # dagsorden, referat, indstilling, tagesordnung, vorlage
    variant: Mapped[str] = mapped_column(String(16))
    paper_id: Mapped[int | None] = mapped_column(ForeignKey("papers.id"))
    path: Mapped[str] = mapped_column(String(1000))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)

    version: Mapped[AgendaVersionRow] = relationship(back_populates="documents")


class MinutesRow(Base):
    """What a meeting recorded: when it began and ended, who was there."""

    __tablename__ = "minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), unique=True)
    started: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attendance: Mapped[dict[str, Any]] = mapped_column(JSON)  # absent, substitutes (person for person)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # as recorded, also standing items
    source: Mapped[str | None] = mapped_column(String(500))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    meeting: Mapped[MeetingRow] = relationship()


class DecisionRow(Base):
    """One body's decision on a paper at a meeting: the paper's history (postponements too)."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("consultation_id", "meeting_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    result: Mapped[str] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)
    votes_yes: Mapped[int | None] = mapped_column(Integer)
    votes_no: Mapped[int | None] = mapped_column(Integer)
    votes_abstain: Mapped[int | None] = mapped_column(Integer)
    votes_biased: Mapped[int | None] = mapped_column(Integer)
    unanimous: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    consultation: Mapped[ConsultationRow] = relationship()
    meeting: Mapped[MeetingRow] = relationship()


class PlannedEventRow(Base):
    """One year's occurrence of a recurring event (the 2026 julestue)."""

    __tablename__ = "planned_events"
    __table_args__ = (UniqueConstraint("body_id", "event_key", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    event_key: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    end: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    planned_amount: Mapped[float] = mapped_column(Numeric(12, 2, asdecimal=False), default=0)
    budget_line: Mapped[str | None] = mapped_column(String(300))
    paper_id: Mapped[int | None] = mapped_column(ForeignKey("papers.id"))  # the orientation paper
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    body: Mapped[BodyRow] = relationship()
    tasks: Mapped[list["PlanningTaskRow"]] = relationship(back_populates="event", order_by="PlanningTaskRow.due",
                                                         cascade="all, delete-orphan")
    spending: Mapped[list["SpendRow"]] = relationship(back_populates="event", cascade="all, delete-orphan")


class PlanningTaskRow(Base):
    """A checklist item of a planned event, with its owner and due date."""

    __tablename__ = "planning_tasks"
    __table_args__ = (UniqueConstraint("event_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("planned_events.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    due: Mapped[dt.date] = mapped_column(Date, index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    meeting_start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # a planning meeting
    meeting_end: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[PlannedEventRow] = relationship(back_populates="tasks")
    owner: Mapped[PersonRow | None] = relationship()


class SpendRow(Base):
    """Money spent on a planned event, against its budget line."""

    __tablename__ = "event_spending"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("planned_events.id", ondelete="CASCADE"), index=True)
    amount: Mapped[float] = mapped_column(Numeric(12, 2, asdecimal=False))
    text: Mapped[str] = mapped_column(Text)
    spent_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    event: Mapped[PlannedEventRow] = relationship(back_populates="spending")


class MessageRow(Base):
    """One outgoing message, recorded before it is sent: the ledger behind "exactly once".

    The idempotency key (body, meeting, person, kind, sequence) is unique, so planning the same
    message twice records it once; its status moves pending -> sending -> sent (or failed). A run
    claims a message (status "sending", its own `claim_token`, a lease until `lease_until`) by a
    conditional update that only one run can win; a claim whose lease ran out (its run was
    killed) may be taken over by the next run. See meetprep.notify.
    """

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # invitation, cancellation, reminder-7d, ...
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(16))  # email or apprise
    recipient: Mapped[str] = mapped_column(String(500))  # an address, or a URL without credentials
    subject: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(64))  # the run that is sending it
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # after this, another run may take over
    # The agenda version a message carries (invitation, update, change notice): what its
    # recipient has, so that the next change notice lists exactly what changed since.
    agenda_version: Mapped[int | None] = mapped_column(Integer)


class MeetingStepRow(Base):
    """A step of a meeting's timeline that was done or skipped on its date (see meetprep.timeline)."""

    __tablename__ = "meeting_steps"
    __table_args__ = (
        UniqueConstraint("meeting_id", "step", "due"),
        CheckConstraint("state IN ('done', 'skipped')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    step: Mapped[str] = mapped_column(String(40))
    due: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ReplyRow(Base):
    """One reply to a meeting request (iTIP REPLY) as it came in, counted or kept aside.

    `message_key` (the e-mail's Message-ID, or a hash of the whole message where it has none)
    is unique: a reply read twice (two runs, a crash before the mailbox was marked) counts once.
    A reply kept aside (unknown meeting, not invited, forged, older SEQUENCE, unreadable) has
    status "aside" and a reason, and changes nothing.
    """

    __tablename__ = "replies"
    __table_args__ = (CheckConstraint("status IN ('counted', 'aside')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_key: Mapped[str] = mapped_column(String(300), unique=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    uid: Mapped[str | None] = mapped_column(String(300))
    sequence: Mapped[int | None] = mapped_column(Integer)
    partstat: Mapped[str | None] = mapped_column(String(32))  # ACCEPTED, DECLINED, TENTATIVE, ...
    dtstamp: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sender: Mapped[str | None] = mapped_column(String(320))
    client: Mapped[str | None] = mapped_column(String(200))  # the PRODID: Outlook, Gmail, Apple
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(500))  # maildir file or IMAP mailbox/UID
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    person: Mapped[PersonRow | None] = relationship()


class AttendanceNoticeRow(Base):
    """What the secretary and chair were last told about a meeting (a substitute invited, the
    quorum at risk): each change is told once."""

    __tablename__ = "attendance_notices"
    __table_args__ = (UniqueConstraint("meeting_id", "kind", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # quorum, substitute
    state: Mapped[str] = mapped_column(String(300))  # e.g. "below:3/5" or "invited:<person>"
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PublishedObjectRow(Base):
    """One public object as last published (OParl 1.1), the ledger behind stable ids, `created`,
    `modified` and `deleted` (see meetprep.publish.oparl).

    `path` is the object's URL below the OParl root (gentofte/paper/EMN-2025-05820): the same
    object keeps it across rebuilds. `scope` is the unit that publishes it (body, meeting:<key>,
    paper:<reference>): a run that publishes a scope compares what it has now with the scope's
    rows; an object no longer there (a paper made closed, a withdrawn file) stays with
    `deleted` true and no data but its id and type. `checksum` is of the object without its
    dates, so that republishing unchanged data leaves `modified` alone.
    """

    __tablename__ = "published_objects"
    __table_args__ = (UniqueConstraint("body_key", "kind", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_key: Mapped[str] = mapped_column(String(64), index=True)
    path: Mapped[str] = mapped_column(String(600), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # the OParl type: Paper, Meeting, ...
    # 1, 2, ... in the body's list of its kind, given when first published and never changed:
    # the static list page that holds it is (position - 1) // PAGE_SIZE + 1, found without counting
    position: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(300), index=True)
    checksum: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    modified: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


# ---------------------------------------------------------------------------------------------
# Engine, sessions, migrations


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
    import hashlib

    return int.from_bytes(hashlib.sha256(f"meetprep:{name}".encode()).digest()[:8], "big", signed=True)


_MIGRATION_LOCK = threading.Lock()
_ADVISORY_LOCK_ID = 0x6D656574  # "meet": one lock id for meetprep's migrations on PostgreSQL


_REVISION = re.compile(r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*['"]?([\w]+|None)['"]?""", re.M)


@lru_cache(maxsize=None)
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
    from alembic import command
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
    from sqlalchemy import inspect

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
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

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


def meeting_by_key(session: Session, body: str, key: str) -> MeetingRow | None:
    """A body's meeting by its key (ebi-2025-09-22)."""
    from sqlalchemy import select

    return session.execute(select(MeetingRow).join(BodyRow, MeetingRow.body_id == BodyRow.id).where(
        BodyRow.key == body, MeetingRow.key == key)).scalar_one_or_none()


# ---------------------------------------------------------------------------------------------
# Mirroring the config


def sync_config(session: Session, configs: Any) -> None:
    """Mirror bodies, organizations, persons and memberships from the config into the store.

    Rows are matched by key and updated in place, so ids that meetings and papers refer to stay
    stable. Memberships are replaced as a whole: the config is their only source. Nothing is
    deleted that other rows may still refer to (a committee dropped from the config keeps its
    row and its meetings).
    """
    from sqlalchemy import delete, select

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
