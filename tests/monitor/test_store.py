"""The case store (issue 13) with a file source: what each run reads, evaluates and keeps,
and that the store always equals a fresh evaluation of the source (``store verify``), its
outputs (scan, report) those made without a store.

The cases are the hand-checked March 2025 set of ``test_alerts`` (B001–B005); times are
Asia/Shanghai, 13 March 2025 a Thursday.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from monitor.config import Settings
from monitor.db.engine import upgrade
from monitor.store.layout import StoreFolder
from monitor.store.update import update_store
from monitor.store.use import store_evaluation
from monitor.store.verify import verify_store
from tests.monitor.test_alerts import HEADER, MARCH, ROWS, THU, monitor, url_of, write_cases

HOUR = dt.timedelta(hours=1)


def settings_for(engine: sa.Engine, tmp_path: Path, **extra: object) -> Settings:
    return Settings(
        base_dir=tmp_path,
        database={"url": url_of(engine)},
        source={"path": "cases.csv"},
        store={"enabled": True},
        **extra,
    )


def store_config(engine: sa.Engine, tmp_path: Path, more: str = "") -> Path:
    """A config.toml with the store enabled over cases.csv, and ``more`` TOML."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "{url_of(engine)}"\n[source]\npath = "cases.csv"\n[store]\n'
        f"enabled = true\n{more}",
        encoding="utf-8",
    )
    return config


def write(tmp_path: Path, rows: list[str]) -> None:
    (tmp_path / "cases.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")


@pytest.fixture
def db(engine: sa.Engine) -> sa.Engine:
    upgrade(engine)
    return engine


def test_runs_read_the_changes_and_evaluate_changed_and_open_cases(
    db: sa.Engine, tmp_path: Path
) -> None:
    write(tmp_path, [ROWS[i] for i in MARCH])
    settings = settings_for(db, tmp_path)
    first = update_store(settings, db, THU)
    # B001–B004 are open on 13 March, B005 completed on 5 March.
    assert (first.state.kind, first.state.cases, first.state.open_cases) == ("rebuild", 5, 4)
    assert (first.state.rows_read, first.state.evaluated) == (5, 5)
    again = update_store(settings, db, THU + HOUR)
    assert (again.state.kind, again.state.changed, again.state.evaluated) == ("update", 0, 4)
    assert sorted(again.evaluated.loaded.cases["case_id"]) == ["B001", "B002", "B003", "B004"]
    # B003 is completed: its row changes; it is evaluated once more, then kept as closed.
    done = ROWS["B003"].replace("2025-03-07 10:00:00,,", "2025-03-07 10:00:00,2025-03-13 10:30:00,")
    write(
        tmp_path,
        [ROWS[i] for i in ("B001", "B002", "B004", "B005")] + [done.replace("办理中", "已办结")],
    )
    third = update_store(settings, db, THU + 2 * HOUR)
    assert (third.state.changed, third.state.evaluated, third.state.open_cases) == (1, 4, 3)
    fourth = update_store(settings, db, THU + 3 * HOUR)
    assert (fourth.state.changed, fourth.state.evaluated) == (0, 3)
    assert verify_store(settings, db).ok
    # B004 leaves the source: found by the next run (a file is read whole).
    write(
        tmp_path, [ROWS[i] for i in ("B001", "B002", "B005")] + [done.replace("办理中", "已办结")]
    )
    fifth = update_store(settings, db, THU + 4 * HOUR)
    assert (fifth.vanished, fifth.state.cases, fifth.state.open_cases) == (1, 4, 2)
    assert verify_store(settings, db).ok


def test_one_generation_is_kept_and_the_link_names_it(db: sa.Engine, tmp_path: Path) -> None:
    write(tmp_path, [ROWS[i] for i in MARCH])
    settings = settings_for(db, tmp_path)
    for n in range(3):
        update_store(settings, db, THU + n * HOUR)
    root = tmp_path / "var" / "store"
    assert sorted(p.name for p in root.iterdir() if not p.name.startswith(".")) == [
        "current",
        "g000003",
    ]
    assert os.readlink(root / "current") == "g000003"
    # The dataset reads as it is, partitioned by month (pyarrow's hive partitioning).
    table = pd.read_parquet(root / "current" / "obligations")
    assert set(table["month"].astype(str)) == {"2025-03"}
    assert len(table) == len(pd.read_parquet(root / "current" / "cases")) * 2  # 受理 and 办结


def test_verify_names_what_differs(db: sa.Engine, tmp_path: Path) -> None:
    write(tmp_path, [ROWS[i] for i in MARCH])
    settings = settings_for(db, tmp_path)
    update_store(settings, db, THU)
    changed = ROWS["B002"].replace("药品经营许可", "药品经营许可（变更）")
    write(tmp_path, [ROWS[i] for i in ("B001", "B003", "B004", "B005")] + [changed])
    result = verify_store(settings, db)
    assert not result.ok
    assert "case B002: item_name stored '药品经营许可', fresh '药品经营许可（变更）'" in (
        result.differences
    )


