"""Loading cases: read the configured (or given) source and normalise it.

This is the first step of every job: source → canonical cases + data-quality list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from monitor.cases.headers import header_map
from monitor.cases.normalise import normalise
from monitor.cases.sources import RawTable, read_file, read_sql
from monitor.config import Settings, secret
from monitor.errors import InputError

__all__ = ["LoadedCases", "load_cases"]

_KEEP_AS_TEXT = (
    "case_id",
    "department",
    "item_code",
    "item_name",
    "channel",
    "status",
    "promised_limit",
    "legal_limit",
    "cross_region",
)


@dataclass
class LoadedCases:
    """Valid canonical cases, the data-quality list, and where they came from."""

    cases: pd.DataFrame
    quality: pd.DataFrame
    source: str
    rows_read: int
    encoding: str | None = None

    @property
    def duplicates(self) -> int:
        """Records superseded by a later record with the same case_id."""
        return int(self.quality["reason"].str.startswith("duplicate").sum())

    @property
    def bad_rows(self) -> int:
        """Records kept out of the rules for a data problem (duplicates not counted)."""
        q = self.quality[~self.quality["reason"].str.startswith("duplicate")]
        return int(q["source_row"].nunique())


def load_cases(settings: Settings, input_path: str | Path | None = None) -> LoadedCases:
    """Read cases from ``input_path`` if given, else from ``[source]``."""
    raw = _read(settings, input_path)
    cases, quality = normalise(raw, settings.source.columns)
    return LoadedCases(cases, quality, raw.source, len(raw.frame), raw.encoding)


def _read(settings: Settings, input_path: str | Path | None) -> RawTable:
    src = settings.source
    if input_path is not None:
        path = Path(input_path)
    elif src.path:
        path = settings.resolve(src.path)
    elif src.url and src.query:
        url = src.url
        if src.password_env:
            from sqlalchemy.engine import make_url

            password = secret(src.password_env, "[source] password_env")
            url = make_url(url).set(password=password).render_as_string(hide_password=False)
        return read_sql(url, src.query)
    else:
        raise InputError(
            f"{settings.origin}: no source of cases; set [source] path (or url + query), "
            f"or give --input PATH"
        )

    def text_columns(headers: list[str]) -> dict[str, str]:
        keep = header_map(headers, src.columns)
        return {h: f for f, h in keep.items() if f in _KEEP_AS_TEXT}

    return read_file(path, text_columns=text_columns, sheet=src.sheet)
