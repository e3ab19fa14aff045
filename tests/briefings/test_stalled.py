"""Stalled deals: the owner is nudged once per stall, again only after new activity and a
new stall, and never twice by two processes."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.briefings.stalled import list_stalled_deals, nudge_stalled
from bot.core.clock import VirtualClock
from bot.core.deps import Deps, open_deps
from bot.outbox.work import Work
from tests.briefings.world import KENJI, MARCUS, OWNER, queued
from tests.support.deals import decide_as, pending_for, submit, techcorp

WEEK = timedelta(days=7)


async def test_the_owner_is_nudged_once_per_stall(deps: Deps, clock: VirtualClock) -> None:
    deal = (await submit(deps, techcorp(acv=100000, discount=0))).deal_id
    clock.advance(WEEK - timedelta(minutes=1))
    assert await nudge_stalled(deps, clock.now()) == []  # six days, 23h 59m: not yet
    clock.advance(timedelta(minutes=1))
    assert await nudge_stalled(deps, clock.now()) == [deal]
    clock.advance(timedelta(days=2))
    assert await nudge_stalled(deps, clock.now()) == []  # still the same stall

    await decide_as(deps, (await pending_for(deps, deal, "manager")).id, MARCUS)  # activity
    clock.advance(timedelta(days=1))
    assert await nudge_stalled(deps, clock.now()) == []  # moving again
    clock.advance(WEEK)
    assert await nudge_stalled(deps, clock.now()) == [deal]  # a new stall, a new nudge

    nudges = await queued(deps, Work.NUDGE)
    assert [q.user for q in nudges] == [OWNER, OWNER]
    assert "*TechCorp* (D-1001, $100,000) has had no activity for *7d*." in nudges[0].text
    assert "It waits on <@U0MARCUS>, <@U0KENJI> for Deal approval." in nudges[0].text
    assert "It waits on <@U0KENJI> for Deal approval." in nudges[1].text


async def test_two_processes_nudge_once(
    deps: Deps, clock: VirtualClock, database_url: str, policy_file: Path
) -> None:
    await submit(deps, techcorp(acv=100000, discount=0))
    clock.advance(WEEK)
    async with open_deps(database_url, policy_file, clock) as other:
        first, second = await asyncio.gather(
            nudge_stalled(deps, clock.now()), nudge_stalled(other, clock.now())
        )
    assert sorted(first + second) == [1]
    assert len(await queued(deps, Work.NUDGE)) == 1


async def test_stalled_deals_are_listed_the_longest_idle_first(
    deps: Deps, clock: VirtualClock
) -> None:
    await submit(deps, techcorp(company="First", acv=100000, discount=0, external_id="A"))
    clock.advance(timedelta(days=1))
    await submit(deps, techcorp(company="Second", acv=100000, discount=0, external_id="B"))
    await decide_as(deps, (await pending_for(deps, 2, "legal")).id, KENJI)
    clock.advance(timedelta(days=6))
    await submit(deps, techcorp(company="Fresh", acv=100000, discount=0, external_id="C"))
    clock.advance(timedelta(days=1))
    async with deps.db.read() as session:
        deals, total = await list_stalled_deals(session, deps.policies, clock.now())
    assert total == 2
    assert [(d.company, [a.assignee for a in d.pending]) for d in deals] == [
        ("First", [MARCUS, KENJI]),
        ("Second", [MARCUS]),
    ]
