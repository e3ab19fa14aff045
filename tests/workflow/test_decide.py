"""Deciding an approval: who may, what a refusal or a repeat leaves behind (nothing but its
audit line), and how one decision moves the whole deal.

TechCorp under the test matrix waits on two people at once in "Deal approval": the
manager (U0MARCUS) and the CFO (U0LISA).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.deps import Deps
from bot.core.errors import NotFound, UserInputError
from bot.workflow import Refusal
from policies.vocabulary import ApprovalStatus, DealStatus, Decision
from tests.support.deals import (
    approvals_of,
    audit_events,
    by_slot,
    decide_as,
    delegate,
    details,
    load_deal,
    pending_for,
    pending_of,
    snapshot,
    submit,
    verify_log,
)
from tests.support.matrix import (
    ADMIN,
    BOARD,
    BOB,
    DEAL_APPROVAL,
    LISA,
    MARCUS,
    PRIYA,
    REVIEWS,
    STRANGER,
)


@pytest.mark.parametrize(
    ("actor", "capacity"), [(LISA, "assignee"), (ADMIN, "admin")], ids=["assignee", "admin"]
)
async def test_the_assignee_or_an_admin_may_decide(deps: Deps, actor: str, capacity: str) -> None:
    deal = await submit(deps)
    cfo = await pending_for(deps, deal.deal_id, "cfo")

    result = await decide_as(deps, cfo.id, actor, Decision.APPROVE, "  fine by me  ")

    assert (result.applied, result.refusal, result.approval_status) == (True, None, "approved")
    assert result.message == "D-1001: approved."
    (row,) = [r for r in await approvals_of(deps, deal.deal_id) if r.id == cfo.id]
    assert (row.status, row.decided_by, row.comment) == ("approved", actor, "fine by me")
    (decided,) = [e for e in await audit_events(deps, "approval_decided") if e.actor == actor]
    assert details(decided)["capacity"] == capacity


async def test_an_active_delegate_may_decide_for_the_assignee(deps: Deps) -> None:
    deal = await submit(deps)
    cfo = await pending_for(deps, deal.deal_id, "cfo")
    await delegate(deps, LISA, BOB, ends=timedelta(days=3))

    result = await decide_as(deps, cfo.id, BOB)

    assert result.applied
    assert result.decided_by == BOB
    (decided,) = [e for e in await audit_events(deps, "approval_decided") if e.actor == BOB]
    assert details(decided)["capacity"] == "delegate"


async def test_a_delegate_of_one_approver_may_not_decide_for_another(deps: Deps) -> None:
    deal = await submit(deps)
    manager = await pending_for(deps, deal.deal_id, "manager")
    await delegate(deps, LISA, BOB, ends=timedelta(days=3))

    result = await decide_as(deps, manager.id, BOB)

    assert (result.applied, result.refusal) == (False, Refusal.NOT_AUTHORIZED)
    assert MARCUS in result.message
    assert (await load_deal(deps, deal.deal_id)).status == DealStatus.IN_REVIEW
    (refused,) = await audit_events(deps, "decision_refused")
    assert (refused.actor, details(refused)["assignee"]) == (BOB, MARCUS)


@pytest.mark.parametrize(
    "delegation",
    [
        {"starts": timedelta(days=-3), "ends": timedelta(days=-1)},
        {"ended": True},
        {"starts": timedelta(days=1)},
    ],
    ids=["expired", "ended", "not-yet-started"],
)
async def test_an_inactive_delegation_gives_no_authority(
    deps: Deps, delegation: dict[str, object]
) -> None:
    deal = await submit(deps)
    cfo = await pending_for(deps, deal.deal_id, "cfo")
    await delegate(deps, LISA, BOB, **delegation)  # type: ignore[arg-type]

    result = await decide_as(deps, cfo.id, BOB)

    assert (result.applied, result.refusal) == (False, Refusal.NOT_AUTHORIZED)


async def test_a_stranger_is_refused_and_only_the_refusal_is_audited(deps: Deps) -> None:
    deal = await submit(deps)
    cfo = await pending_for(deps, deal.deal_id, "cfo")
    before = await snapshot(deps)

    result = await decide_as(deps, cfo.id, STRANGER, Decision.REJECT, "no")

    assert (result.applied, result.refusal) == (False, Refusal.NOT_AUTHORIZED)
    assert LISA in result.message
    assert (result.approval_status, result.deal_status) == ("pending", "in_review")
    after = await snapshot(deps)
    assert {k: v for k, v in after.items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }
    (refused,) = await audit_events(deps, "decision_refused")
    assert refused.actor == STRANGER
    assert details(refused)["approval_id"] == cfo.id
    assert details(refused)["decision"] == "reject"
    assert len(after["audit_events"]) == len(before["audit_events"]) + 1
    assert (await verify_log(deps)).ok


@pytest.mark.parametrize("decision", [Decision.REJECT, Decision.REQUEST_CHANGES])
@pytest.mark.parametrize("comment", [None, "", "  \n\t "], ids=["none", "empty", "blank"])
async def test_reject_and_request_changes_need_a_reason(
    deps: Deps, decision: Decision, comment: str | None
) -> None:
    deal = await submit(deps)
    cfo = await pending_for(deps, deal.deal_id, "cfo")
    before = await snapshot(deps)

    with pytest.raises(UserInputError) as raised:
        await decide_as(deps, cfo.id, LISA, decision, comment)

    assert raised.value.field == "reason"
    assert "reason is required" in raised.value.message
    assert await snapshot(deps) == before


async def test_an_unknown_approval_is_not_found_and_nothing_is_written(deps: Deps) -> None:
    await submit(deps)
    before = await snapshot(deps)

    with pytest.raises(NotFound, match="no approval 999"):
        await decide_as(deps, 999, ADMIN)

    assert await snapshot(deps) == before


async def test_a_repeated_decision_is_refused_and_changes_nothing(deps: Deps) -> None:
    deal = await submit(deps)
    cfo = await pending_for(deps, deal.deal_id, "cfo")
    await decide_as(deps, cfo.id, LISA, Decision.APPROVE)
    before = await snapshot(deps)

    again = await decide_as(deps, cfo.id, LISA, Decision.APPROVE)
    other = await decide_as(deps, cfo.id, ADMIN, Decision.REJECT, "too deep a discount")

    assert (again.applied, again.refusal) == (False, Refusal.ALREADY_DECIDED)
    assert again.message.startswith("Already decided: you approved this at ")
    assert (other.applied, other.refusal) == (False, Refusal.ALREADY_DECIDED)
    assert other.message.startswith(f"Already decided: {LISA} approved this at ")
    assert await snapshot(deps) == before


async def test_one_rejection_rejects_the_deal_and_cancels_its_siblings(deps: Deps) -> None:
    deal = await submit(deps)
    manager = await pending_for(deps, deal.deal_id, "manager")
    cfo = await pending_for(deps, deal.deal_id, "cfo")

    result = await decide_as(deps, manager.id, MARCUS, Decision.REJECT, "margin too thin")

    assert (result.applied, result.deal_status) == (True, DealStatus.REJECTED)
    stored = await load_deal(deps, deal.deal_id)
    assert (stored.status, stored.stage_index) == ("rejected", None)
    assert stored.finished_at is not None
    rows = {r.id: r for r in await approvals_of(deps, deal.deal_id)}
    assert rows[cfo.id].status == ApprovalStatus.CANCELLED
    assert rows[cfo.id].comment == "the deal was rejected"
    assert await pending_of(deps, deal.deal_id) == []
    (closed,) = await audit_events(deps, "deal_rejected")
    assert details(closed)["cancelled_approvals"] == [cfo.id]
    assert details(closed)["comment"] == "margin too thin"
    late = await decide_as(deps, cfo.id, LISA)
    assert (late.applied, late.refusal) == (False, Refusal.MOVED)


async def test_request_changes_returns_the_deal_to_its_owner(deps: Deps) -> None:
    deal = await submit(deps)
    manager = await pending_for(deps, deal.deal_id, "manager")
    cfo = await pending_for(deps, deal.deal_id, "cfo")

    result = await decide_as(
        deps, cfo.id, LISA, Decision.REQUEST_CHANGES, "bring the discount under 10%"
    )

    assert (result.applied, result.deal_status) == (True, DealStatus.CHANGES_REQUESTED)
    stored = await load_deal(deps, deal.deal_id)
    assert (stored.status, stored.stage_index, stored.finished_at) == (
        "changes_requested",
        None,
        None,
    )
    statuses = {r.id: r.status for r in await approvals_of(deps, deal.deal_id)}
    assert (statuses[cfo.id], statuses[manager.id]) == ("changes_requested", "cancelled")
    assert [e.actor for e in await audit_events(deps, "deal_changes_requested")] == [LISA]


async def test_a_stage_advances_only_when_all_its_approvals_are_approved(deps: Deps) -> None:
    deal = await submit(deps)
    manager = await pending_for(deps, deal.deal_id, "manager")
    cfo = await pending_for(deps, deal.deal_id, "cfo")

    await decide_as(deps, manager.id, MARCUS)
    assert (await load_deal(deps, deal.deal_id)).stage_index == DEAL_APPROVAL
    assert by_slot(await approvals_of(deps, deal.deal_id), REVIEWS) == {}

    await decide_as(deps, cfo.id, LISA)
    assert (await load_deal(deps, deal.deal_id)).stage_index == REVIEWS
    assert by_slot(await approvals_of(deps, deal.deal_id), REVIEWS) == {
        "legal": ["pending"],
        "finance": ["approved"],
    }


async def test_the_last_approval_of_the_last_stage_approves_the_deal(deps: Deps) -> None:
    deal = await submit(deps)
    for approver, person in (("manager", MARCUS), ("cfo", LISA), ("legal", PRIYA)):
        row = await pending_for(deps, deal.deal_id, approver)
        result = await decide_as(deps, row.id, person)

    assert result.deal_status == DealStatus.APPROVED
    stored = await load_deal(deps, deal.deal_id)
    assert (stored.status, stored.stage_index) == ("approved", None)
    assert stored.finished_at == deps.clock.now()
    assert await pending_of(deps, deal.deal_id) == []
    assert by_slot(await approvals_of(deps, deal.deal_id), BOARD) == {}
    (approved,) = await audit_events(deps, "deal_approved")
    assert approved.actor == "system"
    assert (await verify_log(deps)).ok
