"""The order of urgency (rules/urgency.py) on keys the evaluation rarely makes: days left
that are not whole, missing deadlines, values too far apart to pack into one integer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rules.urgency import _packed, most_urgent_first, urgency_order

NAT = None


def table(rows: list[tuple[str, str, str, int, float | None, str | None]]) -> pd.DataFrame:
    """Rows of (case_id, obligation, level, late_workdays, remaining_workdays, deadline)."""
    case_id, obligation, level, late, remaining, deadline = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "case_id": list(case_id),
            "obligation": pd.Categorical(obligation, categories=["acceptance", "completion"]),
            "level": pd.Categorical(
                level, categories=["ok", "warning", "overdue", "escalated", "on_time", "late"]
            ),
            "late_workdays": np.array(late, dtype=np.int64),
            "remaining_workdays": pd.array(remaining, dtype="Float64"),
            "deadline": pd.to_datetime(list(deadline)),
        }
    )


def test_days_left_that_are_not_whole_sort_as_numbers() -> None:
    t = table(
        [
            ("A", "completion", "ok", 0, 2.5, "2025-03-10"),
            ("B", "completion", "ok", 0, 0.5, "2025-03-12"),
            ("C", "completion", "ok", 0, None, "2025-03-01"),  # unknown: after every number
            ("D", "completion", "ok", 0, 2.0, "2025-03-11"),
        ]
    )
    assert list(most_urgent_first(t)["case_id"]) == ["B", "D", "A", "C"]


def test_a_missing_deadline_comes_before_the_dated_ones_of_its_level() -> None:
    t = table(
        [
            ("A", "completion", "late", 0, None, "2025-03-10"),
            ("B", "acceptance", "late", 0, None, NAT),
            ("C", "completion", "on_time", 0, None, NAT),
            ("D", "completion", "late", 3, None, "2025-03-12"),
        ]
    )
    assert list(most_urgent_first(t)["case_id"]) == ["D", "B", "A", "C"]


def test_values_too_far_apart_to_pack_are_sorted_one_key_after_another() -> None:
    big = 2**31 - 2
    t = table(
        [
            ("A", "completion", "late", 0, 5, "2025-03-10"),
            ("B", "completion", "late", big, big, "2025-03-12"),
            ("C", "acceptance", "late", 7, 0, "1990-01-01"),
            ("D", "acceptance", "late", big, 0, "2025-03-11"),
            ("E", "completion", "late", 2**20, None, "2400-01-01"),
        ]
    )
    keys = [
        -t["late_workdays"].to_numpy(),
        t["remaining_workdays"].to_numpy(dtype=float, na_value=np.inf),
        t["deadline"].to_numpy().astype("datetime64[D]").astype(np.int64),
    ]
    assert _packed(keys) is None  # 2³¹ late values × 2³¹ days left: the keys one by one
    assert list(most_urgent_first(t)["case_id"]) == ["D", "B", "E", "C", "A"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_order_is_that_of_sorting_the_keys_one_after_another(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 3_000
    levels = np.array(["ok", "warning", "overdue", "escalated", "on_time", "late"])
    remaining = rng.integers(-3, 30, n).astype(float)
    remaining[rng.random(n) < 0.4] = np.nan
    day = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D")
    t = pd.DataFrame(
        {
            "case_id": [f"SX{x:06d}" for x in rng.integers(0, 900, n)],
            "obligation": pd.Categorical(
                rng.choice(["acceptance", "completion"], n), categories=["acceptance", "completion"]
            ),
            "level": pd.Categorical(rng.choice(levels, n), categories=list(levels)),
            "late_workdays": rng.integers(0, 5, n).astype(np.int64),
            "remaining_workdays": pd.array(remaining, dtype="Float64"),
            "deadline": day,
        }
    )
    urgency = {"escalated": 0, "overdue": 1, "warning": 2, "ok": 3, "late": 4, "on_time": 5}

    def key(i: int) -> tuple[object, ...]:
        r = t.iloc[i]
        left = np.inf if pd.isna(r["remaining_workdays"]) else float(r["remaining_workdays"])
        return (
            urgency[r["level"]],
            -int(r["late_workdays"]),
            left,
            r["deadline"],
            r["case_id"],
            r["obligation"] == "completion",
        )

    expected = sorted(range(n), key=key)
    got = list(urgency_order(t))
    assert [key(i) for i in got] == [key(i) for i in expected]
