"""``monitor scan``: what is late or due soon, as a table, CSV, JSON or Excel.

The selection (open obligations at ``warning`` or worse, or ``--all``) and the output formats
live here; the evaluation itself is :mod:`monitor.cases.evaluate`.
"""

from __future__ import annotations

import json
import sys
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from monitor.errors import InputError
from monitor.mask import mask_series
from monitor.spreadsheet import neutralise_series, write_workbook
from monitor.text import display_width, pad
from rules.evaluate import EVALUATION_COLUMNS
from rules.urgency import urgency_order

__all__ = [
    "FAIL_LEVELS",
    "TEXT_COLUMNS",
    "exceeds",
    "in_department",
    "masked_text",
    "render",
    "select",
    "selection",
    "summary_line",
    "to_records",
]

#: The columns that hold text from the case system (masked and neutralised on the way out).
TEXT_COLUMNS = ("case_id", "department", "item_code", "item_name")
#: Open levels from least to most urgent; ``--fail-on L`` trips on L or anything after it.
FAIL_LEVELS = ("warning", "overdue", "escalated")
_OPEN_ALERT = ("warning", "overdue", "escalated")
_LABELS_ZH = {
    "case_id": "办件编号",
    "department": "实施部门",
    "item_name": "事项名称",
    "obligation": "环节",
    "start": "起算日",
    "limit": "时限",
    "deadline": "截止日",
    "level": "等级",
    "remaining_workdays": "剩余工作日",
    "late_workdays": "超期工作日",
}
_OBLIGATION_ZH = {"acceptance": "受理", "completion": "办结"}
_LEVEL_ZH = {
    "ok": "正常",
    "warning": "预警",
    "overdue": "超期",
    "escalated": "督办",
    "on_time": "按时",
}
#: A closed obligation closed after its deadline, by obligation: 超期受理 / 超期办结.
#: CSV is formatted in pieces of about this many rows, at most this many pieces.
_PIECE_ROWS, _MAX_PIECES = 100_000, 64
_LATE_ZH = {"acceptance": "超期受理", "completion": "超期办结"}


def in_department(table: pd.DataFrame, department: str | None) -> pd.DataFrame:
    """The rows of one department (all rows when ``department`` is None or empty)."""
    if not department:
        return table
    return table[(table["department"].astype(object) == department).to_numpy()]


def select(table: pd.DataFrame, *, include_all: bool, department: str | None) -> pd.DataFrame:
    """Rows to show: open at warning or worse (or all), one department or all, urgent first."""
    chosen, order = selection(table, include_all=include_all, department=department)
    return chosen.take(order).reset_index(drop=True)


def selection(
    table: pd.DataFrame, *, include_all: bool, department: str | None
) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`select`'s rows in their own order and the positions that put them most urgent
    first (:func:`render` takes both: a CSV of millions of rows is put in order piece by
    piece)."""
    table = in_department(table, department)
    if not include_all:
        table = table[((table["state"] == "open") & table["level"].isin(_OPEN_ALERT)).to_numpy()]
    return table, urgency_order(table)


def exceeds(table: pd.DataFrame, fail_on: str) -> bool:
    """Whether any open obligation is at ``fail_on`` or a more urgent level."""
    worse = FAIL_LEVELS[FAIL_LEVELS.index(fail_on) :]
    return bool(((table["state"] == "open") & table["level"].isin(worse)).any())


def summary_line(
    table: pd.DataFrame,
    now: Any,
    problems: int,
    estimated: bool,
    department: str | None = None,
    counted: pd.DataFrame | None = None,
) -> str:
    """One line of counts by level, for stderr (of one department when ``department``).
    ``counted``: obligations kept out of ``table`` (closed cases of a store), already
    counted by department and level; ``table``'s closed cases are then among them."""
    total = len(table)
    counts = table["level"].value_counts()
    if counted is not None:
        openish = table[_open_cases(table)]
        extra = counted if department is None else counted[counted["department"] == department]
        counts = (
            openish["level"].value_counts().add(extra.groupby("level")["count"].sum(), fill_value=0)
        )
        total = len(openish) + int(extra["count"].sum())
        estimated = estimated or bool(extra.loc[extra["estimated_calendar"], "count"].sum())
    parts = [
        f"{lvl} {int(counts.get(lvl, 0)):,}"
        for lvl in ("escalated", "overdue", "warning", "ok", "late", "on_time")
    ]
    line = (
        f"scan at {now:%Y-%m-%d %H:%M}{', ' + department if department else ''}: "
        f"{total:,} obligations — {', '.join(parts)}; "
        f"data problems {problems:,}"
    )
    return line + ("; ESTIMATED calendar year used" if estimated else "")


