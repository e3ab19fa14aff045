"""The click journal: durable before the answer, and cheap under a burst (group commit)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event, func, select

from bot.core.deps import Deps
from bot.core.traffic import Traffic
from bot.workflow.journal import Click, DecisionJournal
from bot.workflow.results import DecisionResult
from policies.vocabulary import Decision
from store.models import DecisionRequest
from tests.support.deals import pending_for, submit


def click(number: int) -> Click:
    return Click(
        dedup_key=f"trigger-{number}", approval_id=number, actor="U0LISA", decision=Decision.APPROVE
    )


def count_commits(deps: Deps) -> list[int]:
    commits = [0]

    def counted(_connection: Any) -> None:
        commits[0] += 1

    event.listen(deps.db.writer.sync_engine, "commit", counted)
    return commits


async def journaled(deps: Deps) -> int:
    async with deps.db.read() as session:
        return int((await session.execute(select(func.count(DecisionRequest.id)))).scalar_one())


async def test_a_click_waits_for_the_clicks_still_being_parsed(deps: Deps) -> None:
    traffic = Traffic()
    inbox = DecisionJournal(deps, traffic)
    commits = count_commits(deps)

    with traffic.request(), traffic.request():  # two requests from Slack being answered
        first = asyncio.create_task(inbox.record(click(1)))
        for _ in range(3):  # the second is still being parsed
            await asyncio.sleep(0)
        second = asyncio.create_task(inbox.record(click(2)))
        await asyncio.gather(first, second)

    assert commits[0] == 1
    assert await journaled(deps) == 2


async def test_a_burst_of_clicks_shares_a_few_transactions(deps: Deps) -> None:
    traffic = Traffic()
    inbox = DecisionJournal(deps, traffic)
    commits = count_commits(deps)

    async def answer(number: int) -> None:
        with traffic.request():
            await asyncio.sleep(number / 10_000)  # arriving over 4 ms
            await inbox.record(click(number))

    await asyncio.gather(*(answer(number) for number in range(40)))

    assert commits[0] <= 10
    assert await journaled(deps) == 40


async def test_a_lone_click_is_not_held_back(deps: Deps) -> None:
    inbox = DecisionJournal(deps, Traffic())
    commits = count_commits(deps)

    await asyncio.wait_for(inbox.record(click(1)), timeout=1)

    assert commits[0] == 1
    assert await journaled(deps) == 1


async def test_a_redelivered_click_is_journaled_once(deps: Deps) -> None:
    inbox = DecisionJournal(deps, Traffic())

    await asyncio.gather(inbox.record(click(7)), inbox.record(click(7)))
    await inbox.record(click(7))

    assert await journaled(deps) == 1


async def test_what_applying_a_decision_did_is_stored_with_it_and_reads_back(
    deps: Deps,
) -> None:
    submitted = await submit(deps)
    cfo = await pending_for(deps, submitted.deal_id, "cfo")
    journal = DecisionJournal(deps)
    await journal.record(click(cfo.id))
    await journal.record(Click("trigger-x", 999, "U0LISA", Decision.APPROVE))

    assert await journal.process_once() == 2

    async with deps.db.read() as session:
        applied, unknown = (
            await session.execute(select(DecisionRequest).order_by(DecisionRequest.id))
        ).scalars()
    result = DecisionResult.from_json(applied.result or {})
    assert (result.applied, result.approval_id, result.deal_ref) == (True, cfo.id, "D-1001")
    assert result.to_json() == applied.result
    assert unknown.result == {
        "approval_id": 999,
        "refusal": "invalid",
        "message": "There is no approval 999.",
        "applied": False,
        "decided_by": None,
    }
