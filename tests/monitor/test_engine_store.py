"""The Dask engine over the case store (``[store] enabled`` with ``[engine] kind = "dask"``):
the store's month files are the partitions, evaluated on the cluster, and what a scan lists
and a report counts is what the local engine and the file itself give — the hand-counted
figures of :mod:`tests.monitor.test_engine` (May 2025, ten cases in two cities and four
counties), at the store's moment and at an earlier one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.store.layout import StoreFolder
from tests.monitor.test_engine import (
    CITY_3301,
    CITY_3302,
    COUNTED,
    COUNTY_330102,
    COUNTY_330105,
    REGION,
    figures_of,
    report_json,
    scheduler,  # noqa: F401  (the module's LocalCluster of two workers)
)
from tests.monitor.test_reports import (
    AT,
    HEADER,
    MAY_DEPARTMENTS,
    MAY_FRACTIONS,
    MAY_TOTALS,
    ROWS,
    by_department,
    monitor,
)

#: A moment before AT, when more of May's cases were still open.
EARLIER = "2025-05-20T16:00"


def write_cases(folder: Path) -> Path:
    """cases.csv: the hand-checked cases, each with its 行政区划代码."""
    lines = [f"{HEADER},行政区划代码", *(f"{ROWS[k]},{REGION[k]}" for k in ROWS)]
    path = folder / "cases.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(params=["local", "dask"])
def store_config(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A config with the store enabled over cases.csv, on each engine (Dask: the module's
    cluster, by its address)."""
    monkeypatch.chdir(tmp_path)
    write_cases(tmp_path)
    engine = 'kind = "local"'
    if request.param == "dask":
        engine = f'kind = "dask"\naddress = "{request.getfixturevalue("scheduler")}"'
    config = tmp_path / "config.toml"
    config.write_text(
        '[source]\npath = "cases.csv"\n\n[store]\nenabled = true\n\n'
        f'[database]\nurl = "sqlite:///{tmp_path / "monitor.db"}"\n\n[engine]\n{engine}\n',
        encoding="utf-8",
    )
    return config


def test_reports_from_the_store(store_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = report_json(capsys, store_config, "--period", "2025-05")
    assert data["totals"] == MAY_TOTALS
    assert data["fractions"] == MAY_FRACTIONS
    assert by_department(data) == MAY_DEPARTMENTS

    province = report_json(capsys, store_config, "--period", "2025-05", "--region", "33")
    assert figures_of(province) == {"杭州市": CITY_3301, "宁波市": CITY_3302}
    assert province["totals"] == MAY_TOTALS
    city = report_json(capsys, store_config, "--period", "2025-05", "--region", "3301")
    assert {k: city["totals"][k] for k in COUNTED} == CITY_3301
    assert figures_of(city) == {"上城区": COUNTY_330102, "拱墅区": COUNTY_330105}
    # The store was made once, at AT; the reports after it read it as it is.
    generations = sorted(p.name for p in (store_config.parent / "var" / "store").glob("g*"))
    assert len(generations) == 1


@pytest.mark.parametrize("at", [AT, EARLIER])
def test_scans_from_the_store_list_what_the_file_gives(
    store_config: Path, capsys: pytest.CaptureFixture[str], at: str
) -> None:
    """At the store's moment and, after it, at an earlier one (the stored cases evaluated
    again then): the same obligations, levels and summary line as the file evaluated."""
    code, _out, err = monitor(capsys, "scan", "--config", str(store_config), "--at", AT)
    assert code == 0, err  # the store is made at AT
    csv = str(store_config.parent / "cases.csv")
    for extra in ([], ["--all"]):
        args = ["scan", "--at", at, "--format", "json", *extra]
        code, stored, stored_err = monitor(capsys, *args, "--config", str(store_config))
        assert code == 0, stored_err
        code, plain, plain_err = monitor(capsys, *args, "--input", csv)
        assert code == 0, plain_err
        assert json.loads(stored) == json.loads(plain)
        assert len(json.loads(stored)) > 0
        assert stored_err == plain_err


def test_the_cluster_reads_the_generation_in_use(
    store_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A change of the source makes a new generation and removes the old one; the next
    report counts the changed case (K8, completed on time, withdrawn now)."""
    report_json(capsys, store_config, "--period", "2025-05")
    cases = store_config.parent / "cases.csv"
    text = cases.read_text(encoding="utf-8")
    withdrawn = ROWS["K8"].removesuffix(",已办结") + ",撤件"
    cases.write_text(text.replace(ROWS["K8"], withdrawn), encoding="utf-8")
    data = report_json(capsys, store_config, "--period", "2025-05", "--at", "2025-06-11T09:00")
    assert data["totals"]["completed"] == MAY_TOTALS["completed"] - 1
    folder = StoreFolder(store_config.parent / "var" / "store")
    current = folder.current()
    assert current is not None and current.number == 2
    assert [p.name for p in folder.root.glob("g*")] == ["g000002"]
