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
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from markupsafe import Markup
from sqlalchemy import Engine

from monitor.alerts.counts import explanations_in_period, raised_in_period, responses_in_period
from monitor.cases.evaluate import Evaluated, evaluate_loaded
from monitor.cases.load import load_cases
from monitor.config import Settings
from monitor.db.engine import existing_database, open_database
from monitor.db.runs import alert_runs, any_run
from monitor.engine.run import dataset_report
from monitor.engine.stored import stored_report
from monitor.mask import mask
from monitor.notify.mail.render import inline_css
from monitor.notify.mail.transport import transport_for
from monitor.notify.outbox import message_key, send_now
from monitor.notify.receiver import Receiver
from monitor.reports.data import (
    LedgerCounts,
    LedgerPeriod,
    ReportData,
    WarningSource,
    report_data,
)
from monitor.reports.helper import ReportHelpers
from monitor.reports.html import narrative, render_html, render_index
from monitor.reports.regions import region_info, regional_evaluated
from monitor.store.figures import SettledCounts
from monitor.store.use import report_evaluation, store_evaluation
from rules.definitions import FIGURE_KEYS, FRACTIONS
from rules.periods import Period
from rules.regions import Region

__all__ = ["ReportResult", "run_report"]


@dataclass
class ReportResult:
    """Where the files went and what sending did."""

    period: str
    paths: dict[str, Path] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)


def run_report(
    settings: Settings,
    period_text: str,
    now: dt.datetime,
    *,
    input_path: str | None = None,
    sheet: str | None = None,
    out_dir: Path | None = None,
    send: bool = False,
    transport: Receiver | None = None,
    engine: Engine | None = None,
    helpers: ReportHelpers | None = None,
    region: Region | None = None,
) -> ReportResult:
    """Write the report of ``period_text`` ("2025-05", "2025-Q2", "2025") and maybe send it.

    One evaluation, whose calendar also spans the trend's twelve periods and the previous
    period; one engine on the monitor's database (``engine``, or one opened here), for the
    ledger's warning counts and, with ``send``, the outbox. A database is created only to
    send; the counts come from the ledger only when the monitor has run against it.
    ``helpers``: the child processes that make the chart and the workbook
    (:mod:`monitor.reports.helper`), started early by a short-lived caller (the CLI); without
    them both are made in this process. ``region``: the report of that region's cases
    (行政区划), ranking its cities, counties or departments (:mod:`monitor.reports.regions`).
    """
    period = Period.parse(period_text)
    first = min(period.trailing(12)[0].start.year, period.previous().start.year)
    years = (first, period.last_day.year + 1)
    folder = out_dir or settings.resolve(settings.reports.out_dir)
    sending = send and bool(settings.reports.recipients)
    stored = settings.store.enabled and input_path is None
    with _helped(helpers) as helper, _database(settings, engine, create=sending or stored) as db:
        evaluated, settled = _evaluation(
            settings, db, now, years, period, input_path, sheet, region
        )
        data = report_data(
            settings,
            evaluated,
            period,
            now,
            ledger_counts=_counter(db, now),
            settled=settled.of if settled is not None else None,
        )
        data.region = region_info(settings, region) if region is not None else None
        folder.mkdir(parents=True, exist_ok=True)
        result = ReportResult(period.label, _write(folder, data, helper))
        if sending:
            assert db is not None  # created when missing
            chart = Markup(helper.chart.result().decode("utf-8"))
            result.counts = _send(settings, db, data, result.paths, now, transport, chart)
        elif send:
            result.counts = {"queued": 0, "sent": 0, "failed": 0, "dead": 0}
    return result


def _evaluation(
    settings: Settings,
    db: Engine | None,
    now: dt.datetime,
    years: tuple[int, int],
    period: Period,
    input_path: str | None,
    sheet: str | None,
    region: Region | None,
) -> tuple[Evaluated, SettledCounts | None]:
    """What the report counts: from ``[source] dataset`` (partition by partition, on the
    configured engine), the store (its partitions on the cluster with the Dask engine), or
    the source read whole; of ``region``'s cases when
    given. The store's month counts are by department: a region's report from the store
    counts every stored case itself."""
    if settings.source.dataset and input_path is None:
        return dataset_report(settings, now, years, region)
    if settings.store.enabled and input_path is None:
        assert db is not None  # created when missing
        if settings.engine.kind == "dask":
            return stored_report(settings, db, now, years, region)
        if region is None:
            return report_evaluation(settings, db, now, years, period.end)
        evaluated = store_evaluation(settings, db, now, whole=True, years=years)[0]
    else:
        loaded = load_cases(settings, input_path, sheet=sheet)
        evaluated = evaluate_loaded(settings, loaded, now, years=years)
    if region is not None:
        evaluated = regional_evaluated(settings, evaluated, region)
    return evaluated, None


def _helped(helpers: ReportHelpers | None) -> AbstractContextManager[ReportHelpers]:
    """``helpers`` when the caller started them (early, as the CLI does), else none: the
    chart and the workbook made in this process (the daemon's, or a test's)."""
    return nullcontext(helpers) if helpers is not None else ReportHelpers(start=False)


