"""Departments' answers to warnings (预警处理反馈) with the office's review, and the office's
users of the web pages.

Written by hand to match :mod:`monitor.db.tables` (a test compares the two).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Naive datetimes to the microsecond (MySQL / MariaDB ``DATETIME`` alone drops them).
TIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
#: MySQL / MariaDB: full Unicode, byte-exact comparison.
MYSQL = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def upgrade() -> None:
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("obligation", sa.String(16), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("expected_on", sa.Date()),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("late_reason", sa.String(64)),
        sa.Column("measures", sa.Text()),
        sa.Column("by", sa.String(128), nullable=False),
        sa.Column("recipients", sa.String(16), nullable=False),
        sa.Column("address", sa.String(64)),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("ack_id", sa.Integer()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reviewed_by", sa.String(64)),
        sa.Column("reviewed_at", TIME),
        sa.Column("review_note", sa.Text()),
        sa.ForeignKeyConstraint(
            ["warning_id"], ["warnings.id"], name="fk_answers_warning_id_warnings"
        ),
        sa.ForeignKeyConstraint(["ack_id"], ["acks.id"], name="fk_answers_ack_id_acks"),
        sa.PrimaryKeyConstraint("id", name="pk_answers"),
        **MYSQL,
    )
    op.create_index("ix_answers_warning", "answers", ["warning_id"])
    op.create_index("ix_answers_status", "answers", ["status"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
        **MYSQL,
    )


def downgrade() -> None:
    op.drop_table("users")
    # Dropping the table drops its indexes; MySQL / MariaDB refuse to drop the index on
    # warning_id first, as the foreign key needs it.
    op.drop_table("answers")
