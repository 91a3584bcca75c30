"""Cases from a SQL table through ``[source] url + query``, on every database backend.

SQLite always runs. PostgreSQL and MariaDB/MySQL run when ``MONITOR_TEST_POSTGRES_URL`` /
``MONITOR_TEST_MYSQL_URL`` name a server (``.ci/run`` sets both); otherwise they are skipped.
Each test creates its own table, with Chinese column names, and drops it afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from monitor.cases.load import load_cases
from monitor.config import Settings
from monitor.errors import InputError

T = pd.Timestamp
ENV = {"postgres": "MONITOR_TEST_POSTGRES_URL", "mysql": "MONITOR_TEST_MYSQL_URL"}

ROWS = [
    {
        "办件编号": "00123",
        "实施部门": "县市场监督管理局",
        "申请时间": dt.datetime(2024, 3, 5, 10, 20),
        "受理时间": dt.datetime(2024, 3, 5, 11, 0),
        "办结时间": dt.datetime(2024, 3, 12, 16, 0),
        "承诺时限": "20个工作日",
        "异地通办": 1,
        "暂停天数": 2,
    },
    {
        "办件编号": "00124",
        "实施部门": "县人力资源和社会保障局",
        "申请时间": dt.datetime(2024, 3, 6, 9, 0),
        "受理时间": None,
        "办结时间": None,
        "承诺时限": "即办",
        "异地通办": 0,
        "暂停天数": None,
    },
    {
        "办件编号": "00125",
        "实施部门": "县人力资源和社会保障局",
        "申请时间": dt.datetime(2024, 3, 6, 9, 0),
        "受理时间": dt.datetime(2024, 3, 5, 9, 0),  # accepted before submitted
        "办结时间": None,
        "承诺时限": "15自然日",
        "异地通办": None,
        "暂停天数": None,
    },
]


@dataclass
class Db:
    url: str
    table: str


SERVERS = [
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mysql", marks=pytest.mark.mysql),
]


def server_url(kind: str) -> str:
    """The URL of the test server of ``kind`` from the environment; skip the test without."""
    url = os.environ.get(ENV[kind])
    if not url:
        pytest.skip(f"{ENV[kind]} is not set (no {kind} server to test on)")
    return url


@pytest.fixture(params=["sqlite", *SERVERS])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'source.db'}"
    return server_url(request.param)


@pytest.fixture
def case_table(backend_url: str) -> Iterator[Db]:
    """A fresh table of ``ROWS`` (Chinese column names), dropped afterwards."""
    name = f"banjian_{uuid.uuid4().hex[:12]}"
    meta = sa.MetaData()
    table = sa.Table(
        name,
        meta,
        sa.Column("办件编号", sa.String(32)),
        sa.Column("实施部门", sa.String(64)),
        sa.Column("申请时间", sa.DateTime),
        sa.Column("受理时间", sa.DateTime),
        sa.Column("办结时间", sa.DateTime),
        sa.Column("承诺时限", sa.String(16)),
        sa.Column("异地通办", sa.SmallInteger),
        sa.Column("暂停天数", sa.Integer),
    )
    engine = sa.create_engine(backend_url)
    try:
        meta.create_all(engine)
        with engine.begin() as conn:
            conn.execute(table.insert(), ROWS)
        yield Db(backend_url, name)
    finally:
        meta.drop_all(engine)
        engine.dispose()


def _quote(url: str, name: str) -> str:
    return sa.create_engine(url).dialect.identifier_preparer.quote(name)


def test_cases_from_a_query(case_table: Db) -> None:
    query = f"SELECT * FROM {case_table.table} ORDER BY {_quote(case_table.url, '办件编号')}"
    loaded = load_cases(Settings(source={"url": case_table.url, "query": query}))

    assert loaded.rows_read == 3
    assert loaded.source.startswith("query on ")
    assert loaded.encoding is None
    cases = loaded.cases
    assert cases["source_row"].tolist() == [1, 2]  # rows of a query count from 1
    assert cases["case_id"].tolist() == ["00123", "00124"]
    assert cases["department"].tolist() == ["县市场监督管理局", "县人力资源和社会保障局"]
    assert cases["submitted_at"].tolist() == [T("2024-03-05 10:20"), T("2024-03-06 09:00")]
    assert cases["accepted_at"].iloc[0] == T("2024-03-05 11:00")
    assert pd.isna(cases["accepted_at"].iloc[1])
    assert cases["completed_at"].iloc[0] == T("2024-03-12 16:00")
    assert cases["promised_limit"].tolist() == [20.0, 0.0]
    assert cases["cross_region"].tolist() == [True, False]
    assert cases["suspended_days"].tolist() == [2.0, 0.0]
    assert loaded.quality[["source_row", "case_id", "field", "reason"]].values.tolist() == [
        [3, "00125", "accepted_at", "accepted before submitted"]
    ]


def test_query_with_renamed_columns_and_config_mapping(case_table: Db) -> None:
    q = _quote(case_table.url, "办件编号")
    d = _quote(case_table.url, "实施部门")
    s = _quote(case_table.url, "申请时间")
    query = (
        f"SELECT {q} AS biz_no, {d} AS unit, {s} AS submitted_at FROM {case_table.table} "
        f"WHERE {q} = '00124'"
    )
    settings = Settings(
        source={
            "url": case_table.url,
            "query": query,
            "columns": {"biz_no": "case_id", "unit": "department"},
        }
    )
    cases = load_cases(settings).cases
    assert cases[["case_id", "department"]].values.tolist() == [["00124", "县人力资源和社会保障局"]]
    assert cases["submitted_at"].tolist() == [T("2024-03-06 09:00")]


def test_missing_table_is_an_input_error(backend_url: str) -> None:
    query = "SELECT * FROM no_such_banjian_table"
    with pytest.raises(
        InputError, match=r"^\[source\] query on .* failed: .*no_such_banjian_table"
    ):
        load_cases(Settings(source={"url": backend_url, "query": query}))


def test_query_returning_no_rows(case_table: Db) -> None:
    query = f"SELECT * FROM {case_table.table} WHERE 1 = 0"
    with pytest.raises(InputError, match="has a header but no rows"):
        load_cases(Settings(source={"url": case_table.url, "query": query}))


@pytest.mark.postgres
def test_error_does_not_show_the_password() -> None:
    url = server_url("postgres")
    # The local server trusts 127.0.0.1, so it ignores the (fake) password and runs the query.
    with_password = sa.make_url(url).set(password="s3cret").render_as_string(hide_password=False)
    assert "s3cret" in with_password
    settings = Settings(source={"url": with_password, "query": "SELECT * FROM no_such_table"})
    with pytest.raises(InputError) as err:
        load_cases(settings)
    message = str(err.value)
    assert "s3cret" not in message
    assert "***" in message
    assert 'relation "no_such_table" does not exist' in message


@pytest.mark.parametrize("kind", SERVERS)
def test_password_from_password_env_is_not_shown(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``[source] password_env`` names the variable holding the password; errors hide it."""
    url = server_url(kind)
    monkeypatch.setenv("MONITOR_TEST_SOURCE_PASSWORD", "s3cret")
    settings = Settings(
        source={
            "url": url,
            "query": "SELECT * FROM no_such_table",
            "password_env": "MONITOR_TEST_SOURCE_PASSWORD",
        }
    )
    with pytest.raises(InputError) as err:
        load_cases(settings)
    assert "s3cret" not in str(err.value)
