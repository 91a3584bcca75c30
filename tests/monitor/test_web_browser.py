"""The whole answer loop in a real browser (Debian's ``chromium``, driven by Playwright;
``.ci/run`` installs it, and the test skips with the reason when it is missing).

`monitor alert` writes its mail as ``.eml`` files; the link of W1 (B001 overdue on Fri
2025-03-14, see test_web_case) is taken out of the file and opened. The pages are served by a
real HTTP server on loopback under the prefix ``/monitor``, as the office's reverse proxy
serves them. The department sees why the deadline is Thu 03-13, answers with a reason; the
replayed form and a tampered link are refused; the office signs in, finds the answer
waiting, accepts it; the next alert run (Mon 03-17, B001 still overdue) does not repeat the
case, and the month's report counts the explanation.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server

from monitor.alerts.run import run_alert
from monitor.config import Settings
from monitor.db.engine import open_database
from monitor.db.tables import answers
from monitor.reports.run import run_report
from monitor.web.app import create_app
from monitor.web.users import add_user
from rules.definitions import LOOP_KEYS
from tests.monitor.test_alerts import FRI, ID_NUMBER, MON, SCJG_TO, make_settings, write_cases

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SECRET_ENV = "MONITOR_TEST_WEB_SECRET"
PASSWORD = "correct horse battery"
APR_1 = dt.datetime(2025, 4, 1, 9, 0)

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="chromium is not installed (apt-get install chromium)"
)


class Server:
    """A real HTTP server on loopback serving ``app`` under ``/monitor`` in a thread."""

    def __init__(self) -> None:
        self.app: Any = None
        self._http = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.base = f"http://127.0.0.1:{self._http.server_port}/monitor"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    def _dispatch(self, environ: dict[str, Any], start_response: Any) -> Any:
        mounted = DispatcherMiddleware(_not_found, {"/monitor": self.app})
        return mounted(environ, start_response)

    def __enter__(self) -> Server:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._thread.join(5)


def _not_found(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not here"]


@pytest.fixture
def loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The alert of Fri 03-14 written to .eml files, the pages served, a browser page."""
    monkeypatch.setenv(SECRET_ENV, "a-long-random-secret-for-the-browser-test")
    with Server() as server:
        settings = make_settings(
            f"sqlite:///{tmp_path / 'monitor.db'}", mail_dir=tmp_path / "mail"
        ).model_copy(
            update={
                "source": Settings().source.model_copy(
                    update={"path": write_cases(tmp_path, "B001")}
                ),
                "web": Settings().web.model_copy(
                    update={"base_url": server.base, "secret_env": SECRET_ENV}
                ),
            }
        )
        run_alert(settings, FRI)
        clock = {"now": dt.datetime(2025, 3, 14, 10, 0)}
        with open_database(settings) as engine:
            with engine.begin() as conn:
                add_user(conn, "zhangwei", PASSWORD, clock["now"])
            server.app = create_app(settings, engine, now=lambda: clock["now"])
            with playwright.sync_playwright() as driver:
                browser = driver.chromium.launch(
                    executable_path=CHROMIUM,
                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
                )
                context = browser.new_context(locale="zh-CN")
                try:
                    yield {
                        "settings": settings,
                        "engine": engine,
                        "server": server,
                        "context": context,
                        "page": context.new_page(),
                        "mail": tmp_path / "mail",
                    }
                finally:
                    browser.close()


def link_in_mail(mail: Path) -> str:
    """The link of W1 in the plain text of the .eml sent to 市场监管."""
    (eml,) = [f for f in mail.glob("*.eml") if SCJG_TO.encode() in f.read_bytes()]
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    (link,) = re.findall(r"W1  (http://\S+)", text)
    return str(link)


def test_a_department_answers_and_the_office_accepts(loop: dict[str, Any]) -> None:
    page, context, server = loop["page"], loop["context"], loop["server"]
    link = link_in_mail(loop["mail"])
    assert link.startswith(f"{server.base}/c/")

    # The department opens its link: the case, masked, and why the deadline is 03-13.
    page.goto(link)
    assert "截止日 2025-03-13" in page.inner_text("body")
    deadline_row = page.locator("tr.deadline").first.inner_text()
    assert "2025-03-13" in deadline_row and "第 5 日" in deadline_row
    assert ID_NUMBER not in page.content()

    # It answers; the form of an overdue case asks why and what was done about it.
    posted: list[Any] = []
    page.on("request", lambda r: posted.append(r) if r.method == "POST" else None)
    page.select_option("#action", "正在办理")
    page.fill("#note", "材料已补齐，今日办结")
    page.select_option("#late_reason", "人员原因")
    page.fill("#measures", "专人跟进，每日核对")
    page.fill("#by", "张三")
    page.click("button[type=submit]")
    page.wait_for_selector(".notice")
    assert "反馈已提交" in page.inner_text(".notice")
    assert page.url == f"{link}?answered=1"  # the relative redirect kept the /monitor prefix

    # The same form sent again (its body and the browser's cookies) is refused.
    (answer_post,) = posted
    replay = context.request.post(
        link,
        data=answer_post.post_data,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert replay.status == 409 and "此表单已提交过" in replay.text()

    # A tampered link is refused, with what to do.
    tampered = page.goto(link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB"))
    assert tampered is not None and tampered.status == 403
    assert "不完整或已被改动" in page.inner_text("body")

    # The office signs in and finds the answer waiting for review.
    page.goto(f"{server.base}/office/")
    assert page.url == f"{server.base}/office/login"
    page.fill("#name", "zhangwei")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    assert page.url == f"{server.base}/office/"
    row = page.locator("tr", has_text="W1").last.inner_text()
    assert "待审核" in row and "张三" in row
    page.click("text=待审核反馈")
    assert "人员原因" in page.inner_text("body")
    page.click("button[value=accept]")
    assert "审核结果已保存" in page.inner_text(".notice")
    page.goto(f"{server.base}/office/")
    assert "已完结" in page.locator("tr", has_text="W1").last.inner_text()

    with loop["engine"].connect() as conn:
        stored = conn.execute(sa.select(answers.c.status, answers.c.reviewed_by)).all()
    assert [tuple(r) for r in stored] == [("accepted", "zhangwei")]

    # The next alert run does not repeat the answered case (acknowledged at its level).
    before = set(loop["mail"].glob("*.eml"))
    run = run_alert(loop["settings"], MON)
    assert (run.counts["repeated"], run.counts["suppressed"]) == (0, 1)
    assert set(loop["mail"].glob("*.eml")) == before

    # The month's report counts it: answered the day it was first seen (in time, 0 working
    # days), overdue in March and explained, the explanation accepted.
    out = loop["mail"].parent / "reports"
    run_report(loop["settings"], "2025-03", APR_1, out_dir=out, engine=loop["engine"])
    report = json.loads((out / "2025-03.json").read_text(encoding="utf-8"))
    one = {"numerator": 1, "denominator": 1}
    assert {k: report["fractions"][k] for k in LOOP_KEYS} == {
        "warning_response_rate": one,
        "mean_response_workdays": {"numerator": 0, "denominator": 1},
        "late_explained_rate": one,
        "late_explanation_accepted_rate": one,
    }
    page.goto((out / "2025-03.html").as_uri())
    assert "超期件说明率" in page.inner_text("body")
