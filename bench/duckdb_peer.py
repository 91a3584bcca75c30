"""The peer a user would otherwise write: the monitor's rules as DuckDB SQL over the Parquet file.

``duckdb_scan(path, now)`` gives what ``monitor scan --all --format csv --at NOW`` gives for a
county Parquet file as ``bench/generate.py`` writes it (raw source columns, Chinese headers):
one row per case and obligation, the same columns (:data:`COLUMNS`), the same values, most
urgent first. Everything from the raw columns to the levels is SQL: :data:`PREPARE_SQL`
(macros that clean text, the distinct limit texts parsed, the distinct statuses classified,
the case ids with several records) and one statement, :data:`SCAN_SQL` (read from the top:
bad records left out, duplicates resolved, the cases as seen at ``now``, the two obligations
of DOMAIN.md §3, deadlines and the levels of §4). Python only builds the working-day calendar
(shared input data, like the holiday package: ``monitor.cases.calendar``) and hands it to
DuckDB as a table ``calendar(day, is_workday, ord, estimated)``, ``ord`` being the number of
working days on or before ``day``, so that "the k-th working day after S" is the working day
whose ``ord`` is S's plus k. The moment and the rule settings (``monitor.config.Settings()``:
the built-in ones, as ``monitor`` uses without a configuration file) go in as one row.

The rules, as the SQL applies them:

- A bad record (missing 办件编号, 实施部门 or 申请时间; a time outside 1990 ≤ t < 2100;
  a limit or 特别程序时长 that is not one of the forms of DOMAIN.md §6, negative, or over
  3650 days; accepted or 补正 before submitted; completed before accepted) is left out. Of
  several records with one case id the last one in the file wins, even when it is bad (then
  the case is left out altogether). A withdrawn (撤件) case without 办结时间, or a refused
  (不予受理) one without 受理时间 and 办结时间, cannot be evaluated and is left out.
- At ``now``: a case submitted later does not exist; a 补正, acceptance or completion recorded
  later has not happened yet.
- 受理: S = the day of 补正时间, else of 申请时间; k = ``[rules.acceptance] limit`` working
  days (行政许可法 Art. 32, 82); closed by 受理时间, or else by the withdrawal or refusal time.
- 办结 (accepted cases not refused): S = the day of 受理时间; k = 承诺时限, else 法定时限
  (neither: no row); 特别程序时长 moves the deadline later (Art. 45); closed by 办结时间.
- D = the (k + suspended)-th working day after S (Civil Code Art. 201; for k = 0, S rolled
  forward first); natural days: S + k + suspended days, rolled forward to a working day
  (Civil Code Art. 203). Levels, R and L as in DOMAIN.md §4 with the global thresholds.

Left out, because the generated county file never exercises them: the item catalogue
(``[rules] item_catalogue``: per-item limits and thresholds), per-department and per-item
thresholds, ``warn_ratio``, suspension-interval files, headers other than the ones
``bench/generate.py`` writes (no ``[source.columns]`` mapping, no alternative Chinese
headers), timestamps given as text, Excel serial numbers or aware times rather than Parquet
timestamps, limits stored as numbers rather than text, digits other than ASCII 0-9 in a
limit, masking of identity-card and phone numbers and the neutralising of formula-like text
in the CSV, the data-quality list itself (bad records are left out, not listed), and
refusing a year whose holiday schedule is unpublished (the peer flags ``estimated_calendar``
instead). The calendar runs to the end of the year after the data's last year; a deadline
past it is an error.

    python -m bench.duckdb_peer bench/data/county-200000.parquet /tmp/peer.csv --at 2025-12-31T18:00
"""

from __future__ import annotations

import argparse
import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from monitor import clock
from monitor.cases.calendar import build_calendar
from monitor.config import Settings

__all__ = ["COLUMNS", "SCAN_SQL", "duckdb_scan", "write_csv"]

