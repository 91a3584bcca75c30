"""What a stored evaluation depends on besides the cases, as fingerprints: the working-day
calendar year by year (the ``holidays`` package's schedule, ``[calendar.years]``, local
closures) and the rules (``[rules]``, the item catalogue, the suspension intervals).

A store made under other fingerprints is out of date: a changed year (a holidays upgrade
that publishes it, a typhoon closure added after the fact) moves the deadlines of the
obligations that run through it, and only those are evaluated again
(:func:`reached_cases`); changed rules move anything, so everything is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict

import numpy as np
import pandas as pd

from monitor.cases.calendar import build_calendar
from monitor.cases.evaluate import rule_settings
from monitor.cases.reference import configured_reference
from monitor.config import Settings

__all__ = [
    "calendar_years",
    "digest",
    "reached_cases",
    "regions_fingerprint",
    "rules_fingerprint",
]


def calendar_years(settings: Settings, first: int, last: int) -> dict[str, str]:
    """Year → a digest of that year's working days and what the calendar says of each day
    off or worked weekend (its name: a closure and a holiday on the same day differ)."""
    cal = build_calendar(settings, first, last)
    start = dt.date(first, 1, 1)
    out = {}
    for year in range(first, last + 1):
        a = (dt.date(year, 1, 1) - start).days
        b = (dt.date(year + 1, 1, 1) - start).days
        notes = sorted((d.isoformat(), *v) for d, v in cal.notes.items() if d.year == year)
        h = hashlib.sha256(np.asarray(cal.is_workday[a:b], dtype=np.uint8).tobytes())
        h.update(json.dumps(notes, ensure_ascii=False).encode())
        h.update(b"estimated" if year in cal.estimated_years else b"known")
        out[str(year)] = h.hexdigest()[:16]
    return out


def rules_fingerprint(settings: Settings) -> str:
    """A digest of the rules' settings and the reference data (catalogue, suspensions)."""
    h = hashlib.sha256(
        json.dumps(asdict(rule_settings(settings)), sort_keys=True, default=str).encode()
    )
    catalogue, suspensions, _ = configured_reference(settings)
    for frame in (catalogue, suspensions):
        if frame is not None and len(frame):
            h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        h.update(b"|")
    return h.hexdigest()[:16]


def regions_fingerprint(settings: Settings) -> str:
    """A digest of what gives a case without a code of its own its region (``[regions]``
    ``code`` and ``departments``; names are looked up when shown, never stored)."""
    regions = settings.regions
    text = json.dumps([regions.code, regions.departments], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def digest(years: dict[str, str], rules: str) -> str:
    """The one fingerprint of a store (``store_state.fingerprint``)."""
    text = json.dumps({"years": years, "rules": rules}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def reached_cases(obligations: pd.DataFrame, years: set[int], now: dt.datetime) -> set[str]:
    """The cases with an obligation whose counting runs through one of ``years``: from its
    start to the latest of its deadline, its closing and (while open) ``now``."""
    if obligations.empty or not years:
        return set()
    start = pd.to_datetime(obligations["start"]).dt.year.to_numpy()
    ends = [pd.to_datetime(obligations[c]).dt.year for c in ("deadline", "closed_at")]
    end = np.fmax(ends[0].to_numpy(dtype=float), ends[1].to_numpy(dtype=float))
    end = np.where(obligations["state"].to_numpy() == "open", np.fmax(end, now.year), end)
    end = np.where(np.isnan(end), now.year, end)
    hit = np.zeros(len(obligations), dtype=bool)
    for year in years:
        hit |= (start <= year) & (year <= end)
    return set(obligations["case_id"].to_numpy()[hit].tolist())
