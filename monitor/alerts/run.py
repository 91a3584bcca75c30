"""The alert job (``monitor alert``): evaluate → ledger → choose → route → queue → send.

One run is one transaction for the ledger and the outbox (so a crash leaves either all of it
or none of it), then a delivery pass in which each message is marked sent on its own. What
is included (Alertmanager's vocabulary): a warning that is new, whose level rose, or that
has waited ``repeat_every`` working days since it was last sent at its level; never twice in
one run; one level per case (its current one). Silenced departments or items and
acknowledged warnings (until their level rises) are suppressed. The messages are made by
:mod:`monitor.alerts.digest` (one fresh digest per recipient list, replacing a held one).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from monitor import clock
from monitor.alerts.acks import acks_in_force, active_silences
from monitor.alerts.choose import choose
from monitor.alerts.digest import queue_digests, queue_moved, queue_resolved
from monitor.alerts.ledger import mark_notified, update_ledger
from monitor.alerts.links import serializer
from monitor.cases.evaluate import Evaluated, evaluate_loaded
from monitor.cases.load import load_cases
from monitor.config import Settings
from monitor.db.engine import open_database
from monitor.db.runs import finish_run, mark_interrupted, start_run
from monitor.db.tables import warnings
from monitor.engine.run import dataset_evaluation
from monitor.errors import LedgerConflict
from monitor.notify.mail.transport import check_transport, transport_for
from monitor.notify.outbox import Delivered, deliver
from monitor.notify.receiver import Receiver
from monitor.store.moves import mark_told, pending_moves, why_text
from monitor.store.update import StoreRun
from monitor.store.use import store_evaluation

__all__ = ["COUNTS", "AlertRun", "run_alert"]

log = logging.getLogger(__package__)
#: Transactions a run tries before it gives up on a ledger another process keeps changing.
_ATTEMPTS = 3

COUNTS = (
    "new",
    "raised",
    "repeated",
    "suppressed",
    "replaced",
    "unrouted",
    "resolved",
    "queued",
    "sent",
    "failed",
    "dead",
    "held",
)


@dataclass
class AlertRun:
    """Counts of one run and the messages it queued (or would queue, in a dry run)."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    messages: list[tuple[tuple[str, ...], str, int]] = field(default_factory=list)
    dry_run: bool = False
    #: The delivery pass (None in a dry run): ``nothing_sent`` when the receiver was down.
    delivered: Delivered | None = None
    #: With a store: the rows read from the source, how many were new or changed, how many
    #: cases were evaluated.
    store: dict[str, int] | None = None

    def line(self) -> str:
        """The counts as one line."""
        return ", ".join(f"{k} {self.counts[k]:,}" for k in COUNTS)


def run_alert(
    settings: Settings,
    now: dt.datetime,
    *,
    input_path: str | None = None,
    sheet: str | None = None,
    dry_run: bool = False,
    transport: Receiver | None = None,
    engine: Engine | None = None,
    run_id: int | None = None,
) -> AlertRun:
    """One alert run at ``now`` (naive Asia/Shanghai); ``dry_run`` changes nothing.

    ``engine``: the monitor's database (else opened here). A transport the configuration
    cannot make (an unset SMTP password variable) is a ConfigError before anything is
    recorded. ``run_id``: the calling job's run (the daemon's ``scan``), which records the
    ledger's events and is finished by the job; without one the run records itself as an
    ``alert`` run, first marking one a killed process left ``running`` as interrupted: hold
    the scan job's lock (:func:`monitor.daemon.lock.job_lock`), as ``monitor alert`` does.
    """
    _check_before(settings, transport, dry_run)
    if engine is None:
        with open_database(settings) as opened:
            return run_alert(
                settings,
                now,
                input_path=input_path,
                sheet=sheet,
                dry_run=dry_run,
                transport=transport,
                engine=opened,
                run_id=run_id,
            )
    result = AlertRun(dry_run=dry_run)
    evaluated, stored = _evaluation(settings, engine, now, input_path, sheet, dry_run)
    if stored is not None:
        st = stored.state
        result.store = {"rows_read": st.rows_read, "changed": st.changed, "evaluated": st.evaluated}
    own = run_id is None and not dry_run
    if own:
        with engine.begin() as conn:
            mark_interrupted(conn, "alert")
            run_id = start_run(conn, "alert", now, clock.now())
    try:
        _fold_once(engine, evaluated, settings, run_id, result)
        if not dry_run:
            receiver = transport or transport_for(settings)
            result.delivered = deliver(engine, receiver, settings, now, evaluated.calendar)
            _count(result, result.delivered)
    except BaseException:
        if own:
            with engine.begin() as c:
                finish_run(c, run_id, "failed", result.counts, "see log", clock.now())
        raise
    if own:
        with engine.begin() as c:
            finish_run(c, run_id, "ok", result.counts, None, clock.now())
    return result


