"""Indexes for the office's warning list: its order (level, deadline, id) and the
department filter, so that a page of tens of thousands of open warnings is read by index.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_warnings_level_deadline", "warnings", ["level", "deadline", "id"])
    op.create_index("ix_warnings_department", "warnings", ["department"])


def downgrade() -> None:
    op.drop_index("ix_warnings_department", "warnings")
    op.drop_index("ix_warnings_level_deadline", "warnings")
