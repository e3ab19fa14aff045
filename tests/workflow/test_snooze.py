""" "I'm on it": the holder pushes their timeout back once, by the approver's snooze (half the
SLA unless the policy says), before the deadline; the reminder moves with it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.clock import VirtualClock
from bot.core.deps import Deps
from bot.core.errors import InvalidTransition, NotAuthorized
from bot.workflow.snooze import snooze
from tests.support.deals import (
    audit_events,
    delegate,
    details,
    pending_for,
    run_time_out,
    snapshot,
    submit,
)
from tests.support.matrix import BOB, LISA, MARCUS, OWNER, STRANGER


async def _snooze(deps: Deps, approval_id: int, actor: str) -> None:
    async with deps.unit_of_work() as uow:
        await snooze(uow, approval_id, actor)


async def test_im_on_it_pushes_the_timeout_and_the_reminder_back_once(
    deps: Deps, clock: VirtualClock
) -> None:
    deal = await submit(deps)
    cfo = await pending_for(deps, deal.deal_id, "cfo")  # 2h SLA: pushed back by 1h
    assert cfo.due_at is not None
    assert cfo.remind_at is not None

    await _snooze(deps, cfo.id, LISA)

    moved = await pending_for(deps, deal.deal_id, "cfo")
    assert moved.due_at == cfo.due_at + timedelta(hours=1)
    assert moved.remind_at == cfo.remind_at + timedelta(hours=1)
    (event,) = await audit_events(deps, "approval_snoozed")
    assert (event.actor, details(event)["pushed_back"]) == (LISA, "1h")

    before = await snapshot(deps)
    with pytest.raises(InvalidTransition, match="already pushed this back once"):
        await _snooze(deps, cfo.id, LISA)
    assert await snapshot(deps) == before

    clock.advance(timedelta(hours=2, minutes=30))  # past the old deadline
    assert await run_time_out(deps, cfo.id) is None
    clock.advance(timedelta(hours=1))
    assert await run_time_out(deps, cfo.id) is not None


async def test_only_the_holder_or_their_delegate_and_only_before_the_deadline(
    deps: Deps, clock: VirtualClock
) -> None:
    deal = await submit(deps)
    manager = await pending_for(deps, deal.deal_id, "manager")
    before = await snapshot(deps)
    for person in (STRANGER, OWNER, LISA):
        with pytest.raises(NotAuthorized):
            await _snooze(deps, manager.id, person)
    assert await snapshot(deps) == before

    await delegate(deps, MARCUS, BOB)
    await _snooze(deps, manager.id, BOB)

    cfo = await pending_for(deps, deal.deal_id, "cfo")
    clock.advance(timedelta(hours=3))
    with pytest.raises(InvalidTransition, match="deadline has passed"):
        await _snooze(deps, cfo.id, LISA)
