"""Tables of the council's record: bodies, organizations, persons, memberships (mirrored from the config), meetings, papers and their revisions, consultations, files, agendas and their versions, documents, minutes and decisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetprep.store.schema import Base, UTCDateTime


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
    # A meeting new in a meetings file that dropped an announced meeting of the same committee may
    # be that meeting moved: held back (nothing sent for it) until the clerk says which it is
    # (meetprep meetings resolve). The key of the meeting it may be.
    held_back_for: Mapped[str | None] = mapped_column(String(64))
    # The key a meetings file names this meeting by, after the clerk said that file's new meeting
    # was this one moved: the file's entry keeps updating this meeting.
    also_known_as: Mapped[str | None] = mapped_column(String(64))
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
    expected_minutes: Mapped[int | None] = mapped_column(Integer)  # the time plan: the paper's own minutes
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
    # None: the author's attachment (an import merges these); "excerpt": the excerpt of a decision
    # on the paper (Protokollauszug; beslutningsuddrag), added by meetprep and kept by imports
    origin: Mapped[str | None] = mapped_column(String(16))
    decision_id: Mapped[int | None] = mapped_column(Integer)  # the decision an excerpt is of (no key: the file goes with its paper)

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
    # Where the committee approves its minutes: the recorded version approved, and when
    approved_version: Mapped[str | None] = mapped_column(String(16))
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

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