@contextmanager
def _database(
    settings: Settings, engine: Engine | None, *, create: bool
) -> Iterator[Engine | None]:
    """``engine`` when given; else the monitor's database, opened (and created) to send,
    or only if it exists to read the ledger."""
    if engine is not None:
        yield engine
        return
    with open_database(settings) if create else existing_database(settings) as opened:
        yield opened


def _counter(engine: Engine | None, now: dt.datetime) -> LedgerCounts | None:
    """What the ledger says of a period — its warning counts, where they come from, the rows
    of the answer loop's figures (answers and acknowledgements made by ``now``) — or None
    without a database the monitor has run against (the figures then derive the counts from
    the cases, and the answer loop's figures are unknown)."""
    if engine is None:
        return None
    with engine.connect() as conn:
        if not any_run(conn):
            return None

    def counts(period: Period) -> LedgerPeriod:
        start = dt.datetime.combine(period.start, dt.time())
        with engine.connect() as conn:
            span = alert_runs(conn, start, dt.datetime.combine(period.end, dt.time()))
            if span is None:  # no alert job ran in the period: the ledger knows nothing of it
                return LedgerPeriod()
            frame = raised_in_period(conn, period.start, period.end)
            responses = responses_in_period(conn, period.start, period.end, now)
            explanations = explanations_in_period(conn, period.start, period.end, now)
        first, last = span
        complete = first.date() <= period.start and last.date() >= period.last_day
        source = WarningSource(True, first, last, complete)
        return LedgerPeriod(frame, source, responses, explanations)

    return counts


def _write(folder: Path, data: ReportData, helper: ReportHelpers) -> dict[str, Path]:
    stem = data.period if data.region is None else f"{data.period}-{data.region['code']}"
    paths = {ext: folder / f"{stem}.{ext}" for ext in ("html", "json", "xlsx")}
    # The chart and the workbook are made by the helpers while the JSON is written.
    helper.chart.ask(data.trend, data.language)
    helper.workbook.ask(data, str(paths["xlsx"]))
    _atomic(paths["json"], json.dumps(_json(data), ensure_ascii=False, indent=1) + "\n")
    chart = Markup(helper.chart.result().decode("utf-8"))
    _atomic(paths["html"], render_html(data, chart))
    helper.workbook.result()
    paths["index"] = folder / "index.html"
    _atomic(paths["index"], render_index(_entries(folder)))
    return paths


def _json(data: ReportData) -> dict[str, Any]:
    """The report as data: every figure, every rate's numerator and denominator, where the
    warning counts come from, whether the answer loop's figures are known and with which N;
    department names masked like every output."""
    source = data.warning_source
    region = {"region": data.region} if data.region is not None else {}
    return {
        "period": data.period,
        **region,
        "generated_at": data.generated_at.isoformat(timespec="seconds"),
        "estimated_calendar": data.estimated_calendar,
        "completion_denominator": data.completion_denominator,
        "warning_counts": {
            "source": "ledger" if source.ledger else "derived",
            "first_run": source.first.isoformat(timespec="seconds") if source.first else None,
            "last_run": source.last.isoformat(timespec="seconds") if source.last else None,
            "complete": source.complete if source.ledger else None,
        },
        # The answer loop's figures (预警处理反馈) are known only from a ledger that covers
        # the period; otherwise they are null and have no fractions.
        "answer_loop": {"known": data.answer_loop, "response_workdays": data.response_workdays},
        "totals": {k: data.totals[k] for k in FIGURE_KEYS},
        "fractions": _fractions(data.numerators),
        "departments": [
            {
                "department": mask(d["department"]),
                **{k: d[k] for k in FIGURE_KEYS},
                "fractions": _fractions(numerators),
            }
            for d, numerators in zip(data.departments, data.department_numerators, strict=True)
        ],
    }


def _fractions(numerators: dict[str, tuple[int, int]]) -> dict[str, dict[str, int]]:
    """Each rate (and the mean) as ``{"numerator": n, "denominator": d}``."""
    return {
        key: {"numerator": int(n), "denominator": int(d)}
        for key, (n, d) in numerators.items()
        if key in FRACTIONS
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
                "region": meta.get("region"),
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
    engine: Engine,
    data: ReportData,
    paths: dict[str, Path],
    now: dt.datetime,
    transport: Receiver | None,
    chart: Markup,
) -> dict[str, Any]:
    """Queue the report for ``[reports] recipients`` (HTML body, workbook attached), send;
    ``chart`` is the report's trend chart."""
    recipients = tuple(settings.reports.recipients)
    html = inline_css(paths["html"].read_text(encoding="utf-8"))
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
    digest = hashlib.sha256(render_html(undated, chart).encode("utf-8")).hexdigest()
    key = message_key("report", recipients, now.date(), [data.period, digest])
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
    counts: dict[str, Any] = {
        "queued": int(queued),
        "sent": done.sent,
        "failed": done.failed,
        "dead": done.dead,
    }
    if done.stopped_by:
        counts["stopped_by"] = done.stopped_by  # the receiver that was down
    return counts
