"""The initial schema: runs, warnings and their events, notifications, acks, silences.

Written by hand to match :mod:`monitor.db.tables` at the time (a test compares the two); it
does not import the models, so that later changes to them cannot change this revision.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Naive datetimes to the microsecond (MySQL / MariaDB ``DATETIME`` alone drops them).
TIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
#: MySQL / MariaDB: full Unicode, byte-exact comparison of case numbers and names.
MYSQL = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job", sa.String(32), nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("finished_at", TIME, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counts", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
        **MYSQL,
    )
    op.create_table(
        "warnings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("obligation", sa.String(16), nullable=False),
        sa.Column("department", sa.String(128), nullable=False),
        sa.Column("item_code", sa.String(64), nullable=True),
        sa.Column("item_name", sa.String(256), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("late_workdays", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", TIME, nullable=False),
        sa.Column("level_since", TIME, nullable=False),
        sa.Column("last_notified_level", sa.String(16), nullable=True),
        sa.Column("last_notified_at", TIME, nullable=True),
        sa.Column("resolved_at", TIME, nullable=True),
        sa.Column("resolution", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_warnings"),
        sa.UniqueConstraint("case_id", "obligation", name="uq_warnings_case_obligation"),
        **MYSQL,
    )
    op.create_index("ix_warnings_open", "warnings", ["resolved_at"])
    op.create_table(
        "warning_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("at", TIME, nullable=False),
        sa.Column("from_level", sa.String(16), nullable=True),
        sa.Column("to_level", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["warning_id"], ["warnings.id"], name="fk_warning_events_warning_id_warnings"
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_warning_events_run_id_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_warning_events"),
        **MYSQL,
    )
    op.create_index("ix_warning_events_warning", "warning_events", ["warning_id"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(512), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("case_count", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIME, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", TIME, nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_notifications_run_id_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("key", name="uq_notifications_key"),
        **MYSQL,
    )
    op.create_index("ix_notifications_status", "notifications", ["status", "next_attempt_at"])
    op.create_table(
        "acks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("obligation", sa.String(16), nullable=True),
        sa.Column("level", sa.String(16), nullable=True),
        sa.Column("by", sa.String(128), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_acks"),
        **MYSQL,
    )
    op.create_index("ix_acks_case", "acks", ["case_id"])
    op.create_table(
        "silences",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("department", sa.String(128), nullable=False),
        sa.Column("item_code", sa.String(64), nullable=True),
        sa.Column("until", TIME, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by", sa.String(128), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_silences"),
        **MYSQL,
    )


def downgrade() -> None:
    # Indexes go with their tables (MySQL refuses to drop an index a foreign key uses).
    for table in ("silences", "acks", "notifications", "warning_events", "warnings", "runs"):
        op.drop_table(table)
