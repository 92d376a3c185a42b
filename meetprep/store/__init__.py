"""The store: SQLAlchemy 2 tables, sessions and Alembic migrations.

The embedded default is one SQLite file under MEETPREP_HOME; PostgreSQL is one database URL
away (`MEETPREP_DATABASE_URL=postgresql+psycopg://...`). The schema is created and upgraded
only by Alembic (`meetprep/migrations`), never by `create_all`, so that SQLite and PostgreSQL
stores evolve the same way.

Bodies, organizations, persons and memberships are mirrored from the config files (the config
is their source of truth); meetings, papers, consultations and files are data that meetprep
imports and works on.
"""

from meetprep.store import cpython311  # noqa: F401 - the guard, before any session exists
from meetprep.store.engine import (
    MIGRATIONS,
    Store,
    create_store_engine,
    current_revision,
    head_revision,
    lock_id,
    safe_url,
    stored_revision,
    upgrade,
)
from meetprep.store.journal import (
    AttendanceNoticeRow,
    FeedbackRow,
    IntakeEventRow,
    MeetingStepRow,
    MessageRow,
    PlannedEventRow,
    PlanningTaskRow,
    PublishedObjectRow,
    ReplyRow,
    SpendRow,
)
from meetprep.store.decisions import DecisionTaskRow
from meetprep.store.signoffs import SignoffAnswerRow, SignoffExceptionRow, SignoffRequestRow
from meetprep.store.queries import (
    active_on,
    body_secretaries,
    committee_secretaries,
    dialect_insert,
    meeting_by_key,
    members_on_the_day,
    paper_by_reference,
    the_meeting,
)
from meetprep.store.schema import NAMING, Base, UTCDateTime
from meetprep.store.tables import (
    AgendaRow,
    AgendaVersionRow,
    BodyRow,
    ConsultationRow,
    DecisionRow,
    DocumentRow,
    FileRow,
    MeetingRow,
    MembershipRow,
    MinutesRow,
    OrganizationRow,
    PaperRevisionRow,
    PaperRow,
    PersonRow,
)

__all__ = [
    "SignoffAnswerRow",
    "SignoffExceptionRow",
    "SignoffRequestRow",
    "DecisionTaskRow",
    "NAMING",
    "UTCDateTime",
    "Base",
    "BodyRow",
    "OrganizationRow",
    "PersonRow",
    "MembershipRow",
    "MeetingRow",
    "PaperRow",
    "PaperRevisionRow",
    "ConsultationRow",
    "FileRow",
    "AgendaRow",
    "AgendaVersionRow",
    "DocumentRow",
    "MinutesRow",
    "DecisionRow",
    "PlannedEventRow",
    "PlanningTaskRow",
    "SpendRow",
    "MessageRow",
    "MeetingStepRow",
    "ReplyRow",
    "AttendanceNoticeRow",
    "FeedbackRow",
    "IntakeEventRow",
    "PublishedObjectRow",
    "MIGRATIONS",
    "create_store_engine",
    "lock_id",
    "head_revision",
    "upgrade",
    "stored_revision",
    "current_revision",
    "safe_url",
    "Store",
    "active_on",
    "body_secretaries",
    "committee_secretaries",
    "meeting_by_key",
    "the_meeting",
    "dialect_insert",
    "paper_by_reference",
    "members_on_the_day",
]
