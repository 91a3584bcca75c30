"""Upgrading keeps the ledger and the outbox (issue 15): a database left by an earlier release
— its schema at that release's head — is migrated by this one with every warning and its
history, acknowledgement, silence, run and queued message intact and usable: the warnings
list shows them with the acknowledgement in force, and the queued message is then sent.

Releases so far and their schema heads are in docs/operations.md ("Upgrade"). The test starts
from every earlier revision, the previous release's among them, on each database backend.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor import __version__
from monitor.db.engine import current_revision, downgrade, head_revision, upgrade
from tests.monitor.test_alerts import GAJ, GAJ_TO, SENDER, monitor, url_of

#: The schema head of each release (docs/operations.md lists the same).
RELEASE_HEADS = {"0.1.0": "0008", "0.2.0": "0009", "0.3.0": "0010"}
EARLIER = ["0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008"]
AT = dt.datetime(2025, 3, 13, 9, 0)


def table(name: str, *columns: str) -> sa.TableClause:
    """``name`` with the columns revision 0001 gave it (quoted as each dialect needs)."""
    return sa.table(name, *(sa.column(c) for c in columns))


def old_ledger(engine: sa.Engine) -> None:
    """What a release at revision 0001 or later wrote: a run, a warning with two events, an
    acknowledgement, a silence and a queued message."""
    with engine.begin() as conn:
        conn.execute(
            sa.insert(table("runs", "job", "started_at", "at", "finished_at", "status")).values(
                job="alert", started_at=AT, at=AT, finished_at=AT, status="ok"
            )
        )
        conn.execute(
            sa.insert(
                table(
                    "warnings",
                    "case_id",
                    "obligation",
                    "department",
                    "item_code",
                    "item_name",
                    "deadline",
                    "level",
                    "late_workdays",
                    "first_seen_at",
                    "level_since",
                    "last_notified_level",
                    "last_notified_at",
                )
            ).values(
                case_id="B003",
                obligation="completion",
                department=GAJ,
                item_code="330200-001",
                item_name="户口迁移",
                deadline=dt.date(2025, 3, 11),
                level="overdue",
                late_workdays=2,
                first_seen_at=AT - dt.timedelta(days=2),
                level_since=AT,
                last_notified_level="overdue",
                last_notified_at=AT,
            )
        )
        events = table("warning_events", "warning_id", "run_id", "at", "from_level", "to_level")
        conn.execute(
            sa.insert(events).values(
                warning_id=1,
                run_id=1,
                at=AT - dt.timedelta(days=2),
                from_level=None,
                to_level="warning",
            )
        )
        conn.execute(
            sa.insert(events).values(
                warning_id=1, run_id=1, at=AT, from_level="warning", to_level="overdue"
            )
        )
        conn.execute(
            sa.insert(table("acks", "case_id", "obligation", "level", "by", "note", "at")).values(
                case_id="B003",
                obligation="completion",
                level="overdue",
                by="王科长",
                note="已电话催办",
                at=AT + dt.timedelta(hours=1),
            )
        )
        conn.execute(
            sa.insert(
                table("silences", "department", "item_code", "until", "reason", "by", "created_at")
            ).values(
                department="县人力资源和社会保障局",
                item_code=None,
                until=AT + dt.timedelta(days=30),
                reason="系统迁移",
                by="office",
                created_at=AT,
            )
        )
        conn.execute(
            sa.insert(
                table(
                    "notifications",
                    "key",
                    "kind",
                    "run_id",
                    "recipients",
                    "subject",
                    "body_text",
                    "body_html",
                    "case_count",
                    "created_at",
                    "status",
                    "attempts",
                    "next_attempt_at",
                )
            ).values(
                key="k-old",
                kind="alert",
                run_id=1,
                recipients=GAJ_TO,
                subject="【办件预警】县公安局:超期 1 件",
                body_text="B003 超期 2 个工作日",
                body_html="<p>B003 超期 2 个工作日</p>",
                case_count=1,
                created_at=AT,
                status="queued",
                attempts=1,
                next_attempt_at=AT,
            )
        )


def config(tmp_path: Path, engine: sa.Engine) -> str:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "{url_of(engine)}"\n[mail]\ntransport = "file"\nfrom = "{SENDER}"\n'
        f'[mail.file]\ndir = "{tmp_path / "mail"}"\n',
        encoding="utf-8",
    )
    return str(path)


def test_each_release_head_is_in_the_docs_and_this_release_is_at_head() -> None:
    """A migration added without a new version number fails here: the release that ships
    it must be a new one, with its head written down."""
    assert RELEASE_HEADS.get(__version__, head_revision()) == head_revision()
    text = (Path(__file__).parents[2] / "docs" / "operations.md").read_text(encoding="utf-8")
    for release, head in RELEASE_HEADS.items():
        assert f"| {release} | {head} |" in text


@pytest.mark.parametrize("revision", EARLIER)
def test_an_earlier_ledger_and_outbox_survive_the_upgrade(
    engine: sa.Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], revision: str
) -> None:
    upgrade(engine, revision)
    old_ledger(engine)
    path = config(tmp_path, engine)
    code, out, err = monitor(capsys, "db", "upgrade", "--config", path)
    assert (code, err) == (0, "") and current_revision(engine) == head_revision()

    code, out, _ = monitor(
        capsys, "warnings", "--format", "json", "--at", "2025-03-13T12:00", "--config", path
    )
    assert code == 0
    data = json.loads(out)
    (warning,) = data["warnings"]
    assert (warning["ref"], warning["case_id"], warning["level"]) == ("W1", "B003", "overdue")
    assert warning["late_workdays"] == 2 and warning["deadline"] == "2025-03-11"
    assert [e["to_level"] for e in warning["history"]] == ["warning", "overdue"]
    assert warning["ack"]["by"] == "王科长" and warning["ack"]["note"] == "已电话催办"
    assert [s["reason"] for s in data["silences"]] == ["系统迁移"]

    code, out, _ = monitor(capsys, "outbox", "--config", path)
    assert code == 0 and "#1 queued attempts 1" in out and f"→ {GAJ_TO}" in out
    # The message queued before the upgrade goes out after it, once.
    from monitor.config import load_settings
    from monitor.db.engine import engine_for
    from monitor.notify.mail import transport_for
    from monitor.notify.outbox import deliver

    settings = load_settings(path)
    done = deliver(engine_for(settings), transport_for(settings), settings, AT, None, window=False)
    assert (done.sent, done.dead, done.failed) == (1, 0, 0)
    (sent,) = (tmp_path / "mail").glob("*.eml")
    assert "B003" in sent.read_text(encoding="utf-8")


def test_a_rollback_keeps_the_ledger_and_the_outbox(
    engine: sa.Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``monitor db downgrade`` to an earlier release's head (here 0005, before the answers
    tables), with the newer release installed: the rows an older release knows stay."""
    upgrade(engine, "0001")
    old_ledger(engine)
    path = config(tmp_path, engine)
    assert monitor(capsys, "db", "upgrade", "--config", path)[0] == 0
    code, out, err = monitor(capsys, "db", "downgrade", "0005", "--config", path)
    assert (code, err) == (0, "")
    assert out.startswith(f"database at revision 0005 (was {head_revision()}); now install")
    assert current_revision(engine) == "0005"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT case_id, level FROM warnings")).all() == [
            ("B003", "overdue")
        ]
        assert conn.execute(sa.text("SELECT COUNT(*) FROM warning_events")).scalar() == 2
        assert conn.execute(sa.text("SELECT note FROM acks")).scalar() == "已电话催办"
        assert conn.execute(sa.text("SELECT status FROM notifications")).scalar() == "queued"
        tables = set(sa.inspect(conn).get_table_names())
    assert "answers" not in tables and "warnings" in tables
    # Asking for a revision that is not earlier, or one that does not exist: exit 2, no change.
    code, _, err = monitor(capsys, "db", "downgrade", "0007", "--config", path)
    assert code == 2 and "revision 0007 is not earlier than the database's 0005" in err
    code, _, err = monitor(capsys, "db", "downgrade", "0042", "--config", path)
    assert code == 2 and "no schema revision '0042' (known: 0001, 0002" in err
    assert current_revision(engine) == "0005"


def test_every_migration_can_be_undone_and_redone_with_the_data(engine: sa.Engine) -> None:
    upgrade(engine, "0001")
    old_ledger(engine)
    upgrade(engine)
    assert downgrade(engine, "0001") == head_revision()
    assert current_revision(engine) == "0001"
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM warnings")).scalar() == 1
        assert conn.execute(sa.text("SELECT COUNT(*) FROM acks")).scalar() == 1
        assert conn.execute(sa.text("SELECT COUNT(*) FROM notifications")).scalar() == 1
