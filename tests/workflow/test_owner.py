"""A deal's owner never decides it: not as the assignee, a delegate, a backup or an admin.

At routing the approval goes to the next in line (the backup chain, then the admins in
the escalation channel) and says why; a click by the owner is refused and audited; a
delegation to the owner of a deal one holds is refused. The deal still completes.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.clock import VirtualClock
from bot.core.deps import Deps
from bot.core.errors import UserInputError
from bot.read_models.approval_inbox import load_inbox
from bot.workflow import Refusal
from bot.workflow.delegation import start_delegation
from policies.vocabulary import DealStatus, Decision
from tests.support.deals import (
    approvals_of,
    audit_events,
    decide_as,
    delegate,
    details,
    load_deal,
    pending_for,
    pending_of,
    run_time_out,
    snapshot,
    submit,
    techcorp,
)
from tests.support.matrix import (
    ADMIN,
    DANIEL,
    DEAL_APPROVAL,
    LISA,
    MARCUS,
    OMAR,
    OWNER,
    PRIYA,
)

SMALL = {"acv": 200000, "discount": 0}
"""Only the manager in "Deal approval", only legal in "Reviews"."""


async def approve_the_rest(deps: Deps, deal_id: int, but: str | None = None) -> None:
    """Each pending approval approved by its assignee, stage after stage, until only those
    held by ``but`` (if anyone) are left."""
    while pending := [r for r in await pending_of(deps, deal_id) if r.assignee != but]:
        for row in pending:
            result = await decide_as(deps, row.id, row.assignee)
            assert result.applied, result.message


async def test_an_owner_named_as_approver_is_passed_to_the_next_in_line(deps: Deps) -> None:
    deal = await submit(deps, techcorp(owner=MARCUS, **SMALL))

    manager = await pending_for(deps, deal.deal_id, "cfo")
    assert (manager.slot, manager.assignee, manager.stage_index) == ("manager", LISA, DEAL_APPROVAL)
    assert manager.reason == "always required (next in line: Marcus Thompson owns this deal)"
    (passed,) = await audit_events(deps, "approver_passed_over")
    assert details(passed) == {
        "approver": "manager",
        "person": MARCUS,
        "why": "Marcus Thompson owns this deal",
        "cause": "owner",
    }
    (assigned,) = [
        e for e in await audit_events(deps, "approval_assigned") if details(e)["assignee"] == LISA
    ]
    assert passed.seq < assigned.seq

    await approve_the_rest(deps, deal.deal_id)
    assert (await load_deal(deps, deal.deal_id)).status == DealStatus.APPROVED
    decided = {
        details(e)["approver"]: e.actor for e in await audit_events(deps, "approval_decided")
    }
    assert MARCUS not in decided.values()


async def test_an_owner_who_is_a_delegate_is_passed_over(deps: Deps) -> None:
    await delegate(deps, LISA, OWNER, ends=timedelta(days=3))

    deal = await submit(deps)  # $500K: the CFO must approve, and Lisa delegates to the owner

    cfo_slot = [r for r in await approvals_of(deps, deal.deal_id) if r.slot == "cfo"]
    assert [(r.approver, r.assignee, r.status) for r in cfo_slot] == [("ceo", DANIEL, "pending")]
    assert cfo_slot[0].reason == (
        "acv > 250000 or discount > 15 (next in line: the delegate of Lisa Wong owns this deal)"
    )
    await approve_the_rest(deps, deal.deal_id)
    assert (await load_deal(deps, deal.deal_id)).status == DealStatus.APPROVED


async def test_an_owner_who_is_the_backup_is_passed_over(deps: Deps, clock: VirtualClock) -> None:
    deal = await submit(deps, techcorp(owner=LISA, **SMALL))
    manager = await pending_for(deps, deal.deal_id, "manager")
    clock.advance(timedelta(hours=24, seconds=1))

    moved = await run_time_out(deps, manager.id)

    assert moved is not None
    assert (moved.approver, moved.assignee) == ("counsel", OMAR)
    assert moved.reason == (
        "Marcus Thompson did not answer within the 24h SLA (next in line: Lisa Wong owns this deal)"
    )
    await approve_the_rest(deps, deal.deal_id)
    assert (await load_deal(deps, deal.deal_id)).status == DealStatus.APPROVED


async def test_an_admin_who_owns_the_deal_may_not_decide_it(deps: Deps) -> None:
    deal = await submit(deps, techcorp(owner=ADMIN))
    cfo = await pending_for(deps, deal.deal_id, "cfo")
    before = await snapshot(deps)

    result = await decide_as(deps, cfo.id, ADMIN)

    assert (result.applied, result.refusal) == (False, Refusal.OWNS_DEAL)
    assert result.message.startswith("You own D-1001, so you can't decide its approvals")
    after = await snapshot(deps)
    assert {k: v for k, v in after.items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }
    (refused,) = await audit_events(deps, "decision_refused")
    assert (refused.actor, details(refused)["why"]) == (ADMIN, "owns the deal")
    await approve_the_rest(deps, deal.deal_id)
    assert (await load_deal(deps, deal.deal_id)).status == DealStatus.APPROVED


@pytest.mark.parametrize("decision", [Decision.APPROVE, Decision.REJECT])
async def test_the_owner_may_not_decide_an_approval_held_in_their_name(
    deps: Deps, decision: Decision
) -> None:
    """The CEO owns a $5M deal: the Board stage names him, nobody is left behind him, so the
    approval waits for the admins, and his own click is refused."""
    deal = await submit(deps, techcorp(owner=DANIEL, acv=5000000))
    await approve_the_rest(deps, deal.deal_id, but=DANIEL)  # up to the Board stage

    (board,) = await pending_of(deps, deal.deal_id)
    assert (board.approver, board.assignee) == ("ceo", DANIEL)
    assert board.escalated_at is not None
    (escalated,) = await audit_events(deps, "approval_escalated")
    assert details(escalated)["why"] == "Daniel Kim owns this deal, and no backup is left"

    refused = await decide_as(deps, board.id, DANIEL, decision, "mine")
    assert (refused.applied, refused.refusal) == (False, Refusal.OWNS_DEAL)

    assert (await decide_as(deps, board.id, ADMIN)).applied
    assert (await load_deal(deps, deal.deal_id)).status == DealStatus.APPROVED


async def test_delegating_to_the_owner_of_a_deal_one_holds_is_refused(deps: Deps) -> None:
    deal = await submit(deps)  # Lisa holds the CFO approval of Sarah's deal
    before = await snapshot(deps)

    with pytest.raises(UserInputError) as raised:
        async with deps.unit_of_work() as uow:
            await start_delegation(uow, LISA, OWNER, None)

    assert raised.value.field == "delegate"
    assert "U0SARAH owns D-1001, which waits for your decision" in raised.value.message
    assert await snapshot(deps) == before
    async with deps.unit_of_work() as uow:  # to anyone else it is fine
        await start_delegation(uow, LISA, PRIYA, None)
    assert (await pending_for(deps, deal.deal_id, "cfo")).assignee == PRIYA


async def test_the_owner_does_not_see_their_deal_as_waiting_for_them(deps: Deps) -> None:
    deal = await submit(deps, techcorp(owner=DANIEL, acv=5000000))
    await approve_the_rest(deps, deal.deal_id, but=DANIEL)

    async with deps.db.read() as session:
        daniel = await load_inbox(session, deps.policies, DANIEL, deps.clock.now())
    assert (daniel.waiting, daniel.waiting_total) == ((), 0)
    assert [d.ref for d in daniel.own_deals] == ["D-1001"]
