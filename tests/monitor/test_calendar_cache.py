"""The built calendar kept in var/cache, beside the lock file (monitor/cases/calendar.py):
read back equal, made again when [calendar] changes or the file is damaged, never in the
way."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from monitor.cases.calendar import CACHE_DIR, build_calendar
from monitor.config import Settings
from rules.calendar import WorkingCalendar


def settings(tmp_path: Path, **calendar: object) -> Settings:
    return Settings(base_dir=tmp_path, calendar=calendar)


def same(a: WorkingCalendar, b: WorkingCalendar) -> None:
    assert (a.first_year, a.last_year) == (b.first_year, b.last_year)
    assert np.array_equal(a.is_workday, b.is_workday)
    assert a.estimated_years == b.estimated_years and a.allow_estimated == b.allow_estimated
    assert dict(a.notes) == dict(b.notes)
    days = np.arange(np.datetime64("2025-01-01"), np.datetime64("2025-12-31"))
    assert np.array_equal(a.add_working_days(days, 5), b.add_working_days(days, 5))


def test_a_kept_calendar_is_the_built_one(tmp_path: Path) -> None:
    s = settings(tmp_path)
    first = build_calendar(s, 2025, 2026)
    files = list((tmp_path / "var" / CACHE_DIR).glob("calendar-*.json"))
    assert len(files) == 1
    again = build_calendar(s, 2025, 2026)
    same(again, first)
    same(again, WorkingCalendar.china(2025, 2026))
    # 2025-10-11 (Saturday) was worked (调休); 2025-10-08 (Wednesday) was off.
    assert list(again.is_working_day([dt.date(2025, 10, 11), dt.date(2025, 10, 8)])) == [
        True,
        False,
    ]
    assert again.notes[dt.date(2025, 10, 11)] == ("workday", "调休上班")


def test_another_calendar_section_is_another_calendar(tmp_path: Path) -> None:
    build_calendar(settings(tmp_path), 2025, 2026)
    closed = build_calendar(settings(tmp_path, extra_holidays=["2025-07-15"]), 2025, 2026)
    assert len(list((tmp_path / "var" / CACHE_DIR).glob("calendar-*.json"))) == 2
    assert not closed.is_working_day([dt.date(2025, 7, 15)])[0]
    assert closed.notes[dt.date(2025, 7, 15)] == ("closure", "本地停工（配置）")
    assert build_calendar(settings(tmp_path), 2025, 2026).is_working_day([dt.date(2025, 7, 15)])[0]


def test_a_damaged_file_is_built_again(tmp_path: Path) -> None:
    s = settings(tmp_path)
    build_calendar(s, 2025, 2026)
    (kept,) = (tmp_path / "var" / CACHE_DIR).glob("calendar-*.json")
    kept.write_text('{"first_year": 2025, "workdays": "0101"', encoding="utf-8")
    same(build_calendar(s, 2025, 2026), WorkingCalendar.china(2025, 2026))
    same(build_calendar(s, 2025, 2026), WorkingCalendar.china(2025, 2026))  # rewritten whole
    assert kept.read_text(encoding="utf-8").startswith('{"first_year": 2025, "last_year": 2026')


def test_a_cache_folder_that_cannot_be_made_is_passed_by(tmp_path: Path) -> None:
    (tmp_path / "var").write_text("a file where the folder would be", encoding="utf-8")
    cal = build_calendar(settings(tmp_path), 2025, 2026)
    same(cal, WorkingCalendar.china(2025, 2026))
    assert (tmp_path / "var").is_file()