#: The columns of ``monitor scan --all --format csv``, in its order.
COLUMNS = [
    "case_id", "department", "item_code", "item_name", "obligation", "start", "limit", "unit",
    "suspended", "deadline", "closed_at", "state", "level", "remaining_workdays",
    "late_workdays", "estimated_calendar",
]  # fmt: skip
#: What Python's ``str.strip`` (and pandas' ``.str.strip``) removes: Unicode white space.
_WHITESPACE = "".join(c for c in map(chr, range(0x110000)) if c.isspace())
#: Text columns, written quoted like the monitor's CSV (Arrow quotes every string).
_TEXT = ("case_id", "department", "item_code", "item_name", "obligation", "unit", "state", "level")

#: Run before the scan: the text-cleaning macros, each distinct limit text parsed once
#: (a county has a few dozen among millions of records), each distinct status classified,
#: the case ids of several records.
#: ``{ws}`` is the white-space literal, ``{space}`` the same as a regular-expression class
#: (Python's ``\s``, which the monitor's limit pattern uses).
PREPARE_SQL = r"""
-- every white-space character is below 33 or within 133..12288 (U+3000)
CREATE TEMP MACRO maybe_space(ch) AS ord(ch) < 33 OR ord(ch) BETWEEN 133 AND 12288;
-- stripped of Unicode white space, empty = missing (the full trim only where the first or
-- last character may be white space: it is slow)
CREATE TEMP MACRO clean(x) AS
    nullif(CASE WHEN maybe_space(x) OR maybe_space(x[-1]) THEN trim(x, {ws}) ELSE x END, '');
-- a time outside 1990-01-01 <= t < 2100-01-01 (a placeholder such as 1900-01-01, or a typo)
CREATE TEMP MACRO implausible(ts) AS
    coalesce(ts < TIMESTAMP '1990-01-01' OR ts >= TIMESTAMP '2100-01-01', false);
CREATE TEMP TABLE limits AS  -- status ok, or a bad record: invalid, negative, implausible
WITH texts AS (  -- spaces removed; empty = no limit
    SELECT raw, nullif(replace(trim(raw, {ws}), ' ', ''), '') AS t
    FROM (SELECT "承诺时限" AS raw FROM source UNION SELECT "法定时限" FROM source
          UNION SELECT "特别程序时长" FROM source)
    WHERE raw IS NOT NULL
),
parsed AS (  -- "20", "20个工作日", "20工作日", "15自然日", "20天"; 即办 = 0 working days
    SELECT raw, t, t IN ('即办', '即办件', '当场办结', '立即办结') AS immediate,
           regexp_extract(t, '^([-+]?[0-9]+)(?:\.0+)?{space}*(?:个)?{space}*'
               || '(工作日|个工作日|自然日|天|日|working{space}*days?|workdays?'
               || '|natural{space}*days?|days?)?$', ['num', 'unit'], 'i') AS m
    FROM texts
),
valued AS (
    SELECT *, CASE WHEN immediate THEN 0.0 WHEN m.num <> '' THEN try_cast(m.num AS DOUBLE) END
              AS v
    FROM parsed
)
SELECT raw,
       CASE WHEN t IS NULL THEN 'ok' WHEN NOT immediate AND m.num = '' THEN 'invalid'
            WHEN v < 0 THEN 'negative' WHEN v IS NULL OR v > 3650 THEN 'implausible'
            ELSE 'ok' END AS status,
       CASE WHEN v BETWEEN 0 AND 3650 THEN v END AS days,
       CASE WHEN v IS NULL OR v < 0 OR v > 3650 THEN NULL
            WHEN m.unit = '自然日' OR lower(m.unit) LIKE 'natural%' THEN 'natural'
            ELSE 'workday' END AS unit
FROM valued;
CREATE TEMP TABLE statuses AS  -- 办件状态 values that change a case's obligations
SELECT raw, CASE WHEN clean(raw) IN ('撤件', '撤回', '已撤件', '申请人撤回') THEN 'withdrawn'
                 WHEN clean(raw) IN ('不予受理', '不予许可受理', '退件') THEN 'refused'
                 ELSE 'other' END AS kind
FROM (SELECT DISTINCT "办件状态" AS raw FROM source);
CREATE TEMP TABLE superseded AS  -- case ids of several records: the last record wins
SELECT case_id, max(rn) AS last_rn
FROM (SELECT clean("办件编号") AS case_id, file_row_number AS rn FROM source)
WHERE case_id IS NOT NULL GROUP BY case_id HAVING count(*) > 1;
"""

