"""Tables of the sign-off round (Mitzeichnung; godkendelse): each step asked of a paper, every
answer given, and the exceptions that let a late paper on an agenda."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetprep.store.schema import Base, UTCDateTime
from meetprep.store.tables import MeetingRow, PaperRow


class SignoffRequestRow(Base):
    """One step of a paper's chain in one round. A round is the chain asked for one revision:
    a new revision starts the next round (steps that keep their signature are carried over).

    `state`: waiting (for the steps it comes after), requested, approved, declined, or
    cancelled (the round ended: a new revision came, or the chain no longer has the step).
    Answers change it with one conditional UPDATE (requested -> approved/declined), so two
    answers at the same moment count once. `token` is in the request's subject: a reply names
    its request by it."""

    __tablename__ = "signoff_requests"
    __table_args__ = (UniqueConstraint("paper_id", "round", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)  # the paper's revision this round asks about
    step: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)  # the step's place in the chain
    state: Mapped[str] = mapped_column(String(16), index=True)
    holder: Mapped[str | None] = mapped_column(String(64))  # the person asked (a deputy while the signer is away)
    due: Mapped[dt.date | None] = mapped_column(Date)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[str | None] = mapped_column(String(64))  # the person who signed or declined
    recorded_by: Mapped[str | None] = mapped_column(String(200))  # "mail", or the clerk who recorded it
    reason: Mapped[str | None] = mapped_column(Text)  # of a decline
    carried: Mapped[bool] = mapped_column(default=False)  # the signature of an earlier revision, kept

    paper: Mapped[PaperRow] = relationship()


class SignoffAnswerRow(Base):
    """Every answer as it came (yes, no with its reason, a comment), once per source: a mail's
    Message-ID (or its content), or a clerk's recording. `counted` is false for an answer that
    came too late to change anything (the step was answered already, the round ended)."""

    __tablename__ = "signoff_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("signoff_requests.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # approve, decline, comment
    person: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    counted: Mapped[bool] = mapped_column(default=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    request: Mapped[SignoffRequestRow] = relationship()


class SignoffExceptionRow(Base):
    """A late paper let on one meeting's agenda by someone the body allows, with the reason."""

    __tablename__ = "signoff_exceptions"
    __table_args__ = (UniqueConstraint("paper_id", "meeting_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    person: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    paper: Mapped[PaperRow] = relationship()
    meeting: Mapped[MeetingRow] = relationship()
