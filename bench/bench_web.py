"""Benchmark: the web pages with 20,000 open warnings in the ledger (issue 11).

Target: median ≤ 200 ms per page, on SQLite and PostgreSQL, for the case page a department
reaches from its alert (``/c/<token>``, random warnings) and the office's pages: the list of
open warnings (``/office/``), filtered by a department and a level, on page 100 (a deep
offset), and the answers waiting for review (``/office/answers``). The Excel export of all
20,000 warnings is one more figure (no target).

The pages are requested through Flask's test client in this process (the WSGI application,
no network), each ``--repeat`` times after a warm-up; the case page's source of cases is
loaded once and cached by the application (:class:`monitor.web.cases.CaseSource`), so its
figure is a page after the first load, which is reported on its own. The baseline, in the
same run and the same way, alternating with the monitor's page: the office list written
naively — every open warning and every answer read into pandas, merged, filtered and sorted
there, one page of it rendered with the same template.

    python -m bench.bench_web [--backend sqlite|postgresql|both] [--repeat 30]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import sqlalchemy as sa
from flask import Blueprint, Flask, Response, request
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner

from bench.web_data import NOW, PASSWORD, USER, county_cases, fill_ledger
from monitor import clock
from monitor.alerts.links import case_link
from monitor.config import Settings
from monitor.db.engine import open_database
from monitor.db.tables import answers, warnings
from monitor.web.app import create_app
from monitor.web.cases import CaseSource
from monitor.web.office import signed_in
from monitor.web.office_data import ANSWER_STATES, LEVELS, PAGE_SIZE, Filters, read_filters
from monitor.web.render import page, state

TARGET_MS = 200.0
WARM_UP = 3
EXPORT_REPEAT = 3
POSTGRES = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_web"  # the benchmark's own schema in the shared test database
SECRET_ENV = "MONITOR_WEB_SECRET"
BASE_URL = "https://zwfw.example.gov.cn/monitor"
RECIPIENT = "dept@example.gov.cn"


@dataclass
class Figure:
    """One page's timings (seconds), its baseline's, and their peaks of traced memory
    (bytes)."""

    label: str
    times: list[float]
    baseline: list[float] | None = None
    peak: int = 0
    base_peak: int = 0
    target: bool = True


# -- the baseline: the office list the naive way ----------------------------------------------

naive = Blueprint("naive", __name__)


@naive.get("/office/naive")
@signed_in
def naive_list() -> Response:
    """``/office/`` written naively: both tables read whole, the rest in pandas (the
    filters the benchmark uses: department, level, answer state, page)."""
    filters, problems = read_filters(request.args)
    with state().engine.connect() as conn:
        open_ = pd.read_sql(sa.select(warnings).where(warnings.c.resolved_at.is_(None)), conn)
        given = pd.read_sql(sa.select(answers), conn)
    rows, departments = naive_rows(open_, given, filters)
    total = len(rows)
    start = (filters.page - 1) * PAGE_SIZE
    shown = rows.iloc[start : start + PAGE_SIZE].astype(object)
    return page(
        "web/office_warnings.html.j2",
        user=USER,
        root="./",
        filters=filters,
        problems=problems,
        rows=shown.where(shown.notna(), None).to_dict(orient="records"),
        total=total,
        pages=max(1, -(-total // PAGE_SIZE)),
        departments=departments,
        names=sorted(open_["department"].unique()),
        levels=LEVELS,
        answer_states=ANSWER_STATES,
    )


def naive_rows(
    open_: pd.DataFrame, given: pd.DataFrame, filters: Filters
) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """The warnings of ``filters`` with their latest answer, most serious first, and the
    counts per department and answer state."""
    latest = given.sort_values("id").drop_duplicates("warning_id", keep="last")
    latest = latest[["warning_id", "id", "status", "by", "at", "action", "late_reason"]]
    latest.columns = ["warning_id", "answer_id", "answer_status", "answered_by", "answered_at",
                      "answer_action", "late_reason"]  # fmt: skip
    accepted = given[(given["status"] == "accepted") & given["late_reason"].notna()]
    rows = open_.merge(latest, left_on="id", right_on="warning_id", how="left")
    rows["explained"] = rows["id"].isin(accepted["warning_id"])
    if filters.level:
        rows = rows[rows["level"] == filters.level]
    status = rows["answer_status"].fillna("none")
    if filters.answer:
        rows, status = rows[status == filters.answer], status[status == filters.answer]
    counts = pd.crosstab(rows["department"], status)
    counts = counts.reindex(columns=list(ANSWER_STATES), fill_value=0)
    counts["total"] = counts.sum(axis=1)
    counts = counts.reset_index().sort_values(["total", "department"], ascending=[False, True])
    if filters.department:
        rows = rows[rows["department"] == filters.department]
    severity = rows["level"].map({"escalated": 0, "overdue": 1}).fillna(2)
    rows = rows.assign(_severity=severity).sort_values(["_severity", "deadline", "id"])
    late = rows["level"].isin(["overdue", "escalated"]) | (rows["late_workdays"] > 0)
    given_reason = rows["late_reason"].notna()
    disposal = np.select(
        [rows["explained"], given_reason & (rows["answer_status"] == "submitted"),
         given_reason & (rows["answer_status"] == "returned")],
        ["closed", "review", "returned"], "missing",
    )  # fmt: skip
    rows["disposal"] = np.where(late, disposal, None)
    return rows, counts.to_dict(orient="records")


# -- the site ---------------------------------------------------------------------------------


@contextmanager
def database(backend: str, folder: Path, server: str) -> Iterator[str]:
    """The URL of an empty monitor database: an SQLite file in ``folder``, or the schema
    ``bench_web`` of the PostgreSQL database ``server`` (made anew, dropped at the end)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'monitor.db'}"
        return
    admin = sa.create_engine(server)
    drop = sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    with admin.begin() as conn:
        conn.execute(drop)
        conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
    try:
        yield f"{server}?options=-csearch_path%3D{SCHEMA}"
    finally:
        with admin.begin() as conn:
            conn.execute(drop)
        admin.dispose()


