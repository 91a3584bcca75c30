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

import pandas as pd

from monitor.cases.calendar import build_calendar
from monitor.cases.evaluate import _years, evaluate_loaded
from monitor.cases.load import load_cases
from monitor.config import Settings
from monitor.reports.data import ReportData, report_data
from monitor.reports.html import narrative, render_html, render_index
from rules.figures import FIGURE_KEYS
from rules.periods import Period

__all__ = ["ReportResult", "run_report"]


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


def _write(folder: Path, data: ReportData) -> dict[str, Path]:
    from monitor.reports.excel import write_excel

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

    from monitor.db.engine import engine_for, upgrade
    from monitor.notify.mail.transport import transport_for
    from monitor.notify.outbox import message_key, send_now

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
    from monitor.alerts.counts import raised_in_period

    return raised_in_period(settings, period.start, period.end)