#: The whole scan, from the raw columns to the levels, most urgent first. ``source`` is the
#: Parquet file (with ``file_row_number``), ``calendar`` and ``settings`` the tables
#: :func:`_connect` makes, ``limits``, ``statuses`` and ``superseded`` those of
#: :data:`PREPARE_SQL`.
SCAN_SQL = """
WITH
src AS (  -- text cleaned, times to whole seconds
    SELECT file_row_number AS rn, clean("办件编号") AS case_id, clean("实施部门") AS department,
           clean("事项编码") AS item_code, clean("事项名称") AS item_name, "办件状态" AS status,
           date_trunc('second', "申请时间") AS sub_raw,
           date_trunc('second', "补正时间") AS sup_raw,
           date_trunc('second', "受理时间") AS acc_raw,
           date_trunc('second', "办结时间") AS done_raw,
           "承诺时限" AS promised_text, "法定时限" AS legal_text, "特别程序时长" AS susp_text
    FROM source
),
checked AS (  -- a bad record: a required field missing, a time or limit bad, times disordered
    SELECT s.*, coalesce(k.kind, 'other') AS kind, p.days AS promised,
           p.unit AS promised_unit, l.days AS legal, l.unit AS legal_unit,
           coalesce(x.days, 0) AS susp,
           s.case_id IS NULL OR department IS NULL OR sub_raw IS NULL
           OR implausible(sub_raw) OR implausible(sup_raw) OR implausible(acc_raw)
           OR implausible(done_raw)
           OR coalesce(p.status, 'ok') <> 'ok' OR coalesce(l.status, 'ok') <> 'ok'
           OR coalesce(x.status, 'ok') <> 'ok'
           OR coalesce(acc_raw < sub_raw OR sup_raw < sub_raw OR done_raw < acc_raw, false)
           AS bad
    FROM src s
    LEFT JOIN statuses k ON k.raw = s.status
    LEFT JOIN limits p ON p.raw = s.promised_text
    LEFT JOIN limits l ON l.raw = s.legal_text
    LEFT JOIN limits x ON x.raw = s.susp_text
    LEFT JOIN superseded d ON d.case_id = s.case_id
    WHERE d.last_rn IS NULL OR s.rn = d.last_rn  -- the last record wins, bad or not
),
seen AS (  -- valid and evaluable cases as they stood at now
    SELECT case_id, department, item_code, item_name, kind, promised, promised_unit,
           legal, legal_unit, susp, sub_raw AS sub,
           CASE WHEN sup_raw <= now THEN sup_raw END AS sup,
           CASE WHEN acc_raw <= now THEN acc_raw END AS acc,
           CASE WHEN done_raw <= now THEN done_raw END AS done
    FROM checked, settings
    WHERE NOT bad AND sub_raw <= now
      -- withdrawn or refused with no time for it (in the record): cannot be evaluated
      AND NOT (kind = 'withdrawn' AND done_raw IS NULL)
      AND NOT (kind = 'refused' AND done_raw IS NULL AND acc_raw IS NULL)
),
flagged AS (  -- a withdrawal or refusal only counts with its time (at now)
    SELECT *, kind = 'withdrawn' AND done IS NOT NULL AS withdrawn,
           kind = 'refused' AND (done IS NOT NULL OR acc IS NOT NULL) AS refused
    FROM seen
),
obligations AS (
    SELECT case_id, department, item_code, item_name, 'acceptance' AS obligation,
           CAST(coalesce(sup, sub) AS DATE) AS start, acceptance_limit AS k,
           'workday' AS unit, 0.0 AS susp,
           coalesce(acc, CASE WHEN withdrawn OR refused THEN done END) AS closed_at
    FROM flagged, settings
    UNION ALL
    SELECT case_id, department, item_code, item_name, 'completion', CAST(acc AS DATE),
           coalesce(promised, legal), CASE WHEN promised IS NULL THEN legal_unit
           ELSE promised_unit END, susp, done
    FROM flagged
    WHERE acc IS NOT NULL AND NOT refused AND coalesce(promised, legal) IS NOT NULL
),
probed AS (  -- the day whose ordinal the deadline counts from
    SELECT *, unit = 'natural' AS is_natural,
           CASE WHEN unit = 'natural' THEN start + CAST(k + susp AS INTEGER) ELSE start END
               AS probe
    FROM obligations
),
due AS (  -- ordinal of D: k + suspended working days on; k = 0 or natural: rolled forward
    SELECT p.*, c.ord + CASE WHEN is_natural THEN 0 ELSE CAST(k + susp AS BIGINT) END
               + CASE WHEN (is_natural OR k = 0) AND NOT c.is_workday THEN 1 ELSE 0 END AS d_ord
    FROM probed p LEFT JOIN calendar c ON c.day = p.probe
),
dated AS (  -- past the calendar's last day: an error, not a silent gap
    SELECT d.*, coalesce(w.day, CAST(error('a deadline falls after the calendar''s last year')
                                      AS DATE)) AS deadline,
           c.ord AS close_ord, w.estimated AS d_est
    FROM due d
    LEFT JOIN (SELECT ord, day, estimated FROM calendar WHERE is_workday) w ON w.ord = d.d_ord
    LEFT JOIN calendar c ON c.day = CAST(d.closed_at AS DATE)
),
measured AS (
    SELECT d.*, s.*, d.closed_at IS NOT NULL AND d.closed_at <= s.now AS closed,
           d.d_ord - s.today_ord AS remaining, s.today > d.deadline AS past
    FROM dated d, settings s
),
levelled AS (
    SELECT *,
           CASE WHEN closed AND CAST(closed_at AS DATE) > deadline THEN 'late'
                WHEN closed THEN 'on_time'
                WHEN past AND -remaining >= escalate_after_days THEN 'escalated'
                WHEN past THEN 'overdue'
                WHEN remaining <= warn_before_days THEN 'warning'
                ELSE 'ok' END AS level
    FROM measured
)
SELECT case_id, department, item_code, item_name, obligation, start,
       CAST(k AS BIGINT) AS "limit", unit, CAST(susp AS BIGINT) AS suspended, deadline,
       closed_at, CASE WHEN closed THEN 'closed' ELSE 'open' END AS state, level,
       CASE WHEN NOT closed AND NOT past THEN remaining END AS remaining_workdays,
       CASE WHEN closed THEN greatest(close_ord - d_ord, 0) WHEN past THEN -remaining
            ELSE 0 END AS late_workdays,
       list_contains(estimated_years, year(start)) OR d_est OR (NOT closed AND today_est)
           AS estimated_calendar
FROM levelled
ORDER BY list_position(['escalated', 'overdue', 'warning', 'ok', 'late', 'on_time'], level),
         late_workdays DESC, remaining_workdays NULLS LAST, deadline, case_id, obligation
"""


