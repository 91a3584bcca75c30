"""Reference data beside the cases: the item catalogue and suspension intervals.

The item catalogue (事项目录, ``[rules] item_catalogue``) gives per-item limits and
thresholds; it is configuration, so a bad entry stops the run with the file, row and column.
Suspension intervals (特别程序, ``[source] suspensions``) come from the case system; a bad
interval (unreadable or implausible times — see :mod:`monitor.cases.timestamps` — ending
before it starts, or longer than ``rules.limits.MAX_DAYS``) is listed in data quality and
skipped, never silently.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from monitor.cases.headers import check_mapped_headers
from monitor.cases.sources import read_file
from monitor.cases.timestamps import parse_timestamps
from monitor.config import Settings
from monitor.errors import InputError
from rules.limits import MAX_DAYS, parse_limits

__all__ = [
    "CATALOGUE_HEADERS",
    "SUSPENSION_HEADERS",
    "configured_reference",
    "load_catalogue",
    "load_suspensions",
]

CATALOGUE_HEADERS: dict[str, tuple[str, ...]] = {
    "item_code": ("事项编码", "实施编码", "事项代码", "item_code"),
    "item_name": ("事项名称", "item_name"),
    "acceptance_limit": ("受理时限", "acceptance_limit"),
    "promised_limit": ("承诺时限", "承诺办结时限", "promised_limit"),
    "legal_limit": ("法定时限", "法定办结时限", "legal_limit"),
    "warn_before_days": ("预警天数", "warn_before_days"),
    "warn_ratio": ("预警比例", "warn_ratio"),
    "escalate_after_days": ("督办天数", "escalate_after_days"),
}
SUSPENSION_HEADERS: dict[str, tuple[str, ...]] = {
    "case_id": ("办件编号", "申办流水号", "业务流水号", "case_id"),
    "start": ("开始时间", "暂停开始时间", "挂起时间", "start"),
    "end": ("结束时间", "恢复时间", "暂停结束时间", "end"),
}
_LIMITS = ("acceptance_limit", "promised_limit", "legal_limit")
_TOO_LONG = f"implausible suspension (over {MAX_DAYS} days)"
#: Allowed range of each threshold column, as in ``[rules]``: (low, high, low allowed).
_THRESHOLDS = {
    "warn_before_days": (0, None, True),
    "warn_ratio": (0, 1, False),
    "escalate_after_days": (1, None, True),
}


def configured_reference(
    settings: Settings,
) -> tuple[pd.DataFrame | None, pd.DataFrame | None, pd.DataFrame]:
    """(catalogue, suspension intervals, unusable suspension rows) as ``[rules]
    item_catalogue`` and ``[source] suspensions`` configure them (None when not set)."""
    catalogue = suspensions = None
    problems = pd.DataFrame(columns=["case_id", "obligation", "reason", "value"])
    if settings.rules.item_catalogue:
        catalogue = load_catalogue(settings.resolve(settings.rules.item_catalogue))
    if settings.source.suspensions:
        suspensions, problems = load_suspensions(settings.resolve(settings.source.suspensions))
    return catalogue, suspensions, problems


def load_catalogue(path: Path) -> pd.DataFrame:
    """The item catalogue as ``item_code``, limits with ``*_unit``, and threshold columns."""
    raw = read_file(path, text_columns={h: "text" for hs in CATALOGUE_HEADERS.values() for h in hs})
    where = f"[rules] item_catalogue {path}"
    found = _columns(raw.frame, CATALOGUE_HEADERS, where)
    if "item_code" not in found:
        raise InputError(f"{where}: no item code column (事项编码 or item_code)")
    codes = raw.frame[found["item_code"]].astype("str").str.strip()
    out = pd.DataFrame({"item_code": codes})
    first = raw.first_row
    blank = codes.isna() | (codes == "")
    if blank.any():
        row = first + int(np.flatnonzero(blank)[0])
        raise InputError(f"{where}: row {row}, column {found['item_code']}: no item code")
    for field in _LIMITS:
        if field not in found:
            continue
        parsed = parse_limits(raw.frame[found[field]].reset_index(drop=True))
        wrong = parsed.invalid | parsed.negative | parsed.implausible
        if wrong.any():
            row = int(np.flatnonzero(wrong)[0])
            value = raw.frame[found[field]].iloc[row]
            what = (
                f"over {MAX_DAYS} days, not a plausible time limit"
                if parsed.implausible[row]
                else "not a time limit like 20个工作日, 15自然日 or 即办"
            )
            raise InputError(
                f"{where}: row {first + row}, column {_label(found[field], field)}: {value!r} is "
                f"{what}"
            )
        out[field] = parsed.value.to_numpy()
        out[f"{field}_unit"] = parsed.unit.array
    for field, bounds in _THRESHOLDS.items():
        if field in found:
            out[field] = _number(raw.frame[found[field]], where, field, first, *bounds)
    return out


def load_suspensions(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(intervals, problems): valid ``case_id, start, end`` rows and the rows left out."""
    raw = read_file(path, text_columns={h: "text" for h in SUSPENSION_HEADERS["case_id"]})
    found = _columns(raw.frame, SUSPENSION_HEADERS, f"[source] suspensions {path}")
    missing = [f for f in SUSPENSION_HEADERS if f not in found]
    if missing:
        raise InputError(
            f"[source] suspensions {path}: no column for {', '.join(missing)} "
            f"(e.g. 办件编号, 开始时间, 结束时间)"
        )
    n = len(raw.frame)
    start, bad_start = parse_timestamps(raw.frame[found["start"]], n)
    end, bad_end = parse_timestamps(raw.frame[found["end"]], n)
    ids = raw.frame[found["case_id"]].astype("str").str.strip().reset_index(drop=True)
    bad = bad_start | bad_end | start.isna().to_numpy() | end.isna().to_numpy()
    backwards = ~bad & (end < start).to_numpy()
    too_long = ~bad & ((end - start).to_numpy() > np.timedelta64(MAX_DAYS, "D"))
    left_out = bad | backwards | too_long
    rows = np.arange(raw.first_row, raw.first_row + n)
    problems = pd.DataFrame(
        {
            "case_id": ids[left_out].to_numpy(),
            "obligation": "completion",
            "reason": np.select(
                [backwards[left_out], too_long[left_out]],
                ["suspension ends before it starts", _TOO_LONG],
                "unreadable suspension start or end",
            ),
            "value": [f"{path.name} row {r}" for r in rows[left_out]],
        }
    )
    keep = ~left_out
    intervals = pd.DataFrame(
        {
            "case_id": ids[keep].to_numpy(),
            "start": start[keep].to_numpy(),
            "end": end[keep].to_numpy(),
        }
    )
    return intervals, problems


