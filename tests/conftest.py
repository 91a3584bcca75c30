"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

#: Two good cases under the default Chinese headers (DOMAIN.md §6). Hand-checked values:
#: 00123 — 2024-03-05 10:20 submitted, 11:00 accepted, 2024-03-12 16:00 completed, 20 working
#: days, cross-region; 00124 — 即办, submitted and accepted 2024-03-06, still open.
SAMPLE_CASES_CSV = (
    "办件编号,实施部门,事项名称,申请渠道,异地通办,申请时间,受理时间,办结时间,承诺时限\n"
    "00123,县市场监督管理局,食品经营许可,一网通办,是,"
    "2024-03-05 10:20:00,2024-03-05 11:00:00,2024-03-12 16:00:00,20个工作日\n"
    "00124,县人力资源和社会保障局,社会保障卡申领,窗口,否,"
    "2024-03-06 09:00:00,2024-03-06 09:30:00,,即办\n"
)


@pytest.fixture
def sample_cases_csv_text() -> str:
    """``SAMPLE_CASES_CSV``: two good cases under the default Chinese headers."""
    return SAMPLE_CASES_CSV


@pytest.fixture
def write_cases_csv(tmp_path: Path) -> Callable[..., Path]:
    """``write_cases_csv(name="cases.csv", text=SAMPLE_CASES_CSV, encoding="utf-8")`` writes
    ``text`` under ``tmp_path`` in ``encoding`` and returns its path."""

    def write(
        name: str = "cases.csv", text: str = SAMPLE_CASES_CSV, encoding: str = "utf-8"
    ) -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write
