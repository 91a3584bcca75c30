"""The store under the alert job (issue 13): the same messages as without a store, nothing
lost or sent twice across runs; a calendar that changes under stored deadlines (a closure
added after the fact) moves exactly the deadlines it reaches and tells the department once
(截止日调整); a process killed while writing the store leaves the previous generation whole,
and the next run finishes the job.

Hand-checked: B004 (县人力资源和社会保障局) was accepted on Tuesday 11 March 2025 with 10
working days: the 12th, 13th, 14th, 17th … 25th, so its deadline is the 25th; with the 17th
closed it is the 26th. No other open obligation on 13 March runs through the 17th (B001's
deadline is the 13th, B003's the 14th, B002 is already past).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.alerts.run import run_alert
from monitor.config import Settings
from monitor.db.engine import upgrade
from monitor.store.layout import StoreFolder
from monitor.store.state import read_state
from monitor.store.update import update_store
from monitor.store.verify import verify_store
from tests.monitor.test_alerts import MARCH, OFFICE, THU, make_settings, url_of, write_cases

HOUR = dt.timedelta(hours=1)


def with_store(settings: Settings, tmp_path: Path, **calendar: object) -> Settings:
    return settings.model_copy(
        update={
            "base_dir": tmp_path,
            "source": settings.source.model_copy(update={"path": "cases.csv"}),
            "store": settings.store.model_copy(update={"enabled": True}),
            "calendar": settings.calendar.model_copy(update=calendar),
        }
    )


def mails(folder: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in sorted(folder.glob("*.eml"))
    ]


def test_the_alert_job_from_the_store_sends_what_it_sends_without(
    engine: sa.Engine, tmp_path: Path
) -> None:
    """Two ledgers, one alerting from the store, one from the file: the same counts and
    the same messages at each of four runs over a week, and no message twice."""
    upgrade(engine)
    write_cases(tmp_path, *MARCH)
    stored = with_store(make_settings(url_of(engine), mail_dir=tmp_path / "a"), tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    plain = make_settings(f"sqlite:///{other / 'monitor.db'}", mail_dir=tmp_path / "b")
    cases = str(tmp_path / "cases.csv")
    for at in (THU, THU + HOUR, THU + 24 * HOUR, THU + 5 * 24 * HOUR):
        a = run_alert(stored, at)
        b = run_alert(plain, at, input_path=cases)
        assert a.counts == b.counts
        assert sorted(m[1] for m in a.messages) == sorted(m[1] for m in b.messages)
    assert [m["Subject"] for m in mails(tmp_path / "a")] == [
        m["Subject"] for m in mails(tmp_path / "b")
    ]


def test_a_closure_added_afterwards_moves_the_deadlines_it_reaches_and_says_so(
    engine: sa.Engine, tmp_path: Path
) -> None:
    upgrade(engine)
    write_cases(tmp_path, *MARCH)
    base = make_settings(url_of(engine), mail_dir=tmp_path / "mail")
    before = with_store(base, tmp_path)
    run_alert(before, THU)
    sent = len(mails(tmp_path / "mail"))
    # A typhoon closes the county on Monday 17 March (decided on the 13th, afternoon).
    after = with_store(base, tmp_path, extra_holidays=[dt.date(2025, 3, 17)])
    result = run_alert(after, THU + 5 * HOUR)
    notices = [m for m in mails(tmp_path / "mail")[sent:] if "截止日调整" in m["Subject"]]
    (notice,) = notices
    assert notice["Subject"] == "【办件截止日调整】县人力资源和社会保障局:1 件截止日变更"
    assert notice["To"] == OFFICE
    text = notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "B004" in text and "办结  2025-03-25 → 2025-03-26" in text
    assert "2025 年工作日历调整" in text
    assert any("截止日调整" in m[1] for m in result.messages)
    # Once: the next run has nothing to say about it.
    run_alert(after, THU + 6 * HOUR)
    later = [m for m in mails(tmp_path / "mail")[sent:] if "截止日调整" in m["Subject"]]
    assert len(later) == 1
    assert verify_store(after, engine).ok


def test_a_move_found_by_a_scan_waits_for_the_alert_run(engine: sa.Engine, tmp_path: Path) -> None:
    """``monitor scan`` updates the store and finds the move; the next alert run tells it."""
    upgrade(engine)
    write_cases(tmp_path, *MARCH)
    base = make_settings(url_of(engine), mail_dir=tmp_path / "mail")
    run_alert(with_store(base, tmp_path), THU)
    after = with_store(base, tmp_path, extra_holidays=[dt.date(2025, 3, 17)])
    found = update_store(after, engine, THU + HOUR)  # what `monitor scan` does
    assert list(found.moved["case_id"]) == ["B004"]
    run_alert(after, THU + 2 * HOUR)
    (notice,) = [m for m in mails(tmp_path / "mail") if "截止日调整" in m["Subject"]]
    assert "2025-03-25 → 2025-03-26" in notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    run_alert(after, THU + 3 * HOUR)
    assert len([m for m in mails(tmp_path / "mail") if "截止日调整" in m["Subject"]]) == 1


KILLED = """
import datetime as dt, sys
from pathlib import Path
from monitor.config import Settings
from monitor.db.engine import engine_for
from monitor.store.update import update_store
settings = Settings(base_dir=Path(sys.argv[2]), database={"url": sys.argv[1]},
                    source={"path": "cases.csv"}, store={"enabled": True})
