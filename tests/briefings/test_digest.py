"""The deal channel's digest: the figures a deal desk lead reads, once per local day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.briefings.digest import post_digest
from bot.core.clock import VirtualClock
from bot.core.deps import Deps, open_deps
from bot.forecast.load import load_forecast
from bot.outbox.work import Work
from bot.reports.history import load_slo_report
from bot.reports.slo import Window
from bot.text.mrkdwn import slack_date
from policies.avatars.formatting import money
from tests.briefings.seed import CHANNEL, MONDAY_EIGHT, START, seed_week
from tests.briefings.world import DEAL_CHANNEL, POLICY, queued
from tests.support.deals import pending_for, run_time_out


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


async def test_the_digest_has_the_pipeline_the_deadlines_and_the_slo(
    deps: Deps, clock: VirtualClock
) -> None:
    await seed_week(deps, clock)
    assert await post_digest(deps, clock.now()) == DEAL_CHANNEL
    [digest] = await queued(deps, Work.DIGEST)
    assert digest.channel == DEAL_CHANNEL
    fields = [field["text"] for field in digest.message["blocks"][1]["fields"]]
    assert fields == [
        "*Under review*\n4 deals · $600,000 ACV",
        "*Due today*\n2 approvals",  # Today Inc: Marcus and Kenji at 15:00 New York time
        "*Overdue*\n🔴 5 approvals",
        "*Stalled*\n⏸️ 1 deal idle 7d+",
        # Kenji on time, Marcus late on Done Deal, on time sending Sent Back Co back.
        "*SLO, last 7 days*\n67% within SLA (2 of 3)",
        # Five qualifications by the sdr avatar this week, three decisions by people.
        "*Automation, last 7 days*\n63% decided by avatars (5 of 8)",
    ]
    text = digest.text
    assert "• *Old Corp* (D-1001) · Deal approval · <@U0MARCUS> · overdue by 8d 23h" in text
    assert "• *&lt;!channel&gt; Corp* (D-1003) · Deal approval · <@U0LISA> · overdue by 23h" in (
        text
    )
    assert "*⏰ Due today*\n• *Today Inc* (D-1005) · Deal approval · <@U0MARCUS> · due" in text
    assert "*⏸️ Stalled*\n• *Old Corp* (D-1001) · idle 9d 23h · waiting on <@U0MARCUS>" in text
    assert "<!channel>" not in str(digest.message)
    assert "🔮" not in text  # the quarter closes on December 31: no forecast yet


async def test_the_digest_counts_the_slo_as_the_report_does(
    database_url: str, write_policy: Callable[[str], Path], clock: VirtualClock
) -> None:
    lisa_has_a_backup = POLICY.replace(  # Marcus, who holds an approval of the deal already
        "    sla: 2h\n", "    sla: 2h\n    backups: [manager]\n"
    ).replace("approvers:\n", "one_person_one_approval: false\napprovers:\n", 1)
    async with open_deps(database_url, write_policy(lisa_has_a_backup), clock) as deps:
        await seed_week(deps, clock)
        # Lisa's 2h on <!channel> Corp ran out on Sunday: a timeout is an SLA miss.
        moved = await run_time_out(deps, (await pending_for(deps, CHANNEL, "cfo")).id)
        assert moved is not None
        clock.advance(timedelta(minutes=1))
        await post_digest(deps, clock.now())
        [digest] = await queued(deps, Work.DIGEST)
        async with deps.db.read() as session:
            window = Window.ending(clock.now(), timedelta(days=7))
            overall = (await load_slo_report(session, deps.policies, window)).team.overall

    assert (overall.within_sla, overall.sla_counted) == (2, 4)
    fields = [field["text"] for field in digest.message["blocks"][1]["fields"]]
    assert "*SLO, last 7 days*\n50% within SLA (2 of 4)" in fields


async def test_one_digest_per_local_day_across_restarts(
    deps: Deps, clock: VirtualClock, database_url: str, policy_file: Path
) -> None:
    await seed_week(deps, clock)
    async with open_deps(database_url, policy_file, clock) as other:  # a second process
        assert {await post_digest(deps, clock.now()), await post_digest(other, clock.now())} == {
            DEAL_CHANNEL,
            None,
        }
    clock.advance(timedelta(hours=1))
    assert await post_digest(deps, clock.now()) is None
    clock.set(MONDAY_EIGHT + timedelta(days=1, minutes=-1))  # Tuesday 07:59: not yet
    assert await post_digest(deps, clock.now()) is None
    clock.set(MONDAY_EIGHT + timedelta(days=1, hours=2, minutes=1))  # Tuesday 10:01: too late
    assert await post_digest(deps, clock.now()) is None
    clock.set(MONDAY_EIGHT + timedelta(days=2))  # Wednesday 08:00
    assert await post_digest(deps, clock.now()) == DEAL_CHANNEL
    assert [q.day.isoformat() for q in await queued(deps, Work.DIGEST)] == [
        "2026-11-23",
        "2026-11-25",
    ]


async def test_a_quiet_desk_posts_no_digest(deps: Deps, clock: VirtualClock) -> None:
    clock.set(MONDAY_EIGHT)
    assert await post_digest(deps, clock.now()) is None
    assert await queued(deps, Work.DIGEST) == []


async def test_in_a_quarters_last_three_weeks_the_digest_carries_the_forecast(
    database_url: str, write_policy: Callable[[str], Path], clock: VirtualClock
) -> None:
    # A fiscal year from December 1: the quarter closes on November 30, a week away.
    fiscal = POLICY.replace("approvers:\n", 'fiscal_year_starts: "12-01"\napprovers:\n', 1)
    async with open_deps(database_url, write_policy(fiscal), clock) as deps:
        await seed_week(deps, clock)
        assert await post_digest(deps, clock.now()) == DEAL_CHANNEL
        [digest] = await queued(deps, Work.DIGEST)
        async with deps.db.read() as session:  # what /deal report forecast says
            forecast = await load_forecast(session, deps.policies, clock.now())

    assert forecast.quarter.label == "2026-Q4"
    at_risk = [item for item in forecast.deals if item.p_clear < 1.0]
    assert at_risk
    assert forecast.nudge
    [section] = [
        block["text"]["text"]
        for block in digest.message["blocks"]
        if "🔮" in block.get("text", {}).get("text", "")
    ]
    head, *lines = section.splitlines()
    assert head == (
        f"*🔮 2026-Q4 closes {slack_date(forecast.last_minute)}* · "
        f"{money(Decimal(round(forecast.acv_expected)))} likely to clear in time, "
        f"{money(Decimal(round(forecast.acv_at_risk)))} at risk"
    )
    shown = [line for line in lines if line.startswith("•")]
    assert len(shown) == min(3, len(at_risk))
    for line, item in zip(shown, at_risk, strict=False):
        assert line.startswith(f"• *{item.deal.company.replace('<', '&lt;').replace('>', '&gt;')}*")
        assert f"{round(item.p_clear * 100)}% likely in time" in line
    assert lines[-1].startswith(f"Nudge: <@{forecast.nudge[0].assignee}> (")
    assert lines[-1].endswith("`/deal report forecast` sends the nudges")
