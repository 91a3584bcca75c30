"""A case store at an fsspec URL (``memory://``, fsspec's in-process filesystem): runs write
generations there and switch the ``CURRENT`` pointer, outputs equal those without a store, the
store verifies, and a run killed before its switch leaves the previous generation in use.

The cases are the March 2025 set of ``test_alerts``; 13 March 2025 is a Thursday.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import fsspec
import pytest
import sqlalchemy as sa

from monitor.config import Settings
from monitor.errors import ConfigError
from monitor.reports.run import run_report
from monitor.store.layout import StoreFolder
from monitor.store.update import update_store
from monitor.store.verify import verify_store
from tests.monitor.test_alerts import MARCH, ROWS, THU, url_of
from tests.monitor.test_store import HOUR, db, write  # noqa: F401


def remote_settings(engine: sa.Engine, tmp_path: Path, url: str) -> Settings:
    return Settings(
        base_dir=tmp_path,
        database={"url": url_of(engine)},
        source={"path": "cases.csv"},
        store={"enabled": True, "dir": url},
    )


def test_a_store_at_a_url_is_written_switched_and_verified(
    db: sa.Engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    url = f"memory://banjian-{uuid.uuid4().hex}/store"
    write(tmp_path, [ROWS[i] for i in MARCH])
    settings = remote_settings(db, tmp_path, url)
    first = update_store(settings, db, THU)
    assert (first.state.cases, first.state.open_cases) == (5, 4)
    fs = fsspec.filesystem("memory")
    root = url.removeprefix("memory://")
    assert fs.cat_file(f"{root}/CURRENT") == b"g000001"
    assert fs.isfile(f"{root}/g000001/cases/month=2025-03/closed.parquet")  # B005
    assert fs.isfile(f"{root}/g000001/figures/month=2025-03/counts.parquet")
    # B003 completed: a second generation, copied from the first, then the first removed.
    done = ROWS["B003"].replace("2025-03-07 10:00:00,,", "2025-03-07 10:00:00,2025-03-13 10:30:00,")
    rows = [ROWS[i] for i in ("B001", "B002", "B004", "B005")] + [done.replace("办理中", "已办结")]
    write(tmp_path, rows)
    second = update_store(settings, db, THU + 2 * HOUR)
    assert (second.state.changed, second.state.open_cases) == (1, 3)
    assert fs.cat_file(f"{root}/CURRENT") == b"g000002"
    assert not fs.exists(f"{root}/g000001")
    assert verify_store(settings, db).ok
    # The month's report from the store equals the one from the file.
    found = {}
    for name, source in (("stored", None), ("fresh", str(tmp_path / "cases.csv"))):
        out = tmp_path / name
        run_report(settings, "2025-03", THU + 3 * HOUR, input_path=source, out_dir=out, engine=db)
        found[name] = json.loads((out / "2025-03.json").read_text(encoding="utf-8"))
        found[name].pop("generated_at", None)
    assert found["stored"] == found["fresh"]


def test_an_unfinished_generation_at_a_url_is_not_used(
    db: sa.Engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A run that stopped after writing files but before moving the pointer: the pointer
    still names the previous generation, and the next run replaces the leftover folder."""
    url = f"memory://banjian-{uuid.uuid4().hex}/store"
    write(tmp_path, [ROWS[i] for i in MARCH])
    settings = remote_settings(db, tmp_path, url)
    update_store(settings, db, THU)
    folder = StoreFolder(url)
    leftover = folder.begin(2)  # as a killed run would have left it
    leftover.write_file(leftover.table_file("quality"), None)
    assert folder.current().number == 1  # type: ignore[union-attr]
    run = update_store(settings, db, THU + HOUR)
    assert run.state.generation == 2 and folder.current().number == 2  # type: ignore[union-attr]
    assert verify_store(settings, db).ok


def test_an_unknown_url_scheme_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[store\] dir: nosuch://x/store: "):
        StoreFolder("nosuch://x/store")
