"""Time-limit texts (承诺时限, 法定时限; DOMAIN.md §6) parsed into a number of days and a unit.

A bare number, 工作日 and 天/日 are working days (行政许可法 Art. 82); 自然日 is natural days;
即办 is 0 working days. Fractions, text that is not a limit and negative limits are data
problems: their value is NaN and they are marked ``invalid`` or ``negative``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rules.limits import NATURAL, WORKDAY, parse_limits

NAN = math.nan

# (raw value, days, unit, invalid, negative)
CASES = [
    ("20", 20.0, WORKDAY, False, False),
    ("20个工作日", 20.0, WORKDAY, False, False),
    ("20工作日", 20.0, WORKDAY, False, False),
    ("20 个工作日", 20.0, WORKDAY, False, False),
    (" 20个工作日 ", 20.0, WORKDAY, False, False),
    ("15自然日", 15.0, NATURAL, False, False),
    ("即办", 0.0, WORKDAY, False, False),
    ("即办件", 0.0, WORKDAY, False, False),
    ("20天", 20.0, WORKDAY, False, False),
    ("20日", 20.0, WORKDAY, False, False),
    ("20.0", 20.0, WORKDAY, False, False),
    ("20 working days", 20.0, WORKDAY, False, False),
    ("15 natural days", 15.0, NATURAL, False, False),
    (20, 20.0, WORKDAY, False, False),
    (0, 0.0, WORKDAY, False, False),
    (20.0, 20.0, WORKDAY, False, False),
    ("", NAN, None, False, False),
    ("   ", NAN, None, False, False),
    (None, NAN, None, False, False),
    (NAN, NAN, None, False, False),
    ("-5个工作日", NAN, None, False, True),
    (-5, NAN, None, False, True),
    ("abc", NAN, None, True, False),
    ("3.5", NAN, None, True, False),
    (3.5, NAN, None, True, False),
    ("二十个工作日", NAN, None, True, False),
]


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.mark.parametrize(("raw", "days", "unit", "invalid", "negative"), CASES)
def test_one_limit(
    raw: object, days: float, unit: str | None, invalid: bool, negative: bool
) -> None:
    parsed = parse_limits(pd.Series([raw], dtype=object, name="promised_limit"))
    assert _same(parsed.value.iloc[0], days)
    got_unit = parsed.unit.iloc[0]
    assert (None if pd.isna(got_unit) else got_unit) == unit
    assert bool(parsed.invalid[0]) is invalid
    assert bool(parsed.negative[0]) is negative


def test_whole_column_keeps_order_index_and_names() -> None:
    """Every value of a mixed column, parsed at once, lines up with its own row."""
    raws = [raw for raw, *_ in CASES]
    index = pd.RangeIndex(100, 100 + len(raws))
    parsed = parse_limits(pd.Series(raws, dtype=object, index=index, name="legal_limit"))

    assert list(parsed.value.index) == list(index)
    assert parsed.value.name == "legal_limit"
    assert parsed.unit.name == "legal_limit_unit"
    for i, (raw, days, unit, invalid, negative) in enumerate(CASES):
        assert _same(parsed.value.iloc[i], days), raw
        got_unit = parsed.unit.iloc[i]
        assert (None if pd.isna(got_unit) else got_unit) == unit, raw
        assert bool(parsed.invalid[i]) is invalid, raw
        assert bool(parsed.negative[i]) is negative, raw


def test_numeric_column() -> None:
    """A column read as numbers (Excel, Parquet): NaN is empty, not invalid."""
    parsed = parse_limits(pd.Series([20.0, np.nan, 0.0, 15.0]))
    assert parsed.value.tolist()[0] == 20.0
    assert math.isnan(parsed.value.tolist()[1])
    assert parsed.value.tolist()[2:] == [0.0, 15.0]
    assert parsed.unit.astype(object).where(parsed.unit.notna(), None).tolist() == [
        WORKDAY,
        None,
        WORKDAY,
        WORKDAY,
    ]
    assert not parsed.invalid.any()
    assert not parsed.negative.any()


def test_unit_is_categorical_of_the_two_units() -> None:
    parsed = parse_limits(pd.Series(["20", "15自然日"]))
    assert isinstance(parsed.unit.dtype, pd.CategoricalDtype)
    assert list(parsed.unit.cat.categories) == [WORKDAY, NATURAL]


@pytest.mark.parametrize(
    ("raw", "days", "unit", "invalid", "implausible"),
    [
        ("3650个工作日", 3650.0, WORKDAY, False, False),  # ten years: the bound, kept
        ("3650自然日", 3650.0, NATURAL, False, False),
        ("3651自然日", NAN, None, False, True),
        ("999999999999", NAN, None, False, True),
        (999999999999, NAN, None, False, True),
        (1e308, NAN, None, False, True),
        (math.inf, NAN, None, True, False),  # int(inf) raised OverflowError
        (-math.inf, NAN, None, True, False),
        ("inf", NAN, None, True, False),
    ],
)
def test_implausible_and_infinite_limits(
    raw: object, days: float, unit: str | None, invalid: bool, implausible: bool
) -> None:
    """Issue 10 item 15: above MAX_DAYS (3650) a limit is implausible, a non-finite number
    is not a limit at all; both are data problems with value NaN, never a number of days."""
    parsed = parse_limits(pd.Series([raw, "20"], dtype=object))
    assert _same(parsed.value.iloc[0], days)
    got_unit = parsed.unit.iloc[0]
    assert (None if pd.isna(got_unit) else got_unit) == unit
    assert (bool(parsed.invalid[0]), bool(parsed.implausible[0])) == (invalid, implausible)
    assert not parsed.negative[0]
    assert parsed.value.iloc[1] == 20.0
