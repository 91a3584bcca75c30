"""Routing: which recipients each warning goes to (Alertmanager's routes, one syntax).

``[[alerts.routes]]`` are tried in order; a route matches a warning when its ``department``
and ``item`` (each an exact name or a glob pattern such as ``县*局``; a missing one matches
anything) both match, and its ``region`` (a 行政区划代码: "33" a province, "3301" a city,
"330102" a county) contains the case's region, when it names one: a city office's
supervisors get its counties' escalations with ``region = "3301"`` and ``continue = true``.
The first match wins unless it says ``continue = true``, in which case later routes are
tried too and every match adds its recipients. A warning no route
claims goes to ``default_recipients``. Escalated warnings (督办) also go to
``escalation_recipients``, in a separate supervisors' message.

Receivers (钉钉 / 企业微信 robots, webhooks: ``receivers`` of a route, ``default_receivers``,
``escalation_receivers``) are routed the same way, but each receiver is a recipient list of
its own: it gets one message with every warning routed to it, escalations included (the
robot's group is the department's, so one message, with the receiver's @-mentions when it
carries an escalated case). Its recipient list is ``("robot:NAME",)``. A receiver named only
in ``escalation_receivers`` (a supervisors' group) gets the supervisors' message (【办件督办】).
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

import numpy as np
import pandas as pd

from monitor.config import AlertsSettings, Route
from monitor.notify.robots.message import ROBOT

__all__ = ["Delivery", "escalation_only", "route"]


@dataclass(frozen=True)
class Delivery:
    """One recipient list and the warnings (row positions of the routed frame) it receives."""

    recipients: tuple[str, ...]
    rows: tuple[int, ...]
    escalation: bool = False


def route(warnings: pd.DataFrame, alerts: AlertsSettings) -> list[Delivery]:
    """Group ``warnings`` (with ``department``, ``item_code``, ``level``) by recipient list.

    One delivery per distinct recipient list: a list that several departments share gets
    one message listing all their warnings, never one message per case.
    """
    targets: dict[tuple[str, ...], list[int]] = {}
    robots: dict[str, set[int]] = {}
    dept = warnings["department"].astype(object).to_numpy()
    item = warnings["item_code"].astype(object).fillna("").to_numpy()
    region = warnings.get("region_code", pd.Series(None, index=warnings.index, dtype=object))
    keys = {"d": dept, "i": item, "r": region.astype(object).fillna("").to_numpy()}
    # Routing depends only on (department, item, region): decide once per distinct triple.
    triples = pd.DataFrame(keys).groupby(["d", "i", "r"], sort=False).indices
    for (d, i, r), positions in triples.items():
        recipients, receivers = _targets(d, i, r, alerts)
        targets.setdefault(recipients, []).extend(int(p) for p in positions)
        for name in receivers:
            robots.setdefault(name, set()).update(int(p) for p in positions)
    out = [Delivery(r, tuple(sorted(rows))) for r, rows in targets.items() if r]
    escalated = np.flatnonzero((warnings["level"].astype(object) == "escalated").to_numpy())
    supervisors = tuple(sorted(set(alerts.escalation_recipients)))
    if supervisors and len(escalated):
        out.append(Delivery(supervisors, tuple(int(p) for p in escalated), escalation=True))
    if len(escalated):
        for name in alerts.escalation_receivers:
            robots.setdefault(name, set()).update(int(p) for p in escalated)
    only = escalation_only(alerts)
    out += [
        Delivery((ROBOT + name,), tuple(sorted(rows)), escalation=name in only)
        for name, rows in robots.items()
    ]
    return sorted(out, key=lambda x: (x.escalation, x.recipients))


def escalation_only(alerts: AlertsSettings) -> set[str]:
    """The receivers that get escalations only (named in ``escalation_receivers`` and by no
    route): their messages are the supervisors' kind (【办件督办】)."""
    routed = {name for r in alerts.routes for name in r.receivers}
    return set(alerts.escalation_receivers) - routed - set(alerts.default_receivers)


def _targets(
    department: str, item: str, region: str, alerts: AlertsSettings
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(addresses, receiver names) of the warnings of ``department``, ``item`` and
    ``region`` (a 行政区划代码, or "" when the case has none)."""
    found: list[str] = []
    receivers: list[str] = []
    matched = False
    for r in alerts.routes:
        if _matches(r, department, item, region):
            matched = True
            found.extend(r.recipients)
            receivers.extend(r.receivers)
            if not r.continue_:
                break
    if not matched:
        found, receivers = list(alerts.default_recipients), list(alerts.default_receivers)
    return tuple(sorted(set(found))), tuple(sorted(set(receivers)))


def _matches(r: Route, department: str, item: str, region: str) -> bool:
    return (
        (r.department is None or fnmatchcase(department, r.department))
        and (r.item is None or fnmatchcase(item, r.item))
        and (r.region is None or (region != "" and region.startswith(r.region)))
    )
