"""The case store over a SQL source with a change column (issue 13), on SQLite, PostgreSQL and
MariaDB: each run asks only for the rows changed since the watermark less the margin;
inserts, updates and a late-arriving change inside the margin are taken, a change older than
the margin and a deleted row wait for the rebuild (the full reconciliation), and after each
run ``store verify`` says whether the store equals a fresh evaluation of the source.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.config import Settings
from monitor.db.engine import upgrade
from monitor.store.update import update_store
from monitor.store.verify import verify_store
from tests.monitor.test_alerts import HEADER, ROWS, THU, url_of

HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)
COLUMNS = HEADER.split(",")
TIMES = {"申请时间", "补正时间", "受理时间", "办结时间"}


def row(text: str, changed: dt.datetime) -> dict[str, object]:
    """A row of ``test_alerts.ROWS`` as the case system's table holds it, with 更新时间."""
    values = next(csv.reader(io.StringIO(text)))
    out: dict[str, object] = {}
    for name, value in zip(COLUMNS, values, strict=True):
        if name in TIMES:
            out[name] = dt.datetime.fromisoformat(value) if value else None
        else:
            out[name] = value or None
    return out | {"更新时间": changed}


@pytest.fixture
def source(engine: sa.Engine, tmp_path: Path) -> Iterator[tuple[sa.Engine, sa.Table]]:
    """The case system's table: in its own SQLite file, or a uniquely named table on the
    PostgreSQL / MariaDB server of ``engine``."""
    if engine.dialect.name == "sqlite":
        src = sa.create_engine(f"sqlite:///{tmp_path / 'source.db'}")
    else:
        src = sa.create_engine(url_of(engine))
    meta = sa.MetaData()
    columns = [sa.Column(c, sa.DateTime if c in TIMES else sa.String(200)) for c in COLUMNS] + [
        sa.Column("更新时间", sa.DateTime, nullable=False)
    ]
    table = sa.Table(f"src_{uuid.uuid4().hex[:8]}", meta, *columns)
    meta.create_all(src)
    try:
        yield src, table
    finally:
        meta.drop_all(src)
        src.dispose()


def settings_for(engine: sa.Engine, src: sa.Engine, table: sa.Table, tmp_path: Path) -> Settings:
    return Settings(
        base_dir=tmp_path,
        database={"url": url_of(engine)},
        source={
            "url": src.url.render_as_string(hide_password=False),
            "query": f"SELECT * FROM {table.name}",
            "changed_column": "更新时间",
        },
        store={"enabled": True, "margin_minutes": 10},
    )


def test_each_run_reads_what_changed_since_the_watermark(
    engine: sa.Engine, source: tuple[sa.Engine, sa.Table], tmp_path: Path
) -> None:
    upgrade(engine)
    src, table = source
    yesterday = THU - 24 * HOUR
    with src.begin() as conn:
        for case in ("B001", "B002", "B003", "B004"):
            conn.execute(table.insert().values(row(ROWS[case], yesterday)))
        conn.execute(table.insert().values(row(ROWS["B005"], yesterday + HOUR)))
    settings = settings_for(engine, src, table, tmp_path)
    first = update_store(settings, engine, THU)
    assert (first.state.rows_read, first.state.cases, first.state.open_cases) == (5, 5, 4)
    assert first.state.watermark == (yesterday + HOUR).isoformat(sep=" ")

    # B003 is completed at 10:30 and the table says so at 10:31; B006 arrives.
    done = (
        ROWS["B003"]
        .replace(",,5个", ",,5个")
        .replace("2025-03-07 10:00:00,,", "2025-03-07 10:00:00,2025-03-13 10:30:00,")
        .replace("办理中", "已办结")
    )
    b006 = ROWS["B004"].replace("B004", "B006")
    with src.begin() as conn:
        conn.execute(
            table.update().where(table.c["办件编号"] == "B003").values(row(done, THU + 91 * MINUTE))
        )
        conn.execute(table.insert().values(row(b006, THU + 95 * MINUTE)))
    second = update_store(settings, engine, THU + 2 * HOUR)
    # Read: B005 (at the watermark, unchanged), B003 and B006; not the three stamped an
    # hour before the watermark, outside the margin.
    assert (second.state.rows_read, second.state.changed) == (3, 2)
    assert (second.state.cases, second.state.open_cases) == (6, 4)  # B003 closed, B006 open
    assert second.state.watermark == (THU + 95 * MINUTE).isoformat(sep=" ")
    assert verify_store(settings, engine).ok

    # A change committed late, stamped 5 minutes before the watermark: inside the margin.
    late = ROWS["B004"].replace("B004", "B007")
    with src.begin() as conn:
        conn.execute(table.insert().values(row(late, THU + 90 * MINUTE)))
    third = update_store(settings, engine, THU + 3 * HOUR)
    # Read: B003 (91 min) and B006 (95) again, inside the margin and unchanged (they cost
    # no evaluation), and B007.
    assert (third.state.rows_read, third.state.changed, third.state.cases) == (3, 1, 7)
    assert verify_store(settings, engine).ok

    # Older than the margin (a row stamped two hours back), and a deleted row: only the
    # rebuild sees them; verify says what differs until then.
    older = ROWS["B004"].replace("B004", "B008")
    with src.begin() as conn:
        conn.execute(table.insert().values(row(older, THU - HOUR)))
        conn.execute(table.delete().where(table.c["办件编号"] == "B002"))
    fourth = update_store(settings, engine, THU + 4 * HOUR)
    assert (fourth.state.rows_read, fourth.state.changed) == (3, 0)  # B003, B006, B007 again
    found = verify_store(settings, engine).differences
    assert "case B002: in the store, not in the source" in found
    assert "case B008: in the source, not in the store" in found
    rebuilt = update_store(settings, engine, THU + 5 * HOUR, rebuild=True)
    assert (rebuilt.state.rows_read, rebuilt.vanished, rebuilt.state.cases) == (7, 1, 7)
    assert verify_store(settings, engine).ok


