"""The simulator over a weekend, under time-machine: a deal submitted Friday 16:00 in New York
to an approver with an 8bh SLA times out on Monday at 15:00, not on Saturday, and the SLA
table counts working time ("8h working"), not the weekend."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
from rich.console import Console

from bot.simulation import load_scenario_file, simulate
from bot.simulation.render import render_report
from policies.vocabulary import DealStatus
from tests.simulation.conftest import TECHCORP_DEAL

NEW_YORK = ZoneInfo("America/New_York")
FRIDAY_FOUR = datetime(2026, 12, 4, 16, tzinfo=NEW_YORK)
MONDAY_THREE = datetime(2026, 12, 7, 15, tzinfo=NEW_YORK).astimezone(UTC)

POLICY = """\
name: Business hours
timezone: America/New_York
calendar: new_york
calendars:
  new_york:
    timezone: America/New_York
    hours: {mon: "08:00-17:00", tue: "08:00-17:00", wed: "08:00-17:00",
            thu: "08:00-17:00", fri: "08:00-17:00"}
approvers:
  manager: {name: Marcus Thompson, slack_user: U0MARCUS, sla: 8bh, backups: [cfo]}
  cfo: {name: Lisa Wong, slack_user: U0LISA, sla: 8bh}
stages:
  - name: Deal approval
    approvals:
      - approver: manager
"""


def scenario(policy: Path) -> str:
    """No ``start:``: the simulation starts now, which time-machine makes Friday 16:00."""
    return (
        f"name: Over a weekend\npolicy: {policy}\ndeals:\n  - at: 0s\n{TECHCORP_DEAL}"
        "    responses:\n      cfo: {after: 1h, decision: approve}\n"
    )


async def test_a_weekend_does_not_count_against_a_business_sla(
    database_url: str, tmp_path: Path, write_scenario: Callable[[str], Path]
) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY, encoding="utf-8")
    loaded = load_scenario_file(write_scenario(scenario(policy)), default_policy=policy)

    with time_machine.travel(FRIDAY_FOUR, tick=False):
        report = await simulate(loaded, database_url)

    (deal,) = report.deals
    assert deal.status == DealStatus.APPROVED
    manager, cfo = deal.approvals
    assert manager.sla is not None
    assert manager.elapsed is not None
    assert (manager.sla.target, manager.elapsed.text) == ("8h working", "8h working")
    assert manager.within_sla is False
    assert manager.outcome == "SLA passed, moved to Lisa Wong"
    [moved] = [e for e in deal.timeline if e.action == "approval_reassigned"]
    assert moved.at == MONDAY_THREE
    assert moved.offset.offset == "+2d 23h"
    assert cfo.elapsed is not None
    assert (cfo.elapsed.text, cfo.within_sla) == ("1h working", True)

    console = Console(record=True, width=160)
    render_report(console, report)
    table = console.export_text()
    assert "8h working" in table
    assert "1h working" in table
    assert "2d 23h" in table  # the timeline still tells wall-clock time