update_store(settings, engine_for(settings), dt.datetime(2026, 9, 30, 17, 0), rebuild=True)
print("done", flush=True)
"""


def _kill_when(proc: subprocess.Popen[str], ready: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 60
    while not ready():
        assert proc.poll() is None, "the run ended before the moment to kill it"
        assert time.monotonic() < deadline, "the moment to kill never came"
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)


@pytest.mark.parametrize("moment", ["starting", "writing", "switched"])
def test_killed_while_writing_the_store_leaves_a_whole_generation(
    tmp_path: Path, moment: str
) -> None:
    """A rebuild of a 60,000-case county is killed (-9) while starting, while writing its new
    generation (its folder exists, the link still names the old one), or just after the
    switch (before the old generation is removed): the generation in use is whole and has
    its row; the next run finishes the job and the store verifies."""
    from monitor.cases.calendar import build_calendar
    from monitor.db.engine import open_database
    from monitor.demo.synth import generate_cases

    now = dt.datetime(2026, 9, 30, 17, 0)
    frame = generate_cases(
        60_000,
        dt.date(2026, 5, 1),
        now.date(),
        seed=3,
        calendar=build_calendar(Settings(), 2026, 2026),
        as_of=now,
        stalled_share=0.004,
    )
    frame.to_csv(tmp_path / "cases.csv", index=False)
    url = f"sqlite:///{tmp_path / 'var' / 'monitor.db'}"
    settings = Settings(
        base_dir=tmp_path,
        database={"url": url},
        source={"path": "cases.csv"},
        store={"enabled": True},
    )
    folder = StoreFolder(tmp_path / "var" / "store")
    with open_database(settings) as db:
        first = update_store(settings, db, now)
        proc = subprocess.Popen(
            [sys.executable, "-c", KILLED, url, str(tmp_path)], stdout=subprocess.PIPE, text=True
        )
        new = folder.root / f"g{first.state.generation + 1:06d}"
        _kill_when(
            proc,
            {
                "starting": lambda: True,
                "writing": new.exists,
                "switched": lambda: os.readlink(folder.link) == new.name,
            }[moment],
        )
        current = folder.current()
        assert current is not None and read_state(db, current.number) is not None
        if moment != "switched":
            assert current.number == first.state.generation
            assert sorted(current.files()) == sorted(first.state.files)
        assert verify_store(settings, db).ok  # whole, whichever it is
        again = update_store(settings, db, now + HOUR)
        assert again.state.cases == first.state.cases
        assert verify_store(settings, db).ok
        leftovers = [p.name for p in folder.root.iterdir() if p.name.startswith("g")]
        assert leftovers == [f"g{again.state.generation:06d}"]
