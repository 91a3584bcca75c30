"""The monitor's database: engine, migrations and connection errors, on every backend."""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from monitor.config import Settings
from monitor.db.engine import MIGRATIONS, current_revision, engine_for, head_revision, upgrade
from monitor.db.tables import metadata, runs
from monitor.errors import ConfigError
from tests.monitor.test_upgrade import old_ledger

MONITOR_TABLES = {
    "runs", "warnings", "warning_events", "notifications", "acks", "silences", "answers", "users"
}  # fmt: skip


def test_upgrade_creates_the_tables_and_is_idempotent(engine: sa.Engine) -> None:
    assert current_revision(engine) is None
    assert not MONITOR_TABLES & set(sa.inspect(engine).get_table_names())

    upgrade(engine)
    assert MONITOR_TABLES | {"alembic_version"} <= set(sa.inspect(engine).get_table_names())
    assert current_revision(engine) == head_revision()

    upgrade(engine)  # again: nothing to do, nothing breaks
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM alembic_version")).scalar() == 1


def test_head_revision_is_the_newest_migration() -> None:
    assert head_revision() == "0010"


def test_each_migration_file_is_named_after_its_revision() -> None:
    # upgrade() finds a current schema without Alembic by the highest-numbered file name.
    files = sorted((MIGRATIONS / "versions").glob("[0-9]*.py"))
    revisions = [re.search(r'^revision: str = "(\w+)"', f.read_text(), re.M) for f in files]
    assert [m.group(1) if m else None for m in revisions] == [f.name[:4] for f in files]
    assert files[-1].name[:4] == head_revision()


def test_upgrade_of_a_current_schema_leaves_alembic_unloaded(engine: sa.Engine) -> None:
    upgrade(engine)
    code = (
        "import sys, sqlalchemy as sa\n"
        "from monitor.db.engine import upgrade\n"
        f"upgrade(sa.create_engine({engine.url.render_as_string(hide_password=False)!r}))\n"
        "print('alembic' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr


def test_upgrading_an_older_database_keeps_its_data(engine: sa.Engine) -> None:
    # A database at revision 0001 with a queued message, as an earlier version left it
    # (tests/monitor/test_upgrade.py: the whole ledger, from every earlier revision).
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    old_ledger(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    new = sa.table(
        "notifications",
        *(
            sa.column(c)
            for c in ("key", "status", "attachment", "cases", "delivered_to", "sending_since")
        ),
    )
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*new.c)).all()
    # Revision 0004: no case lines for an old message; 0005: nobody has it yet, and it is not
    # half sent.
    assert [tuple(r) for r in rows] == [("k-old", "queued", None, None, None, None)]


def test_migrated_schema_matches_the_models(migrated_engine: sa.Engine) -> None:
    inspector = sa.inspect(migrated_engine)
    for table in metadata.sorted_tables:
        columns = [c["name"] for c in inspector.get_columns(table.name)]
        assert columns == [c.name for c in table.columns], table.name
        nullable = {c["name"]: c["nullable"] for c in inspector.get_columns(table.name)}
        assert nullable == {c.name: c.nullable for c in table.columns}, table.name
        indexes = {i["name"]: bool(i["unique"]) for i in inspector.get_indexes(table.name)}
        for index in table.indexes:  # each model index, unique or not as the model says
            assert indexes.get(index.name) == bool(index.unique), (table.name, index.name)
    uniques = {u["name"] for u in inspector.get_unique_constraints("warnings")}
    assert "uq_warnings_case_obligation" in uniques
    # Alembic's own comparison (types included) finds nothing to migrate.
    with migrated_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_times_keep_their_microseconds(migrated_engine: sa.Engine) -> None:
    at = dt.datetime(2024, 3, 20, 10, 15, 30, 123456)
    with migrated_engine.begin() as conn:
        conn.execute(runs.insert().values(job="alert", started_at=at, at=at, status="ok"))
    with migrated_engine.connect() as conn:
        assert conn.execute(sa.select(runs.c.at)).scalar_one() == at


def test_unknown_revision_is_refused(migrated_engine: sa.Engine) -> None:
    with migrated_engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'ffff9999'"))
    with pytest.raises(ConfigError, match="revision 'ffff9999', which this version"):
        upgrade(migrated_engine)


def test_sqlite_folder_foreign_keys_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "monitor.db"
    engine = engine_for(Settings(database={"url": f"sqlite:///{path}"}))
    try:
        upgrade(engine)
        assert path.is_file()
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            with pytest.raises(sa.exc.IntegrityError):  # foreign keys are enforced
                conn.exec_driver_sql(
                    "INSERT INTO warning_events (warning_id, at, to_level) "
                    "VALUES (12345, '2024-03-20 10:00:00', 'warning')"
                )
    finally:
        engine.dispose()


def test_relative_sqlite_path_is_under_the_config_folder(tmp_path: Path) -> None:
    settings = Settings(database={"url": "sqlite:///var/monitor.db"}, base_dir=tmp_path)
    engine = engine_for(settings)
    try:
        upgrade(engine)
        assert (tmp_path / "var" / "monitor.db").is_file()
    finally:
        engine.dispose()


