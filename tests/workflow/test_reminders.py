"""Reminders go out once, at the policy's share of the SLA; a withdrawn deal stops waiting."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.clock import VirtualClock
from bot.core.deps import Deps
from bot.core.errors import InvalidTransition, NotAuthorized
from store import repositories as repo
from tests.conftest import START
from tests.support.deals import (
    approvals_of,
    audit_events,
    decide_as,
    details,
    load_deal,
    pending_for,
    pending_of,
    run_remind,
    snapshot,
    submit,
    withdraw,
)
from tests.support.matrix import ADMIN, LISA, OWNER, STRANGER


async def _due_reminders(deps: Deps) -> list[int]:
    async with deps.db.read() as session:
        return (await repo.list_due(session, deps.clock.now()))[0]


async def test_a_reminder_goes_out_once_after_three_quarters_of_the_sla(
    deps: Deps, clock: VirtualClock
) -> None:
    deal = await submit(deps)
    cfo = await pending_for(deps, deal.deal_id, "cfo")
    assert cfo.remind_at == START + timedelta(minutes=90)

    clock.advance(timedelta(minutes=89))
    assert await _due_reminders(deps) == []
    assert not await run_remind(deps, cfo.id)

    clock.advance(timedelta(minutes=2))
    assert await _due_reminders(deps) == [cfo.id]
    assert await run_remind(deps, cfo.id)
    assert not await run_remind(deps, cfo.id)
    assert await _due_reminders(deps) == []

    (sent,) = await audit_events(deps, "reminder_sent")
    assert details(sent)["assignee"] == LISA
    assert details(sent)["approval_id"] == cfo.id
    assert (await pending_for(deps, deal.deal_id, "cfo")).reminded_at == clock.now()


async def test_no_reminder_for_a_decided_approval(deps: Deps, clock: VirtualClock) -> None:
    deal = await submit(deps)
    cfo = await pending_for(deps, deal.deal_id, "cfo")
    await decide_as(deps, cfo.id, LISA)
    clock.advance(timedelta(minutes=100))

    assert cfo.id not in await _due_reminders(deps)
    assert not await run_remind(deps, cfo.id)
    assert await audit_events(deps, "reminder_sent") == []


@pytest.mark.parametrize("actor", [OWNER, ADMIN])
async def test_withdrawing_cancels_what_is_pending(deps: Deps, actor: str) -> None:
    deal = await submit(deps)
    waiting = [row.id for row in await pending_of(deps, deal.deal_id)]

    result = await withdraw(deps, deal.deal_id, actor)

    assert result.status == "withdrawn"
    stored = await load_deal(deps, deal.deal_id)
    assert stored.finished_at == deps.clock.now()
    statuses = {r.id: r.status for r in await approvals_of(deps, deal.deal_id)}
    assert [statuses[i] for i in waiting] == ["cancelled"] * len(waiting)
    (event,) = await audit_events(deps, "deal_withdrawn")
    assert (event.actor, details(event)["cancelled_approvals"]) == (actor, waiting)


async def test_only_the_owner_or_an_admin_may_withdraw_and_only_once(deps: Deps) -> None:
    deal = await submit(deps)
    before = await snapshot(deps)

    with pytest.raises(NotAuthorized):
        await withdraw(deps, deal.deal_id, STRANGER)
    assert await snapshot(deps) == before

    await withdraw(deps, deal.deal_id)
    after = await snapshot(deps)
    with pytest.raises(InvalidTransition):
        await withdraw(deps, deal.deal_id)
    assert await snapshot(deps) == after
