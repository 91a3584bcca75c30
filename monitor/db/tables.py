"""The monitor's own database: tables, as SQLAlchemy Core.

The schema is versioned by Alembic migrations in ``monitor/db/migrations``; these definitions
are what the latest migration creates (a test checks they agree). The same code runs on
SQLite, PostgreSQL and MySQL / MariaDB: plain types, string lengths given, times stored as
naive Asia/Shanghai datetimes.

Three details keep the backends alike: constraint and index names follow one naming
convention (so a later migration can name what it alters, which SQLite's batch mode needs);
on MySQL / MariaDB, times keep their microseconds (``DATETIME(6)``; plain ``DATETIME`` drops
them) and text compares case-sensitively (``utf8mb4_bin``; the server's default collation
is usually case-insensitive, so ``AB1`` and ``ab1`` would be one case under the unique
constraint while pandas sees two).
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
from sqlalchemy.dialects import mysql

__all__ = [
    "LEVEL_RANK",
    "acks",
    "deadline_moves",
    "metadata",
    "notifications",
    "runs",
    "silences",
    "store_state",
    "warning_events",
    "warnings",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: A naive datetime to the microsecond on every backend.
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

#: Table options for MySQL / MariaDB: full Unicode, exact (binary) comparison.
#: Message bodies: a report with its CSS inlined is larger than MySQL's TEXT (64 KiB).
LongText = Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
_MYSQL = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}

#: Open levels a warning can have, least urgent first (the rank is the index).
LEVEL_RANK = {"warning": 1, "overdue": 2, "escalated": 3}

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(32), nullable=False),  # "alert", "report", …
    Column("started_at", Timestamp, nullable=False),  # wall clock
    Column("at", Timestamp, nullable=False),  # the run's "now" (--at)
    Column("finished_at", Timestamp),
    Column("status", String(16), nullable=False),  # running, ok, failed
    Column("counts", Text),  # JSON object of counts
    Column("error", Text),
    **_MYSQL,
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
    Column("first_seen_at", Timestamp, nullable=False),
    Column("level_since", Timestamp, nullable=False),
    Column("last_notified_level", String(16)),
    Column("last_notified_at", Timestamp),
    Column("resolved_at", Timestamp),
    # closed_on_time, closed_late, cleared (open again at ok, e.g. suspended),
    # disappeared (no longer in the evaluation: withdrawn, filtered out, source changed)
    Column("resolution", String(32)),
    # 行政区划代码 of the case (routes by region); null when the case has none.
    Column("region_code", String(8)),
    UniqueConstraint("case_id", "obligation", name="uq_warnings_case_obligation"),
    **_MYSQL,
)
Index("ix_warnings_open", warnings.c.resolved_at)
# the office's warning list: its order and its department filter (revision 0008)
Index("ix_warnings_level_deadline", warnings.c.level, warnings.c.deadline, warnings.c.id)
Index("ix_warnings_department", warnings.c.department)

warning_events = Table(
    "warning_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("warning_id", Integer, ForeignKey("warnings.id"), nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id")),
    Column("at", Timestamp, nullable=False),
    Column("from_level", String(16)),  # None when first seen
    Column("to_level", String(16), nullable=False),  # a level, or "resolved"
    **_MYSQL,
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
    Column("body_text", LongText, nullable=False),
    Column("body_html", LongText, nullable=False),
    Column("case_count", Integer, nullable=False, default=0),
    Column("created_at", Timestamp, nullable=False),
    Column("status", String(16), nullable=False),  # queued, sent, dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Timestamp, nullable=False),
    Column("last_error", Text),
    Column("sent_at", Timestamp),
    Column("attachment", Text),  # path of a file attached when sending (revision 0002)
    # one "case_id|obligation|level" line per case the message is about (revision 0004)
    Column("cases", LongText),
    # Revision 0005: the recipients that have it (comma-separated; a retry goes to the
    # others), and when the end of the message went out with its answer not yet recorded.
    Column("delivered_to", Text),
    Column("sending_since", Timestamp),
    **_MYSQL,
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
    Column("at", Timestamp, nullable=False),
    **_MYSQL,
)
Index("ix_acks_case", acks.c.case_id)

silences = Table(
    "silences",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("department", String(128), nullable=False),
    Column("item_code", String(64)),  # None: the whole department
    Column("until", Timestamp, nullable=False),
    Column("reason", Text, nullable=False),
    Column("by", String(128)),
    Column("created_at", Timestamp, nullable=False),
    **_MYSQL,
)

#: A department's answer to a warning from its case page (预警处理反馈, revision 0006), and
#: the office's review of it (审核). An answer is also an acknowledgement (``ack_id``).
answers = Table(
    "answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("warning_id", Integer, ForeignKey("warnings.id"), nullable=False),
    Column("case_id", String(64), nullable=False),
    Column("obligation", String(16), nullable=False),
    Column("action", String(64), nullable=False),  # what was done: 已办结, 正在办理, …
    Column("expected_on", Date),  # 预计完成日
    Column("note", Text, nullable=False),
    Column("late_reason", String(64)),  # 超期原因 (overdue or escalated only)
    Column("measures", Text),  # 整改措施 (overdue or escalated only)
    Column("by", String(128), nullable=False),  # who answers
    Column("recipients", String(16), nullable=False),  # digest of the list the link went to
    Column("address", String(64)),  # the answerer's network address
    Column("level", String(16), nullable=False),  # the warning's level when answered
    Column("at", Timestamp, nullable=False),
    Column("ack_id", Integer, ForeignKey("acks.id")),
    Column("status", String(16), nullable=False),  # submitted, accepted, returned
    Column("reviewed_by", String(64)),
    Column("reviewed_at", Timestamp),
    Column("review_note", Text),
    # the key of the form it came from, used once: a form sent again is refused (rev. 0007)
    Column("form_key", String(64)),
    **_MYSQL,
)
Index("ix_answers_warning", answers.c.warning_id)
Index("ix_answers_status", answers.c.status)
Index("ux_answers_form_key", answers.c.form_key, unique=True)

#: The office's users of the web pages (revision 0006): a name and a password hash (scrypt,
#: by werkzeug), never the password.
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("password_hash", String(256), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    **_MYSQL,
)

#: The case store's generations (revision 0009): what each was made from and holds. The
#: store's folder names the generation in use; ``files`` lists its Parquet files (JSON).
store_state = Table(
    "store_state",
    metadata,
    Column("generation", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),  # update, rebuild, recompute
    Column("at", Timestamp, nullable=False),  # the run's "now"
    Column("created_at", Timestamp, nullable=False),  # wall clock
    Column("watermark", String(64)),  # the newest change seen in a SQL source
    Column("fingerprint", String(64), nullable=False),  # of the calendar and rules used
    Column("schema_version", Integer, nullable=False),
    Column("rows_read", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column("evaluated", Integer, nullable=False),
    Column("cases", Integer, nullable=False),
    Column("open_cases", Integer, nullable=False),
    Column("files", LongText, nullable=False),
    **_MYSQL,
)

#: Deadlines a calendar change moved under the case store (revision 0009), waiting for the
#: alert run to tell their departments (截止日调整); ``reason`` is JSON (the changed years, and
#: whether the rules changed).
deadline_moves = Table(
    "deadline_moves",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(64), nullable=False),
    Column("obligation", String(16), nullable=False),
    Column("department", String(128), nullable=False),
    Column("item_name", String(256)),
    Column("old_deadline", Date, nullable=False),
    Column("new_deadline", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("found_at", Timestamp, nullable=False),
    Column("notified_at", Timestamp),
    UniqueConstraint(
        "case_id", "obligation", "old_deadline", "new_deadline", name="uq_deadline_moves_case_id"
    ),
    **_MYSQL,
)
