"""The case page a department reaches from its alert (issue 11), over HTTP with Flask's test
client on a real database: the signed link, the explained deadline, the answer form with its
CSRF protection, problems beside their fields, the answer stored as an acknowledgement, and
the pages for a tampered, expired or revoked link.

B001 (县市场监督管理局) is accepted Thu 2025-03-06; 5 working days: 03-07, 10, 11, 12, 13 →
D = 03-13. At Fri 03-14 09:00 it is overdue (L = 1) and alerted as W1.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from monitor.alerts.links import case_link
from monitor.alerts.run import run_alert
from monitor.config import Settings
from monitor.db.engine import open_database
from monitor.db.tables import acks, answers
from monitor.web.app import create_app
from tests.monitor.test_alerts import FRI, ID_NUMBER, SCJG_TO, make_settings, url_of, write_cases

SECRET_ENV = "MONITOR_TEST_WEB_SECRET"
BASE = "https://zwfw.example.gov.cn/monitor"


@pytest.fixture
def site(
    engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Settings, FlaskClient, str]:
    """(settings, client, link): B001 alerted on Fri 03-14, its link to 市场监管's list."""
    monkeypatch.setenv(SECRET_ENV, "a-long-random-secret-for-the-tests")
    cases = write_cases(tmp_path, "B001")
    settings = make_settings(url_of(engine), mail_dir=tmp_path / "mail").model_copy(
        update={
            "source": Settings().source.model_copy(update={"path": cases}),
            "web": Settings().web.model_copy(update={"base_url": BASE, "secret_env": SECRET_ENV}),
        }
    )
    run_alert(settings, FRI)
    clock = {"now": dt.datetime(2025, 3, 14, 10, 0)}
    with open_database(settings) as db:
        app = create_app(settings, db, now=lambda: clock["now"])
        app.config["clock"] = clock
        link = case_link(settings, 1, [SCJG_TO])
        assert link is not None and link.startswith(f"{BASE}/c/")
        yield settings, app.test_client(), link.removeprefix(BASE)


@pytest.fixture
def dataset_site(
    engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Settings, FlaskClient, str]:
    """As :func:`site`, the cases a partitioned dataset (``[source] dataset``): B002 in one
    partition, B001 in another; the page finds B001 in its partition."""
    import pandas as pd

    monkeypatch.setenv(SECRET_ENV, "a-long-random-secret-for-the-tests")
    for county, case in (("330101", "B002"), ("330102", "B001")):
        frame = pd.read_csv(write_cases(tmp_path, case), dtype=str, keep_default_na=False)
        (tmp_path / "lake" / f"county={county}").mkdir(parents=True)
        frame.to_parquet(tmp_path / "lake" / f"county={county}" / "part-0.parquet", index=False)
    settings = make_settings(url_of(engine), mail_dir=tmp_path / "mail").model_copy(
        update={
            "source": Settings().source.model_copy(update={"dataset": str(tmp_path / "lake")}),
            "web": Settings().web.model_copy(update={"base_url": BASE, "secret_env": SECRET_ENV}),
        }
    )
    run_alert(settings, FRI)
    with open_database(settings) as db:
        app = create_app(settings, db, now=lambda: dt.datetime(2025, 3, 14, 10, 0))
        with db.connect() as conn:
            warning = conn.execute(sa.text("SELECT id FROM warnings WHERE case_id = 'B001'"))
            (number,) = warning.scalars().all()
        link = case_link(settings, number, [SCJG_TO])
        assert link is not None
        yield settings, app.test_client(), link.removeprefix(BASE)