def _open_cases(table: pd.DataFrame) -> np.ndarray:
    """The rows of the cases with an open obligation (all their obligations)."""
    codes, _ = pd.factorize(table["case_id"])  # one pass over the ids, not a set lookup each
    has_open = np.zeros(codes.max() + 2 if len(codes) else 1, dtype=bool)
    has_open[codes[(table["state"] == "open").to_numpy()]] = True
    return has_open[codes] & (codes >= 0)


def to_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready objects with exactly the keys of ``EVALUATION_COLUMNS``."""
    frame = _plain(table)
    records = frame.to_dict(orient="records")
    for rec in records:
        for key, value in rec.items():
            if isinstance(value, float) and np.isnan(value):
                rec[key] = None
    return records


def render(
    table: pd.DataFrame,
    fmt: str,
    output: Path | None,
    *,
    masked: bool = True,
    order: np.ndarray | None = None,
) -> str | None:
    """Write ``table`` (its rows at the positions ``order``, when given) in ``fmt`` to
    ``output``; without ``output``, return the text (CSV is then written to stdout
    directly, as bytes, since it may be hundreds of megabytes).

    Identity-card and phone numbers in the text columns are masked unless ``masked`` is
    False (an authorised export); in CSV and Excel, text that a spreadsheet would run as a
    formula is kept text (:mod:`monitor.spreadsheet`).
    """
    if fmt == "csv":
        if output is None:
            sys.stdout.flush()
            _write_csv(table, order, sys.stdout.buffer, masked)
            sys.stdout.buffer.flush()
        else:
            with open(output, "wb") as sink:
                _write_csv(table, order, sink, masked)
        return None
    if order is not None:
        table = table.take(order).reset_index(drop=True)
    if masked:
        table = masked_text(table)
    if fmt == "xlsx":
        if output is None:
            raise InputError("--format xlsx needs --output PATH (a workbook is not terminal text)")
        write_workbook(_plain(table), output, "scan")
        return None
    text = (
        json.dumps(to_records(table), ensure_ascii=False, indent=1) + "\n"
        if fmt == "json"
        else _terminal(table)
    )
    if output is None:
        return text
    output.write_text(text, encoding="utf-8")
    return None


def masked_text(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with identity-card and phone numbers masked in its text columns."""
    return table.assign(**{c: mask_series(table[c]) for c in TEXT_COLUMNS})


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    """Columns as plain values: dates as YYYY-MM-DD, times ISO, whole numbers as ints."""
    out = pd.DataFrame(index=range(len(table)))
    for col in EVALUATION_COLUMNS:
        values = table[col].reset_index(drop=True)
        if col in ("start", "deadline"):
            out[col] = pd.Series(values.to_numpy().astype("datetime64[D]").astype(str))
        elif col == "closed_at":
            iso = pd.Series(values.to_numpy().astype("datetime64[s]").astype(str)).str.replace(
                " ", "T"
            )
            out[col] = iso.where(values.notna().to_numpy(), None).astype(object)
        elif col in ("limit", "suspended"):
            out[col] = [int(v) if float(v).is_integer() else float(v) for v in values]
        elif col == "remaining_workdays":
            out[col] = values.astype(object).where(values.notna(), None)
        elif col in ("late_workdays",):
            out[col] = values.astype(int)
        elif col == "estimated_calendar":
            out[col] = values.astype(bool)
        else:
            out[col] = values.astype(object).where(values.notna(), None)
    return out


