"""Each case's administrative division (行政区划, ``region_code``) and the names of regions.

:func:`assign_regions` gives every loaded case its 6-digit code: its own valid code, else the
code of its department under ``[regions] departments``, else ``[regions] code``, else none. A
code that is present but not valid ("33010", "abc", "000000") is listed in data quality and
the case, kept, falls back as if it had none. :func:`region_names` names codes: ``[regions]
names`` first, then the national table python-stdnum ships (``stdnum/cn/loc.dat``, each code
with the names it had and the years it had them; the current name is taken), else the code.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from monitor.cases.normalise import QUALITY_COLUMNS
from monitor.config import Settings
from rules.regions import parse_region, valid_codes

__all__ = [
    "INVALID_REASON",
    "REGION_FIELD",
    "RegionNames",
    "assign_regions",
    "national_names",
    "region_names",
]

#: The canonical field of a case's code.
REGION_FIELD = "region_code"
#: The data-quality reason of a present but invalid code (the case is kept).
INVALID_REASON = (
    "invalid region_code (expected 6 digits such as 330102); the case is kept and takes its "
    "region from [regions], if any"
)


def assign_regions(
    cases: pd.DataFrame, quality: pd.DataFrame, settings: Settings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(cases, quality) with ``region_code`` (categorical, after ``department``) filled in:
    own valid code, else ``[regions] departments``, else ``[regions] code``, else missing;
    one data-quality row per case whose own code is present but invalid.

    Worked on the columns' categories: a few codes and departments among millions of rows."""
    regions = settings.regions
    cases = cases.copy() if REGION_FIELD in cases else _with_column(cases)
    own = _categorical(cases[REGION_FIELD])
    own_names = pd.Series(own.cat.categories.astype("str"))
    own_ok = valid_codes(own_names)
    mapped = pd.Series(np.nan, dtype=object)
    if regions.departments and "department" in cases:
        department = _categorical(cases["department"])
        mapped = pd.Series(department.cat.categories.astype("str")).map(regions.departments)
    default = [] if regions.code is None else [regions.code]
    names = pd.Index(pd.unique(np.array([*own_names[own_ok], *mapped.dropna(), *default], object)))
    # Each row's position in ``names``: own code, else its department's, else the default;
    # -1 for none (a missing value's code is -1 too: it picks the -1 appended last).
    from_own = np.append(np.where(own_ok, names.get_indexer(own_names), -1), -1)
    at = from_own[own.cat.codes.to_numpy()]
    if len(mapped.dropna()):
        from_department = np.append(names.get_indexer(mapped.to_numpy(object)), -1)
        at = np.where(at >= 0, at, from_department[department.cat.codes.to_numpy()])
    if default:
        at = np.where(at >= 0, at, names.get_loc(regions.code))
    code = pd.Categorical.from_codes(at, categories=names.astype("str"))
    cases[REGION_FIELD] = pd.Series(code, index=cases.index).cat.remove_unused_categories()
    invalid = own.notna().to_numpy(bool) & ~np.append(own_ok, False)[own.cat.codes.to_numpy()]
    if invalid.any():
        quality = _quality_rows(cases, own, invalid, quality)
    return cases, quality


def _categorical(values: pd.Series) -> pd.Series:
    return values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")


def _with_column(cases: pd.DataFrame) -> pd.DataFrame:
    """``cases`` with an empty ``region_code`` column after ``department``."""
    at = cases.columns.get_loc("department") + 1 if "department" in cases else len(cases.columns)
    out = cases.copy()
    out.insert(at, REGION_FIELD, pd.Series(np.nan, index=cases.index, dtype="str"))
    return out


def _quality_rows(
    cases: pd.DataFrame, own: pd.Series, invalid: np.ndarray, quality: pd.DataFrame
) -> pd.DataFrame:
    """``quality`` with a row for each ``invalid`` case, in source-row order."""
    rows = np.flatnonzero(invalid)
    found = pd.DataFrame(
        {
            "source_row": cases["source_row"].to_numpy()[rows],
            "case_id": cases["case_id"].to_numpy()[rows],
            "field": REGION_FIELD,
            "reason": INVALID_REASON,
            "value": own.astype(object).to_numpy()[rows],
        }
    )
    out = pd.concat([f for f in (quality, found) if len(f)], ignore_index=True)
    out = out.sort_values(["source_row", "field"], kind="stable").reset_index(drop=True)
    return out[QUALITY_COLUMNS]


@dataclass(frozen=True)
class RegionNames:
    """Names of regions: the configured ones first, then the national table, else the code."""

    overrides: Mapping[str, str] = field(default_factory=dict)

    def name(self, code: str) -> str:
        """The name of region ``code`` (6 digits; 33 or 3301 are read as 330000, 330100)."""
        text = str(code).strip()
        try:
            text = parse_region(text).code
        except ValueError:
            return text
        return self.overrides.get(text) or national_names().get(text) or text


def region_names(settings: Settings) -> RegionNames:
    """The names of regions under ``settings`` (``[regions] names`` over the national table)."""
    return RegionNames(dict(settings.regions.names))


_SPAN = re.compile(r"\[(?P<start>\d*)-(?P<end>\d*)\](?P<name>.*)")
#: The names the table gives the groupings of a 直辖市's districts and counties at city
#: level, and of a city's districts at county level: named after the region above them.
_DISTRICTS, _COUNTIES = "市辖区", "县"


@functools.cache
def national_names() -> Mapping[str, str]:
    """Code → current name of every code in python-stdnum's ``cn/loc.dat`` (read once, the
    first time a name is asked for; read only).

    The table gives a code's names with the years they were in use ("[1985-1986]滨海区,
    [1987-]北仑区"); the name without an end year is current, else the latest. The city-level
    codes of a 直辖市 (110100 市辖区, 500200 县) are named after it (北京市, 重庆市辖县), a
    city's 市辖区 after the city (330101 杭州市市辖区).
    """
    from stdnum import numdb

    names: dict[str, str] = {}
    for length, low, high, props, children in numdb.get("cn/loc").prefixes:
        for number in range(int(low), int(high) + 1):
            province = str(number).zfill(length)
            names[province + "0000"] = _current(props.get("province", ""))
            for size, first, last, more, _ in children:
                for rest in range(int(first), int(last) + 1):
                    names[province + str(rest).zfill(size)] = _current(more.get("county", ""))
    fixed = {}
    for code, name in names.items():
        if code.endswith("0000") or name not in (_DISTRICTS, _COUNTIES):
            continue
        if code.endswith("00"):  # a 直辖市's districts or counties
            province = names.get(code[:2] + "0000", "")
            fixed[code] = province if name == _DISTRICTS else province + "辖县"
        elif name == _DISTRICTS:  # a city's districts
            fixed[code] = names.get(code[:4] + "00", "") + name
    names.update(fixed)
    return MappingProxyType(names)


def _current(text: str) -> str:
    """The current name of an entry of the table: the one without an end year (the latest
    begun), else the one that ended last."""
    best: tuple[tuple[float, int], str] | None = None
    for part in text.split(","):
        match = _SPAN.fullmatch(part.strip())
        if match is None:
            key, name = (float("inf"), 0), part.strip()
        else:
            end = float(match["end"]) if match["end"] else float("inf")
            key, name = (end, int(match["start"] or 0)), match["name"].strip()
        if best is None or key >= best[0]:
            best = (key, name)
    return best[1] if best else ""
