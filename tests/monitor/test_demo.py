"""`monitor demo`: generates a county, runs the main job, ends by saying where to look."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from monitor.config import Settings
from monitor.demo.run import demo_as_of, run_demo


def test_demo_writes_cases_and_reports_them(tmp_path: Path) -> None:
    lines: list[str] = []
    settings = Settings(base_dir=tmp_path)
    path = run_demo(
        settings, n_cases=3000, seed=1, now=dt.datetime(2026, 8, 20, 9, 0), echo=lines.append
    )
    assert path == tmp_path / "var" / "demo" / "cases.csv"
    frame = pd.read_csv(path, dtype=str)
    # 3000 cases plus max(5, 3000 // 5000) = 5 planted bad rows.
    assert len(frame) == 3005
    assert frame["实施部门"].nunique() >= 30
    submitted = pd.to_datetime(frame["申请时间"], errors="coerce").dropna()
    # Four months back from the demo's now, to the first of the month.
    assert submitted.min() >= pd.Timestamp("2026-04-01")
    assert submitted.max() <= pd.Timestamp("2026-08-20 09:00")
    text = "\n".join(lines)
    assert "rows read   3,005" in text
    assert "Where to look:" in text
    assert lines[-1].startswith("  config")


def test_demo_now_stays_inside_known_years() -> None:
    settings = Settings()
    # 2027 is not published: the demo's "now" stops at 30 September 2026 (60 working days
    # later is still in 2026).
    assert demo_as_of(settings, dt.datetime(2027, 3, 1, 10, 0)) == dt.datetime(2026, 9, 30, 17)
    assert demo_as_of(settings, dt.datetime(2026, 11, 26, 10, 0)) == dt.datetime(2026, 9, 30, 17)
    assert demo_as_of(settings, dt.datetime(2026, 5, 6, 10, 0)) == dt.datetime(2026, 5, 6, 10)
    aware = dt.datetime(2026, 5, 6, 2, 0, tzinfo=dt.UTC)
    assert demo_as_of(settings, aware) == dt.datetime(2026, 5, 6, 10, 0)


def test_demo_command_runs_from_the_cli(tmp_path: Path, monkeypatch) -> None:
    from click.testing import CliRunner

    from monitor.cli import cli

    monkeypatch.chdir(tmp_path)  # no config.toml here: the embedded defaults
    result = CliRunner().invoke(cli, ["demo", "--cases", "5000", "--out", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d" / "cases.csv").is_file()
    assert "Where to look:" in result.output
    # Without a configuration the demo still writes its mail (to the example addresses).
    mails = sorted((tmp_path / "d" / "mail").glob("*.eml"))
    assert mails, result.output
    text = "\n".join(m.read_text(encoding="utf-8") for m in mails)
    assert "To: zwfw-office@example.gov.cn" in text


def test_demo_never_reaches_a_configured_robot(tmp_path: Path, monkeypatch) -> None:
    """A production config with a 钉钉 receiver: the demo's made-up cases go by mail into
    the demo folder only, never to the group."""
    from click.testing import CliRunner

    from monitor.cli import cli
    from tests.monitor.robot_servers import RobotServer

    server = RobotServer("dingtalk")
    try:
        monkeypatch.setenv("DEMO_TEST_DING_URL", server.url)
        config = tmp_path / "config.toml"
        config.write_text(
            '[alerts]\ndefault_recipients = ["office@example.gov.cn"]\n'
            'default_receivers = ["ding"]\n'
            "[[alerts.routes]]\ndepartment = '县公安局'\nreceivers = ['ding']\n"
            "[receivers.ding]\nkind = 'dingtalk'\nurl_env = 'DEMO_TEST_DING_URL'\n",
            encoding="utf-8",
        )
        result = CliRunner().invoke(
            cli, ["demo", "--cases", "5000", "--out", str(tmp_path / "d"), "--config", str(config)]
        )
        assert result.exit_code == 0, result.output
        assert server.messages == [] and server.refused == []
        assert list((tmp_path / "d" / "mail").glob("*.eml"))
    finally:
        server.close()
