"""The monitor's own database: the engine, and the schema brought up to date by Alembic.

:func:`engine_for` makes the engine from ``[database] url``; :func:`upgrade` applies the
migrations in ``monitor/db/migrations`` up to the newest (head). It is idempotent and cheap when
the schema is already current, so every job calls it at start. No ``alembic.ini`` is needed:
the Alembic configuration is built here. A database that cannot be reached or used becomes a
:class:`~monitor.errors.ConfigError` naming the URL with its password hidden; an SQLite file
that cannot be written (read-only, or locked by another process past the busy timeout) one
naming the file and the fix, whichever statement met it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from monitor.config import Settings
from monitor.db.runs import any_run
from monitor.errors import ConfigError

if TYPE_CHECKING:  # Alembic is imported where a schema is checked or changed: readers skip it
    from alembic.config import Config
    from alembic.script import ScriptDirectory

__all__ = [
    "MIGRATIONS",
    "current_revision",
    "engine_for",
    "existing_database",
    "head_revision",
    "open_database",
    "upgrade",
]

#: Tries before a migration that keeps failing is reported (another process may be migrating
#: the same new database at the same moment).
_MIGRATION_ATTEMPTS = 3
#: The Alembic script folder, shipped inside the package.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: How long an SQLite statement waits for another process's write lock (Python's sqlite3
#: default): long enough for the daemon's ledger update, short enough to tell someone.
_BUSY_SECONDS = 5.0


def engine_for(settings: Settings) -> sa.Engine:
    """An engine for ``[database] url`` (password from ``password_env``).

    SQLite: the file's folder is created, and each connection has foreign keys on and the
    WAL journal (readers do not block the writer: the daemon and a CLI command can share the
    file). Servers: connections are checked before use (``pool_pre_ping``), so a restarted
    server does not fail the next job.
    """
    url = sa.make_url(settings.database_url())
    hidden = url.render_as_string(hide_password=True)
    kwargs: dict[str, Any] = {}
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite:
        _make_folder(url, hidden)
        kwargs["connect_args"] = {"timeout": _BUSY_SECONDS}
    else:
        kwargs["pool_pre_ping"] = True
        if url.get_driver_name() == "psycopg2":
            # Bulk UPDATEs (the ledger's) in pages instead of one round trip per row.
            kwargs["executemany_mode"] = "values_plus_batch"
    try:
        engine = sa.create_engine(url, **kwargs)
    except ImportError as exc:
        extra = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql"}.get(
            url.get_backend_name()
        )
        how = f"pip install 'banjian-monitor[{extra}]'" if extra else "install it"
        raise ConfigError(
            hidden, [f"needs the database driver {exc.name!r}, which is not installed ({how})"]
        ) from exc
    except sa.exc.ArgumentError as exc:
        raise ConfigError(
            hidden, [f"names a database kind or driver SQLAlchemy does not know: {exc}"]
        ) from exc
    if sqlite:
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "handle_error", _sqlite_write_refused)
    return engine


@contextmanager
def open_database(settings: Settings) -> Iterator[sa.Engine]:
    """The engine of ``[database] url`` with the schema brought up to date, for the ``with``
    block (created when missing; disposed at the end)."""
    engine = engine_for(settings)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


@contextmanager
def existing_database(settings: Settings) -> Iterator[sa.Engine | None]:
    """The engine of a database in which the monitor has run at least once, or None: for
    readers that must never create a database (an SQLite file) or change its schema."""
    url = sa.make_url(settings.database_url())
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite and (not url.database or not Path(url.database).is_file()):
        yield None
        return
    engine = sa.create_engine(url, pool_pre_ping=True)
    try:
        try:
            with engine.connect() as conn:
                ready = any_run(conn)
        except sa.exc.DBAPIError:
            ready = False
        yield engine if ready else None
    finally:
        engine.dispose()


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the newest by default); nothing to do when it is
    there already.

    Runs in one transaction (on PostgreSQL and SQLite a failed migration leaves nothing
    behind; MySQL / MariaDB commit each DDL statement). A database migrated by a newer
    version of the monitor (a revision this one does not know) is refused, not touched.
    Two processes that start on a new database at once (cron and the daemon) both migrate
    it: the one that loses finds the schema already there and goes on.
    """
    if revision == "head" and _at_newest(engine):
        return
    for attempt in range(_MIGRATION_ATTEMPTS):
        try:
            _upgrade_once(engine, revision)
            return
        except ConfigError:
            raced = current_revision(engine) == _target(revision)
            if raced:
                return
            if attempt == _MIGRATION_ATTEMPTS - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


