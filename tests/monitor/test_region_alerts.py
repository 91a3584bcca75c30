"""Alerts routed by region (``[[alerts.routes]] region``): the warnings of a city's counties
go to the city office, each warning in the ledger carries its case's 行政区划代码.

The cases of :mod:`tests.monitor.test_reports` with the regions of
:mod:`tests.monitor.test_engine`, at Wed 2025-05-21 09:00 (hand-checked from the case notes
of test_reports): K3 (330105, 杭州) never accepted, acceptance deadline 05-14, escalated
since 05-19; K6 (330205, 宁波) completion deadline 05-19, overdue since 05-20 (escalated
only from 05-22); K9 (330206, 宁波) completion deadline 05-22, warned from 05-21. Nothing
else is open at an alert level then (K2's completion warns from 05-27; K8 is not yet
submitted; the rest are closed).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

import sqlalchemy as sa

from monitor.alerts.run import run_alert
from monitor.config import SourceSettings
from monitor.db.engine import upgrade
from monitor.db.tables import warnings
from tests.monitor.test_alerts import BOSS, OFFICE, make_settings, url_of
from tests.monitor.test_engine import REGION, write_lake
from tests.monitor.test_reports import HEADER, ROWS

HANGZHOU = "hangzhou@example.gov.cn"
NINGBO = "ningbo@example.gov.cn"
AT = dt.datetime(2025, 5, 21, 9, 0)


def test_warnings_go_to_the_city_of_their_county(engine: sa.Engine, tmp_path: Path) -> None:
    upgrade(engine)
    cases = tmp_path / "cases.csv"
    rows = [f"{HEADER},行政区划代码", *(f"{ROWS[k]},{REGION[k]}" for k in ROWS)]
    cases.write_text("\n".join(rows) + "\n", encoding="utf-8")
    mail_dir = tmp_path / "mail"
    settings = make_settings(
        url_of(engine),
        mail_dir=mail_dir,
        routes=[
            {"region": "3301", "recipients": [HANGZHOU]},
            {"region": "330200", "recipients": [NINGBO]},
        ],
    )
    run = run_alert(settings, AT, input_path=cases)
    assert (run.counts["new"], run.counts["unrouted"]) == (3, 0)

    with engine.connect() as conn:
        got = conn.execute(
            sa.select(warnings.c.case_id, warnings.c.level, warnings.c.region_code).order_by(
                warnings.c.case_id
            )
        ).all()
    assert [tuple(r) for r in got] == [
        ("K3", "escalated", "330105"),
        ("K6", "overdue", "330205"),
        ("K9", "warning", "330206"),
    ]
    received: dict[str, str] = {}
    for path in mail_dir.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        received[str(message["To"])] = " ".join(k for k in ("K3", "K6", "K9") if k in body)
    assert received == {HANGZHOU: "K3", NINGBO: "K6 K9", BOSS: "K3"}
    assert OFFICE not in received  # every warning was claimed by a region's route


def test_alert_runs_from_a_dataset_resolve_by_how_cases_closed(
    engine: sa.Engine, tmp_path: Path
) -> None:
    """From ``[source] dataset`` the alert job lists the open cases and those of open
    warnings: K6, completed late on 06-04, is resolved ``closed_late`` on 06-10, not as
    disappeared; K3, still not accepted, stays open."""
    upgrade(engine)
    write_lake(tmp_path / "lake")
    settings = make_settings(url_of(engine), mail_dir=tmp_path / "mail")
    settings = settings.model_copy(
        update={"source": SourceSettings(dataset=str(tmp_path / "lake"))}
    )
    assert run_alert(settings, AT).counts["new"] == 3
    run_alert(settings, dt.datetime(2025, 6, 10, 9, 0))
    with engine.connect() as conn:
        got = conn.execute(
            sa.select(warnings.c.case_id, warnings.c.resolution).order_by(warnings.c.case_id)
        ).all()
    assert dict(got)["K6"] == "closed_late"
    assert dict(got)["K3"] is None