def _columns(
    frame: pd.DataFrame, headers: dict[str, tuple[str, ...]], where: str
) -> dict[str, str]:
    """Field → the header that feeds it; a header that feeds one and repeats is refused."""
    present = {str(c).strip().lower(): c for c in frame.columns}
    found = {}
    for field, names in headers.items():
        for name in names:
            if name.lower() in present:
                found[field] = present[name.lower()]
                break
    check_mapped_headers(where, [str(c) for c in frame.columns], found)
    return found


def _label(header: object, field: str) -> str:
    """A column as named in the file, with the field it feeds when the names differ."""
    return str(header) if str(header) == field else f"{header} ({field})"


def _number(
    col: pd.Series,
    where: str,
    field: str,
    first: int,
    low: float,
    high: float | None,
    low_allowed: bool,
) -> np.ndarray:
    values = pd.to_numeric(col.reset_index(drop=True), errors="coerce").to_numpy(dtype=float)
    given = col.reset_index(drop=True).notna().to_numpy() & (
        col.reset_index(drop=True).astype("str").str.strip() != ""
    ).to_numpy(bool)
    too_low = (values < low) if low_allowed else (values <= low)
    wrong = given & (np.isnan(values) | too_low | ((values > high) if high else False))
    if wrong.any():
        row = int(np.flatnonzero(wrong)[0])
        above = "≥" if low_allowed else ">"
        limit = f"a number {above} {low}" + (f" and ≤ {high}" if high else "")
        raise InputError(
            f"{where}: row {first + row}, column {_label(col.name, field)}: must be {limit}, "
            f"found {col.iloc[row]!r}"
        )
    return np.where(given, values, np.nan)
