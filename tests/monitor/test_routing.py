"""Routing (``monitor.alerts.routing.route``): which recipient list each warning goes to.

Alertmanager's vocabulary: routes tried in order, the first match wins unless it says
``continue = true``; department and item are exact names or glob patterns; what no route
claims goes to ``default_recipients``; escalated warnings also go to
``escalation_recipients`` in a separate message; one delivery per distinct recipient list.
"""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from monitor.alerts.routing import Delivery, route
from monitor.config import AlertsSettings, Settings

SCJG = "县市场监督管理局"
GAJ = "县公安局"
RSJ = "县人力资源和社会保障局"
HOSPITAL = "县人民医院"

A = "a@example.gov.cn"
B = "b@example.gov.cn"
C = "c@example.gov.cn"
OFFICE = "office@example.gov.cn"
BOSS = "boss@example.gov.cn"
BOSS2 = "boss2@example.gov.cn"


def warnings(*rows: tuple[str, str | None, str]) -> pd.DataFrame:
    """A frame of (department, item_code, level) rows, as the alert job routes it."""
    return pd.DataFrame(list(rows), columns=["department", "item_code", "level"])


def alerts(**kwargs: object) -> AlertsSettings:
    """``[alerts]`` validated the way the config file is (``continue`` is an alias)."""
    return Settings(alerts=kwargs).alerts


def test_first_match_wins() -> None:
    settings = alerts(
        routes=[
            {"department": SCJG, "recipients": [A]},
            {"department": "县*局", "recipients": [B]},
        ],
        default_recipients=[OFFICE],
    )
    got = route(warnings((SCJG, "330100-001", "warning")), settings)
    assert got == [Delivery((A,), (0,))]


def test_continue_adds_the_recipients_of_later_matches() -> None:
    settings = alerts(
        routes=[
            {"department": SCJG, "recipients": [A], "continue": True},
            {"department": "县*局", "recipients": [B]},
            {"department": SCJG, "recipients": [C]},  # after a match without continue
        ],
        default_recipients=[OFFICE],
    )
    got = route(warnings((SCJG, "330100-001", "warning")), settings)
    assert got == [Delivery((A, B), (0,))]


def test_continue_on_a_route_that_does_not_match_changes_nothing() -> None:
    settings = alerts(
        routes=[
            {"department": GAJ, "recipients": [A], "continue": True},
            {"department": SCJG, "recipients": [B]},
            {"department": SCJG, "recipients": [C]},
        ],
    )
    assert route(warnings((SCJG, None, "overdue")), settings) == [Delivery((B,), (0,))]


def test_glob_pattern_on_department() -> None:
    settings = alerts(
        routes=[{"department": "县*局", "recipients": [B]}], default_recipients=[OFFICE]
    )
    got = route(
        warnings(
            (GAJ, None, "warning"),  # 县 … 局
            (HOSPITAL, None, "warning"),  # 县 … 院: not matched
            ("市公安局", None, "warning"),  # 市 …: not matched (the pattern is anchored)
            (RSJ, None, "overdue"),
        ),
        settings,
    )
    assert got == [Delivery((B,), (0, 3)), Delivery((OFFICE,), (1, 2))]


def test_item_match_exact_and_pattern_and_with_department() -> None:
    settings = alerts(
        routes=[
            {"department": SCJG, "item": "330100-009", "recipients": [C]},
            {"item": "330100-001", "recipients": [A]},
            {"item": "3302*", "recipients": [B]},
        ],
        default_recipients=[OFFICE],
    )
    got = route(
        warnings(
            (SCJG, "330100-001", "warning"),  # item exact → A
            (GAJ, "330200-001", "warning"),  # item pattern → B
            (GAJ, "330100-009", "warning"),  # the first route needs the department too
            (SCJG, "330100-009", "warning"),  # department and item → C
            (RSJ, None, "overdue"),  # no item code: an item route cannot match
        ),
        settings,
    )
    assert got == [
        Delivery((A,), (0,)),
        Delivery((B,), (1,)),
        Delivery((C,), (3,)),
        Delivery((OFFICE,), (2, 4)),
    ]


