"""The office's users (issue 11): `monitor user add|passwd|remove|list`, passwords stored as
scrypt hashes, checked without telling which names exist."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.db.tables import users
from monitor.web.users import check_user
from tests.monitor.test_alerts import monitor


@pytest.fixture
def config(tmp_path: Path) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "m.db"}"\n', encoding="utf-8")
    return str(path)


def test_add_check_change_and_remove_a_user(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert monitor(capsys, "user", "add", "zhangsan", "--password", "correct horse", "--config",
                   config) == (0, "user zhangsan added\n", "")  # fmt: skip
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.connect() as conn:
        stored = conn.execute(sa.select(users.c.password_hash)).scalar()
        assert stored.startswith("scrypt:") and "correct horse" not in stored
        assert check_user(conn, "zhangsan", "correct horse")
        assert not check_user(conn, "zhangsan", "wrong horse")
        assert not check_user(conn, "lisi", "correct horse")
    assert monitor(capsys, "user", "passwd", "zhangsan", "--password", "battery staple!",
                   "--config", config)[0] == 0  # fmt: skip
    with engine.connect() as conn:
        assert check_user(conn, "zhangsan", "battery staple!")
        assert not check_user(conn, "zhangsan", "correct horse")
    assert monitor(capsys, "user", "list", "--config", config) == (0, "zhangsan\n", "")
    assert monitor(capsys, "user", "remove", "zhangsan", "--config", config)[0] == 0
    with engine.connect() as conn:
        assert not check_user(conn, "zhangsan", "battery staple!")
    engine.dispose()


def test_refusals_are_one_line(config: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = monitor(capsys, "user", "add", "zhangsan", "--password", "short", "--config",
                           config)  # fmt: skip
    assert (code, err) == (2, "error: a password has at least 10 characters\n")
    monitor(capsys, "user", "add", "zhangsan", "--password", "long enough pw", "--config", config)
    code, _, err = monitor(capsys, "user", "add", "zhangsan", "--password", "long enough pw",
                           "--config", config)  # fmt: skip
    assert (code, err) == (
        2,
        "error: user 'zhangsan' exists already (monitor user passwd changes a password)\n",
    )
    code, _, err = monitor(capsys, "user", "remove", "lisi", "--config", config)
    assert (code, err) == (2, "error: there is no user 'lisi'\n")
