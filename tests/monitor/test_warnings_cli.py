"""``monitor warnings``, ``ack`` and ``silence`` as an office uses them (issue 10, items 8-10,
25): references instead of case ids, acknowledgements that lapse, one case's whole history,
silences in every format and at ``--at``, masked output and formula-free CSV.

B001 (县市场监督管理局; its item name carries an identity and a mobile number) is accepted
Thu 2025-03-06; 5 working days: 03-07, 10, 11, 12, 13 → D = 03-13. At Fri 03-14 it is overdue
(L = 1), at Tue 03-18 escalated (L = 14, 17, 18 = 3).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import SmtpTestServer
from tests.monitor.test_alerts import (
    BOSS,
    HEADER,
    ID_NUMBER,
    MOBILE,
    ROWS,
    SCJG,
    SCJG_TO,
    monitor,
    url_of,
    write_cases,
    write_config,
)

MASKED_ID, MASKED_MOBILE = "330225********1234", "138****5678"


@pytest.fixture
def office(engine: sa.Engine, smtp_server: SmtpTestServer, tmp_path: Path) -> tuple[str, str]:
    """(config, cases): B001 alone, alerted Fri 03-14 (overdue) and acknowledged at 10:00."""
    return write_config(tmp_path, url_of(engine), smtp_server.port), write_cases(tmp_path, "B001")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = monitor(capsys, *args)
    assert code == 0, err
    return out


def alert(capsys: pytest.CaptureFixture[str], office: tuple[str, str], at: str) -> str:
    config, cases = office
    return run(capsys, "alert", "--config", config, "--input", cases, "--at", at)


def test_an_acknowledgement_lapses_when_the_level_rises(
    office: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config = office[0]
    alert(capsys, office, "2025-03-14T09:00")
    out = run(capsys, "ack", "B001", "--config", config, "--by", SCJG, "--note", "已催办",
              "--at", "2025-03-14T10:00")  # fmt: skip
    assert out == "acknowledged B001 (all obligations) as #1\n"
    table = run(capsys, "warnings", "--config", config, "--at", "2025-03-14T11:00")
    assert "1 acknowledgement in force" in table.splitlines()
    alert(capsys, office, "2025-03-18T09:00")  # escalated: the ack no longer holds
    table = run(capsys, "warnings", "--config", config, "--at", "2025-03-18T10:00")
    assert "0 acknowledgements in force" in table.splitlines()
    data = json.loads(
        run(capsys, "warnings", "--config", config, "--format", "json", "--at", "2025-03-18T10:00")
    )
    (record,) = data["warnings"]
    assert (record["ref"], record["level"], record["ack"]) == ("W1", "escalated", None)


def test_a_reference_is_accepted_wherever_a_case_id_is(
    office: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config = office[0]
    alert(capsys, office, "2025-03-14T09:00")
    out = run(capsys, "ack", "W1", "--config", config, "--by", SCJG, "--note", "已办结",
              "--at", "2025-03-14T10:00")  # fmt: skip
    assert out == "acknowledged W1 (B001) (completion) as #1\n"
    at = ("--format", "json", "--at", "2025-03-14T11:00")
    by_ref = run(capsys, "warnings", "--config", config, "--case", "W1", *at)
    by_id = run(capsys, "warnings", "--config", config, "--case", "B001", *at)
    assert json.loads(by_ref) == json.loads(by_id)


def test_one_cases_whole_history(
    office: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config = office[0]
    alert(capsys, office, "2025-03-14T09:00")
    run(capsys, "ack", "B001", "--config", config, "--by", SCJG, "--note", "已催办",
        "--at", "2025-03-14T10:00")  # fmt: skip
    alert(capsys, office, "2025-03-18T09:00")
    data = json.loads(
        run(
            capsys,
            "warnings",
            "--config",
            config,
            "--case",
            "B001",
            "--format",
            "json",
            "--at",
            "2025-03-18T10:00",
        )
    )
    assert [(w["ref"], w["obligation"], w["level"]) for w in data["warnings"]] == [
        ("W1", "completion", "escalated")
    ]
    assert [(e["from_level"], e["to_level"], e["at"]) for e in data["levels"]] == [
        (None, "overdue", "2025-03-14T09:00:00"),
        ("overdue", "escalated", "2025-03-18T09:00:00"),
    ]
    sends = [(m["kind"], m["level"], m["recipients"], m["status"]) for m in data["messages"]]
    assert sends == [
        ("alert", "overdue", SCJG_TO, "sent"),
        ("alert", "escalated", SCJG_TO, "sent"),
        ("alert", "escalated", BOSS, "sent"),
    ]
    assert [(a["level"], a["in_force"]) for a in data["acks"]] == [("overdue", False)]
    text = run(capsys, "warnings", "--config", config, "--case", "W1", "--at", "2025-03-18T10:00")
    assert "  2025-03-18 09:00  W1  overdue → escalated" in text.splitlines()
    assert "(lapsed)" in text


def test_silences_in_every_format_at_the_moment_asked(
    office: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config = office[0]
    alert(capsys, office, "2025-03-14T09:00")
    mute = ("--department", SCJG, "--until", "2025-03-20", "--reason", "系统迁移", "--by", "值班员")
    out = run(capsys, "silence", "--config", config, *mute, "--at", "2025-03-14T12:00")
    assert out == f"silenced {SCJG} until 2025-03-20 23:59 as #1\n"
    data = json.loads(
        run(capsys, "warnings", "--config", config, "--format", "json", "--at", "2025-03-20T18:00")
    )
    (silence,) = data["silences"]
    assert (silence["id"], silence["by"], silence["until"][:16]) == (
        1,
        "值班员",
        "2025-03-20T23:59",
    )
    assert data["warnings"][0]["silence"] == 1
    rows = list(csv.DictReader(io.StringIO(
        run(capsys, "warnings", "--config", config, "--format", "csv", "--at", "2025-03-20T18:00")
    )))  # fmt: skip
    assert (rows[0]["silence_id"], rows[0]["silenced_by"]) == ("1", "值班员")
    table = run(capsys, "warnings", "--config", config, "--at", "2025-03-20T18:00")
    assert f"silence #1: {SCJG} (all items) until 2025-03-20 23:59, set by 值班员" in table
    # The day after, it has ended; lifted early, it ends when lifted.
    later = run(capsys, "warnings", "--config", config, "--at", "2025-03-21T09:00")
    assert "silence #" not in later
    out = run(capsys, "silence", "--config", config, "--lift", "1", "--by", "科长",
              "--at", "2025-03-17T09:00")  # fmt: skip
    assert out == f"lifted silence #1 of {SCJG} at 2025-03-17 09:00\n"
    after = json.loads(
        run(capsys, "warnings", "--config", config, "--format", "json", "--at", "2025-03-17T10:00")
    )
    assert (after["silences"], after["warnings"][0]["silence"]) == ([], None)


def test_a_department_nobody_knows_is_refused_unless_forced(
    office: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config = office[0]
    alert(capsys, office, "2025-03-14T09:00")
    typo = "县市场监督管里局"
    args = ("silence", "--config", config, "--department", typo, "--until", "2099-01-01",
            "--reason", "r")  # fmt: skip
    code, out, err = monitor(capsys, *args)
    assert (code, out) == (2, "")
    assert err == (
        f"error: department '{typo}' appears in no warning, no route and no "
        f"[rules.departments]; did you mean {SCJG}? (give --force to mute it anyway)\n"
    )
    code, out, err = monitor(capsys, *args, "--force")
    assert (code, out) == (0, f"silenced {typo} until 2099-01-01 23:59 as #1\n")
    assert err.startswith("warning: department")


def test_warnings_outputs_are_masked_and_formula_free(
    engine: sa.Engine,
    smtp_server: SmtpTestServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    formula = '"=HYPERLINK(""http://x"")"'
    row = ROWS["B001"].replace("B001,", "F001,").split(",")
    row[3] = formula
    cases = tmp_path / "cases.csv"
    cases.write_text("\n".join([HEADER, ROWS["B001"], ",".join(row)]) + "\n", encoding="utf-8")
    config = write_config(tmp_path, url_of(engine), smtp_server.port)
    run(capsys, "alert", "--config", config, "--input", str(cases), "--at", "2025-03-14T09:00")
    at = ("--at", "2025-03-14T10:00")
    for fmt in ("table", "json", "csv"):
        out = run(capsys, "warnings", "--config", config, "--format", fmt, *at)
        assert ID_NUMBER not in out and MOBILE not in out, fmt
    out = run(capsys, "warnings", "--config", config, "--format", "csv", *at)
    names = {r["item_name"] for r in csv.DictReader(io.StringIO(out))}
    assert '\'=HYPERLINK("http://x")' in names
    assert any(MASKED_ID in n and MASKED_MOBILE in n for n in names)
    out = run(capsys, "warnings", "--config", config, "--format", "csv", "--unmasked", *at)
    assert ID_NUMBER in out and MOBILE in out