def test_default_recipients_for_unclaimed_warnings_and_none_without_them() -> None:
    routes = [{"department": GAJ, "recipients": [A]}]
    frame = warnings((SCJG, None, "warning"), (GAJ, None, "warning"))
    assert route(frame, alerts(routes=routes, default_recipients=[OFFICE, C])) == [
        Delivery((A,), (1,)),
        Delivery((C, OFFICE), (0,)),
    ]
    # No default recipients: the unclaimed warning reaches nobody (counted as unrouted).
    assert route(frame, alerts(routes=routes)) == [Delivery((A,), (1,))]


def test_escalated_go_to_the_department_and_a_separate_supervisors_message() -> None:
    settings = alerts(
        routes=[{"department": SCJG, "recipients": [A]}, {"department": GAJ, "recipients": [B]}],
        escalation_recipients=[BOSS2, BOSS, BOSS],
    )
    got = route(
        warnings(
            (SCJG, "330100-001", "warning"),
            (SCJG, "330100-002", "escalated"),
            (GAJ, "330200-001", "escalated"),
            (GAJ, "330200-002", "overdue"),
        ),
        settings,
    )
    assert got == [
        Delivery((A,), (0, 1)),
        Delivery((B,), (2, 3)),
        Delivery((BOSS2, BOSS), (1, 2), escalation=True),  # sorted: "2" < "@"
    ]


def test_no_escalation_message_without_supervisors_or_escalated_cases() -> None:
    routes = [{"department": SCJG, "recipients": [A]}]
    frame = warnings((SCJG, None, "escalated"))
    assert route(frame, alerts(routes=routes)) == [Delivery((A,), (0,))]
    overdue = warnings((SCJG, None, "overdue"))
    assert route(overdue, alerts(routes=routes, escalation_recipients=[BOSS])) == [
        Delivery((A,), (0,))
    ]


def test_one_delivery_per_recipient_list() -> None:
    """Two departments routed to the same list: one delivery listing both, whatever the
    order of the recipients or the route that matched."""
    settings = alerts(
        routes=[
            {"department": SCJG, "recipients": [A, B]},
            {"department": GAJ, "recipients": [B, A, A]},
            {"department": RSJ, "recipients": [A]},
        ],
    )
    got = route(
        warnings(
            (SCJG, "330100-001", "warning"),
            (GAJ, "330200-001", "overdue"),
            (RSJ, "330300-001", "warning"),
            (SCJG, "330100-002", "overdue"),
        ),
        settings,
    )
    assert got == [Delivery((A,), (2,)), Delivery((A, B), (0, 1, 3))]


def test_categorical_columns_route_the_same() -> None:
    settings = alerts(routes=[{"department": "县*局", "recipients": [A]}], default_recipients=[B])
    frame = warnings((SCJG, "330100-001", "warning"), (HOSPITAL, None, "escalated"))
    cat = frame.astype("category")
    assert (
        route(cat, settings)
        == route(frame, settings)
        == [
            Delivery((A,), (0,)),
            Delivery((B,), (1,)),
        ]
    )


def test_empty_frame_routes_nothing() -> None:
    settings = alerts(default_recipients=[OFFICE], escalation_recipients=[BOSS])
    assert route(warnings(), settings) == []


