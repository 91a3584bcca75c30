"""Which cases each message is about: ``notifications.cases``, one ``case_id|obligation|level``
line per case (what the message key was made of), so that a case's whole history can list
every message that carried it (``monitor warnings --case``). Messages queued before this
revision have none (NULL).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: A county digest can list thousands of cases: more than MySQL's TEXT (64 KiB) holds.
LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("cases", LONG_TEXT, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("cases")