def make_links(settings: Settings, ids: list[int]) -> list[str]:
    """The case pages' paths of warnings ``ids``, as the alert run at ``NOW`` made them."""
    stamp = int(NOW.replace(tzinfo=clock.SHANGHAI).timestamp())
    with mock.patch.object(TimestampSigner, "get_timestamp", return_value=stamp):
        links = [case_link(settings, i, [RECIPIENT]) for i in ids]
    return [str(link).removeprefix(BASE_URL) for link in links]


def sign_in(client: FlaskClient) -> None:
    """Sign the client in as the benchmark's office user."""
    form = client.get("/office/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    data = {"csrf_token": token.group(1) if token else "", "name": USER, "password": PASSWORD}
    if client.post("/office/login", data=data).status_code != 303:
        raise RuntimeError("the benchmark's user could not sign in")


def get(client: FlaskClient, path: str) -> tuple[float, bytes]:
    """Seconds to serve ``path`` (its body read), and the body (an error unless status
    200)."""
    t0 = time.perf_counter()
    response = client.get(path)
    body = response.get_data()
    seconds = time.perf_counter() - t0
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: status {response.status_code}")
    return seconds, body


def peak_of(request_: Callable[[], object]) -> int:
    """The peak of memory traced (Python objects, numpy arrays) while ``request_`` runs, in
    bytes; measured on its own, untimed (tracing slows everything down)."""
    tracemalloc.start()
    try:
        request_()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def series(client: FlaskClient, paths: list[str], baseline: list[str] | None) -> Figure:
    """Each of ``paths`` after ``WARM_UP`` of them (their baseline's alternating); the
    baseline must list the same warnings as the monitor's page."""
    ours, base = [], []
    for i, path in enumerate(paths):
        seconds, html = get(client, path)
        if i >= WARM_UP:
            ours.append(seconds)
        if baseline is not None:
            seconds, naive_html = get(client, baseline[i])
            if listed(naive_html) != listed(html):
                raise RuntimeError(f"the baseline of {path} lists other warnings")
            if i >= WARM_UP:
                base.append(seconds)
    figure = Figure("", ours, base or None, peak_of(lambda: client.get(paths[-1])))
    if baseline is not None:
        figure.base_peak = peak_of(lambda: client.get(baseline[-1]))
    return figure


def listed(body: bytes) -> tuple[str, list[str]]:
    """What a warning list shows: its count, and the warnings of the page in order."""
    html = body.decode()
    total = re.search(r"（(\d+) 条）", html)
    return (total.group(1) if total else "", re.findall(r'href="[./]*w/(\d+)"', html))


def measure(
    backend: str, server: str, cases: pd.DataFrame, alerting: pd.DataFrame, repeat: int
) -> tuple[list[Figure], dict[str, float]]:
    """The figures of one backend, and the set-up's: rows written, seconds to write them,
    to load the source the first time, to serve the first case page."""
    os.environ.setdefault(SECRET_ENV, "a-long-random-secret-for-the-benchmark")
    n = WARM_UP + repeat
    with (
        tempfile.TemporaryDirectory(prefix="bench-web-") as tmp,
        database(backend, Path(tmp), server) as url,
    ):
        source = Path(tmp) / "cases.csv"
        cases.to_csv(source, index=False, encoding="utf-8")
        settings = Settings(
            database={"url": url},
            source={"path": str(source)},
            web={"base_url": BASE_URL, "secret_env": SECRET_ENV},
        )
        with open_database(settings) as engine:
            t0 = time.perf_counter()
            info: dict[str, float] = dict(fill_ledger(engine, settings, alerting))
            info["setup"] = time.perf_counter() - t0
            app = create_app(settings, engine, now=lambda: NOW, cases=CaseSource(settings))
            app.register_blueprint(naive)
            figures, first = pages(app, settings, alerting, n)
            info |= first
            info["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures, info


def pages(
    app: Flask, settings: Settings, alerting: pd.DataFrame, n: int
) -> tuple[list[Figure], dict[str, float]]:
    """Every page's figure on ``app`` (``n`` requests each, the warm-up's included); the
    seconds of the source's first load and of the first case page."""
    client = app.test_client()
    cases = app.extensions["monitor"].cases
    first: dict[str, float] = {}
    t0 = time.perf_counter()
    cases.loaded()
    first["first_load"] = time.perf_counter() - t0
    ids = np.random.default_rng(1).choice(len(alerting), n + 1, replace=False) + 1
    links = make_links(settings, [int(i) for i in ids])
    first["first_case_page"] = get(client, links[0])[0]
    sign_in(client)
    busiest = alerting["department"].value_counts().index[0]
    filtered = "?" + urlencode({"department": busiest, "level": "overdue"})
    office = {
        "case page /c/<token>": (links[1:], None),
        "office list /office/": (["/office/"] * n, ["/office/naive"] * n),
        "… ?department=X&level=overdue": (
            [f"/office/{filtered}"] * n,
            [f"/office/naive{filtered}"] * n,
        ),
        "… ?page=100": (["/office/?page=100"] * n, ["/office/naive?page=100"] * n),
        "answers /office/answers": (["/office/answers"] * n, None),
    }
    figures = []
    for label, (paths, baseline) in office.items():
        figure = series(client, paths, baseline)
        figure.label = label
        figures.append(figure)
    export = [get(client, "/office/warnings.xlsx")[0] for _ in range(EXPORT_REPEAT)]
    figures.append(Figure(f"Excel export, all {len(alerting):,}", export, target=False))
    return figures, first


# -- the table --------------------------------------------------------------------------------


def report(backend: str, figures: list[Figure], info: dict[str, float], repeat: int) -> None:
    """The table of one backend: median and 90th percentile per page, the verdict, the
    baseline's median and the ratio (monitor / baseline), peak traced memory of one request
    (the baseline's in brackets)."""
    print(
        f"\n{backend}: {info['warnings']:,.0f} open warnings, {info['warning_events']:,.0f} "
        f"events, {info['answers']:,.0f} answers (written in {info['setup']:.1f} s); "
        f"{repeat} requests per page after {WARM_UP} warm-up\n"
        f"case source first load {info['first_load'] * 1000:,.0f} ms; first case page "
        f"(templates compiled, calendar built) {info['first_case_page'] * 1000:,.0f} ms; "
        "the case page below is served after the first load (the source cached)"
    )
    head = ("page", "median", "p90", "target", "baseline", "ratio", "peak MiB")
    print(f"{head[0]:<34}{head[1]:>10}{head[2]:>10}  {head[3]:<16}{head[4]:>10}{head[5]:>8}"
          f"  {head[6]}")  # fmt: skip
    for f in figures:
        ms = [t * 1000 for t in f.times]
        median = statistics.median(ms)
        verdict = f"≤ {TARGET_MS:g} ms " + ("meets" if median <= TARGET_MS else "MISSES")
        versus, peak = f"{'—':>10}{'':>8}", f"{f.peak / 2**20:.1f}" if f.peak else ""
        if f.baseline:
            base = statistics.median(f.baseline) * 1000
            versus = f"{base:8.0f}ms{median / base:7.2f}×"
            peak += f" ({f.base_peak / 2**20:.1f})"
        print(
            f"{f.label:<34}{median:8.0f}ms{np.percentile(ms, 90):8.0f}ms  "
            f"{verdict if f.target else '(none)':<16}{versus}  {peak}"
        )
    print(f"process peak resident memory so far {info['rss_mib']:,.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=30, help="requests per page, timed")
    parser.add_argument("--warnings", type=int, default=20_000)
    parser.add_argument("--postgres-url", default=POSTGRES)
    args = parser.parse_args()
    t0 = time.perf_counter()
    cases, alerting = county_cases(args.warnings)
    print(
        f"{len(cases):,} open cases, {alerting['department'].nunique()} departments, levels "
        f"{alerting['level'].astype(str).value_counts().to_dict()}, made in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        figures, info = measure(backend, args.postgres_url, cases, alerting, args.repeat)
        report(backend, figures, info, args.repeat)


if __name__ == "__main__":
    main()