def test_unreachable_server_is_a_config_error_without_the_password() -> None:
    settings = Settings(database={"url": "postgresql+psycopg2://postgres:s3cret@127.0.0.1:1/x"})
    engine = engine_for(settings)
    for call in (upgrade, current_revision):
        with pytest.raises(ConfigError) as err:
            call(engine)
        message = str(err.value)
        assert message.startswith("postgresql+psycopg2://postgres:***@127.0.0.1:1/x: ")
        assert "cannot connect to the database" in message
        assert "s3cret" not in message


def test_password_from_the_environment_is_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_TEST_DB_PASSWORD", "s3cret")
    settings = Settings(
        database={
            "url": "postgresql+psycopg2://postgres@127.0.0.1:1/x",
            "password_env": "MONITOR_TEST_DB_PASSWORD",
        }
    )
    with pytest.raises(ConfigError) as err:
        upgrade(engine_for(settings))
    assert "s3cret" not in str(err.value)
    assert "postgres:***@127.0.0.1:1/x" in str(err.value)


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "not-a.db"
    path.write_bytes(b"this is no SQLite file, just text " * 100)
    engine = engine_for(Settings(database={"url": f"sqlite:///{path}"}))
    with pytest.raises(ConfigError, match="cannot connect to the database: file is not a database"):
        upgrade(engine)


def test_missing_or_unknown_driver_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"needs the database driver 'cx_Oracle', which is not"):
        engine_for(Settings(database={"url": "oracle+cx_oracle://u:pw@h/x"}))
    with pytest.raises(ConfigError, match=r"^mssql\+nosuchdriver://u:\*\*\*@h/x: names a data"):
        engine_for(Settings(database={"url": "mssql+nosuchdriver://u:pw@h/x"}))


# --- an SQLite file the monitor cannot write (issue 10, item 24) -----------------------------


def _monitor_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``monitor ARGS`` in-process: exit code, out, err."""
    from monitor.cli import main

    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


#: Names the department the silence mutes, so that it is not refused as a likely typo.
KNOWN_DEPARTMENT = '[rules.departments."县气象局"]\nwarn_before_days = 1\n'


def _silence_args(config: Path) -> list[str]:
    """A command that writes one row (a silence) into the database of ``config``. The
    department is in ``[rules.departments]`` of that config, so the name is known."""
    return ["silence", "--department", "县气象局", "--until", "2030-01-01", "--reason", "迁移",
            "--config", str(config)]  # fmt: skip


def _existing_database(tmp_path: Path) -> Path:
    """An SQLite file at the newest schema (made as the monitor makes it), engine closed."""
    path = tmp_path / "var" / "monitor.db"
    engine = engine_for(Settings(database={"url": f"sqlite:///{path}"}))
    upgrade(engine)
    engine.dispose()
    return path


def test_read_only_sqlite_uri_is_one_line_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real file opened read-only by SQLite itself (``?mode=ro``): the same
    SQLITE_READONLY a file without write permission gives, also when the tests run as root
    (whom chmod does not stop)."""
    path = _existing_database(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///file:{path}?mode=ro&uri=true"\n{KNOWN_DEPARTMENT}'
    )
    code, out, err = _monitor_cli(capsys, *_silence_args(config))
    assert (code, out) == (2, "")
    assert err == (
        f"error: {path}: the SQLite database cannot be written (attempt to write a readonly "
        "database); remove mode=ro from [database] url\n"
    )
    assert not (tmp_path / "file:").exists()  # the URI names the file, not a folder "file:"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes files whatever their permissions")
def test_read_only_sqlite_file_names_the_permissions_to_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _existing_database(tmp_path)
    path.chmod(0o444)
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{path}"\n{KNOWN_DEPARTMENT}')
    try:
        code, out, err = _monitor_cli(capsys, *_silence_args(config))
    finally:
        path.chmod(0o644)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {path}: the SQLite database cannot be written (")
    assert err.endswith(
        f"give the user the monitor runs as write permission on the file and on its folder "
        f"{path.parent} (SQLite writes monitor.db-wal and monitor.db-shm there)\n"
    )
    assert err.count("\n") == 1


def test_locked_sqlite_database_is_one_line_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Another process's connection holds the write lock (BEGIN IMMEDIATE and an
    uncommitted insert) for longer than the monitor waits."""
    path = _existing_database(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{path}"\n{KNOWN_DEPARTMENT}')
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute(
            "INSERT INTO runs (job, started_at, at, status) "
            "VALUES ('report', '2025-03-13 09:00:00', '2025-03-13 09:00:00', 'running')"
        )
        started = time.monotonic()
        code, out, err = _monitor_cli(capsys, *_silence_args(config))
        waited = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert (code, out) == (2, "")
    assert err == (
        f"error: {path}: the SQLite database is locked by another process (database is "
        "locked, after waiting 5 s for it); let that process finish (another monitor command, "
        f"a backup, an open sqlite3 shell: `fuser {path}` names it) and run this again\n"
    )
    assert 5 <= waited < 15
    # Once the lock is gone the same command works.
    code, out, err = _monitor_cli(capsys, *_silence_args(config))
    assert (code, err) == (0, "")