def _evaluation(
    settings: Settings,
    engine: Engine,
    now: dt.datetime,
    input_path: str | None,
    sheet: str | None,
    dry_run: bool,
) -> tuple[Evaluated, StoreRun | None]:
    """The run's evaluation (its calendar also spans last year: repeat intervals count from
    the last notice): from the store when one is kept (with the store's run), else from the
    source."""
    years = (now.year - 1, now.year)
    if settings.source.dataset and input_path is None:
        with engine.connect() as conn:
            watched = conn.execute(
                sa.select(warnings.c.case_id).where(warnings.c.resolved_at.is_(None))
            ).scalars()
            keep = frozenset(str(c) for c in watched)
        return dataset_evaluation(settings, now, years, keep), None
    if settings.store.enabled and input_path is None and not dry_run:
        return store_evaluation(settings, engine, now, whole=False, years=years)
    loaded = load_cases(settings, input_path, sheet=sheet)
    return evaluate_loaded(settings, loaded, now, years=years), None


def _with_regions(evaluated: Evaluated) -> pd.DataFrame:
    """The evaluation's obligations, each with its case's ``region_code`` (routes by region)."""
    table = evaluated.evaluation.table
    cases = evaluated.loaded.cases
    if "region_code" in table or "region_code" not in cases or table.empty:
        return table
    codes = cases["region_code"].astype(object).to_numpy()[evaluated.evaluation.case_rows]
    return table.assign(region_code=codes)


def _check_before(settings: Settings, transport: Receiver | None, dry_run: bool) -> None:
    """What would fail mid-run, checked before anything is recorded: the transport's
    settings (an SMTP password variable) and, with links on, the links' secret."""
    if transport is None and not dry_run:
        check_transport(settings)
    if settings.web.base_url:
        serializer(settings)


def _fold_once(
    engine: Engine,
    evaluated: Evaluated,
    settings: Settings,
    run_id: int | None,
    result: AlertRun,
) -> None:
    """:func:`_fold` in one transaction (rolled back in a dry run). Should another writer
    meet this one in the ledger (a unique constraint, a locked SQLite file), the
    transaction is rolled back and done again on what the other committed; every time
    is a :class:`LedgerConflict`."""
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            with engine.connect() as conn:
                trans = conn.begin()
                _fold(conn, evaluated, settings, run_id, result)
                (trans.rollback if result.dry_run else trans.commit)()
            return
        except (sa.exc.IntegrityError, sa.exc.OperationalError) as exc:
            if isinstance(exc, sa.exc.OperationalError) and "locked" not in str(exc):
                raise
            log.warning("the ledger changed under this run (attempt %d): %s", attempt, exc.orig)
            result.counts = dict.fromkeys(COUNTS, 0)
            result.messages.clear()
    raise LedgerConflict(
        "another process kept writing the warning ledger during this run; nothing of this "
        "run was kept: run it again (and let one process at a time alert: monitor run scan)"
    )


def _fold(
    conn: Connection,
    evaluated: Evaluated,
    settings: Settings,
    run_id: int | None,
    result: AlertRun,
) -> None:
    """The run's one transaction: the evaluation into the ledger, the chosen warnings routed,
    rendered and queued (and resolved notices), the sent levels marked."""
    now = evaluated.now
    ledger = update_ledger(conn, _with_regions(evaluated), now, run_id)
    result.counts["resolved"] = len(ledger.resolved)
    chosen, result.counts["suppressed"] = choose(
        ledger.open,
        acks_in_force(conn),
        active_silences(conn, now),
        now,
        evaluated.calendar,
        settings.alerts.repeat_every,
    )
    for reason in ("new", "raised", "repeated"):
        result.counts[reason] = int((chosen["reason"] == reason).sum())
    done = queue_digests(conn, chosen, ledger.open, settings, now, run_id)
    if settings.alerts.resolved_notices:
        queue_resolved(conn, ledger.resolved, settings, now, run_id, done)
    moved = pending_moves(conn)  # deadlines a calendar change moved (截止日调整), told once
    for reason, part in moved.groupby("reason", sort=False):
        why = why_text(str(reason), settings.alerts.language)
        queue_moved(conn, part, why, settings, now, run_id, done)
    mark_told(conn, moved["id"].tolist(), now)
    mark_notified(conn, done.carried["id"].tolist(), done.carried["level"].tolist(), now)
    result.messages += done.messages
    result.counts.update(queued=len(done.messages), unrouted=done.unrouted, replaced=done.replaced)


def _count(result: AlertRun, done: Delivered) -> None:
    for name in ("sent", "failed", "dead", "held"):
        result.counts[name] = getattr(done, name)
