"""The engine counts an approver's SLA in their calendar: a card sent Friday 16:00 in New York
with an 8bh SLA (working hours 08:00 to 17:00) falls due Monday 15:00, is reminded at 75% of
that working time, and a holiday moves it a day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import VirtualClock
from bot.core.deps import Deps
from tests.support.deals import pending_for, submit

NEW_YORK = ZoneInfo("America/New_York")
FRIDAY_FOUR = datetime(2026, 12, 4, 16, tzinfo=NEW_YORK).astimezone(UTC)

POLICY = """\
name: Business hours
calendar: new_york
calendars:
  new_york:
    timezone: America/New_York
    hours:
      mon: "08:00-17:00"
      tue: "08:00-17:00"
      wed: "08:00-17:00"
      thu: "08:00-17:00"
      fri: "08:00-17:00"
    holidays: {{country: US, subdivision: NY, dates: [{dates}]}}
approvers:
  cfo: {{name: Lisa Wong, slack_user: U0LISA, sla: 8bh}}
stages:
  - name: Deal approval
    approvals:
      - approver: cfo
"""


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(FRIDAY_FOUR)


@pytest.fixture(params=[""])
def policy_file(write_policy: Callable[[str], Path], request: pytest.FixtureRequest) -> Path:
    return write_policy(POLICY.format(dates=request.param))


def ny(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=NEW_YORK).astimezone(UTC)


async def test_friday_afternoon_falls_due_on_monday(deps: Deps) -> None:
    deal = await submit(deps)

    cfo = await pending_for(deps, deal.deal_id, "cfo")

    assert cfo.due_at == ny(2026, 12, 7, 15)
    assert cfo.remind_at == ny(2026, 12, 7, 13)


@pytest.mark.parametrize("policy_file", ["2026-12-07"], indirect=True)
async def test_a_holiday_moves_it_a_day(deps: Deps) -> None:
    deal = await submit(deps)

    cfo = await pending_for(deps, deal.deal_id, "cfo")

    assert cfo.due_at == ny(2026, 12, 8, 15)
