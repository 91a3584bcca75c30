"""A folder as the source (issue 13): every case file in it, the last file's record of a case
winning; with the store, each run reads only the files that are new or changed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.cases.load import load_cases
from monitor.config import Settings
from monitor.db.engine import upgrade
from monitor.errors import InputError
from monitor.store.update import update_store
from monitor.store.verify import verify_store
from tests.monitor.test_alerts import HEADER, ROWS, THU, url_of

HOUR = dt.timedelta(hours=1)


def drop(folder: Path, name: str, *ids: str, rows: dict[str, str] = ROWS) -> None:
    folder.mkdir(exist_ok=True)
    text = "\n".join([HEADER, *(rows[i] for i in ids)]) + "\n"
    (folder / name).write_text(text, encoding="utf-8")


def test_a_folder_is_read_file_by_file_and_the_last_record_wins(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    drop(folder, "2025-03-12.csv", "B001", "B002", "B003")
    renamed = {**ROWS, "B002": ROWS["B002"].replace("药品经营许可", "药品经营许可（变更）")}
    drop(folder, "2025-03-13.csv", "B002", "B004", rows=renamed)
    (folder / "~$2025-03-13.xlsx").write_bytes(b"lock file of an open workbook")
    (folder / "notes.txt").write_text("not cases", encoding="utf-8")
    loaded = load_cases(Settings(), folder)
    assert sorted(loaded.cases["case_id"]) == ["B001", "B002", "B003", "B004"]
    b002 = loaded.cases.set_index("case_id").loc["B002", "item_name"]
    assert b002 == "药品经营许可（变更）"
    assert loaded.rows_read == 5 and loaded.duplicates == 1
    (reason,) = loaded.quality["reason"]
    assert reason == "duplicate case_id; a later record wins (in 2025-03-12.csv)"
    assert loaded.source == f"folder {folder} (2 files)"


def test_an_empty_folder_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    with pytest.raises(InputError, match=r"exports: a folder with no case file in it \(\.csv"):
        load_cases(Settings(), tmp_path / "exports")


def test_the_store_reads_only_new_and_changed_files(engine: sa.Engine, tmp_path: Path) -> None:
    upgrade(engine)
    folder = tmp_path / "exports"
    drop(folder, "2025-03-12.csv", "B001", "B002", "B003")
    drop(folder, "2025-03-13.csv", "B004", "B005")
    settings = Settings(
        base_dir=tmp_path,
        database={"url": url_of(engine)},
        source={"path": "exports"},
        store={"enabled": True},
    )
    first = update_store(settings, engine, THU)
    assert (first.state.rows_read, first.state.cases) == (5, 5)
    second = update_store(settings, engine, THU + HOUR)
    assert (second.state.rows_read, second.state.changed) == (0, 0)
    # The next day's export: B003 completed, B006 new.
    done = (
        ROWS["B003"]
        .replace("2025-03-07 10:00:00,,", "2025-03-07 10:00:00,2025-03-13 10:30:00,")
        .replace("办理中", "已办结")
    )
    drop(
        folder,
        "2025-03-14.csv",
        "B003",
        "B006",
        rows={**ROWS, "B003": done, "B006": ROWS["B004"].replace("B004", "B006")},
    )
    third = update_store(settings, engine, THU + 2 * HOUR)
    assert (third.state.rows_read, third.state.changed, third.state.cases) == (2, 2, 6)
    assert verify_store(settings, engine).ok