@pytest.mark.parametrize(
    ("route_", "problem"),
    [
        ({"recipients": [A]}, "a route needs department, item or region to match"),
        ({"department": SCJG, "recipients": ["not-an-address"]}, "expected an email address"),
        ({"department": SCJG, "recipients": [A], "contine": True}, "Extra inputs"),
    ],
)
def test_routes_are_checked_at_load(route_: dict[str, object], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        alerts(routes=[route_])


def with_receivers(**kwargs: object) -> AlertsSettings:
    """``[alerts]`` with the receivers ding-scjg, ding-gaj and wecom-office defined."""
    robots = {
        "ding-scjg": {"kind": "dingtalk", "url_env": "DING_SCJG_URL"},
        "ding-gaj": {"kind": "dingtalk", "url_env": "DING_GAJ_URL"},
        "wecom-office": {"kind": "wecom", "url_env": "WECOM_OFFICE_URL"},
    }
    return Settings(alerts=kwargs, receivers=robots).alerts


def test_each_receiver_gets_one_message_of_everything_routed_to_it() -> None:
    settings = with_receivers(
        routes=[
            {"department": SCJG, "recipients": [A], "receivers": ["ding-scjg"]},
            {"department": GAJ, "receivers": ["ding-gaj"]},  # a robot only, no mail
        ],
        default_recipients=[OFFICE],
        default_receivers=["wecom-office"],
        escalation_recipients=[BOSS],
        escalation_receivers=["wecom-office"],
    )
    got = route(
        warnings(
            (SCJG, "330100-001", "warning"),  # A by mail, ding-scjg
            (GAJ, "330200-001", "overdue"),  # ding-gaj only
            (RSJ, None, "warning"),  # unclaimed: OFFICE by mail, wecom-office
            (SCJG, "330100-002", "escalated"),  # A, ding-scjg; BOSS; wecom-office (escalated)
        ),
        settings,
    )
    assert got == [
        Delivery((A,), (0, 3)),
        Delivery((OFFICE,), (2,)),
        Delivery(("robot:ding-gaj",), (1,)),
        Delivery(("robot:ding-scjg",), (0, 3)),
        Delivery(("robot:wecom-office",), (2, 3)),  # one message: unclaimed + escalated
        Delivery((BOSS,), (3,), escalation=True),
    ]


def test_a_receiver_named_only_for_escalations_gets_the_supervisors_message() -> None:
    settings = with_receivers(
        routes=[{"department": SCJG, "receivers": ["ding-scjg"]}],
        default_recipients=[OFFICE],
        escalation_receivers=["ding-gaj", "ding-scjg"],  # ding-gaj: the supervisors' group
    )
    got = route(warnings((SCJG, None, "escalated"), (GAJ, None, "overdue")), settings)
    assert got == [
        Delivery((OFFICE,), (1,)),
        Delivery(("robot:ding-scjg",), (0,)),  # a department's group: its usual message
        Delivery(("robot:ding-gaj",), (0,), escalation=True),
    ]


def test_a_route_needs_recipients_or_receivers_that_exist() -> None:
    with pytest.raises(ValidationError, match="a route needs recipients or receivers"):
        with_receivers(routes=[{"department": SCJG}])
    with pytest.raises(ValidationError, match="names ding-rsj, which is not a"):
        with_receivers(routes=[{"department": SCJG, "receivers": ["ding-rsj"]}])


def test_routes_by_region() -> None:
    """A city office (3301) gets its counties' warnings beside the department's route; a
    county route (330102) only its own; a case without a region matches no region route."""
    settings = alerts(
        routes=[
            {"region": "330100", "recipients": [BOSS], "continue": True},
            {"region": "330102", "department": SCJG, "recipients": [A]},
            {"department": SCJG, "recipients": [B]},
        ],
        default_recipients=[OFFICE],
    )
    frame = pd.DataFrame(
        [
            (SCJG, None, "warning", "330102"),  # Hangzhou's 上城区: the city and the county
            (SCJG, None, "warning", "330105"),  # another county of Hangzhou: city, department
            (SCJG, None, "warning", "330205"),  # 宁波: the department route only
            (SCJG, None, "warning", None),  # no region: the department route only
            (GAJ, None, "overdue", "330106"),  # Hangzhou, no department route: the city
        ],
        columns=["department", "item_code", "level", "region_code"],
    )
    assert route(frame, settings) == [  # by recipient list
        Delivery((A, BOSS), (0,)),
        Delivery((B,), (2, 3)),
        Delivery((B, BOSS), (1,)),
        Delivery((BOSS,), (4,)),
    ]
    assert settings.routes[0].region == "3301"  # "330100" is the city 3301


def test_a_bad_region_in_a_route_is_a_config_error() -> None:
    with pytest.raises(ValidationError, match=r"alerts\.routes\.0\.region"):
        alerts(routes=[{"region": "33010", "recipients": [A]}])
