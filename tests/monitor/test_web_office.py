"""The office's pages (issue 11) over HTTP on a real database: the login with its rate limit,
the warnings by department with their answer status and filters, the review of answers
(审核) closing a late case's 超期件处置, the Excel exports (masked, formula-safe), and every
refusal.

B001 (县市场监督管理局) is overdue on Fri 2025-03-14 (D = 03-13, see test_web_case) and
alerted as W1; the department answers it from its link as in test_web_case.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from openpyxl import load_workbook

from monitor.config import Settings
from monitor.db.tables import answers, warnings
from monitor.web.office_data import LEVELS
from monitor.web.throttle import Throttle
from monitor.web.users import add_user, remove_user
from tests.monitor.test_alerts import ID_NUMBER, SCJG
from tests.monitor.test_web_case import csrf, form_key, site  # noqa: F401 (the fixture)

PASSWORD = "correct horse battery"
NOW = dt.datetime(2025, 3, 14, 10, 0)


@pytest.fixture
def office(engine: sa.Engine, site: tuple) -> tuple[Settings, FlaskClient, str]:  # noqa: F811
    """The site with an office user 'zhangwei' (not signed in)."""
    with engine.begin() as conn:
        add_user(conn, "zhangwei", PASSWORD, NOW)
    return site


def sign_in(client: FlaskClient, name: str = "zhangwei", password: str = PASSWORD) -> object:
    token = csrf(client.get("/office/login").get_data(as_text=True))
    return client.post(
        "/office/login", data={"csrf_token": token, "name": name, "password": password}
    )


def answer_w1(client: FlaskClient, path: str, note: str = "材料已补齐，今日办结") -> None:
    """The department answers W1 (overdue) from its link, giving a reason."""
    html = client.get(path).get_data(as_text=True)
    form = {
        "csrf_token": csrf(html),
        "form_key": form_key(html),
        "action": "正在办理",
        "expected_on": "",
        "note": note,
        "late_reason": "人员原因",
        "measures": "专人跟进",
        "by": "张三",
    }
    assert client.post(path, data=form).status_code == 303


def text(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/office/", "./login"),
        ("/office/answers", "./login"),
        ("/office/warnings.xlsx", "./login"),
        ("/office/answers.xlsx", "./login"),
        ("/office/w/1", "../login"),
    ],
)
def test_office_pages_need_a_login(office: tuple, path: str, location: str) -> None:
    _, client, _ = office
    refused = client.get(path)
    assert (refused.status_code, refused.headers["Location"]) == (303, location)
    assert "B001" not in text(refused)


def test_a_review_needs_a_login(engine: sa.Engine, office: tuple) -> None:
    _, client, path = office
    answer_w1(client, path)
    token = csrf(client.get(path).get_data(as_text=True))
    form = {"csrf_token": token, "answer_id": "1", "decision": "accept", "note": ""}
    refused = client.post("/office/answers", data=form)
    assert refused.status_code == 303
    with engine.connect() as conn:
        assert conn.execute(sa.select(answers.c.status)).scalar() == "submitted"


def test_sign_in_and_out(office: tuple) -> None:
    _, client, _ = office
    wrong = sign_in(client, password="not the password")
    assert wrong.status_code == 401
    assert "用户名或密码不正确" in text(wrong)
    unknown = sign_in(client, name="nobody")
    assert unknown.status_code == 401
    done = sign_in(client)
    assert (done.status_code, done.headers["Location"]) == (303, "./")
    cookie = done.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    listed = client.get("/office/")
    assert listed.status_code == 200 and "zhangwei" in text(listed)
    token = csrf(text(listed))
    out = client.post("/office/logout", data={"csrf_token": token})
    assert (out.status_code, out.headers["Location"]) == (303, "login")
    assert client.get("/office/").status_code == 303


def test_a_login_without_its_csrf_token_is_refused(office: tuple) -> None:
    _, client, _ = office
    refused = client.post("/office/login", data={"name": "zhangwei", "password": PASSWORD})
    assert refused.status_code == 400
    assert client.get("/office/").status_code == 303


def test_failed_logins_are_rate_limited(office: tuple) -> None:
    _, client, _ = office
    ticks = {"t": 1000.0}
    client.application.extensions["monitor"].throttle = Throttle(5, 900, lambda: ticks["t"])
    for _ in range(5):
        assert sign_in(client, password="guess number n").status_code == 401
    blocked = sign_in(client)  # even the right password, for now
    assert blocked.status_code == 429
    assert "请 15 分钟后再试" in text(blocked)
    ticks["t"] += 600  # 5 minutes left of the window
    assert "请 5 分钟后再试" in text(sign_in(client))
    # From the same address, another user name is refused too (the address is counted).
    assert sign_in(client, name="lisi").status_code == 429
    ticks["t"] += 301  # the first failure left the window
    assert sign_in(client).status_code == 303


def test_a_removed_user_is_signed_out(engine: sa.Engine, office: tuple) -> None:
    _, client, _ = office
    sign_in(client)
    assert client.get("/office/").status_code == 200
    with engine.begin() as conn:
        remove_user(conn, "zhangwei")
    assert client.get("/office/").status_code == 303


def test_the_warning_list_by_department_with_answer_status(office: tuple) -> None:
    _, client, path = office
    sign_in(client)
    before = text(client.get("/office/"))
    assert "未解除的预警（1 条）" in before
    assert '<a href="./w/1">W1</a>' in before
    assert "未反馈" in before and "待说明" in before  # not answered, lateness not explained
    assert "（已解除）" not in before  # open (a missing resolved_at is not a resolution)
    assert ID_NUMBER not in before and "330225********1234" in before
    assert "<script>alert(1)</script>" not in before
    answer_w1(client, path)
    after = text(client.get("/office/"))
    # by department: 1 warning, 0 unanswered, 1 waiting for review
    assert f"{SCJG}</a></td>\n<td>1</td><td>0</td><td>1</td><td>0</td><td>0</td>" in after
    assert "待审核<br>张三" in after


def test_filters(office: tuple) -> None:
    _, client, path = office
    sign_in(client)
    answer_w1(client, path)
    shown = {
        "level=overdue": 1,
        "level=warning": 0,
        "answer=submitted": 1,
        "answer=none": 0,
        f"department={SCJG}": 1,
        "department=县公安局": 0,
        "since=2025-03-14&until=2025-03-14": 1,  # W1 was first seen Fri 03-14 09:00
        "since=2025-03-15": 0,
        "until=2025-03-13": 0,
    }
    for query, n in shown.items():
        html = text(client.get(f"/office/?{query}"))
        assert f"未解除的预警（{n} 条）" in html, query
    bad = client.get("/office/?level=nonsense&since=yesterday&answer=maybe")
    assert bad.status_code == 200
    html = text(bad)
    assert "未知的预警等级。" in html and "请填写日期" in html and "未知的反馈状态。" in html
    assert "未解除的预警（1 条）" in html  # a wrong filter is left out, not an error
    backwards = text(client.get("/office/?since=2025-03-14&until=2025-03-01"))
    assert "结束日期不能早于开始日期。" in backwards
    assert "未解除的预警（1 条）" in backwards  # since 03-14 kept, the wrong until left out


def test_the_levels_names_sort_most_serious_first() -> None:
    """The list is ordered by the level column itself (its index serves the order)."""
    assert sorted(LEVELS) == list(LEVELS) == ["escalated", "overdue", "warning"]


def test_pages_of_a_long_list(engine: sa.Engine, office: tuple) -> None:
    _, client, _ = office
    rows = [
        {
            "case_id": f"X{i:04d}",
            "obligation": "completion",
            "department": "县教育局",
            "deadline": dt.date(2025, 3, 20),
            "level": "warning",
            "late_workdays": 0,
            "first_seen_at": NOW,
            "level_since": NOW,
        }
        for i in range(205)
    ]
    with engine.begin() as conn:
        conn.execute(warnings.insert(), rows)
    sign_in(client)
    first = text(client.get("/office/?department=县教育局"))
    assert "未解除的预警（205 条）" in first and "第 1 / 3 页" in first
    assert first.count('<a href="./w/') == 100
    last = text(client.get("/office/?department=县教育局&page=3"))
    assert last.count('<a href="./w/') == 5 and "上一页" in last and "下一页" not in last
    # the overdue W1 of the other department comes first when unfiltered
    assert text(client.get("/office/")).index("W1<") < text(client.get("/office/")).index("X0000")


def test_accepting_an_explanation_closes_the_late_case(engine: sa.Engine, office: tuple) -> None:
    _, client, path = office
    answer_w1(client, path)
    sign_in(client)
    listed = text(client.get("/office/answers"))
    assert "待审核反馈（1 条）" in listed and "人员原因" in listed
    form = {"csrf_token": csrf(listed), "answer_id": "1", "decision": "accept", "note": ""}
    done = client.post("/office/answers", data=form)
    assert (done.status_code, done.headers["Location"]) == (303, "answers?reviewed=1")
    with engine.connect() as conn:
        row = conn.execute(sa.select(answers)).mappings().one()
    assert (row["status"], row["reviewed_by"], row["review_note"]) == (
        "accepted",
        "zhangwei",
        None,
    )
    assert "待审核反馈（0 条）" in text(client.get("/office/answers?reviewed=1"))
    assert "已完结" in text(client.get("/office/"))  # 超期件处置 closed
    again = client.post("/office/answers", data=form)
    assert again.status_code == 409 and "已审核过" in text(again)


def test_returning_an_answer_needs_a_reason(engine: sa.Engine, office: tuple) -> None:
    _, client, path = office
    answer_w1(client, path)
    sign_in(client)
    token = csrf(text(client.get("/office/answers")))
    form = {"csrf_token": token, "answer_id": "1", "decision": "return", "note": ""}
    refused = client.post("/office/answers", data=form)
    assert refused.status_code == 400 and "请填写退回理由" in text(refused)
    form["note"] = "超期原因与材料不符，请补充说明"
    assert client.post("/office/answers", data=form).status_code == 303
    with engine.connect() as conn:
        status = conn.execute(sa.select(answers.c.status, answers.c.review_note)).one()
    assert tuple(status) == ("returned", "超期原因与材料不符，请补充说明")
    # the department sees it sent back on its page; the office list shows 已退回
    assert "已退回：超期原因与材料不符" in text(client.get(path))
    assert "已退回" in text(client.get("/office/?answer=returned"))
    bogus = dict(form, answer_id="1; drop table answers", decision="accept")
    assert client.post("/office/answers", data=bogus).status_code == 400


def test_the_office_case_page_reviews_without_the_answer_form(
    engine: sa.Engine, office: tuple
) -> None:
    _, client, path = office
    answer_w1(client, path)
    sign_in(client)
    page = client.get("/office/w/1")
    html = text(page)
    assert page.status_code == 200
    assert "W1 · 办件 B001" in html and "计入 第 5 日 · 截止日" in html
    assert "提交反馈" not in html and 'value="accept"' in html
    form = {"csrf_token": csrf(html), "answer_id": "1", "decision": "accept", "note": "同意"}
    done = client.post("/office/w/1", data=form)
    assert (done.status_code, done.headers["Location"]) == (303, "?reviewed=1")
    assert "审核结果已保存" in text(client.get("/office/w/1?reviewed=1"))
    missing = client.get("/office/w/999")
    assert missing.status_code == 404 and "预警不存在" in text(missing)


def test_the_exports_are_masked_and_formula_safe(office: tuple) -> None:
    _, client, path = office
    answer_w1(client, path, note='=HYPERLINK("http://evil.example","点击") 联系电话13812345678')
    sign_in(client)
    listed = client.get(f"/office/warnings.xlsx?department={SCJG}")
    assert listed.status_code == 200
    assert "attachment" in listed.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(listed.data)).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert (row["编号"], row["办件编号"], row["等级"], row["反馈状态"], row["超期件处置"]) == (
        "W1",
        "B001",
        "超期",
        "待审核",
        "待审核",
    )
    assert ID_NUMBER not in row["事项"] and "330225********1234" in row["事项"]
    assert sheet.max_row == 2
    answered = client.get("/office/answers.xlsx")
    sheet = load_workbook(io.BytesIO(answered.data)).active
    header = [c.value for c in sheet[1]]
    note = sheet.cell(row=2, column=header.index("处理说明") + 1)
    assert note.data_type == "s" and note.quotePrefix  # text, never run as a formula
    assert "13812345678" not in note.value and note.value.startswith("=HYPERLINK")


def test_the_pages_need_the_secret(
    tmp_path: Path, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.errors import ConfigError
    from monitor.web.app import create_app

    monkeypatch.delenv("MONITOR_WEB_SECRET", raising=False)
    with pytest.raises(ConfigError, match="MONITOR_WEB_SECRET"):
        create_app(Settings(), engine)


def test_pages_of_the_answers_to_review(engine: sa.Engine, office: tuple) -> None:
    _, client, _ = office
    rows = [
        {
            "warning_id": 1,
            "case_id": "B001",
            "obligation": "completion",
            "action": "正在办理",
            "note": f"第 {i} 次说明",
            "by": "张三",
            "recipients": "0" * 16,
            "level": "overdue",
            "at": NOW + dt.timedelta(minutes=i),
            "status": "submitted",
        }
        for i in range(130)
    ]
    with engine.begin() as conn:
        conn.execute(answers.insert(), rows)
    sign_in(client)
    first = text(client.get("/office/answers"))
    assert "待审核反馈（130 条）" in first and "第 1 / 2 页" in first
    assert first.count('name="answer_id"') == 100 and "第 0 次说明" in first
    second = text(client.get("/office/answers?page=2"))
    assert second.count('name="answer_id"') == 30 and "第 129 次说明" in second
    assert "第 0 次说明" not in second
    assert 'href="./answers?page=1">上一页' in second
    everything = text(client.get(f"/office/answers?department={SCJG}&all=1"))
    assert 'href="./answers?department=%E5%8E%BF' in everything
    assert "&amp;all=1&amp;page=2" in everything