def duckdb_scan(parquet_path: str, now: dt.datetime) -> pd.DataFrame:
    """Every obligation of every valid case of ``parquet_path`` at ``now`` (a naive
    Asia/Shanghai time, or an aware one), as ``monitor scan --all`` gives them."""
    with _connect(parquet_path, clock.naive(now)) as con:
        return con.execute(SCAN_SQL).df()


def write_csv(parquet_path: str, now: dt.datetime, out: str) -> None:
    """:func:`duckdb_scan` written by DuckDB as CSV to ``out``: text values quoted as the
    monitor's CSV quotes them, times as ``YYYY-MM-DD HH:MM:SS``, missing values empty."""
    quoted = ", ".join(f'"{c}"' for c in _TEXT)
    target = out.replace("'", "''")
    with _connect(parquet_path, clock.naive(now)) as con:
        con.execute(f"COPY ({SCAN_SQL}) TO '{target}' (FORMAT csv, HEADER, FORCE_QUOTE ({quoted}))")


def _connect(parquet_path: str, now: dt.datetime) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the view ``source`` (the file, with its row numbers) and the
    tables ``calendar`` and ``settings``."""
    con = duckdb.connect()
    con.read_parquet(parquet_path, file_row_number=True).create_view("source")
    first, last = con.execute(
        'SELECT year(least(min("申请时间"), min("补正时间"), min("受理时间"), min("办结时间"))), '
        'year(greatest(max("申请时间"), max("补正时间"), max("受理时间"), max("办结时间"))) '
        "FROM source"
    ).fetchone()
    settings = Settings()
    first = max(min(first or now.year, now.year), 1990)
    last = min(max(last or now.year, now.year), 2099) + 1  # a deadline may run into next year
    calendar = build_calendar(settings, first, last)
    days = np.datetime64(f"{first}-01-01") + np.arange(len(calendar.is_workday))
    table = pd.DataFrame(
        {
            "day": days.astype("datetime64[s]"),
            "is_workday": calendar.is_workday,
            "ord": np.cumsum(calendar.is_workday, dtype=np.int64),
            "estimated": calendar.estimated(days),
        }
    )
    con.register("calendar_frame", table)
    con.execute(
        "CREATE TEMP TABLE calendar AS SELECT CAST(day AS DATE) AS day, is_workday, ord, "
        "estimated FROM calendar_frame"
    )
    _settings_table(con, settings, now, sorted(calendar.estimated_years))
    space = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _WHITESPACE) + "]"
    con.execute(PREPARE_SQL.replace("{ws}", f"'{_WHITESPACE}'").replace("{space}", space))
    return con


def _settings_table(
    con: duckdb.DuckDBPyConnection, settings: Settings, now: dt.datetime, estimated: list[int]
) -> None:
    """The one-row table ``settings``: ``now`` (to the second, as the monitor compares), its
    day and that day's ordinal, and the configured rules."""
    rules = settings.rules
    con.execute(
        "CREATE TEMP TABLE settings AS SELECT $now::TIMESTAMP AS now, $today::DATE AS today, "
        "(SELECT ord FROM calendar WHERE day = $today::DATE) AS today_ord, "
        "(SELECT estimated FROM calendar WHERE day = $today::DATE) AS today_est, "
        "$estimated::INTEGER[] AS estimated_years, $acceptance::DOUBLE AS acceptance_limit, "
        "$warn::INTEGER AS warn_before_days, $escalate::INTEGER AS escalate_after_days",
        {
            "now": now.replace(microsecond=0),
            "today": now.date(),
            "estimated": estimated,
            "acceptance": float(rules.acceptance.limit),
            "warn": rules.warn_before_days,
            "escalate": rules.escalate_after_days,
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parquet", help="county Parquet file (bench/generate.py)")
    parser.add_argument("out", help="CSV file to write")
    parser.add_argument("--at", default=None, help="ISO time to evaluate at (default: now)")
    args = parser.parse_args()
    now = dt.datetime.fromisoformat(args.at) if args.at else clock.now()
    write_csv(args.parquet, now, args.out)


if __name__ == "__main__":
    main()
