"""Each answer form carries a key used once: a form submitted again (a replay, a double
click) is refused instead of stored twice.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("answers", sa.Column("form_key", sa.String(64)))
    op.create_index("ux_answers_form_key", "answers", ["form_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_answers_form_key", "answers")
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("form_key")
