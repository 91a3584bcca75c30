"""The report job (``monitor report``): figures of a period → HTML, JSON, Excel, index, mail.

It loads and evaluates the cases, computes the figures of DOMAIN.md §5 for the period, the
previous period and the twelve periods of the trend (:mod:`rules.figures`), lists the late
cases and the data problems, writes ``P.html``, ``P.json``, ``P.xlsx`` and ``index.html``
into the output folder, and with ``send`` mails the report through the outbox.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from monitor.config import Settings
from monitor.evaluation import Evaluated, _years, evaluate_loaded, rule_settings
from monitor.loading import load_cases
from monitor.report_render import ReportData, narrative, render_html, render_index
from monitor.workdays import build_calendar
from rules.calendar import WorkingCalendar
from rules.figures import DEFINITIONS, FIGURE_KEYS, FRACTIONS, Figures, period_figures
from rules.obligations import WITHDRAWN
from rules.periods import Period

__all__ = ["ReportResult", "report_data", "run_report"]

_TREND = ("accepted_late_rate", "completed_late_rate", "online_rate")
_NO_COUNTS = pd.DataFrame(
    {
        "department": pd.Series(dtype=object),
        "level": pd.Series(dtype=object),
        "count": pd.Series(dtype="int64"),
    }
)


@dataclass
class ReportResult:
    """Where the files went and what sending did."""

    period: str
    paths: dict[str, Path] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def run_report(
    settings: Settings,
    period_text: str,
    now: dt.datetime,
    *,
    input_path: str | None = None,
    out_dir: Path | None = None,
    send: bool = False,
    transport: object | None = None,
) -> ReportResult:
    """Write the report of ``period_text`` ("2025-05", "2025-Q2", "2025") and maybe send it."""
    period = Period.parse(period_text)
    loaded = load_cases(settings, input_path)
    evaluated = evaluate_loaded(settings, loaded, now)
    # The trend's and the previous period's years, and every year of the data (the figures
    # look up the working days of every deadline and closing day, whatever the period).
    data_first, data_last = _years(loaded.cases, now)
    first = min(period.trailing(12)[0].start.year, period.previous().start.year, data_first)
    calendar = build_calendar(settings, first, max(data_last, period.last_day.year + 1))
    data = report_data(settings, evaluated, period, now, calendar, _ledger_counts)
    folder = out_dir or settings.resolve(settings.reports.out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    result = ReportResult(period.label, _write(folder, data))
    if send:
        result.counts = _send(settings, data, result.paths, now, transport)
    return result


def report_data(
    settings: Settings,
    evaluated: Evaluated,
    period: Period,
    now: dt.datetime,
    calendar: WorkingCalendar,
    ledger_counts: Any = None,
) -> ReportData:
    """Everything the report of ``period`` shows, computed from one evaluation."""
    r = settings.reports

    def figures(p: Period, rates_only: bool = False) -> Figures:
        # The trend shows rates only: no warning counts to derive for those periods.
        counts = _NO_COUNTS if rates_only else ledger_counts(settings, p) if ledger_counts else None
        return period_figures(
            evaluated.loaded.cases,
            evaluated.evaluation,
            _so_far(p, now),
            calendar,
            online_channels=settings.rules.online_channels,
            completion_denominator=r.completion_denominator,
            thresholds=rule_settings(settings).thresholds,
            warning_counts=counts,
        )

    current, previous = figures(period), figures(period.previous())
    # The trend's other periods need rates only (no warning counts to derive).
    found = {p: figures(p, rates_only=True) for p in period.trailing(12) if p != period}
    found[period] = current
    trend = [
        {"period": p.label, **{k: found[p].totals[k] for k in _TREND}} for p in period.trailing(12)
    ]
    late, late_total = _late_cases(evaluated, _so_far(period, now), calendar, r.late_cases_max)
    quality = _quality(evaluated)
    departments, department_numerators = [], []
    for name, row in current.departments.iterrows():
        before = (
            previous.departments.loc[name].to_dict() if name in previous.departments.index else None
        )
        departments.append({"department": str(name), **row.to_dict(), "previous": before})
        department_numerators.append({k: current.fraction(k, name)[:2] for k in FRACTIONS})
    return ReportData(
        period=period.label,
        kind=period.kind,
        previous=period.previous().label,
        generated_at=now,
        language=r.language,
        estimated_calendar=evaluated.evaluation.estimated,
        completion_denominator=r.completion_denominator,
        totals=current.totals,
        previous_totals=previous.totals,
        departments=departments,
        numerators={k: current.fraction(k)[:2] for k in FRACTIONS},
        department_numerators=department_numerators,
        trend=trend,
        late_cases=late,
        late_cases_total=late_total,
        quality=quality,
        quality_total=sum(n for _, n in quality),
        definitions=DEFINITIONS,
    )


def _so_far(period: Period, now: dt.datetime) -> Period:
    """``period`` up to the end of ``now``'s day when it has not ended yet: a report of the
    running month counts "late at period end" as of today, not at a future month end."""
    today_end = now.date() + dt.timedelta(days=1)
    if today_end >= period.end:
        return period
    return replace(period, end=max(today_end, period.start + dt.timedelta(days=1)))


def _late_cases(
    evaluated: Evaluated, period: Period, calendar: WorkingCalendar, cap: int
) -> tuple[list[dict[str, Any]], int]:
    """Obligations completed or accepted late in the period, and those still open and late
    at its end, most working days late first."""
    table = evaluated.evaluation.table
    cases = evaluated.loaded.cases
    start, end = np.datetime64(period.start, "s"), np.datetime64(period.end, "s")
    last = np.datetime64(period.last_day, "D")
    closed_at = table["closed_at"].to_numpy().astype("datetime64[s]")
    deadline = table["deadline"].to_numpy().astype("datetime64[D]")
    # Withdrawn by the end of the period, as in the figures: a case withdrawn later was
    # still open (and maybe late) at the period's end.
    withdrawal = cases["completed_at"].to_numpy().astype("datetime64[s]")
    withdrawn = cases["status"].isin(list(WITHDRAWN)).to_numpy(dtype=bool) & (withdrawal < end)
    live = ~withdrawn[evaluated.evaluation.case_rows]
    closed_in = (closed_at >= start) & (closed_at < end)
    closed_late = live & closed_in & (closed_at.astype("datetime64[D]") > deadline)
    still_open = live & (np.isnat(closed_at) | (closed_at >= end)) & (deadline < last)
    pick = np.flatnonzero(closed_late | still_open)
    if not len(pick):
        return [], 0
    end_day = np.where(closed_late[pick], closed_at[pick].astype("datetime64[D]"), last)
    late = calendar.working_days_between(deadline[pick], end_day)
    rows = table.iloc[pick]
    frame = pd.DataFrame(
        {
            "case_id": rows["case_id"].astype(str).to_numpy(),
            "item_name": rows["item_name"].astype(object).fillna("").to_numpy(),
            "department": rows["department"].astype(str).to_numpy(),
            "obligation": rows["obligation"].astype(str).to_numpy(),
            "deadline": deadline[pick].astype(object),
            "late_workdays": late,
        }
    ).sort_values(["late_workdays", "deadline", "case_id"], ascending=[False, True, True])
    return frame.head(cap).to_dict(orient="records"), len(frame)


def _quality(evaluated: Evaluated) -> list[tuple[str, int]]:
    reasons = pd.concat(
        [evaluated.loaded.quality["reason"], evaluated.evaluation.problems["reason"]],
        ignore_index=True,
    )
    return [(str(k), int(v)) for k, v in reasons.value_counts().items()]


def _write(folder: Path, data: ReportData) -> dict[str, Path]:
    from monitor.report_excel import write_excel

    paths = {ext: folder / f"{data.period}.{ext}" for ext in ("html", "json", "xlsx")}
    _atomic(paths["html"], render_html(data))
    _atomic(paths["json"], json.dumps(_json(data), ensure_ascii=False, indent=1) + "\n")
    write_excel(data, paths["xlsx"])
    paths["index"] = folder / "index.html"
    _atomic(paths["index"], render_index(_entries(folder)))
    return paths


def _json(data: ReportData) -> dict[str, Any]:
    return {
        "period": data.period,
        "generated_at": data.generated_at.isoformat(timespec="seconds"),
        "estimated_calendar": data.estimated_calendar,
        "totals": {k: data.totals[k] for k in FIGURE_KEYS},
        "departments": [
            {"department": d["department"], **{k: d[k] for k in FIGURE_KEYS}}
            for d in data.departments
        ],
    }


def _entries(folder: Path) -> list[dict[str, Any]]:
    """Every report in ``folder`` (from its JSON file) for ``index.html``."""
    entries = []
    for path in folder.glob("*.json"):
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
            period = Period.parse(meta["period"])
        except (ValueError, KeyError, OSError):
            continue  # not one of ours
        stem = path.stem
        entries.append(
            {
                "period": period.label,
                "kind": period.kind,
                "generated_at": meta.get("generated_at"),
                "files": [
                    f"{stem}.{e}"
                    for e in ("html", "xlsx", "json")
                    if (folder / f"{stem}.{e}").exists()
                ],
            }
        )
    return entries


def _atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _send(
    settings: Settings,
    data: ReportData,
    paths: dict[str, Path],
    now: dt.datetime,
    transport: object | None,
) -> dict[str, int]:
    """Queue the report for ``[reports] recipients`` (HTML body, workbook attached), send."""
    import css_inline

    from monitor.db import engine_for, upgrade
    from monitor.mail.transport import transport_for
    from monitor.outbox import message_key, send_now

    recipients = tuple(settings.reports.recipients)
    if not recipients:
        return {"queued": 0, "sent": 0, "failed": 0, "dead": 0}
    html = css_inline.CSSInliner(load_remote_stylesheets=False).inline(
        paths["html"].read_text(encoding="utf-8")
    )
    zh = data.language == "zh"
    subject = (
        f"【办件统计】{data.period} 政务服务办件情况"
        if zh
        else f"[Case report] {data.period}: government-service cases"
    )
    text = narrative(data) + ("\n\n详见附件。\n" if zh else "\n\nSee the attached workbook.\n")
    # The key holds what the report says, not when it was made: the same report made again
    # later the same day is not a new message, a changed figure or late case is.
    undated = replace(data, generated_at=dt.datetime.combine(now.date(), dt.time()))
    digest = hashlib.sha256(render_html(undated).encode("utf-8")).hexdigest()
    key = message_key("report", recipients, now.date(), [data.period, digest])
    engine = engine_for(settings)
    upgrade(engine)
    queued, done = send_now(
        engine,
        settings,
        now,
        transport or transport_for(settings),
        kind="report",
        key=key,
        recipients=recipients,
        subject=subject,
        text=text,
        html=html,
        attachment=paths["xlsx"],
    )
    engine.dispose()
    return {"queued": int(queued), "sent": done.sent, "failed": done.failed, "dead": done.dead}


def _ledger_counts(settings: Settings, period: Period) -> pd.DataFrame | None:
    """Warnings raised in ``period`` by the ledger (department, level, count), or None when
    the monitor has no ledger yet (the figures then derive them from the evaluation)."""
    from monitor.ledger_counts import raised_in_period

    return raised_in_period(settings, period.start, period.end)
