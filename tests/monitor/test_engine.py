"""The engines over a partitioned dataset (``[source] dataset``): the hand-checked cases of
:mod:`tests.monitor.test_reports`, split into one partition per county, give the same
obligations and the same hand-counted figures with the local engine and with Dask (a
LocalCluster of two workers, reached by its address); a province, a city and a county report
roll up exactly; an unreachable scheduler is an error naming it (exit 2), not a hang.

Regions of the cases (行政区划代码): K1 K2 → 330102 and K3 K4 K5 → 330105 (both in 杭州市
3301), K6 K7 K8 → 330205 and K9 K10 → 330206 (both in 宁波市 3302). May 2025, counted by
hand from the case notes of test_reports:

- 3301 (K1–K5): received K2 K3 K4 K5 = 4, online K3 K4 = 2, cross-region K2; accepted K2
  K5 = 2 (K4 withdrawn), late K2; pending late K3; completed K1 K2 K5 = 3, late K1 K5 = 2;
  open late 0; warnings K2a K2c K3a K5c = 4, overdue K1c K2a K3a K5c = 4, escalated K1c K3a.
- 3302 (K6–K9): received K6 K8 K9 = 3, online K6 K8 = 2; accepted K6 K8 K9 = 3, none late;
  completed K8 = 1, none late; open late K6 K9 = 2; warnings K6c K8c K9c = 3, overdue K6c
  K9c = 2, escalated K6c K9c = 2.
- 330102 (K1 K2): received 1, accepted 1, late 1; completed K1 K2 = 2, late K1; warnings
  K2a K2c, overdue K1c K2a, escalated K1c.
- 330105 (K3 K4 K5): received 3, online 2; accepted K5, none late; pending late K3;
  completed K5, late; warnings K3a K5c, overdue K3a K5c, escalated K3a.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from tests.monitor.test_reports import (
    AT,
    HEADER,
    MAY_DEPARTMENTS,
    MAY_FRACTIONS,
    MAY_TOTALS,
    ROWS,
    by_department,
    monitor,
    read_json,
)

REGION = {
    "K1": "330102",
    "K2": "330102",
    "K3": "330105",
    "K4": "330105",
    "K5": "330105",
    "K6": "330205",
    "K7": "330205",
    "K8": "330205",
    "K9": "330206",
    "K10": "330206",
}
COUNTED = (
    "received", "online", "cross_region", "accepted", "accepted_late", "pending_late",
    "completed", "completed_late", "open_late", "warnings", "overdue", "escalated",
)  # fmt: skip


def counts(**given: int) -> dict[str, int]:
    """The counts of :data:`COUNTED`: the given ones, 0 for the rest."""
    return {k: given.get(k, 0) for k in COUNTED}


CITY_3301 = counts(
    received=4, online=2, cross_region=1, accepted=2, accepted_late=1, pending_late=1,
    completed=3, completed_late=2, warnings=4, overdue=4, escalated=2,
)  # fmt: skip
CITY_3302 = counts(
    received=3, online=2, accepted=3, completed=1, open_late=2, warnings=3, overdue=2,
    escalated=2,
)  # fmt: skip
COUNTY_330102 = counts(
    received=1, cross_region=1, accepted=1, accepted_late=1, completed=2, completed_late=1,
    warnings=2, overdue=2, escalated=1,
)  # fmt: skip
COUNTY_330105 = counts(
    received=3, online=2, accepted=1, pending_late=1, completed=1, completed_late=1,
    warnings=2, overdue=2, escalated=1,
)  # fmt: skip


def write_lake(folder: Path) -> Path:
    """The cases as a dataset of one partition per county (county=330102/part-0.parquet);
    the code stays a column of the files as well."""
    text = "\n".join([f"{HEADER},行政区划代码", *(f"{ROWS[k]},{REGION[k]}" for k in ROWS)])
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    for code, part in frame.groupby("行政区划代码"):
        (folder / f"county={code}").mkdir(parents=True)
        part.to_parquet(folder / f"county={code}" / "part-0.parquet", index=False)
    (folder / "_manifest.json").write_text("{}", encoding="utf-8")  # not a partition
    return folder


def write_config(folder: Path, engine: str) -> Path:
    path = folder / "config.toml"
    path.write_text(f'[source]\ndataset = "lake"\n\n[engine]\n{engine}\n', encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A LocalCluster of two worker processes for the module, by its address."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(params=["local", "dask"])
def engine(request: pytest.FixtureRequest) -> str:
    """The ``[engine]`` table of each engine (Dask: the module's cluster)."""
    if request.param == "local":
        return 'kind = "local"'
    address = request.getfixturevalue("scheduler")
    return f'kind = "dask"\naddress = "{address}"'


@pytest.fixture
def lake_config(tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_lake(tmp_path / "lake")
    return write_config(tmp_path, engine)


def report_json(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> dict:
    out = config.parent / "reports"
    code, stdout, stderr = monitor(
        capsys, "report", "--config", str(config), "--at", AT, "--out", str(out), *args
    )
    assert (code, stderr) == (0, ""), stderr
    json_path = next(line.split()[1] for line in stdout.splitlines() if line.startswith("json"))
    return read_json(Path(json_path))


def test_month_report_from_the_dataset(
    lake_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = report_json(capsys, lake_config, "--period", "2025-05")
    assert data["totals"] == MAY_TOTALS
    assert data["fractions"] == MAY_FRACTIONS
    assert by_department(data) == MAY_DEPARTMENTS
    assert "region" not in data


def test_scan_from_the_dataset_lists_what_the_file_gives(
    lake_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = lake_config.parent / "cases.csv"
    csv.write_text("\n".join([HEADER, *ROWS.values()]) + "\n", encoding="utf-8")
    for extra in ([], ["--all"]):
        args = ["scan", "--at", AT, "--format", "json", *extra]
        code, from_lake, lake_err = monitor(capsys, *args, "--config", str(lake_config))
        assert code == 0, lake_err
        code, from_file, file_err = monitor(capsys, *args, "--input", str(csv))
        assert code == 0, file_err
        assert json.loads(from_lake) == json.loads(from_file)
        assert len(json.loads(from_lake)) > 0
        assert lake_err == file_err  # the summary line: the same counts by level


def figures_of(data: dict) -> dict[str, dict[str, int]]:
    return {
        d["department"]: {k: d[k] for k in COUNTED}
        for d in data["departments"]  # type: ignore[union-attr]
    }


def test_region_reports_roll_up(lake_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    province = report_json(capsys, lake_config, "--period", "2025-05", "--region", "33")
    assert province["region"] == {
        "code": "330000",
        "prefix": "33",
        "name": "浙江省",
        "level": "province",
        "ranks": "city",
    }
    assert figures_of(province) == {"杭州市": CITY_3301, "宁波市": CITY_3302}
    assert province["totals"] == MAY_TOTALS  # every case of May lies in the province

    city = report_json(capsys, lake_config, "--period", "2025-05", "--region", "3301")
    assert {k: city["totals"][k] for k in COUNTED} == CITY_3301
    assert figures_of(city) == {"上城区": COUNTY_330102, "拱墅区": COUNTY_330105}
    rate = city["fractions"]["accepted_late_rate"]
    assert rate == {"numerator": 1, "denominator": 2}

    county = report_json(capsys, lake_config, "--period", "2025-05", "--region", "330105")
    assert {k: county["totals"][k] for k in COUNTED} == COUNTY_330105
    assert list(figures_of(county)) == ["<script>alert(1)</script>"]  # its departments

    folder = lake_config.parent / "reports"
    for code, unit in (("330000", "地市"), ("330100", "区县"), ("330105", "部门")):
        sheet = load_workbook(folder / f"2025-05-{code}.xlsx")["部门"]
        assert (sheet["A1"].value, sheet["B1"].value) == ("排名", unit)
    html = (folder / "2025-05-330100.html").read_text(encoding="utf-8")
    assert "杭州市 2025年5月办件监测月报" in html and "各区县情况（红黑榜）" in html
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert [name for name in ("浙江省", "杭州市", "拱墅区") if name in index] == [
        "浙江省",
        "杭州市",
        "拱墅区",
    ]
    assert index.index("2025-05-330000.html") < index.index("2025-05-330100.html")
    assert index.index("2025-05-330100.html") < index.index("2025-05-330105.html")


def test_unreachable_scheduler_is_exit_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_lake(tmp_path / "lake")
    config = write_config(
        tmp_path, 'kind = "dask"\naddress = "tcp://127.0.0.1:9"\nconnect_timeout = 1'
    )
    started = time.monotonic()
    code, _out, err = monitor(capsys, "scan", "--config", str(config), "--at", AT)
    assert code == 2
    assert "tcp://127.0.0.1:9" in err and "[engine] address" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert time.monotonic() - started < 15


def test_engine_config_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, 'kind = "spark"\naddress = "scheduler:8786"')
    code, _out, err = monitor(capsys, "check-config", "--config", str(config))
    assert code == 2
    assert "engine.kind" in err and "engine.address" in err


def test_missing_dataset_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = write_config(tmp_path, 'kind = "local"')
    code, _out, err = monitor(capsys, "scan", "--config", str(config), "--at", AT)
    assert code == 2
    assert "no such dataset folder" in err and str(tmp_path / "lake") in err


def test_a_dataset_at_an_fsspec_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``[source] dataset = "memory://…"``: the partitions listed and read through fsspec
    (the local engine: a memory filesystem lives in this process only)."""
    import fsspec

    monkeypatch.chdir(tmp_path)
    fs = fsspec.filesystem("memory")
    for path in write_lake(tmp_path / "lake").rglob("*"):
        if path.is_file():
            fs.pipe(
                f"/lake-{tmp_path.name}/{path.relative_to(tmp_path / 'lake')}", path.read_bytes()
            )
    config = tmp_path / "config.toml"
    config.write_text(f'[source]\ndataset = "memory://lake-{tmp_path.name}"\n', encoding="utf-8")
    data = report_json(capsys, config, "--period", "2025-05")
    assert data["totals"] == MAY_TOTALS
    assert by_department(data) == MAY_DEPARTMENTS


def test_linked_partition_folders_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dataset whose county folders are symbolic links to folders elsewhere (a lake
    assembled from several offices' exports) reads every one of them."""
    monkeypatch.chdir(tmp_path)
    elsewhere = write_lake(tmp_path / "exports")
    (tmp_path / "lake").mkdir()
    for folder in elsewhere.iterdir():
        if folder.is_dir():
            (tmp_path / "lake" / folder.name).symlink_to(folder)
    config = write_config(tmp_path, 'kind = "local"')
    data = report_json(capsys, config, "--period", "2025-05")
    assert data["totals"] == MAY_TOTALS


def test_an_unreadable_partition_is_exit_2_naming_it(
    lake_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A partition that is not Parquet stops the run (its cases' warnings must not be
    resolved as vanished, nor a report miss them silently): one line naming the file."""
    broken = lake_config.parent / "lake" / "county=330205" / "part-0.parquet"
    broken.write_bytes(b"PAR1 not parquet at all \x00\xff")
    code, _out, err = monitor(capsys, "scan", "--config", str(lake_config), "--at", AT)
    assert code == 2
    assert str(broken) in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_an_unreadable_partition_on_a_cluster_of_this_run_says_one_line(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same with ``address = "local"``: the workers, started by the run, write nothing
    of their own to the terminal (captured at the file descriptors: they are processes)."""
    monkeypatch.chdir(tmp_path)
    write_lake(tmp_path / "lake")
    broken = tmp_path / "lake" / "county=330102" / "part-0.parquet"
    broken.write_bytes(b"not parquet")
    config = write_config(tmp_path, 'kind = "dask"\nworkers = 1')
    code, _out, err = monitor(capfd, "scan", "--config", str(config), "--at", AT)
    assert code == 2
    assert err.startswith("error: ") and str(broken) in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err


def test_explain_finds_the_case_in_its_partition(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``monitor explain`` of a dataset reads the partition that holds the case (K9 lies in
    county=330206): the same explanation as from the file; an id no partition has, and
    ``inspect`` of a whole dataset, are one line each (exit 2)."""
    monkeypatch.chdir(tmp_path)
    write_lake(tmp_path / "lake")
    config = write_config(tmp_path, 'kind = "local"')
    csv = tmp_path / "cases.csv"
    csv.write_text("\n".join([HEADER, *ROWS.values()]) + "\n", encoding="utf-8")
    for case in ("K9", "K1"):
        args = ["explain", case, "--at", AT, "--format", "json"]
        code, from_lake, err = monitor(capsys, *args, "--config", str(config))
        assert (code, err) == (0, "")
        code, from_file, err = monitor(capsys, *args, "--input", str(csv))
        assert (code, err) == (0, "")
        assert json.loads(from_lake) == json.loads(from_file)
        assert json.loads(from_lake)["case_id"] == case
    code, _out, err = monitor(capsys, "explain", "K99", "--config", str(config), "--at", AT)
    assert code == 2 and "no partition holds a case K99" in err
    assert len(err.strip().splitlines()) == 1
    code, _out, err = monitor(capsys, "inspect", "--config", str(config))
    assert code == 2 and "--input" in err
    assert str(tmp_path / "lake" / "county=330102" / "part-0.parquet") in err


def test_a_case_lookup_skips_row_groups_whose_ids_cannot_hold_it(tmp_path: Path) -> None:
    """The least and greatest id of a row group rule it out; ids with white space around
    them (compared trimmed) rule nothing out."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from monitor.engine.lookup import _row_groups

    path = tmp_path / "part.parquet"
    table = pa.table({"办件编号": ["SX330102-1", "SX330102-9", "SX330205-1", "SX330205-5"]})
    pq.write_table(table, path, row_group_size=2)
    meta = pq.ParquetFile(path).metadata
    assert meta.num_row_groups == 2
    assert _row_groups(meta, "办件编号", "SX330205-3") == [1]
    assert _row_groups(meta, "办件编号", "SX330102-5") == [0]
    assert _row_groups(meta, "办件编号", "SX330999-1") == []
    assert _row_groups(meta, "other column", "SX330999-1") == [0, 1]  # no statistics of it
    spaced = pa.table({"办件编号": [" SX330102-1", "SX330102-9 "]})
    pq.write_table(spaced, path)
    assert _row_groups(pq.ParquetFile(path).metadata, "办件编号", "SX330999-1") == [0]
