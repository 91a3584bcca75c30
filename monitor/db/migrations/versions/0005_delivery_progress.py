"""Delivery per recipient, and the mark of a message whose end was sent without an answer.

``delivered_to``: the recipients the receiver accepted the message for (comma-separated, as
``recipients``), so a retry goes only to the others. ``sending_since``: set just before the
point after which the server may have the message (the final "." of SMTP DATA), cleared when
its answer is recorded; a message still marked on the next run was interrupted there. Both
are empty for every existing row, which is what they mean for it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Naive datetimes to the microsecond (MySQL / MariaDB ``DATETIME`` alone drops them).
TIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("delivered_to", sa.Text(), nullable=True))
        batch.add_column(sa.Column("sending_since", TIME, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("sending_since")
        batch.drop_column("delivered_to")
