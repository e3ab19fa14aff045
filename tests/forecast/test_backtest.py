"""The backtest over a closed quarter: each weekly moment sees the deals as they stood
then (even those finished since), and each forecast is scored against what happened."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from bot.app.cli import app
from bot.core.clock import VirtualClock
from bot.core.deps import Deps, open_deps
from bot.forecast.backtest import run_backtest
from bot.forecast.load import load_open_deals
from bot.simulation import load_scenario_file
from policies.loader import bundled_policy_path
from policies.quarters import Quarter
from tests.support.deals import decide_as, pending_of, submit, techcorp, withdraw

NEW_YORK = ZoneInfo("America/New_York")
Quarterly = tuple[Deps, VirtualClock, int, int]
"""The deps, their clock (now: December), Acme's id and Globex's."""
JULY_7 = datetime(2026, 7, 7, 10, 0, tzinfo=NEW_YORK)
JULY_8 = datetime(2026, 7, 8, tzinfo=NEW_YORK)
"""The second weekly moment of 2026-Q3 (the first is 1 July)."""
LISA, PRIYA = "U0LISA", "U0PRIYA"


async def _approve_everything(deps: Deps, deal_id: int) -> None:
    for _ in range(5):
        waiting = await pending_of(deps, deal_id)
        if not waiting:
            return
        for row in waiting:
            await decide_as(deps, row.id, row.assignee)


@pytest.fixture
async def quarter(database_url: str) -> AsyncIterator[Quarterly]:
    """Approved on 9 July: Acme. Never approved, withdrawn in October: Globex."""
    clock = VirtualClock(JULY_7)
    async with open_deps(database_url, bundled_policy_path(), clock) as deps:
        acme = (await submit(deps, techcorp(company="Acme", external_id="Q3-ACME"))).deal_id
        globex = (await submit(deps, techcorp(company="Globex", external_id="Q3-GLOBEX"))).deal_id
        clock.set(datetime(2026, 7, 9, 9, 0, tzinfo=NEW_YORK))
        await _approve_everything(deps, acme)
        clock.set(datetime(2026, 10, 5, 9, 0, tzinfo=NEW_YORK))
        await withdraw(deps, globex, reason="lost to a competitor")
        clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=NEW_YORK))
        yield deps, clock, acme, globex


async def test_the_past_is_read_as_it_stood(quarter: Quarterly) -> None:
    deps, _, acme, globex = quarter
    async with deps.db.read() as session:
        then = await load_open_deals(session, deps.policies, JULY_8)
        now = await load_open_deals(session, deps.policies, datetime(2026, 12, 7, tzinfo=NEW_YORK))
    assert {deal.id for deal in then} == {acme, globex}
    assert [deal.waiting_on for deal in then] == [[LISA], [LISA]]
    assert now == []


async def test_each_week_is_scored_against_what_happened(
    quarter: Quarterly,
) -> None:
    deps, clock, acme, globex = quarter
    async with deps.db.read() as session:
        tested = await run_backtest(session, deps.policies, _q3(deps), clock.now(), runs=200)
    assert len(tested.as_ofs) == 14  # 1 July and every week after, up to 30 September
    assert tested.as_ofs[1] == JULY_8
    acme_scores = [s for s in tested.scored if s.deal_id == acme]
    globex_scores = [s for s in tested.scored if s.deal_id == globex]
    assert [(s.as_of, s.cleared) for s in acme_scores] == [(JULY_8, True)]
    assert len(globex_scores) == 13
    assert not any(s.cleared for s in globex_scores)
    expected = sum((s.p_clear - s.cleared) ** 2 for s in tested.scored) / len(tested.scored)
    assert tested.brier == pytest.approx(expected)
    assert sum(b.count for b in tested.bins) == len(tested.scored) == 14
    assert tested.worst(1)[0].deal_id == globex  # said it would clear; it never did


def test_the_cli_prints_the_calibration_and_refuses_an_open_quarter(
    quarter: Quarterly,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("DEALDESK_POLICY", raising=False)
    runner = CliRunner()
    table = runner.invoke(app, ["report", "forecast", "--backtest", "2026-Q3", "--runs", "200"])
    assert table.exit_code == 0, table.output
    assert "Backtest of 2026-Q3: 14 forecasts at 14 weekly moments" in table.stdout
    assert "Calibration" in table.stdout
    assert "Brier score:" in table.stdout
    as_json = runner.invoke(
        app, ["report", "forecast", "--backtest", "2026-Q3", "--format", "json"]
    )
    assert json.loads(as_json.stdout)["forecasts"] == 14
    early = runner.invoke(app, ["report", "forecast", "--backtest", "2099-Q1"])
    assert early.exit_code == 2
    assert "2099-Q1 has not closed yet" in early.output
    past = runner.invoke(app, ["report", "forecast", "--as-of", "2026-07-08", "--format", "json"])
    assert past.exit_code == 0, past.output
    assert {deal["company"] for deal in json.loads(past.stdout)["deals"]} == {"Acme", "Globex"}


def _q3(deps: Deps) -> Quarter:
    return deps.policies.current.policy.fiscal_calendar.quarter("2026-Q3")


def test_simulate_writes_the_same_quarter_each_time(tmp_path: Path) -> None:
    runner = CliRunner()
    first, second = tmp_path / "first.yml", tmp_path / "second.yml"
    for path in (first, second):
        written = runner.invoke(app, ["simulate", "--write-quarter", str(path)])
        assert written.exit_code == 0, written.output
    assert first.read_text() == second.read_text()
    loaded = load_scenario_file(first, default_policy=bundled_policy_path())
    assert len(loaded.scenario.deals) == 300
    assert loaded.scenario.start == datetime(2026, 7, 1, 13, 0, tzinfo=UTC)
    silent = [d for d in loaded.scenario.deals if d.responses.get("cfo") is None]
    assert silent  # the CFO's weeks away
