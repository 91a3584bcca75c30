"""The working-day calendar (工作日历) of DOMAIN.md §2, vectorised.

A working day (工作日) is Monday–Friday, minus the statutory holidays (法定节假日) and the
days off moved onto weekdays, plus the weekend days that the State Council's yearly notice
declares working days (调休上班日). The schedule comes from the ``holidays`` package's China
calendar (its holidays and ``weekend_workdays``), which follows the State Council notices
(国务院办公厅关于 YYYY 年部分节假日安排的通知). Operators add local closures such as typhoon
days (台风停工) as extra holidays, extra working days likewise, and may give the whole
schedule of a year the package does not carry yet.

The calendar is a boolean array with one entry per day plus its cumulative sum, so every
question about many dates is a handful of array look-ups, never a loop over rows or days.

A year without a published schedule is never used silently (DOMAIN.md §2): an operation that
touches such a year raises :class:`~rules.errors.UnknownYearError`, unless the calendar was
built with ``allow_estimated=True``; then :meth:`WorkingCalendar.estimated` tells which
results used an estimated year so that every output can say so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from rules.errors import CalendarRangeError, UnknownYearError

__all__ = ["DayArray", "WorkingCalendar", "YearSchedule", "published_years"]

#: Dates as numpy ``datetime64[D]``; ``NaT`` stands for "no date".
DayArray = npt.NDArray[np.datetime64]

_NAT = np.iinfo(np.int64).min
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class YearSchedule:
    """The official schedule of one year, given by the operator.

    ``holidays`` are the days off (statutory holidays and the weekdays given off in exchange),
    ``workdays`` the weekend days declared working days (调休上班日).
    """

    holidays: tuple[dt.date, ...] = ()
    workdays: tuple[dt.date, ...] = ()


def published_years() -> frozenset[int]:
    """Years whose State Council schedule the installed ``holidays`` package carries.

    The package keeps the schedule of each published year as that year's special holidays
    (the 调休 exchanges); a year without them is an estimate (no 调休 at all).
    """
    from holidays.countries.china import ChinaStaticHolidays

    return frozenset(getattr(ChinaStaticHolidays, "special_public_holidays", {}))


@dataclass
class WorkingCalendar:
    """Working days of the years ``first_year``..``last_year`` (both included).

    Build it with :meth:`china`. Every method takes array-likes of dates (numpy
    ``datetime64``, pandas Series of datetimes, or ``datetime.date`` objects) and returns
    numpy arrays; ``NaT`` in gives ``NaT`` (or ``False`` / ``0`` for masks and counts) out.
    """

    first_year: int
    last_year: int
    is_workday: npt.NDArray[np.bool_]
    estimated_years: frozenset[int]
    allow_estimated: bool = False
    #: Why a day is not an ordinary weekday or weekend: day → (kind, name), kind one of
    #: ``holiday`` (statutory holiday or a day off given in exchange, named in Chinese),
    #: ``workday`` (a weekend day worked, 调休上班), ``closure`` (a local closure from
    #: ``[calendar] extra_holidays``), ``extra_workday`` (``[calendar] extra_workdays``).
    notes: Mapping[dt.date, tuple[str, str]] = field(default_factory=dict)
    _origin: int = field(init=False)
    _cum: npt.NDArray[np.int64] = field(init=False, repr=False)
    _workdays: npt.NDArray[np.int64] = field(init=False, repr=False)
    _estimated_day: npt.NDArray[np.bool_] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._origin = (dt.date(self.first_year, 1, 1) - _EPOCH).days
        # _cum[i] = number of working days on or before day i.
        self._cum = np.cumsum(self.is_workday, dtype=np.int64)
        self._workdays = np.flatnonzero(self.is_workday).astype(np.int64) + self._origin
        years = _day_years(self.first_year, len(self.is_workday))
        self._estimated_day = np.isin(years, sorted(self.estimated_years))

    # ------------------------------------------------------------------ construction
    @classmethod
    def china(
        cls,
        first_year: int,
        last_year: int,
        *,
        extra_holidays: Iterable[dt.date] = (),
        extra_workdays: Iterable[dt.date] = (),
        schedules: Mapping[int, YearSchedule] | None = None,
        allow_estimated: bool = False,
    ) -> WorkingCalendar:
        """The mainland China calendar for ``first_year``..``last_year``.

        A year in ``schedules`` takes the operator's schedule instead of the package's; a
        year neither published nor in ``schedules`` is estimated (weekends and the package's
        guess at the statutory holidays, no 调休). ``extra_holidays`` and ``extra_workdays``
        (local closures and extra working days) are applied last and win over both.
        """
        if last_year < first_year:
            raise ValueError(f"last_year {last_year} is before first_year {first_year}")
        schedules = dict(schedules or {})
        years = range(first_year, last_year + 1)
        import holidays  # here: a calendar read back from a cache needs no holidays package

        cn = holidays.China(years=years, language="zh_CN")
        off = {d for d in cn if d.year not in schedules}
        on = {d for d in cn.weekend_workdays if d.year in years and d.year not in schedules}
        notes: dict[dt.date, tuple[str, str]] = {d: ("holiday", str(cn[d])) for d in off}
        notes |= {d: ("workday", "调休上班") for d in on}
        for schedule in schedules.values():
            off.update(schedule.holidays)
            on.update(schedule.workdays)
            notes |= {d: ("holiday", "法定节假日（配置）") for d in schedule.holidays}
            notes |= {d: ("workday", "调休上班（配置）") for d in schedule.workdays}
        off |= set(extra_holidays)
        on -= set(extra_holidays)
        on |= set(extra_workdays)
        off -= set(extra_workdays)
        notes |= {d: ("closure", "本地停工（配置）") for d in extra_holidays}
        notes |= {d: ("extra_workday", "加班工作日（配置）") for d in extra_workdays}

        start = np.datetime64(dt.date(first_year, 1, 1), "D")
        days = np.arange(start, np.datetime64(dt.date(last_year + 1, 1, 1), "D"))
        weekday = (days.view(np.int64) + 3) % 7  # 1970-01-01 was a Thursday (3)
        workday = weekday < 5
        workday[_indexes(off, start, len(days))] = False
        workday[_indexes(on, start, len(days))] = True
        estimated = frozenset(y for y in years if y not in published_years() | set(schedules))
        return cls(first_year, last_year, workday, estimated, allow_estimated, notes)

    # ------------------------------------------------------------------ questions
    def is_working_day(self, days: object) -> npt.NDArray[np.bool_]:
        """Whether each day is a working day (``NaT`` → ``False``)."""
        d, nat = self._index(days)
        out = np.zeros(d.shape, dtype=bool)
        out[~nat] = self.is_workday[d[~nat]]
        return out

    def add_working_days(self, start: object, k: object) -> DayArray:
        """The k-th working day after ``start``; ``start`` itself never counts.

        For k ≥ 1 this is Civil Code Art. 201 (the first day is not counted) applied to a
        working-day period (行政许可法 Art. 82). For k = 0 (即办件) it is ``start`` when that
        is a working day, else the first working day after it. ``k`` is an integer or an
        integer array; negative k is refused.
        """
        d, nat = self._index(start)
        d, steps = np.broadcast_arrays(d, np.asarray(k, dtype=np.int64))
        nat = np.broadcast_to(nat, d.shape)
        if (steps[~nat] < 0).any():
            raise ValueError("add_working_days: k must be ≥ 0")
        pos = self._cum[d]  # working days on or before start (d is 0 where NaT)
        here = self.is_workday[d]
        pos = pos + steps - 1 + ((steps == 0) & ~here)
        return self._workday_at(pos, nat)

    def roll_forward(self, days: object) -> DayArray:
        """Each day itself if it is a working day, else the first working day after it.

        This is Civil Code Art. 203 for a period whose last day is not a working day.
        """
        return self.add_working_days(days, 0)

    def working_days_between(self, after: object, through: object) -> npt.NDArray[np.int64]:
        """Number of working days d with ``after`` < d ≤ ``through`` (left end excluded).

        Negative when ``through`` is before ``after``: minus the working days in
        (``through``, ``after``]. ``NaT`` on either side gives 0.
        """
        a, nat_a = self._index(after)
        b, nat_b = self._index(through)
        a, b = np.broadcast_arrays(a, b)
        nat = np.broadcast_to(nat_a, a.shape) | np.broadcast_to(nat_b, b.shape)
        return np.where(nat, 0, self._cum[b] - self._cum[a])

    def working_day_ordinal(self, days: object) -> npt.NDArray[np.int64]:
        """Working days from the calendar's first day through each day, that day included
        (``NaT`` → 0). The difference of two ordinals b − a is the number of working days in
        (a, b], so one look-up per array serves many differences."""
        d, nat = self._index(days)
        return np.where(nat, 0, self._cum[d])

    def estimated(self, *days: object) -> npt.NDArray[np.bool_]:
        """True where any of the given dates falls in an estimated (unpublished) year."""
        out: npt.NDArray[np.bool_] | None = None
        for arr in days:
            d, nat = self._index(arr, check=False)
            hit = np.zeros(d.shape, dtype=bool)
            hit[~nat] = self._estimated_day[d[~nat]]
            out = hit if out is None else (out | hit)
        return np.zeros(0, dtype=bool) if out is None else out

    # ------------------------------------------------------------------ internals
    def _index(self, days: object, check: bool = True) -> tuple[npt.NDArray[np.int64], np.ndarray]:
        """Day offsets from the calendar's first day, and the ``NaT`` mask."""
        raw = _as_day_numbers(days)
        nat = raw == _NAT
        d = raw - self._origin
        bad = ~nat & ((d < 0) | (d >= len(self.is_workday)))
        if bad.any():
            first = raw[bad].min() if (d[bad] < 0).any() else raw[bad].max()
            day = str(np.datetime64(int(first), "D"))
            raise CalendarRangeError(day, self.first_year, self.last_year)
        d = np.where(nat, 0, d)
        if check:
            self._check_known(d, nat)
        return d, nat

    def _check_known(self, d: npt.NDArray[np.int64], nat: np.ndarray) -> None:
        if self.allow_estimated or not self.estimated_years:
            return
        hit = self._estimated_day[d] & ~nat
        if hit.any():
            year = int(str(np.datetime64(int(d[hit].min() + self._origin), "D"))[:4])
            published = sorted(published_years())
            raise UnknownYearError(year, (published[0], published[-1]) if published else None)

    def _workday_at(self, pos: npt.NDArray[np.int64], nat: np.ndarray) -> DayArray:
        if (pos[~nat] >= len(self._workdays)).any():
            raise CalendarRangeError(
                f"{self.last_year + 1}-01-01 or later", self.first_year, self.last_year
            )
        out = np.full(pos.shape, _NAT, dtype=np.int64)
        out[~nat] = self._workdays[pos[~nat]]
        self._check_known(np.where(nat, 0, out - self._origin), nat)
        return out.view("datetime64[D]")


