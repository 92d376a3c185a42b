"""Tables of what meetprep did and plans: planned events and their tasks and spending, messages in the ledger, meeting steps of the timeline, replies read, attendance notices, published objects."""

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
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetprep.store.schema import Base, UTCDateTime
from meetprep.store.tables import (
    BodyRow,
    PersonRow,
)


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
    # 1, 2, ... in the body's list of its kind, given when first published and never changed: the
    # lists' order (a new object comes last; a deleted one leaves the plain lists, which close up)
    position: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(300), index=True)
    checksum: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    modified: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class IntakeEventRow(Base):
    """A document the papers inbox took: imported (a new paper or a new revision) or refused.
    Recorded once per body, content and outcome (the same refused document dropped again is one
    event). `digest` is the key of the secretaries' intake digest that reported it: a run claims
    the unreported events with one UPDATE, so overlapping runs report each event once."""

    __tablename__ = "intake_events"
    __table_args__ = (UniqueConstraint("body_key", "sha256", "outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_key: Mapped[str] = mapped_column(String(64))
    committee_key: Mapped[str | None] = mapped_column(String(64))  # the paper's first committee
    file: Mapped[str] = mapped_column(String(500))  # as it was dropped or mailed
    sha256: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))  # imported, refused
    reference: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str | None] = mapped_column(String(16))  # created, updated
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    sender: Mapped[str | None] = mapped_column(String(320))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    digest: Mapped[str | None] = mapped_column(String(200), index=True)


class FeedbackRow(Base):
    """A message to the portal's accessibility feedback address (docs/publishing.md), recorded
    once per body and content: the sender is acknowledged and the body's handlers get it, each
    message once through the ledger, keyed by this row."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("body_key", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_key: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    sender: Mapped[str | None] = mapped_column(String(320))  # None: not to be answered (automatic, no address)
    sender_name: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(500))  # where it was read
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