def test_a_change_column_that_is_not_in_the_query_is_one_clear_error(
    engine: sa.Engine, source: tuple[sa.Engine, sa.Table], tmp_path: Path
) -> None:
    from monitor.errors import InputError

    upgrade(engine)
    src, table = source
    with src.begin() as conn:
        conn.execute(table.insert().values(row(ROWS["B001"], THU)))
    settings = settings_for(engine, src, table, tmp_path)
    update_store(settings, engine, THU)
    wrong = settings.model_copy(
        update={"source": settings.source.model_copy(update={"changed_column": "修改时间"})}
    )
    with pytest.raises(InputError, match=r"\[source\] changed_column '修改时间'"):
        update_store(wrong, engine, THU + HOUR)


def test_a_calendar_change_and_the_report_over_a_sql_source(
    engine: sa.Engine, source: tuple[sa.Engine, sa.Table], tmp_path: Path
) -> None:
    """A closure added on Monday 17 March after the store was made: the next run moves the
    deadlines of B004 and B006 (accepted 11 March, 10 working days: the 25th → the 26th);
    the store verifies, and the month's report from it equals the one read from the source."""
    import json

    from monitor.reports.run import run_report

    upgrade(engine)
    src, table = source
    with src.begin() as conn:
        for case in ("B001", "B002", "B003", "B004", "B005"):
            conn.execute(table.insert().values(row(ROWS[case], THU - HOUR)))
        conn.execute(table.insert().values(row(ROWS["B004"].replace("B004", "B006"), THU)))
    settings = settings_for(engine, src, table, tmp_path)
    update_store(settings, engine, THU)
    closed = settings.model_copy(
        update={
            "calendar": settings.calendar.model_copy(
                update={"extra_holidays": [dt.date(2025, 3, 17)]}
            )
        }
    )
    moved = update_store(closed, engine, THU + HOUR).moved
    assert sorted(moved["case_id"]) == ["B004", "B006"]
    assert {str(d) for d in moved["old_deadline"]} == {"2025-03-25"}
    assert {str(d) for d in moved["new_deadline"]} == {"2025-03-26"}
    assert verify_store(closed, engine).ok
    reports = {}
    for name, store in (("stored", True), ("fresh", False)):
        chosen = closed.model_copy(
            update={"store": closed.store.model_copy(update={"enabled": store})}
        )
        out = tmp_path / name
        run_report(chosen, "2025-03", THU + 2 * HOUR, out_dir=out)
        data = json.loads((out / "2025-03.json").read_text(encoding="utf-8"))
        data.pop("generated_at", None)
        data.pop("source", None)
        reports[name] = data
    assert reports["stored"] == reports["fresh"]
