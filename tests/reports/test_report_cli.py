"""`dealdesk report slo`: the same figures as a table, CSV and JSON; bad input in one line."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app.cli import app
from bot.app.cli.report import CSV_COLUMNS
from bot.core.clock import VirtualClock
from bot.core.deps import open_deps
from policies.loader import bundled_policy_path
from tests.reports.history import APPROVERS, CYCLE, TEAM, seed_history
from tests.support.databases import sqlite_url

runner = CliRunner()


async def _seed(url: str) -> None:
    now = datetime.now(UTC)
    async with open_deps(url, bundled_policy_path(), VirtualClock(now)) as deps:
        await seed_history(deps, now)


@pytest.fixture
def seeded(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The fixed history, ending now (the CLI reports up to the real time)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("DEALDESK_POLICY", raising=False)
    asyncio.run(_seed(database_url))


def test_json_has_every_figure(seeded: None) -> None:
    result = runner.invoke(app, ["report", "slo", "--since", "7d", "--format", "json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    team = report["team"]
    assert team["decided"] == TEAM.decided
    assert team["within_sla"] == {"within": 8, "counted": 11, "share": round(8 / 11, 4)}
    assert team["decision_time"]["median"] == {"seconds": 2700, "text": "45m"}
    assert team["decision_time"]["p90"] == {"seconds": 27000, "text": "7h 30m"}
    assert team["escalations"] == TEAM.escalations
    assert team["automation"] == {"by_avatars": 4, "decisions": 10, "rate": 0.4}
    assert team["deals_finished"] == CYCLE[0]
    assert team["cycle_time"]["median"]["seconds"] == CYCLE[1]
    assert team["cycle_time"]["p90"]["seconds"] == CYCLE[2]
    lisa = next(a for a in report["approvers"] if a["key"] == "cfo")
    assert lisa["name"] == "Lisa Wong"
    assert lisa["sla"]["text"] == "2h"
    assert lisa["within_sla"] == {"within": 3, "counted": 5, "share": 0.6}
    assert lisa["decision_time"]["median"] == {"seconds": 4500, "text": "1h 15m"}
    assert lisa["decision_time"]["p90"] == {"seconds": 9180, "text": "2h 33m"}
    assert (lisa["timeouts"], lisa["escalations"]) == (1, 1)
    assert [s["key"] for s in report["stages"]] == ["Qualification", "Deal approval", "Reviews"]
    assert report["window"]["span"] == "7d"


def test_csv_has_the_team_then_stages_then_approvers(seeded: None) -> None:
    result = runner.invoke(app, ["report", "slo", "--since", "7d", "--format", "csv"])

    assert result.exit_code == 0, result.output
    reader = csv.DictReader(io.StringIO(result.stdout))
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    rows = list(reader)
    assert [row["scope"] for row in rows] == ["team"] + ["stage"] * 3 + ["approver"] * 6
    team = rows[0]
    assert (team["decided"], team["within_sla"], team["sla_counted"]) == ("10", "8", "11")
    assert (team["automation_rate"], team["cycle_median_seconds"]) == ("0.4", str(CYCLE[1]))
    by_key = {row["key"]: row for row in rows if row["scope"] == "approver"}
    assert set(by_key) == set(APPROVERS)
    lisa = by_key["cfo"]
    assert (lisa["median_seconds"], lisa["p90_seconds"], lisa["within_sla_share"]) == (
        "4500",
        "9180",
        "0.6",
    )
    omar = by_key["counsel"]
    assert (omar["decided"], omar["within_sla_share"], omar["escalations"]) == ("0", "", "1")


def test_table_is_the_default(seeded: None) -> None:
    result = runner.invoke(app, ["report", "slo", "--since", "7d"], terminal_width=160)

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "By stage" in out
    assert "By approver" in out
    lisa = next(line for line in out.splitlines() if "Lisa Wong" in line)
    for cell in ("2h", "4", "60% (3/5)", "1h 15m", "2h 33m", "1"):
        assert cell in lisa
    assert "Team: 10 decided, 73% (8/11) within SLA, 2 escalated" in out
    assert "Cycle time: median 2d 2h, p90 3d 14h (2 deals)" in out
    assert "Automation rate: 40% (4 of 10 by avatars)" in out


def test_the_default_window_is_30_days(seeded: None) -> None:
    result = runner.invoke(app, ["report", "slo", "--format", "json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["window"]["span"] == "30d"
    lisa = next(a for a in report["approvers"] if a["key"] == "cfo")
    assert lisa["decided"] == 5  # with her decision of 10 days ago


@pytest.mark.parametrize("since", ["30x", "yesterday", "0d", "-7d", ""])
def test_a_bad_since_is_one_line_and_exit_2(
    since: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path))

    result = runner.invoke(app, ["report", "slo", "--since", since])

    assert result.exit_code == 2
    assert result.stderr.startswith("error: --since:")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_an_unknown_format_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["report", "slo", "--format", "xml"])

    assert result.exit_code == 2
    assert "xml" in result.output


def test_a_database_without_the_schema_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path, "empty.db"))

    result = runner.invoke(app, ["report", "slo"])

    assert result.exit_code == 1
    assert "dealdesk db upgrade" in result.stderr
    assert "Traceback" not in result.output
