"""The region (行政区划代码) of each warning's case, so that alerts can be routed by region
as well as by department (``[[alerts.routes]] region = "3301"``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("warnings", sa.Column("region_code", sa.String(8), nullable=True))


def downgrade() -> None:
    # Not a batch (which copies the table): other tables' foreign keys point at warnings.
    # SQLite drops a plain column in place since 3.35.
    op.drop_column("warnings", "region_code")