def _write_csv(table: pd.DataFrame, order: np.ndarray | None, sink: BinaryIO, masked: bool) -> None:
    """CSV through Arrow's writer, in pieces of rows that two threads take in ``order``,
    mask, neutralise and format (Arrow lets go of the GIL), written in order, at most three
    pieces in memory. Times are written as ``YYYY-MM-DD HH:MM:SS`` (RFC 3339's space form),
    dates as ``YYYY-MM-DD``."""
    # Categorical text is made safe once, on its categories; the rest piece by piece.
    safe = {c: _safe(table[c], masked) for c in TEXT_COLUMNS if _categorical(table[c])}
    table = table.assign(**safe)
    plain = [c for c in TEXT_COLUMNS if c not in safe]
    whole = {c: _whole_numbers(table[c]) for c in ("limit", "suspended")}
    positions = np.arange(len(table)) if order is None else order
    pieces = max(1, min(_MAX_PIECES, len(table) // _PIECE_ROWS))
    size = -(-len(table) // pieces)

    def piece(i: int) -> pa.Buffer:
        rows = table.take(positions[i * size : (i + 1) * size])
        rows = rows.assign(**{c: _safe(rows[c], masked) for c in plain})
        out = pa.BufferOutputStream()
        options = pacsv.WriteOptions(quoting_style="needed", include_header=i == 0)
        pacsv.write_csv(_arrow_table(rows, whole), out, options)
        return out.getvalue()

    with ThreadPoolExecutor(2) as pool:
        pending: deque[Future[pa.Buffer]] = deque()
        for i in range(pieces):
            pending.append(pool.submit(piece, i))
            if len(pending) > 2:
                sink.write(pending.popleft().result())
        while pending:
            sink.write(pending.popleft().result())


def _categorical(values: pd.Series) -> bool:
    return isinstance(values.dtype, pd.CategoricalDtype)


def _safe(values: pd.Series, masked: bool) -> pd.Series:
    """Text fit for a CSV: identity-card and phone numbers masked (when ``masked``), no
    formula."""
    return neutralise_series(mask_series(values) if masked else values)


def _whole_numbers(values: pd.Series) -> bool:
    """Whether every value is a whole number (written without ".0")."""
    v = values.to_numpy(dtype=float)
    return bool(np.all(v == np.round(v)))


def _arrow_table(table: pd.DataFrame, whole: dict[str, bool]) -> pa.Table:
    """The columns of the CSV as Arrow arrays (``whole``: the number columns written as
    integers, decided once for all pieces)."""
    cols: dict[str, pa.Array] = {}
    for col in EVALUATION_COLUMNS:
        values = table[col]
        if col in ("start", "deadline"):
            cols[col] = pa.array(values.to_numpy().astype("datetime64[D]"))
        elif col == "closed_at":
            cols[col] = pa.array(values.to_numpy().astype("datetime64[s]"))
        elif col == "remaining_workdays":
            cols[col] = pa.array(
                values.astype("Float64").to_numpy(na_value=np.nan), from_pandas=True
            ).cast(pa.int64())
        elif col in whole:
            v = values.to_numpy(dtype=float)
            cols[col] = pa.array(v.astype(np.int64)) if whole[col] else pa.array(v)
        else:
            cols[col] = pa.array(values, from_pandas=True)  # categoricals stay dictionaries
    return pa.table(cols)


def _terminal(table: pd.DataFrame, limit: int = 200) -> str:
    if not len(table):
        return "nothing to show: no open case is due soon or late\n"
    shown = table.head(limit)
    rows = [[str(v) for v in _row(r)] for r in shown.itertuples(index=False)]
    header = [
        _LABELS_ZH[c]
        for c in (
            "case_id",
            "department",
            "item_name",
            "obligation",
            "start",
            "limit",
            "deadline",
            "level",
            "remaining_workdays",
            "late_workdays",
        )
    ]
    widths = [max(display_width(x) for x in col) for col in zip(header, *rows, strict=False)]
    lines = [
        "  ".join(pad(x, w) for x, w in zip(line, widths, strict=True)) for line in [header, *rows]
    ]
    if len(table) > limit:
        lines.append(f"… and {len(table) - limit:,} more (use --format csv --output FILE)")
    return "\n".join(lines) + "\n"


def _row(r: Any) -> Sequence[object]:
    unit = "自然日" if r.unit == "natural" else "工作日"
    limit = f"{r.limit:g}{unit}" if r.limit else "即办"
    remaining = "" if pd.isna(r.remaining_workdays) else r.remaining_workdays
    return (
        r.case_id,
        r.department,
        "" if pd.isna(r.item_name) else r.item_name,
        _OBLIGATION_ZH[r.obligation],
        str(r.start)[:10],
        limit,
        str(r.deadline)[:10],
        _LATE_ZH[r.obligation] if r.level == "late" else _LEVEL_ZH.get(r.level, r.level),
        remaining,
        r.late_workdays or "",
    )
