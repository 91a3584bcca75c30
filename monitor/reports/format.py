"""Numbers and words of the period reports (DOMAIN.md §5): rates, counts, fractions, labels.

Rates are never rounded to a lie (issue 5): ``None`` (denominator 0) shows ``—``, an exact
zero shows ``0%``, and any other rate shows two decimals when it is at least 1 % and two
significant digits below that, so 104 of 2,050,000 is ``0.0051%``, not ``0.01%`` or
``0.00%``; a rate below 100 % never shows as ``100.00%``. One style throughout, without a space
before ``%`` (``99.41%``), as Chinese reports write it.

Counts are exact with thousands separators (``9,876``; English always ``2,050,000``); in
Chinese, counts of 10,000 and more are written in 万 (``205.0万``, ``1.23万``) and 亿, as
work reports do. Fractions always give the exact numerator and denominator
(``104 / 2,050,000 = 0.0051%``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from rules.definitions import MEAN_KEYS, RATE_KEYS

__all__ = [
    "DEPARTMENT_KEYS",
    "Change",
    "change",
    "format_count",
    "format_days",
    "format_fraction",
    "format_points",
    "format_rate",
    "format_value",
    "percent_format",
]

#: The columns of the department table (红黑榜), in order.
DEPARTMENT_KEYS: tuple[str, ...] = (
    "received",
    "online_rate",
    "accepted_late_rate",
    "pending_late",
    "completed_late_rate",
    "open_late",
    "on_time_rate",
    "early_rate",
    "mean_processing_workdays",
    "warning_response_rate",
    "mean_response_workdays",
    "late_explained_rate",
    "late_explanation_accepted_rate",
    "warnings",
    "overdue",
    "escalated",
)

#: Whether a rise is good (+1), bad (-1) or neither (0): the colour of a change.
_DIRECTION: dict[str, int] = {
    "online_rate": 1,
    "on_time_rate": 1,
    "early_rate": 1,
    "accepted_late": -1,
    "accepted_late_rate": -1,
    "pending_late": -1,
    "completed_late": -1,
    "completed_late_rate": -1,
    "open_late": -1,
    "mean_processing_workdays": -1,
    "warnings": -1,
    "overdue": -1,
    "escalated": -1,
    "warning_response_rate": 1,
    "mean_response_workdays": -1,
    "late_explained_rate": 1,
    "late_explanation_accepted_rate": 1,
}

_NONE = "—"
_HUNDRED = Decimal(100)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _decimals(percent: Decimal) -> int:
    """Decimals that show ``percent`` (> 0): two from 1 upwards, else two significant digits."""
    if percent >= 1:
        return 2
    return 1 - percent.adjusted()  # adjusted() is floor(log10(percent))


def _round(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _percent_number(fraction: float) -> str:
    """``fraction`` as a percentage number without the sign, by the rules of the module."""
    percent = abs(Decimal(str(fraction)) * _HUNDRED)
    if percent == 0:
        return "0"
    if percent == _HUNDRED:
        return "100"
    decimals = _decimals(percent)
    shown = _round(percent, decimals)
    while percent < _HUNDRED and shown >= _HUNDRED:  # 99.9996 % is not 100.00 %
        decimals += 1
        shown = _round(percent, decimals)
    return f"{shown:f}"


def format_rate(fraction: float | None) -> str:
    """A rate (a fraction) as a percentage that is never rounded to a lie.

    >>> format_rate(104 / 2_050_000), format_rate(0.9941), format_rate(0.5), format_rate(0)
    ('0.0051%', '99.41%', '50.00%', '0%')
    >>> format_rate(None)
    '—'
    """
    if _missing(fraction):
        return _NONE
    assert fraction is not None
    sign = "-" if fraction < 0 else ""
    return f"{sign}{_percent_number(fraction)}%"


def format_points(difference: float | None, language: str = "zh") -> str:
    """A change of a rate in percentage points, signed: ``+0.0012个百分点`` / ``-0.50 pp``."""
    if _missing(difference):
        return _NONE
    assert difference is not None
    if difference == 0:
        return "0个百分点" if language == "zh" else "0 pp"
    sign = "+" if difference > 0 else "-"
    unit = "个百分点" if language == "zh" else " pp"
    return f"{sign}{_percent_number(difference)}{unit}"


def format_count(n: int | None, language: str = "zh") -> str:
    """A count: ``2,050,000`` in English; in Chinese ``205.0万`` from 10,000 up, else ``9,876``."""
    if _missing(n):
        return _NONE
    assert n is not None
    n = int(n)
    if language != "zh" or abs(n) < 10_000:
        return f"{n:,}"
    if abs(n) >= 100_000_000:
        return f"{_round(Decimal(n) / Decimal(100_000_000), 2):f}亿"
    decimals = 1 if abs(n) >= 100_000 else 2
    return f"{_round(Decimal(n) / Decimal(10_000), decimals):f}万"


def format_days(days: float | None) -> str:
    """Mean working days, two decimals (two significant digits below 0.01): ``3.25``."""
    if _missing(days):
        return _NONE
    assert days is not None
    value = Decimal(str(days))
    if value == 0:
        return "0"
    decimals = 2 if abs(value) >= Decimal("0.01") else 1 - value.adjusted()
    return f"{_round(value, decimals):f}"


def format_fraction(numerator: int, denominator: int, rate: float | None = None) -> str:
    """``104 / 2,050,000 = 0.0051%``; ``rate`` defaults to numerator / denominator."""
    if rate is None and denominator:
        rate = numerator / denominator
    return f"{int(numerator):,} / {int(denominator):,} = {format_rate(rate)}"


def format_value(key: str, value: Any, language: str = "zh") -> str:
    """Any figure by its key: a rate, a mean of working days, or a count."""
    if key in RATE_KEYS:
        return format_rate(value)
    if key in MEAN_KEYS:
        return format_days(value)
    return format_count(value, language)


def percent_format(fraction: float | None) -> str:
    """The Excel number format that shows ``fraction`` like :func:`format_rate` does.

    ``0.00%`` normally, more decimals for tiny rates so that 104 / 2,050,000 is not 0.00%.
    """
    if _missing(fraction) or fraction == 0:
        return "0.00%"
    assert fraction is not None
    percent = abs(Decimal(str(fraction)) * _HUNDRED)
    decimals = _decimals(percent)
    while percent < _HUNDRED and _round(percent, decimals) >= _HUNDRED:
        decimals += 1
    return "0." + "0" * decimals + "%"


@dataclass(frozen=True)
class Change:
    """A figure against the previous period: arrow, size of the change, previous value, tone.

    ``tone`` is ``better``, ``worse`` or ``same`` (a rise in a late rate is worse, a rise in
    the online rate better; counts such as ``received`` are ``same`` either way).
    """

    arrow: str
    difference: str
    previous: str
    tone: str


def change(key: str, current: Any, previous: Any, language: str = "zh") -> Change:
    """How ``current`` compares with ``previous`` for the figure ``key``."""
    shown_previous = format_value(key, previous, language)
    if _missing(current) or _missing(previous):
        return Change("", _NONE, shown_previous, "same")
    delta = current - previous
    arrow = "↑" if delta > 0 else "↓" if delta < 0 else "→"
    if key in RATE_KEYS:
        difference = format_points(abs(delta), language).lstrip("+")
    elif key in MEAN_KEYS:
        difference = format_days(abs(delta))
    else:
        difference = format_count(abs(delta), language)
    direction = _DIRECTION.get(key, 0) * (1 if delta > 0 else -1 if delta < 0 else 0)
    tone = "better" if direction > 0 else "worse" if direction < 0 else "same"
    return Change(arrow, difference, shown_previous, tone)
