"""``dealdesk simulate`` end to end: what an operator sees on the terminal and in --json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.app.cli import app
from tests.simulation.conftest import scenario_text
from tests.support.databases import sqlite_url

DEALDESK = Path(sys.executable).with_name("dealdesk")


@pytest.fixture
def database_file(tmp_path: Path) -> str:
    return sqlite_url(tmp_path, "simulate.db")


def dealdesk(url: str, *args: str) -> Result:
    env = {"DATABASE_URL": url, "DEALDESK_POLICY": None}
    return CliRunner().invoke(app, list(args), env=env)


def test_default_scenario_prints_the_techcorp_deal(database_file: str) -> None:
    result = dealdesk(database_file, "simulate")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for words in ("TechCorp enterprise deal", "D-1001", "95/100", "APPROVED", "SLO compliance"):
        assert words in out
    assert "100%" in out
    assert "MSA" in out
    assert "Traceback" not in result.output


def test_json_has_the_report(database_file: str) -> None:
    result = dealdesk(database_file, "simulate", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["scenario"]["name"] == "TechCorp enterprise deal"
    assert report["started_at"] == "2026-11-17T17:30:00Z"
    (deal,) = report["deals"]
    assert deal["status"] == "approved"
    assert deal["cycle_time"] == {"seconds": 3900, "text": "1h 5m"}
    assert deal["summary"]["slo"] == {"within": 5, "counted": 5, "compliance": 1.0}
    cfo = next(a for a in deal["approvals"] if a["approver"] == "cfo")
    assert cfo["sla"] == {"seconds": 7200, "text": "2h"}
    assert cfo["elapsed"]["seconds"] == 300
    assert cfo["within_sla"] is True
    assert cfo["decided_at"] == "2026-11-17T17:35:00Z"
    first = deal["timeline"][0]
    assert set(first) == {"at", "offset", "who", "what", "detail", "action", "actor", "seq"}
    assert first["action"] == "deal_submitted"


def test_twice_on_one_database_then_the_audit_log_verifies(database_file: str) -> None:
    first = dealdesk(database_file, "simulate", "--json")
    second = dealdesk(database_file, "simulate", "--json")
    assert (first.exit_code, second.exit_code) == (0, 0), first.output + second.output
    assert json.loads(second.stdout)["deals"][0]["id"] == "D-1002"
    verified = dealdesk(database_file, "audit", "verify")
    assert verified.exit_code == 0, verified.output
    exported = dealdesk(database_file, "audit", "export", "--deal", "D-1002", "--format", "json")
    actions = [event["action"] for event in json.loads(exported.stdout)]
    assert actions[0] == "deal_submitted"
    assert actions[-1] == "deal_approved"


def test_cfo_on_holiday(database_file: str) -> None:
    path = Path(__file__).resolve().parents[2] / "policies/examples/scenarios/cfo-on-holiday.yml"
    result = dealdesk(database_file, "simulate", str(path), "--json")
    assert result.exit_code == 0, result.output
    (deal,) = json.loads(result.stdout)["deals"]
    cfo = next(a for a in deal["approvals"] if a["approver"] == "cfo")
    assert (cfo["within_sla"], cfo["status"]) == (False, "reassigned")
    assert deal["summary"]["slo"]["counted"] == 6


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param("name: x\ndeals:\n  - at: 0s\n   deal: {}\n", "line 4", id="yaml-syntax"),
        pytest.param(
            scenario_text("      cfoo: {after: 5m, decision: approve}\n"),
            "line 17: deals[0].responses.cfoo: 'cfoo' is not an approver of the policy; "
            "did you mean 'cfo'?",
            id="unknown-approver",
        ),
        pytest.param(
            scenario_text("      cfo: {after: 5m, decision: approve}\n").replace(
                "discount: 12", "discount: 120"
            ),
            "line 9: deals[0].deal.discount:",
            id="bad-deal-field",
        ),
        pytest.param(
            scenario_text("      cfo: {after: 5m, decision: reject}\n"),
            "line 17: deals[0].responses.cfo: decision reject needs a `comment`",
            id="reject-without-comment",
        ),
    ],
)
def test_bad_scenarios_exit_1_with_a_located_message(
    database_file: str, write_scenario: Callable[[str], Path], text: str, words: str
) -> None:
    path = write_scenario(text)
    result = dealdesk(database_file, "simulate", str(path))
    assert result.exit_code == 1
    assert words in " ".join(result.stderr.split())
    assert str(path) in " ".join(result.stderr.split())
    assert result.stdout == ""
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(["/nonexistent/scenario.yml"], "no such file", id="missing-scenario"),
        pytest.param(["--policy", "/nonexistent/policy.yml"], "no such file", id="missing-policy"),
        pytest.param(["--database-url", "mysql://db/x"], "not supported", id="bad-database-url"),
        pytest.param(
            ["--database-url", "sqlite+aiosqlite:////nonexistent/dir/x.db"],
            "directory /nonexistent/dir does not exist",
            id="no-such-directory",
        ),
    ],
)
def test_other_failures_are_one_clear_message(
    database_file: str, args: list[str], words: str
) -> None:
    result = dealdesk(database_file, "simulate", *args)
    assert result.exit_code == 1
    assert words in " ".join(result.stderr.split())
    assert "Traceback" not in result.output


def test_the_installed_command(database_file: str, tmp_path: Path) -> None:
    """What `make demo` runs, as a real process: the done-when lines of the product issue."""
    env = {**os.environ, "DATABASE_URL": database_file, "COLUMNS": "200"}
    env.pop("DEALDESK_POLICY", None)
    done = subprocess.run(
        [str(DEALDESK), "simulate"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "qualified: score 95/100" in out
    assert "handed over to Lisa Wong: ACV $500,000 exceeds the $250,000 manager authority" in out
    assert "approved: Strategic account, 12% is fine" in out
    assert "stage Reviews: Priya Patel, James Rodriguez (when discount > 0) in parallel" in out
    assert "legal avatar recommends approve: MSA" in out
    assert "12% discount is within the 15% authority" in out
    assert "deal approved" in out
    assert "SLO compliance  100% (5 of 5 approvals within SLA)" in out
    assert "Cycle time      1h 5m" in out
    assert done.stderr == ""