def test_the_case_page_of_a_dataset_finds_the_case_in_its_partition(
    dataset_site: tuple,
) -> None:
    _, client, path = dataset_site
    html = client.get(path).get_data(as_text=True)
    assert "办件 B001" in html
    assert "截止日 2025-03-13" in html and "计入 第 5 日 · 截止日" in html
    assert "办件数据中暂无此件" not in html
    assert ID_NUMBER not in html


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def form_key(html: str) -> str:
    return re.search(r'name="form_key" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_the_case_page_explains_the_deadline_and_masks(site: tuple) -> None:
    _, client, path = site
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "W1 · 办件 B001" in html
    assert "截止日 2025-03-13" in html
    assert "计入 第 5 日 · 截止日" in html  # the fifth working day, Thu 03-13
    assert ID_NUMBER not in html and "330225********1234" in html
    assert "<script>alert(1)</script>" not in html  # the item name, escaped
    assert "超期原因" in html  # overdue: the form asks why
    assert page.headers["Cache-Control"] == "no-store"


def test_an_answer_is_stored_as_an_acknowledgement(engine: sa.Engine, site: tuple) -> None:
    _, client, path = site
    html = client.get(path).get_data(as_text=True)
    form = {
        "csrf_token": csrf(html),
        "form_key": form_key(html),
        "action": "正在办理",
        "expected_on": "2025-03-17",
        "note": "材料已补齐，今日办结",
        "late_reason": "人员原因",
        "measures": "专人跟进",
        "by": "张三",
    }
    done = client.post(path, data=form)
    assert (done.status_code, done.headers["Location"]) == (303, "?answered=1")
    with engine.connect() as conn:
        (row,) = conn.execute(sa.select(answers)).mappings().all()
        (ack,) = conn.execute(sa.select(acks)).mappings().all()
    assert (row["case_id"], row["obligation"], row["level"], row["status"]) == (
        "B001",
        "completion",
        "overdue",
        "submitted",
    )
    assert (row["action"], row["expected_on"], row["late_reason"], row["by"]) == (
        "正在办理",
        dt.date(2025, 3, 17),
        "人员原因",
        "张三",
    )
    assert (row["ack_id"], ack["level"], ack["by"]) == (ack["id"], "overdue", "张三")
    shown = client.get(f"{path}?answered=1").get_data(as_text=True)
    assert "反馈已提交" in shown and "待审核" in shown


def test_a_bad_answer_comes_back_with_its_problems_and_nothing_lost(site: tuple) -> None:
    settings, client, path = site
    html = client.get(path).get_data(as_text=True)
    key = form_key(html)
    form = {
        "csrf_token": csrf(html),
        "form_key": key,
        "action": "随便",
        "expected_on": "2025-03-15",  # a Saturday
        "note": "x" * (settings.web.answer_max_chars + 1),
        "late_reason": "",
        "measures": "",
        "by": "李四",
    }
    back = client.post(path, data=form)
    assert back.status_code == 400
    html = back.get_data(as_text=True)
    problems = (
        "请选择处理情况。",
        "预计完成日应为工作日。",
        "不超过 2000 字（现为 2001 字）。",
        "超期办件请选择超期原因。",
        "超期办件请填写整改措施。",
    )
    for problem in problems:
        assert problem in html
    assert 'value="李四"' in html and 'value="2025-03-15"' in html
    assert form_key(html) == key  # the same form, corrected, can still be sent once


def test_a_form_sent_again_is_refused(engine: sa.Engine, site: tuple) -> None:
    _, client, path = site
    html = client.get(path).get_data(as_text=True)
    form = {
        "csrf_token": csrf(html),
        "form_key": form_key(html),
        "action": "已办结",
        "note": "已办结",
        "late_reason": "系统故障",
        "measures": "已报修",
        "by": "王五",
    }
    assert client.post(path, data=form).status_code == 303
    again = client.post(path, data=form)
    assert again.status_code == 409
    assert "此表单已提交过" in again.get_data(as_text=True)
    without = client.post(path, data={k: v for k, v in form.items() if k != "form_key"})
    assert without.status_code == 400
    fresh = client.get(path).get_data(as_text=True)
    assert form_key(fresh) != form["form_key"]  # a new page, a new form
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(answers)).scalar() == 1


def test_a_form_without_its_csrf_token_is_refused(engine: sa.Engine, site: tuple) -> None:
    _, client, path = site
    refused = client.post(path, data={"action": "已办结", "note": "n", "by": "王五"})
    assert refused.status_code == 400
    assert "表单未提交" in refused.get_data(as_text=True)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(answers)).scalar() == 0


def test_a_tampered_link_is_refused(site: tuple) -> None:
    _, client, path = site
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    page = client.get(tampered)
    assert page.status_code == 403
    assert "不完整或已被改动" in page.get_data(as_text=True)


def test_a_link_past_its_working_days_is_expired(site: tuple) -> None:
    _, client, path = site
    # Made Fri 03-14 (the test's wall clock); 10 working days later is Fri 03-28. The
    # link is stamped with the real time of the test run, so move the clock from there.
    app_clock = client.application.config["clock"]
    app_clock["now"] = dt.datetime.now() + dt.timedelta(days=30)
    page = client.get(path)
    assert page.status_code == 403
    assert "已过有效期" in page.get_data(as_text=True)


def test_a_link_to_a_warning_that_is_gone_is_revoked(site: tuple) -> None:
    settings, client, _ = site
    link = case_link(settings, 999, [SCJG_TO])
    page = client.get(link.removeprefix(BASE))  # type: ignore[union-attr]
    assert page.status_code == 403
    assert "已失效" in page.get_data(as_text=True)


def test_the_link_in_the_alert_mail_opens_the_case_page(site: tuple, tmp_path: Path) -> None:
    """The .eml that `monitor alert` wrote carries the link (text and HTML); it opens W1."""
    import email
    import email.policy

    _, client, _ = site
    (eml,) = [f for f in (tmp_path / "mail").glob("*.eml") if b"scjg" in f.read_bytes()]
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    (link,) = re.findall(rf"W1  ({re.escape(BASE)}/c/\S+)", text)
    assert f'href="{link}"' in html
    page = client.get(link.removeprefix(BASE))
    assert page.status_code == 200
    assert "W1 · 办件 B001" in page.get_data(as_text=True)


def test_alerts_need_the_links_secret_when_links_are_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.errors import ConfigError

    monkeypatch.delenv(SECRET_ENV, raising=False)
    settings = Settings(
        database={"url": f"sqlite:///{tmp_path / 'm.db'}"},
        web={"base_url": BASE, "secret_env": SECRET_ENV},
    )
    with pytest.raises(ConfigError, match=SECRET_ENV):
        run_alert(settings, FRI, input_path=write_cases(tmp_path, "B001"))
    assert not (tmp_path / "m.db").exists()  # checked before anything was recorded


def test_monitor_web_serves_the_pages(tmp_path: Path) -> None:
    """`monitor web` for real: a process on a free port answers a link it cannot follow
    with the page that says why (403)."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "m.db"}"\n', encoding="utf-8")
    env = {**os.environ, "MONITOR_WEB_SECRET": "a-long-random-secret-for-the-tests"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "web", "--config", str(config), "--port", str(port)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/c/not-a-link", timeout=1)
            except urllib.error.HTTPError as exc:
                assert exc.code == 403
                assert "不完整或已被改动" in exc.read().decode("utf-8")
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("monitor web did not answer within 10 s")
    finally:
        proc.terminate()
        proc.wait(10)
