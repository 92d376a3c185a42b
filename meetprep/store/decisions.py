"""The follow-up of decisions (Beschlusskontrolle; opfølgning): each task a decision gave the
administration, its owner, due date and state."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetprep.store.schema import Base, UTCDateTime
from meetprep.store.tables import DecisionRow, PaperRow


class DecisionTaskRow(Base):
    """One task of one decision, numbered within it as the minutes list them.

    `state`: open, done, or dropped (corrected minutes no longer give it). A report (done, or a
    new due date) changes it with one conditional UPDATE, so two reports at the same moment
    count once. `token` is in the reminders' subject: a reply names its task by it.
    `due_history` keeps every earlier due date: [{"due", "until", "by", "at", "reason"}]."""

    __tablename__ = "decision_tasks"
    __table_args__ = (UniqueConstraint("decision_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"), index=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(300))
    due: Mapped[dt.date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    report: Mapped[str | None] = mapped_column(Text)  # what the owner said when done
    reported_by: Mapped[str | None] = mapped_column(String(320))
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    due_history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # a new due date the owner asked for, until the secretaries grant it (follow_up.owner_sets_new_dates)
    asked_due: Mapped[dt.date | None] = mapped_column(Date)
    asked_by: Mapped[str | None] = mapped_column(String(320))
    asked_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    decision: Mapped[DecisionRow] = relationship()
    paper: Mapped[PaperRow] = relationship()
