"""Reassignment: an SLA timeout moves an approval along the backup chain, an exhausted chain
escalates, an avatar hands over what is beyond it, and a delegation routes new approvals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.clock import VirtualClock
from bot.core.deps import Deps, open_deps
from policies.vocabulary import Decision
from store import repositories as repo
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
    BOB,
    DANIEL,
    LISA,
    MARCUS,
    OMAR,
    REVIEWS,
    REVOPS,
)

SMALL = {"acv": 200000, "discount": 0}
"""Only the manager in "Deal approval"."""


async def _due_ids(deps: Deps) -> list[int]:
    async with deps.db.read() as session:
        return (await repo.list_due(session, deps.clock.now()))[1]


async def test_no_timeout_before_the_sla_has_passed(deps: Deps, clock: VirtualClock) -> None:
    deal = await submit(deps, techcorp(**SMALL))
    manager = await pending_for(deps, deal.deal_id, "manager")
    clock.advance(timedelta(hours=24) - timedelta(seconds=1))
    before = await snapshot(deps)

    assert await _due_ids(deps) == []
    assert await run_time_out(deps, manager.id) is None
    assert await snapshot(deps) == before


async def test_a_timeout_moves_the_approval_to_the_next_backup(
    deps: Deps, clock: VirtualClock
) -> None:
    deal = await submit(deps, techcorp(**SMALL))
    manager = await pending_for(deps, deal.deal_id, "manager")
    clock.advance(timedelta(hours=24, minutes=1))

    assert await _due_ids(deps) == [manager.id]
    new = await run_time_out(deps, manager.id)

    assert new is not None
    assert (new.slot, new.approver, new.assignee, new.status) == ("manager", "cfo", LISA, "pending")
    assert new.previous_id == manager.id
    assert new.reason == "Marcus Thompson did not answer within the 24h SLA"
    assert new.due_at == clock.now() + timedelta(hours=2)
    rows = {r.id: r for r in await approvals_of(deps, deal.deal_id)}
    assert (rows[manager.id].status, rows[manager.id].decided_by) == ("reassigned", "system")
    (moved,) = await audit_events(deps, "approval_reassigned")
    assert details(moved)["cause"] == "timeout"
    assert (details(moved)["from_assignee"], details(moved)["to_assignee"]) == (MARCUS, LISA)
    assert await run_time_out(deps, manager.id) is None


async def test_the_chain_is_followed_in_order_then_escalated(
    deps: Deps, clock: VirtualClock
) -> None:
    policy = deps.policies.current.policy
    chain = policy.backup_chain("manager")
    assert chain == ["cfo", "counsel", "ceo"]
    deal = await submit(deps, techcorp(**SMALL))
    row = await pending_for(deps, deal.deal_id, "manager")

    holders = []
    for _ in chain:
        clock.advance(policy.approvers[row.approver].effective_sla.approx + timedelta(minutes=1))
        new = await run_time_out(deps, row.id)
        assert new is not None
        holders.append((new.approver, new.assignee))
        row = new
    assert holders == [("cfo", LISA), ("counsel", OMAR), ("ceo", DANIEL)]

    clock.advance(timedelta(hours=24, minutes=1))
    assert await run_time_out(deps, row.id) is None
    (last,) = await pending_of(deps, deal.deal_id)
    assert (last.id, last.escalated_at) == (row.id, clock.now())
    (escalated,) = await audit_events(deps, "approval_escalated")
    assert details(escalated)["approval_id"] == row.id
    assert "24h SLA" in details(escalated)["why"]

    clock.advance(timedelta(days=10))
    before = await snapshot(deps)
    assert await _due_ids(deps) == []
    assert await run_time_out(deps, row.id) is None
    assert await snapshot(deps) == before

    assert (await decide_as(deps, row.id, ADMIN, Decision.APPROVE)).applied
    assert (await load_deal(deps, deal.deal_id)).stage_index == REVIEWS


@pytest.mark.parametrize("policy_file", [REVOPS])
async def test_an_avatar_hands_over_what_is_beyond_its_limits(deps: Deps) -> None:
    deal = await submit(deps)

    avatar, person = [r for r in await approvals_of(deps, deal.deal_id) if r.slot == "manager"]
    assert (avatar.status, avatar.decided_by) == ("reassigned", "avatar:manager")
    assert (person.approver, person.assignee, person.status) == ("cfo", LISA, "pending")
    assert person.previous_id == avatar.id
    (moved,) = await audit_events(deps, "approval_reassigned")
    assert moved.actor == "avatar:manager"
    assert details(moved)["cause"] == "handover"
    assert details(moved)["new_approval_id"] == person.id


NO_BACKUP = """\
name: Lone avatar
admins: [U0REVOPS]
approvers:
  legal: {name: Priya Patel, avatar: legal}
stages:
  - name: Reviews
    approvals: [{approver: legal}]
"""


async def test_an_avatar_with_no_backup_escalates_to_the_admins(
    database_url: str, write_policy: Callable[[str], Path], clock: VirtualClock
) -> None:
    async with open_deps(database_url, write_policy(NO_BACKUP), clock) as deps:
        deal = await submit(deps, techcorp(custom_terms=True))

        (row,) = await pending_of(deps, deal.deal_id)
        assert (row.assignee, row.escalated_at) == ("avatar:legal", clock.now())
        assert (await decide_as(deps, row.id, ADMIN)).deal_status == "approved"


async def test_a_person_who_delegated_has_new_approvals_routed_to_the_delegate(
    deps: Deps,
) -> None:
    await delegate(deps, LISA, BOB, ends=timedelta(days=3))

    deal = await submit(deps)

    cfo = await pending_for(deps, deal.deal_id, "cfo")
    assert cfo.assignee == BOB
    assert cfo.reason == (
        "acv > 250000 or discount > 15; delegated by Lisa Wong until 2026-11-26 13:00 UTC"
    )
    result = await decide_as(deps, cfo.id, BOB)
    assert result.applied
    (decided,) = [e for e in await audit_events(deps, "approval_decided") if e.actor == BOB]
    assert details(decided)["capacity"] == "assignee"


async def test_delegations_are_followed_transitively_and_stop_at_a_loop(deps: Deps) -> None:
    await delegate(deps, LISA, BOB)
    await delegate(deps, BOB, DANIEL)
    await delegate(deps, MARCUS, OMAR)
    await delegate(deps, OMAR, MARCUS)

    deal = await submit(deps)

    assert (await pending_for(deps, deal.deal_id, "cfo")).assignee == DANIEL
    assert (await pending_for(deps, deal.deal_id, "manager")).assignee == OMAR


async def test_a_timeout_to_a_backup_who_delegated_goes_to_the_delegate(
    deps: Deps, clock: VirtualClock
) -> None:
    deal = await submit(deps, techcorp(**SMALL))
    manager = await pending_for(deps, deal.deal_id, "manager")
    await delegate(deps, LISA, BOB)
    clock.advance(timedelta(hours=25))

    new = await run_time_out(deps, manager.id)

    assert new is not None
    assert (new.approver, new.assignee) == ("cfo", BOB)
    assert new.reason.endswith("; delegated by Lisa Wong")
