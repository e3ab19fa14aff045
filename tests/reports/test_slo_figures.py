"""The SLO report's figures on a fixed history, against values worked out by hand
(tests/reports/history.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.deps import Deps
from bot.reports.history import load_slo_report
from bot.reports.slo import Figures, SloReport, Window, quantile
from tests.conftest import START
from tests.reports.history import (
    APPROVERS,
    AUTOMATION,
    CYCLE,
    STAGES,
    TEAM,
    Expected,
    seed_history,
)


async def _report(deps: Deps, days: int = 7) -> SloReport:
    async with deps.db.read() as session:
        return await load_slo_report(
            session, deps.policies, Window.ending(START, timedelta(days=days))
        )


def _check(figures: Figures, expected: Expected) -> None:
    time = figures.decision_time
    assert (
        figures.decided,
        figures.within_sla,
        figures.sla_counted,
        round(time.median.total_seconds()) if time else None,
        round(time.p90.total_seconds()) if time else None,
        figures.escalations,
        figures.sla.text if figures.sla else None,
    ) == (
        expected.decided,
        expected.within,
        expected.counted,
        expected.median,
        expected.p90,
        expected.escalations,
        expected.sla,
    ), figures.key


async def test_figures_per_approver_stage_and_team(deps: Deps) -> None:
    await seed_history(deps, START)

    report = await _report(deps)

    assert {f.key: f.name for f in report.approvers} == {
        "cfo": "Lisa Wong",
        "ceo": "Daniel Kim",
        "sdr": "Sarah Chen (avatar)",
        "finance": "James Rodriguez (avatar)",
        "legal": "Priya Patel",
        "counsel": "Omar Haddad",
    }
    for figures in report.approvers:
        _check(figures, APPROVERS[figures.key])
    assert [f.key for f in report.stages] == ["Qualification", "Deal approval", "Reviews"]
    for figures in report.stages:
        _check(figures, STAGES[figures.key])
    _check(report.team.overall, TEAM)
    assert report.team.overall.within_share == round(8 / 11, 4)
    lisa = next(f for f in report.approvers if f.key == "cfo")
    assert (lisa.within_share, lisa.timeouts) == (0.6, 1)
    assert (report.team.avatar_decisions, report.team.overall.decided) == AUTOMATION
    assert report.team.automation_rate == 0.4
    cycle = report.team.cycle_time
    assert cycle is not None
    assert (cycle.count, cycle.median.total_seconds(), cycle.p90.total_seconds()) == CYCLE


async def test_the_window_decides_what_counts(deps: Deps) -> None:
    await seed_history(deps, START)

    month = await _report(deps, days=30)
    lisa = next(f for f in month.approvers if f.key == "cfo")
    assert (lisa.decided, lisa.within_sla, lisa.sla_counted) == (5, 4, 6)
    assert month.team.cycle_time is not None
    assert month.team.cycle_time.count == 3  # and the deal approved 8 days ago

    async with deps.db.read() as session:
        later = await load_slo_report(
            session, deps.policies, Window.ending(START + timedelta(days=30), timedelta(days=7))
        )
    assert later.approvers == later.stages == ()
    assert later.team.overall.decided == 0
    assert later.team.overall.within_share is None
    assert later.team.automation_rate is None
    assert later.team.cycle_time is None


async def test_an_empty_database_reports_nothing(deps: Deps) -> None:
    report = await _report(deps)

    assert report.team.overall.decided == 0
    assert report.to_json()["approvers"] == []


S = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([5], 0.5, 5),
        ([5], 0.9, 5),
        ([1, 2], 0.5, 1.5),
        ([1, 2, 3, 4], 0.5, 2.5),
        ([1, 2, 3, 4], 0.9, 3.7),
        ([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9, 90),
        ([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9, 91),
    ],
)
def test_quantiles_interpolate_between_closest_ranks(
    values: list[int], q: float, expected: float
) -> None:
    got = quantile([v * S for v in values], q)
    assert got.total_seconds() == pytest.approx(expected)
