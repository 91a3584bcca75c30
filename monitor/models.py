"""The monitor's own database: tables, as SQLAlchemy Core.

The schema is versioned by Alembic migrations in ``monitor/migrations``; these definitions
are what the latest migration creates (a test checks they agree). The same code runs on
SQLite, PostgreSQL and MySQL / MariaDB: plain types, string lengths given, times stored as
naive Asia/Shanghai datetimes.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "LEVEL_RANK",
    "acks",
    "metadata",
    "notifications",
    "runs",
    "silences",
    "warning_events",
    "warnings",
]

metadata = MetaData()

#: Open levels a warning can have, least urgent first (the rank is the index).
LEVEL_RANK = {"warning": 1, "overdue": 2, "escalated": 3}

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(32), nullable=False),  # "alert", "report", …
    Column("started_at", DateTime, nullable=False),  # wall clock
    Column("at", DateTime, nullable=False),  # the run's "now" (--at)
    Column("finished_at", DateTime),
    Column("status", String(16), nullable=False),  # running, ok, failed
    Column("counts", Text),  # JSON object of counts
    Column("error", Text),
)

warnings = Table(
    "warnings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(64), nullable=False),
    Column("obligation", String(16), nullable=False),  # acceptance, completion
    Column("department", String(128), nullable=False),
    Column("item_code", String(64)),
    Column("item_name", String(256)),
    Column("deadline", Date, nullable=False),
    Column("level", String(16), nullable=False),  # warning, overdue, escalated
    Column("late_workdays", Integer, nullable=False, default=0),
    Column("first_seen_at", DateTime, nullable=False),
    Column("level_since", DateTime, nullable=False),
    Column("last_notified_level", String(16)),
    Column("last_notified_at", DateTime),
    Column("resolved_at", DateTime),
    # closed_on_time, closed_late, withdrawn, cleared (back to ok, e.g. a suspension)
    Column("resolution", String(32)),
    UniqueConstraint("case_id", "obligation", name="uq_warnings_case_obligation"),
)
Index("ix_warnings_open", warnings.c.resolved_at)

warning_events = Table(
    "warning_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("warning_id", Integer, ForeignKey("warnings.id"), nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id")),
    Column("at", DateTime, nullable=False),
    Column("from_level", String(16)),  # None when first seen
    Column("to_level", String(16), nullable=False),  # a level, or "resolved"
)
Index("ix_warning_events_warning", warning_events.c.warning_id)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # sha256 hex of what the message says: the same message is never queued twice
    Column("key", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # alert, resolved, report, admin
    Column("run_id", Integer, ForeignKey("runs.id")),
    Column("recipients", Text, nullable=False),  # comma-separated addresses
    Column("subject", String(512), nullable=False),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("case_count", Integer, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False),
    Column("status", String(16), nullable=False),  # queued, sent, dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("last_error", Text),
    Column("sent_at", DateTime),
)
Index("ix_notifications_status", notifications.c.status, notifications.c.next_attempt_at)

acks = Table(
    "acks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(64), nullable=False),
    Column("obligation", String(16)),  # None: both obligations of the case
    Column("level", String(16)),  # the level acknowledged; a higher one is sent again
    Column("by", String(128), nullable=False),
    Column("note", Text, nullable=False),
    Column("at", DateTime, nullable=False),
)
Index("ix_acks_case", acks.c.case_id)

silences = Table(
    "silences",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("department", String(128), nullable=False),
    Column("item_code", String(64)),  # None: the whole department
    Column("until", DateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("by", String(128)),
    Column("created_at", DateTime, nullable=False),
)
