"""Which column of a source feeds which canonical field (DOMAIN.md §6).

Headers are matched ignoring surrounding white space and letter case: the configured
mapping (``[source.columns]``) first, then the default Chinese headers, then the canonical
names themselves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from monitor.errors import InputError
from rules.fields import CANONICAL_FIELDS, DEFAULT_HEADERS, REQUIRED_FIELDS

__all__ = ["check_mapped_headers", "header_map", "missing_fields", "missing_message"]


def header_map(headers: list[str], configured: Mapping[str, str]) -> dict[str, str]:
    """Canonical field → header of the source that feeds it."""
    found: dict[str, str] = {}
    present = {h.strip().lower(): h for h in headers}
    for header, field in configured.items():
        if header.strip().lower() in present and field not in found:
            found[field] = present[header.strip().lower()]
    for field in CANONICAL_FIELDS:
        if field in found:
            continue
        for name in (*DEFAULT_HEADERS.get(field, ()), field):
            if name.lower() in present:
                found[field] = present[name.lower()]
                break
    return found


def check_mapped_headers(
    source: str, headers: list[str], mapping: Mapping[str, str], nested: Iterable[str] = ()
) -> None:
    """Refuse a header that feeds a field (``mapping``) when it heads more than one column
    (matched as :func:`header_map` does: white space and letter case ignored) or when its
    column holds lists or records (``nested``, a Parquet file's). Columns the monitor does
    not read may repeat a header or hold anything: they are left alone."""
    keys = [h.strip().lower() for h in headers]
    counts = Counter(keys)
    nested = set(nested)
    for field, header in mapping.items():
        key = header.strip().lower()
        shown = headers[keys.index(key)].strip()
        if counts[key] > 1:
            raise InputError(
                f"{source}: {counts[key]} columns are headed {shown} ({field}); "
                f"remove or rename all but one"
            )
        if header in nested:
            raise InputError(
                f"{source}: column {shown} ({field}) holds lists or records, not one value "
                f"per row; give it plain values or map another column under [source.columns]"
            )


def missing_fields(headers: list[str], configured: Mapping[str, str]) -> list[str]:
    """The required fields (DOMAIN.md §6) that no header of ``headers`` feeds."""
    mapping = header_map(headers, configured)
    return [f for f in REQUIRED_FIELDS if f not in mapping]


def missing_message(
    source: str,
    missing: list[str],
    headers: list[str],
    *,
    sheet: str | None = None,
    fix: str = "map your headers under [source.columns]",
) -> str:
    """The sentence for a source without a column for the required ``missing`` fields:
    what the file (or the workbook's ``sheet``) has, and ``fix``."""
    wanted = "; ".join(f"{f} (e.g. {', '.join(DEFAULT_HEADERS[f][:3])})" for f in missing)
    shown = ", ".join(headers[:8]) + (", …" if len(headers) > 8 else "")
    where = f"sheet {sheet} has" if sheet else "the file has"
    return f"{source}: no column for {wanted}; {where}: {shown or 'no columns'}; {fix}"