def _as_day_numbers(days: object) -> npt.NDArray[np.int64]:
    """Days since 1970-01-01 as int64, ``NaT`` as the int64 minimum."""
    if getattr(getattr(days, "dt", None), "tz", None) is not None:
        # Aware timestamps: the day that counts is the local day (DOMAIN.md §6).
        days = days.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)  # type: ignore[attr-defined]
    if hasattr(days, "to_numpy"):
        days = days.to_numpy()  # type: ignore[attr-defined]
    arr = np.asarray(days)
    if arr.dtype.kind != "M":
        if arr.dtype == object:  # pd.NaT / NaN (e.g. from Series.dt.date) are != themselves
            arr = np.where(arr != arr, None, arr)
        arr = np.asarray(arr, dtype="datetime64[D]")
    return np.atleast_1d(arr.astype("datetime64[D]").view(np.int64))


def _indexes(days: Iterable[dt.date], start: np.datetime64, n: int) -> npt.NDArray[np.int64]:
    idx = np.array(sorted(days), dtype="datetime64[D]").astype(np.int64) - start.astype(np.int64)
    return idx[(idx >= 0) & (idx < n)]


def _day_years(first_year: int, n: int) -> npt.NDArray[np.int64]:
    start = np.datetime64(dt.date(first_year, 1, 1), "D")
    return np.arange(start, start + n).astype("datetime64[Y]").astype(np.int64) + 1970
