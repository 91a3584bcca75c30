"""Administrative divisions (行政区划): the rules on codes, ``[regions]``, each loaded case's
``region_code``, the names of regions, and the case store's files that carry the code.

Hand-checked codes (GB/T 2260, as python-stdnum 2.2's cn/loc.dat has them): 330000 浙江省,
330100 杭州市, 330102 上城区, 330103 下城区 (retired 2021), 330106 西湖区, 330200 宁波市,
330726 浦江县 (金华市 330700), 110000 北京市 with 110100 市辖区 and 110101 东城区.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from monitor.cases.load import load_cases
from monitor.cases.regions import (
    INVALID_REASON,
    RegionNames,
    assign_regions,
    national_names,
    region_names,
)
from monitor.cli import main
from monitor.config import Settings, load_settings
from monitor.db.engine import engine_for, upgrade
from rules.fields import CANONICAL_FIELDS, DEFAULT_HEADERS
from rules.regions import LEVELS, Region, child_codes, parse_region, valid_codes, within

SCJG, RSJ, GAJ = "县市场监督管理局", "县人力资源和社会保障局", "县公安局"
#: One of each: a good code, a bad one, an empty cell, a code with spaces, a city's own code.
VALUES = ["330102", "33010", None, " 330106 ", "330100", "110101", "abc", "000000"]
DTYPES = ["object", "string", "str", "category"]


# --- rules/regions.py --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "prefix", "level", "code"),
    [
        ("33", "33", "province", "330000"),
        ("330000", "33", "province", "330000"),
        ("3301", "3301", "city", "330100"),
        ("330100", "3301", "city", "330100"),
        ("330102", "330102", "county", "330102"),
        (" 330102\t", "330102", "county", "330102"),
        ("110100", "1101", "city", "110100"),
    ],
)
def test_parse_region_reads_each_way_of_writing_a_region(
    text: str, prefix: str, level: str, code: str
) -> None:
    region = parse_region(text)
    assert region == Region(prefix)
    assert (region.prefix, region.level, region.code) == (prefix, level, code)


def test_levels_parents_and_children() -> None:
    assert LEVELS == ("province", "city", "county")
    county = parse_region("330102")
    assert county.child_level is None
    assert county.parent == Region("3301")
    assert county.parent.child_level == "county"
    assert county.parent.parent == Region("33")
    assert Region("33").child_level == "city"
    assert Region("33").parent is None


@pytest.mark.parametrize(
    "text",
    ["abc", "33010", "000000", "00", "0001", "3300", "330001", "3", "", "3301020", "33 01", "３３"],
)
def test_parse_region_refuses_anything_else_naming_the_text(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_region(text)
    message = str(info.value)
    assert message.startswith(f"{text!r} is not a region code: expected 2, 4 or 6 digits")
    assert message.count(". ") == 0  # one sentence


@pytest.mark.parametrize(
    "prefix", ["3", "330", "3300", "330100", "330001", "00", "33a1", "3301020"]
)
def test_a_region_is_made_of_a_canonical_prefix_only(prefix: str) -> None:
    with pytest.raises(ValueError, match="is not a region prefix"):
        Region(prefix)


@pytest.mark.parametrize("dtype", DTYPES)
def test_valid_codes(dtype: str) -> None:
    codes = pd.Series(VALUES, dtype=dtype)
    # " 330106 " has spaces (normalising strips them first), "330100" is a valid city code.
    expected = [True, False, False, False, True, True, False, False]
    assert valid_codes(codes).tolist() == expected


def test_valid_codes_takes_ascii_digits_only() -> None:
    codes = pd.Series(["３３０１０２", "33010２", "330102"])  # full-width digits
    assert valid_codes(codes).tolist() == [False, False, True]
    assert valid_codes(pd.Series([], dtype="category")).tolist() == []
    assert valid_codes(pd.Series([None, None], dtype="category")).tolist() == [False, False]


@pytest.mark.parametrize("dtype", DTYPES)
def test_within(dtype: str) -> None:
    codes = pd.Series(
        ["330102", "330106", "330200", "110101", None, "33010", "330100"], dtype=dtype
    )
    assert within(codes, Region("33")).tolist() == [1, 1, 1, 0, 0, 0, 1]
    assert within(codes, Region("3301")).tolist() == [1, 1, 0, 0, 0, 0, 1]
    assert within(codes, Region("330102")).tolist() == [1, 0, 0, 0, 0, 0, 0]
    assert within(codes, Region("11")).tolist() == [0, 0, 0, 1, 0, 0, 0]
    assert within(codes, Region("33")).dtype == np.bool_


@pytest.mark.parametrize("dtype", DTYPES)
def test_child_codes(dtype: str) -> None:
    codes = pd.Series(
        ["330102", "330106", "330200", "330281", "110101", None, "3301", "330100"],
        dtype=dtype,
        index=range(10, 18),
    )
    cities = child_codes(codes, Region("33"))
    counties = child_codes(codes, Region("3301"))
    assert list(cities.index) == list(range(10, 18))
    assert _listed(cities) == ["330100", "330100", "330200", "330200", None, None, None, "330100"]
    assert _listed(counties) == ["330102", "330106", None, None, None, None, None, "330100"]
    if dtype == "category":
        assert isinstance(cities.dtype, pd.CategoricalDtype)
        assert sorted(cities.cat.categories) == ["330100", "330200"]


def test_child_codes_of_a_county_is_an_error() -> None:
    with pytest.raises(ValueError, match="region 330102 is a county: it has no regions below"):
        child_codes(pd.Series(["330102"]), Region("330102"))


def _listed(values: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else str(v) for v in values]


# --- the canonical field ---------------------------------------------------------------------


def test_region_code_is_a_canonical_field_after_department() -> None:
    assert CANONICAL_FIELDS[:3] == ("case_id", "department", "region_code")
    assert DEFAULT_HEADERS["region_code"] == ("行政区划代码", "区划代码", "行政区划", "区域代码")


# --- [regions] ----------------------------------------------------------------------------------


def test_regions_configuration_keeps_six_digits(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[regions]\ncode = "3307"\n[regions.departments]\n"县市场监督管理局" = " 330726 "\n'
        '"市公安局" = "330700"\n[regions.names]\n"33" = "浙江"\n"330726" = " 浦江 "\n',
        encoding="utf-8",
    )
    regions = load_settings(path).regions
    assert regions.code == "330700"
    assert regions.departments == {SCJG: "330726", "市公安局": "330700"}
    assert regions.names == {"330000": "浙江", "330726": "浦江"}
    assert Settings().regions.code is None
    assert Settings().regions.departments == {} and Settings().regions.names == {}


_EXPECTED = (
    "expected a region code (行政区划代码): 6 digits such as 330102, or 33, 3301, 330000, "
    "330100 for a province or a city"
)


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        ('code = "33010"', f"regions.code: {_EXPECTED}, found '33010'"),
        ('code = "000000"', f"regions.code: {_EXPECTED}, found '000000'"),
        ("code = 330102", "regions.code: expected a valid string, found 330102 (an integer)"),
        (
            '[regions.departments]\n"县市场监督管理局" = "abc"',
            f"regions.departments.县市场监督管理局: {_EXPECTED}, found 'abc'",
        ),
        ('[regions.names]\n"3301x" = "杭州"', f"regions.names.3301x: {_EXPECTED}, found '3301x'"),
        (
            '[regions.names]\n"330102" = " "',
            "regions.names.330102: expected a region name, found an empty text",
        ),
        ('cod = "330102"', "regions.cod: unknown key; did you mean 'code'?"),
    ],
)
def test_a_bad_code_stops_check_config_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, problem: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[regions]\n{toml}\n", encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main(["check-config", "--config", str(path)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.strip() == f"error: {path}: {problem}"


def test_check_config_shows_the_regions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[regions]\ncode = "330726"\n[regions.departments]\n"县公安局" = "33"\n')
    with pytest.raises(SystemExit) as info:
        main(["check-config", "--config", str(path)])
    lines = capsys.readouterr().out.splitlines()
    assert info.value.code == 0
    assert lines[lines.index("[regions]") + 1] == 'code = "330726"'
    assert lines[lines.index("[regions.departments]") + 1] == '县公安局 = "330000"'


# --- assign_regions ----------------------------------------------------------------------------


def _cases(codes: list[str | None], departments: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = len(codes)
    cases = pd.DataFrame(
        {
            "source_row": np.arange(2, n + 2),
            "case_id": [f"C{i:03d}" for i in range(1, n + 1)],
            "department": pd.Series(departments, dtype="category"),
            "region_code": pd.Series(codes, dtype="str").astype("category"),
        }
    )
    quality = pd.DataFrame(
        {"source_row": [9], "case_id": ["C000"], "field": ["submitted_at"],
         "reason": ["missing submitted_at"], "value": [""]}
    )  # fmt: skip
    return cases, quality


def test_own_code_then_department_then_default() -> None:
    cases, quality = _cases(
        ["330102", "33010", None, "abc", None, "000000", "330100"],
        [SCJG, SCJG, SCJG, RSJ, RSJ, GAJ, GAJ],
    )
    settings = Settings(regions={"code": "330726", "departments": {SCJG: "330106"}})
    out, found = assign_regions(cases, quality, settings)
    assert _listed(out["region_code"]) == [
        "330102",  # its own
        "330106",  # invalid own code: its department's
        "330106",  # none: its department's
        "330726",  # invalid, department not mapped: the default
        "330726",
        "330726",
        "330100",  # a city's own code is a valid code
    ]
    assert isinstance(out["region_code"].dtype, pd.CategoricalDtype)
    assert list(out.columns) == ["source_row", "case_id", "department", "region_code"]
    assert len(out) == 7  # no case is dropped
    assert found.to_dict("records") == [
        {"source_row": 3, "case_id": "C002", "field": "region_code", "reason": INVALID_REASON,
         "value": "33010"},
        {"source_row": 5, "case_id": "C004", "field": "region_code", "reason": INVALID_REASON,
         "value": "abc"},
        {"source_row": 7, "case_id": "C006", "field": "region_code", "reason": INVALID_REASON,
         "value": "000000"},
        {"source_row": 9, "case_id": "C000", "field": "submitted_at",
         "reason": "missing submitted_at", "value": ""},
    ]  # fmt: skip
    assert INVALID_REASON.startswith("invalid region_code (expected 6 digits such as 330102)")


def test_without_configuration_a_case_without_a_valid_code_has_none() -> None:
    cases, quality = _cases(["330102", "33010", None], [SCJG, SCJG, RSJ])
    out, found = assign_regions(cases, quality.iloc[:0], Settings())
    assert _listed(out["region_code"]) == ["330102", None, None]
    assert found["case_id"].tolist() == ["C002"]


def test_cases_without_the_column_get_it_after_department() -> None:
    cases, quality = _cases([None, None], [SCJG, RSJ])
    cases = cases.drop(columns="region_code")
    settings = Settings(regions={"departments": {RSJ: "330726"}})
    out, found = assign_regions(cases, quality, settings)
    assert list(out.columns) == ["source_row", "case_id", "department", "region_code"]
    assert _listed(out["region_code"]) == [None, "330726"]
    assert found.equals(quality)
    assert "region_code" not in cases  # the frame given is left alone


# --- loading -------------------------------------------------------------------------------------

CSV = (
    "办件编号,实施部门,行政区划代码,申请时间,受理时间,办结时间,承诺时限\n"
    f"R001,{SCJG},330102,2025-03-03 09:00:00,2025-03-03 10:00:00,,10个工作日\n"
    f"R002,{SCJG},33010,2025-03-04 09:00:00,2025-03-04 10:00:00,,10个工作日\n"
    f"R003,{RSJ},,2025-03-05 09:00:00,2025-03-05 10:00:00,,即办\n"
    f"R004,{RSJ}, 330106 ,2025-03-05 09:00:00,not a date,,即办\n"
)


def test_loading_a_csv_with_a_code_column(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(CSV, encoding="utf-8")
    settings = Settings(regions={"code": "330100", "departments": {RSJ: "330726"}})
    loaded = load_cases(settings, path)
    cases = loaded.cases.set_index("case_id")
    # R004 has a bad date: kept out, as ever; its code is not looked at.
    assert _listed(cases["region_code"]) == ["330102", "330100", "330726"]
    assert list(loaded.cases.columns[:4]) == ["source_row", "case_id", "department", "region_code"]
    rows = loaded.quality[["source_row", "case_id", "field", "value"]].to_dict("records")
    assert rows == [
        {"source_row": 3, "case_id": "R002", "field": "region_code", "value": "33010"},
        {"source_row": 5, "case_id": "R004", "field": "accepted_at", "value": "not a date"},
    ]
    assert (loaded.rows_read, loaded.bad_rows) == (4, 1)  # R002 is kept, R004 is not


def test_loading_a_source_without_the_column(tmp_path: Path, sample_cases_csv_text: str) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(sample_cases_csv_text, encoding="utf-8")
    plain = load_cases(Settings(), path)
    assert plain.cases["region_code"].isna().all()
    assert isinstance(plain.cases["region_code"].dtype, pd.CategoricalDtype)
    county = load_cases(Settings(regions={"code": "330726"}), path)
    assert _listed(county.cases["region_code"]) == ["330726", "330726"]
    assert len(county.quality) == 0


def test_numbers_from_excel_and_parquet_become_six_digits(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "办件编号": ["X1", "X2", "X3"],
            "实施部门": [SCJG, SCJG, RSJ],
            "区划代码": [330102, 330106, None],
            "申请时间": ["2025-03-03 09:00:00"] * 3,
        }
    )
    xlsx = tmp_path / "cases.xlsx"
    frame.to_excel(xlsx, index=False, engine="openpyxl")  # number cells, one empty
    parquet = tmp_path / "cases.parquet"
    frame.astype({"区划代码": "float64"}).to_parquet(parquet)  # 330102.0, NaN
    for path in (xlsx, parquet):
        loaded = load_cases(Settings(regions={"code": "330726"}), path)
        assert _listed(loaded.cases["region_code"]) == ["330102", "330106", "330726"], path
        assert len(loaded.quality) == 0, path


def test_a_folder_of_files_and_the_demo_data(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "2025-03-01.csv").write_text(CSV, encoding="utf-8")
    (folder / "2025-03-02.csv").write_text(
        CSV.splitlines()[0] + "\n" + CSV.splitlines()[3].replace(",,", ",330726,", 1) + "\n",
        encoding="utf-8",
    )
    loaded = load_cases(Settings(), folder)
    cases = loaded.cases.set_index("case_id")
    assert _listed(cases["region_code"]) == ["330102", None, "330726"]  # R003 from the later file
    # R002's bad code, R004's bad date, the superseded R003 of the first file.
    assert loaded.quality["field"].tolist() == ["region_code", "accepted_at", "case_id"]
    assert loaded.bad_rows == 1


def test_the_demo_county_carries_its_code() -> None:
    from monitor.cases.calendar import build_calendar
    from monitor.demo.synth import COLUMNS, generate_cases

    assert COLUMNS[2] == "行政区划代码"
    cal = build_calendar(Settings(), 2025, 2026)
    frame = generate_cases(50, dt.date(2025, 3, 3), dt.date(2025, 3, 31), calendar=cal)
    assert set(frame["行政区划代码"]) == {"330726"}


# --- names -------------------------------------------------------------------------------------


def test_names_from_the_national_table() -> None:
    names = RegionNames()
    assert names.name("330000") == "浙江省"
    assert names.name("330100") == "杭州市"
    assert names.name("330102") == "上城区"
    assert names.name("330726") == "浦江县"
    assert names.name("110000") == "北京市"
    assert names.name("110100") == "北京市"  # 市辖区 of a 直辖市: the municipality
    assert names.name("500200") == "重庆市辖县"
    assert names.name("330101") == "杭州市市辖区"
    # A retired code keeps its last name; a code renamed takes its current one.
    assert names.name("330103") == "下城区"
    assert names.name("330206") == "北仑区"  # [1985-1986]滨海区,[1987-]北仑区
    assert names.name("3301") == "杭州市" and names.name("33") == "浙江省"
    assert names.name("999999") == "999999" and names.name("abc") == "abc"
    assert len(national_names()) > 6000
    assert national_names() is national_names()  # read once


def test_configured_names_come_first(tmp_path: Path) -> None:
    settings = Settings(regions={"names": {"3301": "杭州", "999999": "试验区"}})
    names = region_names(settings)
    assert names.name("330100") == "杭州"
    assert names.name("3301") == "杭州"
    assert names.name("999999") == "试验区"
    assert names.name("330102") == "上城区"


# --- the case store ----------------------------------------------------------------------------

THU = dt.datetime(2025, 3, 13, 9, 0)


def _store_settings(tmp_path: Path, **regions: object) -> Settings:
    return Settings(
        base_dir=tmp_path,
        database={"url": f"sqlite:///{tmp_path / 'monitor.db'}"},
        source={"path": "cases.csv"},
        store={"enabled": True},
        regions=regions,
    )


def _stored_codes(tmp_path: Path) -> dict[str, str | None]:
    frames = [pd.read_parquet(p) for p in (tmp_path / "var/store/current/cases").rglob("*.parquet")]
    cases = pd.concat(frames, ignore_index=True).sort_values("case_id")
    return dict(zip(cases["case_id"], _listed(cases["region_code"]), strict=True))


@pytest.fixture
def store_db(tmp_path: Path) -> sa.Engine:
    (tmp_path / "cases.csv").write_text(CSV, encoding="utf-8")
    engine = engine_for(_store_settings(tmp_path))
    upgrade(engine)
    return engine


def test_the_store_keeps_the_codes_and_rebuilds_a_store_of_version_4(
    tmp_path: Path, store_db: sa.Engine
) -> None:
    from monitor.store.update import SCHEMA_VERSION, update_store
    from monitor.store.verify import verify_store

    settings = _store_settings(tmp_path, code="330726")
    first = update_store(settings, store_db, THU)
    assert SCHEMA_VERSION == 5 and first.state.schema_version == 5
    assert _stored_codes(tmp_path) == {"R001": "330102", "R002": "330726", "R003": "330726"}
    again = update_store(settings, store_db, THU + dt.timedelta(hours=1))
    assert (again.state.kind, again.state.changed) == ("update", 0)
    # A store of version 4: case files without region_code.
    for path in (tmp_path / "var/store/current/cases").rglob("*.parquet"):
        pd.read_parquet(path).drop(columns="region_code").to_parquet(path.resolve(), index=False)
    with store_db.begin() as conn:
        conn.execute(sa.text("UPDATE store_state SET schema_version = 4"))
    rebuilt = update_store(settings, store_db, THU + dt.timedelta(hours=2))
    assert (rebuilt.state.kind, rebuilt.state.schema_version) == ("rebuild", 5)
    assert _stored_codes(tmp_path) == {"R001": "330102", "R002": "330726", "R003": "330726"}
    assert verify_store(settings, store_db).ok


def test_changed_regions_rebuild_the_store(tmp_path: Path, store_db: sa.Engine) -> None:
    from monitor.store.update import update_store
    from monitor.store.verify import verify_store

    update_store(_store_settings(tmp_path, code="330726"), store_db, THU)
    names_only = _store_settings(tmp_path, code="330726", names={"330726": "浦江"})
    same = update_store(names_only, store_db, THU + dt.timedelta(hours=1))
    assert same.state.kind == "update"  # names are not stored
    moved = _store_settings(tmp_path, code="330726", departments={SCJG: "330700"})
    run = update_store(moved, store_db, THU + dt.timedelta(hours=2))
    assert run.state.kind == "rebuild"
    assert _stored_codes(tmp_path) == {"R001": "330102", "R002": "330700", "R003": "330726"}
    assert verify_store(moved, store_db).ok
    assert update_store(moved, store_db, THU + dt.timedelta(hours=3)).state.kind == "update"


def test_inspect_counts_a_case_with_a_bad_code_as_kept(
    tmp_path: Path, store_db: sa.Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    """From the source and from the store alike: 4 rows, 3 cases, 1 bad row (R004's date);
    R002's code is a data problem, not a row kept out."""
    import json

    config = tmp_path / "config.toml"
    base = (
        f'[database]\nurl = "sqlite:///{tmp_path / "monitor.db"}"\n[source]\npath = "cases.csv"\n'
    )
    for store in ("", "[store]\nenabled = true\n"):
        config.write_text(base + store, encoding="utf-8")
        with pytest.raises(SystemExit) as info:
            main(["inspect", "--format", "json", "--config", str(config)])
        data = json.loads(capsys.readouterr().out)
        assert info.value.code == 0
        assert data["source"].startswith("case store") == bool(store)
        assert (data["rows_read"], data["cases"], data["bad_rows"]) == (4, 3, 1), store
        problems = {p["reason"]: p["rows"] for p in data["problems"]}
        assert problems[INVALID_REASON] == 1
