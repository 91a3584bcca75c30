"""Fixtures for the monitor's own database, on every backend.

``engine`` is an empty monitor database (no tables, no ``alembic_version``): an SQLite file
under ``tmp_path`` always, and PostgreSQL / MariaDB when ``MONITOR_TEST_POSTGRES_URL`` /
``MONITOR_TEST_MYSQL_URL`` name a server (skipped otherwise). The servers' ``test`` database
is shared with other tests (they use their own, uniquely named tables), so only the monitor's
tables and ``alembic_version`` are dropped, before and after each test. ``migrated_engine``
is the same database brought to the newest schema.
"""

from __future__ import annotations

import logging
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


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """``monitor run`` sets up logging for the process (a handler on the stderr of the
    moment, which a test captures): put it back after each test, so that a later test does
    not log into a closed capture."""
    root, alembic = logging.getLogger(), logging.getLogger("alembic")
    saved = (root.handlers[:], root.level, alembic.level)
    yield
    for handler in root.handlers[:]:
        if handler not in saved[0]:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(saved[1])
    alembic.setLevel(saved[2])