def _at_newest(engine: sa.Engine) -> bool:
    """Whether the schema is at the newest revision, asked without Alembic: loading it and
    the migration scripts is a third of a second of every reader's start-up. The newest
    revision is the highest-numbered file in ``migrations/versions`` (``NNNN_name.py``,
    revision ``NNNN``; a test holds it to Alembic's head). False when in doubt: the caller
    then asks Alembic, which also explains any problem."""
    files = sorted((MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    if not files:
        return False
    try:
        with engine.connect() as conn:
            found = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    except (sa.exc.DBAPIError, ConfigError):  # e.g. a new SQLite file another process migrates
        return False
    return [row[0] for row in found] == [files[-1].name[:4]]


def _target(revision: str) -> str | None:
    """``revision`` with "head" as the newest revision this version knows."""
    return head_revision() if revision == "head" else revision


def _upgrade_once(engine: sa.Engine, revision: str) -> None:
    """One attempt of :func:`upgrade`."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = _config()
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    current: str | None = None
    with _connect(engine) as conn:
        try:
            with conn.begin():
                current = MigrationContext.configure(conn).get_current_revision()
                target = head if revision == "head" else revision
                if current == target:
                    return
                if current is not None and not _known(script, current):
                    raise ConfigError(
                        _shown(engine),
                        [
                            f"the database is at schema revision {current!r}, which this "
                            "version of the monitor does not know (a newer version migrated "
                            "it); upgrade the monitor"
                        ],
                    )
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
        except sa.exc.DBAPIError as exc:
            raise ConfigError(
                _shown(engine),
                [
                    f"the schema cannot be brought from revision {current or 'none'} to "
                    f"{head}: {_reason(exc, engine)}"
                ],
            ) from exc


def downgrade(engine: sa.Engine, revision: str) -> str | None:
    """Take the schema back to ``revision``, an earlier revision this version knows (a
    release's head, to roll back to that release with the ledger kept); returns the revision
    it was at. ConfigError for an unknown revision or one that is not earlier."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = _config()
    script = ScriptDirectory.from_config(config)
    if not _known(script, revision):
        known = ", ".join(sorted(s.revision for s in script.walk_revisions()))
        raise ConfigError(_shown(engine), [f"no schema revision {revision!r} (known: {known})"])
    with _connect(engine) as conn, conn.begin():
        current = MigrationContext.configure(conn).get_current_revision()
        if current is None or not _known(script, current):
            raise ConfigError(
                _shown(engine), [f"the database is at revision {current!r}: nothing to undo"]
            )
        if revision not in {r.revision for r in script.iterate_revisions(current, "base")}:
            raise ConfigError(
                _shown(engine),
                [f"revision {revision} is not earlier than the database's {current}"],
            )
        if revision != current:
            config.attributes["connection"] = conn
            command.downgrade(config, revision)
    return current


def current_revision(engine: sa.Engine) -> str | None:
    """The schema revision the database is at; None before the first :func:`upgrade`."""
    from alembic.runtime.migration import MigrationContext

    with _connect(engine) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest schema revision this version of the monitor knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, f"no migrations under {MIGRATIONS}"
    return head


def _config() -> Config:
    """Alembic's configuration, built in code (no alembic.ini)."""
    from alembic.config import Config

    config = Config()
    # ConfigParser interpolates "%": a folder name containing one must be escaped.
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


def _known(script: ScriptDirectory, revision: str) -> bool:
    """Whether ``revision`` is one of this version's migrations."""
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    try:
        return script.get_revision(revision) is not None
    except (RevisionError, CommandError):
        return False


@contextmanager
def _connect(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection, or a :class:`ConfigError` saying why there is none."""
    dbapi_error: type[Exception] = getattr(engine.dialect.loaded_dbapi, "Error", sa.exc.DBAPIError)
    try:
        conn = engine.connect()
    except (sa.exc.DBAPIError, dbapi_error) as exc:
        hint = (
            _sqlite_hint(engine.url)
            if engine.dialect.name == "sqlite"
            else "check [database] url, that the server is running, and the user name and password"
        )
        raise ConfigError(
            _shown(engine), [f"cannot connect to the database: {_reason(exc, engine)}; {hint}"]
        ) from exc
    with conn:
        yield conn


def _sqlite_hint(url: sa.URL) -> str:
    """What to check when an SQLite file cannot be opened."""
    folder = Path((url.database or "").removeprefix("file:")).parent
    return (
        "check [database] url, that the file is an SQLite database, and that the monitor may "
        f"write the file and its folder {folder} (SQLite keeps -wal and -shm files there)"
    )


def _shown(engine: sa.Engine) -> str:
    """The engine's URL with the password as ``***``."""
    return engine.url.render_as_string(hide_password=True)


def _reason(exc: BaseException, engine: sa.Engine) -> str:
    """The driver's own message, first line only, without the password."""
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    text = lines[0] if lines else type(orig).__name__
    password = engine.url.password
    if password:
        text = text.replace(str(password), "***")
    return text.rstrip(".")


def _make_folder(url: sa.URL, hidden: str) -> None:
    """Create the folder of an SQLite file (not for in-memory or ``file:`` URI databases)."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    folder = Path(database).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(hidden, [f"cannot create the folder {folder}: {exc.strerror}"]) from exc


def _sqlite_write_refused(context: sa.engine.ExceptionContext) -> None:
    """An SQLite file the monitor cannot write — read-only, or locked by another process for
    longer than the busy timeout — as a :class:`ConfigError` naming the file and the fix,
    wherever the statement was (migration, run record, ledger, outbox)."""
    name = str(getattr(context.original_exception, "sqlite_errorname", ""))
    if not name.startswith(("SQLITE_READONLY", "SQLITE_BUSY", "SQLITE_LOCKED")):
        return
    url = context.engine.url if context.engine is not None else None
    database = (url.database or "") if url is not None else ""
    file = Path(database.removeprefix("file:"))
    reason = str(context.original_exception)
    if name.startswith("SQLITE_READONLY"):
        read_only_url = url is not None and url.query.get("mode") == "ro"
        fix = (
            "remove mode=ro from [database] url"
            if read_only_url
            else f"give the user the monitor runs as write permission on the file and on its "
            f"folder {file.parent} (SQLite writes {file.name}-wal and {file.name}-shm there)"
        )
        problem = f"the SQLite database cannot be written ({reason}); {fix}"
    else:
        problem = (
            f"the SQLite database is locked by another process ({reason}, after waiting "
            f"{_BUSY_SECONDS:g} s for it); let that process finish (another monitor command, "
            f"a backup, an open sqlite3 shell: `fuser {file}` names it) and run this again"
        )
    raise ConfigError(str(file), [problem]) from context.original_exception


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """On each new SQLite connection: enforce foreign keys, use the WAL journal."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()
