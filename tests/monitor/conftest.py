"""Fixtures for the monitor's own database, on every backend.

``engine`` is an empty monitor database (no tables, no ``alembic_version``): an SQLite file
under ``tmp_path`` always, and PostgreSQL / MariaDB when ``MONITOR_TEST_POSTGRES_URL`` /
``MONITOR_TEST_MYSQL_URL`` name a server (skipped otherwise). The servers' ``test`` database
is shared with other tests (they use their own, uniquely named tables), so only the monitor's
tables and ``alembic_version`` are dropped, before and after each test. ``migrated_engine``
is the same database brought to the newest schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.config import Settings
from monitor.db.engine import engine_for, upgrade
from monitor.db.tables import metadata

DB_ENV = {"postgres": "MONITOR_TEST_POSTGRES_URL", "mysql": "MONITOR_TEST_MYSQL_URL"}


def _drop_monitor_tables(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        metadata.drop_all(conn, checkfirst=True)
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ]
)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty monitor database (not migrated) on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'var' / 'monitor.db'}"
    else:
        url = os.environ.get(DB_ENV[request.param], "")
        if not url:
            pytest.skip(f"{DB_ENV[request.param]} is not set (no {request.param} server)")
    eng = engine_for(Settings(database={"url": url}))
    server = request.param != "sqlite"
    try:
        if server:
            _drop_monitor_tables(eng)
        yield eng
    finally:
        if server:
            _drop_monitor_tables(eng)
        eng.dispose()


@pytest.fixture
def migrated_engine(engine: sa.Engine) -> sa.Engine:
    """``engine`` with the schema at the newest revision."""
    upgrade(engine)
    return engine
