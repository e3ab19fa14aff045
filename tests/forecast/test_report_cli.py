"""`dealdesk report forecast` over a real database: a deal routed by the engine, the
fixed history of tests/reports (Lisa, the CFO: 30m, 1h, 1h30m and 3h, and one timeout),
as JSON, CSV and a table; the same seed gives the same answer."""

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
from bot.app.cli.report_forecast import CSV_COLUMNS
from bot.core.clock import VirtualClock
from bot.core.deps import open_deps
from policies.loader import bundled_policy_path
from tests.api.conftest import with_people
from tests.reports.history import seed_history
from tests.support.deals import submit
from tests.support.fake_slack import FakeSlack

runner = CliRunner()


async def _seed(url: str) -> int:
    now = datetime.now(UTC)
    async with open_deps(url, bundled_policy_path(), VirtualClock(now)) as deps:
        await seed_history(deps, now)
        result = await submit(deps)
        return result.deal_id


@pytest.fixture
def techcorp(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> int:
    """TechCorp in review, waiting for Lisa; the history ending now."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("DEALDESK_POLICY", raising=False)
    return asyncio.run(_seed(database_url))


def _json(*options: str) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, ["report", "forecast", "--format", "json", *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_json_names_each_deal_its_chances_and_whom_to_nudge(techcorp: int) -> None:
    forecast = _json("--quarter", "2099-Q4")
    assert forecast["quarter"] == "2099-Q4"
    assert forecast["closes_at"].startswith("2100-01-01T00:00:00")
    deal = next(d for d in forecast["deals"] if d["id"] == techcorp)
    assert deal["company"] == "TechCorp"
    assert deal["acv"] == 500000
    assert deal["waiting_on"] == ["U0LISA"]
    assert deal["speed_from"]["U0LISA"] == "history"  # too few anywhere to blend with
    assert 0 < deal["p_clear"] <= 1
    assert deal["p50_finish"] is not None
    assert forecast["acv_expected"] + forecast["acv_at_risk"] == pytest.approx(
        sum(d["acv"] for d in forecast["deals"])
    )


def test_a_quarter_already_closed_puts_everything_at_risk(techcorp: int) -> None:
    forecast = _json("--quarter", "2020-Q1")
    assert all(deal["p_clear"] == 0 for deal in forecast["deals"])
    assert forecast["acv_expected"] == 0
    assert forecast["acv_at_risk"] == sum(d["acv"] for d in forecast["deals"])
    lisa = next(n for n in forecast["nudge"] if n["assignee"] == "U0LISA")
    assert lisa["acv_at_risk"] == 500000
    assert len(lisa["approvals"]) == 1


def test_the_same_seed_gives_the_same_forecast(techcorp: int) -> None:
    first = _json("--quarter", "2099-Q4", "--seed", "3")
    second = _json("--quarter", "2099-Q4", "--seed", "3")
    first.pop("as_of"), second.pop("as_of")
    assert first == second


def test_csv_and_table(techcorp: int) -> None:
    result = runner.invoke(app, ["report", "forecast", "--format", "csv", "--quarter", "2099-Q4"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert any(row["company"] == "TechCorp" and row["waiting_on"] == "U0LISA" for row in rows)
    table = runner.invoke(app, ["report", "forecast", "--quarter", "2099-Q4"])
    assert table.exit_code == 0, table.output
    assert "Forecast for 2099-Q4: closes at the end of Thu 31 Dec 2099" in table.stdout
    assert "TechCorp" in table.stdout
    assert "Nobody to nudge" in table.stdout
    late = runner.invoke(app, ["report", "forecast", "--quarter", "2020-Q1"])
    assert "Whom to nudge" in late.stdout
    assert "Lisa Wong" in late.stdout


def test_a_bad_quarter_is_named(techcorp: int) -> None:
    result = runner.invoke(app, ["report", "forecast", "--quarter", "Q4"])
    assert result.exit_code == 2
    assert "write the quarter as YYYY-QN, such as 2026-Q4; got 'Q4'" in result.output
    assert "Traceback" not in result.output


async def test_with_a_slack_token_who_is_out_of_office_is_read_and_shown(
    techcorp: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeSlack() as slack:
        with_people(slack).set_status("U0LISA", "Out of office", ":palm_tree:")
        monkeypatch.setenv("SLACK_BOT_TOKEN", slack.token)
        monkeypatch.setenv("SLACK_API_URL", slack.api_url)
        monkeypatch.setenv("COLUMNS", "200")
        args = ["report", "forecast", "--quarter", "2099-Q4"]
        shown = await asyncio.to_thread(runner.invoke, app, [*args, "--format", "json"])
        table = await asyncio.to_thread(runner.invoke, app, args)

    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["away"] == [{"user": "U0LISA", "back_at": None}]
    assert "Out of office (Slack status), simulated as dealdesk treats them: Lisa Wong (no " in (
        table.stdout
    )
