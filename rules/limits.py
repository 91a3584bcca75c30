"""Time limits (时限) as written in case records, parsed into a number and a unit.

Forms (DOMAIN.md §6): ``"20"``, ``"20个工作日"``, ``"20工作日"``, ``"15自然日"``, ``"即办"``,
also ``"20天"`` / ``"20日"``. A bare number or 天/日 means working days, since every period of
行政许可法 counts working days (Art. 82); 自然日 means natural (calendar) days; 即办 (an
immediate case, 即办件) is 0 working days.

A limit above :data:`MAX_DAYS` (3650 days, ten years) is implausible — a typo or a
placeholder such as 999999999999 — and so is a non-finite number (``inf``): neither is
guessed at (DOMAIN.md §6: bad records are kept out of the rules and listed).

Parsing works on the distinct values only (a county has a few dozen distinct limit texts
among millions of cases), so it costs one factorisation of the column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["MAX_DAYS", "NATURAL", "WORKDAY", "ParsedLimits", "parse_limits"]

WORKDAY = "workday"
NATURAL = "natural"
#: The longest plausible limit or suspension, in days. Not law: a bound for data quality
#: (issue 10). 行政许可法 limits are 20 working days plus extensions (Art. 42); the longest
#: in a county catalogue are a few hundred days. Ten years keeps every real one.
MAX_DAYS = 3650

_FORM = re.compile(
    r"^(?P<num>[-+]?\d+(?:\.0+)?)\s*(?:个)?\s*(?P<unit>工作日|个工作日|自然日|天|日|working\s*days?|"
    r"workdays?|natural\s*days?|days?)?$",
    re.IGNORECASE,
)
_UNIT_CODE = {WORKDAY: 0, NATURAL: 1, None: -1}  # codes of the unit categories
_IMMEDIATE = {"即办", "即办件", "当场办结", "立即办结"}


@dataclass(frozen=True)
class ParsedLimits:
    """Parsed limits, aligned with the input.

    ``value`` is the number of days (NaN where empty or invalid), ``unit`` is ``"workday"``,
    ``"natural"`` or missing; ``invalid`` marks non-empty text that is not a limit (or a
    number that is not finite), ``negative`` a limit below zero and ``implausible`` one above
    :data:`MAX_DAYS` (all data problems, with ``value`` NaN).
    """

    value: pd.Series
    unit: pd.Series
    invalid: np.ndarray
    negative: np.ndarray
    implausible: np.ndarray


def parse_limits(values: pd.Series) -> ParsedLimits:
    """Parse a column of limit texts (or numbers) into :class:`ParsedLimits`."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = [_parse_one(u) for u in uniques]
    num = np.array([p[0] for p in parsed] + [np.nan], dtype=np.float64)
    unit_code = np.array([_UNIT_CODE[p[1]] for p in parsed] + [-1], dtype=np.int8)
    status = np.array([p[2] for p in parsed] + [0], dtype=np.int8)
    idx = np.where(codes < 0, len(uniques), codes)
    kind = status[idx]
    units = pd.Categorical.from_codes(unit_code[idx], categories=[WORKDAY, NATURAL])
    return ParsedLimits(
        value=pd.Series(num[idx], index=values.index, name=values.name),
        unit=pd.Series(units, index=values.index, name=f"{values.name}_unit"),
        invalid=kind == 1,
        negative=kind == 2,
        implausible=kind == 3,
    )


def _parse_one(raw: object) -> tuple[float, str | None, int]:
    """(days, unit, status) for one distinct value; status 0 ok or empty, 1 invalid,
    2 negative, 3 implausible (above MAX_DAYS)."""
    if isinstance(raw, (int, float, np.integer, np.floating)) and not isinstance(raw, bool):
        if np.isnan(raw) if isinstance(raw, (float, np.floating)) else False:
            return np.nan, None, 0
        if not np.isfinite(raw) or float(raw) != int(raw):
            return np.nan, None, 1
        return _checked(float(raw), WORKDAY)
    text = str(raw).strip().replace(" ", "")
    if not text:
        return np.nan, None, 0
    if text in _IMMEDIATE:
        return 0.0, WORKDAY, 0
    m = _FORM.match(text)
    if not m:
        return np.nan, None, 1
    unit = m["unit"] or ""
    natural = unit == "自然日" or unit.lower().startswith("natural")
    return _checked(float(m["num"]), NATURAL if natural else WORKDAY)


def _checked(days: float, unit: str) -> tuple[float, str | None, int]:
    if days < 0:
        return np.nan, None, 2
    if days > MAX_DAYS:
        return np.nan, None, 3
    return days, unit, 0