def test_scan_and_report_from_the_store_equal_those_without(
    db: sa.Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, [ROWS[i] for i in MARCH])
    plain = write_cases(tmp_path, *MARCH, name="plain.csv")
    config = store_config(db, tmp_path)
    for at in ("2025-03-13T09:00", "2025-03-14T09:00", "2025-03-18T09:00"):
        args = ["scan", "--all", "--format", "csv", "--at", at, "--config", str(config)]
        stored = monitor(capsys, *args)
        fresh = monitor(capsys, *args, "--input", plain)
        assert stored[0] == fresh[0] == 0
        assert stored[1] == fresh[1] and stored[1].count("\n") == 11  # header + 10 obligations
        open_only = monitor(capsys, "scan", "--at", at, "--config", str(config))
        fresh_open = monitor(capsys, "scan", "--at", at, "--input", plain, "--config", str(config))
        assert open_only[1:] == fresh_open[1:]  # the list and the summary line (stderr)
        one = ["--department", "县市场监督管理局", "--at", at]
        assert (
            monitor(capsys, "scan", *one, "--config", str(config))[1:]
            == monitor(capsys, "scan", *one, "--input", plain, "--config", str(config))[1:]
        )
    reports = {}
    for name, extra in (("stored", []), ("fresh", ["--input", plain])):
        out = tmp_path / name
        code, _, err = monitor(
            capsys,
            "report",
            "--period",
            "2025-03",
            "--at",
            "2025-03-18T09:00",
            "--out",
            str(out),
            "--config",
            str(config),
            *extra,
        )
        assert code == 0, err
        reports[name] = json.loads((out / "2025-03.json").read_text(encoding="utf-8"))
    for data in reports.values():
        data.pop("generated_at", None)
        data.pop("source", None)
    assert reports["stored"] == reports["fresh"]


def test_a_moment_before_the_stores_last_run_evaluates_without_writing(
    db: sa.Engine, tmp_path: Path
) -> None:
    write(tmp_path, [ROWS[i] for i in MARCH])
    settings = settings_for(db, tmp_path)
    update_store(settings, db, THU + 24 * HOUR)
    folder = StoreFolder(tmp_path / "var" / "store")
    before = folder.current()
    evaluated, run = store_evaluation(settings, db, THU - 48 * HOUR, whole=True)
    assert run is None and folder.current().number == before.number  # type: ignore[union-attr]
    # On 11 March B002 was not yet escalated (that came on the 13th): seen as it was then.
    table = evaluated.evaluation.table.set_index(["case_id", "obligation"])
    assert table.loc[("B005", "completion"), "state"] == "closed"
    assert table.loc[("B001", "completion"), "state"] == "open"


def test_status_and_each_scan_run_show_what_the_store_read(
    db: sa.Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, [ROWS[i] for i in MARCH])
    config = store_config(
        db,
        tmp_path,
        '[mail]\ntransport = "file"\n[alerts]\ndefault_recipients = ["office@example.gov.cn"]\n'
        '[alerts.window]\nstart = "00:00"\nend = "23:59"\nworking_days_only = false\n',
    )
    for at in ("2025-03-13T09:00", "2025-03-13T09:30"):
        code, out, err = monitor(capsys, "run", "scan", "--at", at, "--config", str(config))
        assert code == 0, err
    assert json.loads(out)["store"] == {"rows_read": 5, "changed": 0, "evaluated": 4}
    code, out, _ = monitor(capsys, "status", "--at", "2025-03-13T10:00", "--config", str(config))
    lines = out.splitlines()
    assert lines[3] == (
        "store      generation 2 (update) at 2025-03-13 09:30: 5 cases, 4 open; its run read "
        "5 rows, 0 new or changed, evaluated 4"
    )
    assert '"store": {"changed": 0, "evaluated": 4, "rows_read": 5}' in out
    assert 'rebuild    "0 2 * * 0", next at 2025-03-16 02:00' in lines


def test_the_store_commands_and_inspect(
    db: sa.Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, [ROWS[i] for i in MARCH])
    config = store_config(db, tmp_path)
    code, out, _ = monitor(capsys, "store", "status", "--config", str(config))
    assert code == 0 and "none yet" in out
    code, out, _ = monitor(
        capsys, "store", "rebuild", "--at", "2025-03-13T09:00", "--config", str(config)
    )
    assert (code, out) == (0, "generation 1: 5 cases (4 open) from 5 rows; 0 left the source\n")
    code, out, _ = monitor(capsys, "store", "verify", "--config", str(config))
    assert (code, out) == (0, "the store agrees with the source: 5 cases, 10 obligations\n")
    write(tmp_path, [ROWS[i] for i in ("B001", "B002", "B003", "B004")])  # B005 deleted
    code, out, err = monitor(capsys, "store", "verify", "--config", str(config))
    assert (code, out) == (1, "case B005: in the store, not in the source\n")
    assert err == "the store differs from the source: monitor store rebuild\n"
    code, out, _ = monitor(capsys, "inspect", "--format", "json", "--config", str(config))
    data = json.loads(out)
    assert code == 0 and data["cases"] == 4 and data["source"].startswith("case store ")
    code, out, _ = monitor(capsys, "store", "status", "--config", str(config))
    assert "cases        4 (4 open)" in out  # inspect brought the store up to date
    other = tmp_path / "off.toml"
    other.write_text(f'[database]\nurl = "{url_of(db)}"\n', encoding="utf-8")
    code, _, err = monitor(capsys, "store", "rebuild", "--config", str(other))
    assert code == 2 and "[store] enabled: is false" in err


def test_a_store_of_an_older_schema_is_rebuilt(db: sa.Engine, tmp_path: Path) -> None:
    """Files without the id digests (schema 1) and a row saying so: the next run rebuilds."""
    write(tmp_path, [ROWS[i] for i in MARCH])
    settings = settings_for(db, tmp_path)
    first = update_store(settings, db, THU)
    for path in (tmp_path / "var" / "store" / "current").rglob("*.parquet"):
        frame = pd.read_parquet(path)
        frame.drop(columns=["_id"], errors="ignore").to_parquet(path.resolve(), index=False)
    with db.begin() as conn:
        conn.execute(sa.text("UPDATE store_state SET schema_version = 1"))
    again = update_store(settings, db, THU + HOUR)
    assert (again.state.kind, again.state.generation) == ("rebuild", first.state.generation + 1)
    assert again.state.cases == 5 and again.vanished == 0
    assert verify_store(settings, db).ok
