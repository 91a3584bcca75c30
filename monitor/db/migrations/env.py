"""Alembic environment of the monitor's database.

:func:`monitor.db.engine.upgrade` passes an open connection in ``config.attributes["connection"]``;
the migrations run on it, inside its transaction. For a developer's ``alembic`` command line
(``alembic -x url=sqlite:///var/dev.db revision --autogenerate -m "…"``, with an ``alembic.ini``
whose ``script_location`` is ``monitor/db/migrations``), the URL comes from ``-x url=`` or
``sqlalchemy.url``. The logging configuration is left alone: the application owns it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from monitor.db.tables import metadata

config = context.config


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the given connection, or on one to ``-x url=`` / sqlalchemy.url."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise RuntimeError(
            "no database: call monitor.db.engine.upgrade, or pass -x url=… to alembic"
        )
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) mode is not supported; migrate a live database")
run_migrations_online()
