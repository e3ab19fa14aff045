"""Deals that change in review: a new revision cancels what was pending, keeps the
sign-offs a change stays within, asks the rest again; withdrawals end every approval."""

from __future__ import annotations

import pytest

from bot.core.deps import Deps
from bot.core.errors import InvalidTerms, InvalidTransition, NotAuthorized, UserInputError
from policies.vocabulary import ApprovalStatus, Decision, Refusal, RevisionSource
from tests.support.deals import (
    approvals_of,
    audit_events,
    by_slot,
    decide_as,
    details,
    load_deal,
    pending_for,
    revise,
    snapshot,
    submit,
    techcorp,
    verify_log,
    withdraw,
)
from tests.support.matrix import ADMIN, DEAL_APPROVAL, LISA, MARCUS, OWNER, REVIEWS, STRANGER


async def test_an_edit_in_review_cancels_the_pending_cards_and_routes_again(deps: Deps) -> None:
    deal = await submit(deps)
    await decide_as(deps, (await pending_for(deps, deal.deal_id, "cfo")).id, LISA)
    manager = await pending_for(deps, deal.deal_id, "manager")

    result = await revise(deps, deal.deal_id, term_months=24)

    assert (result.changed, result.revision, result.changes) == (
        True,
        2,
        {"term_months": ["36", "24"]},
    )
    first = {row.id: row for row in await approvals_of(deps, deal.deal_id, revision=1)}
    assert first[manager.id].status == ApprovalStatus.CANCELLED
    assert first[manager.id].comment == "D-1001 changed: revision 2"
    rows = await approvals_of(deps, deal.deal_id, revision=2)
    assert by_slot(rows, DEAL_APPROVAL) == {"manager": ["pending"], "cfo": ["approved"]}
    (event,) = await audit_events(deps, "deal_revised")
    assert details(event)["source"] == "edit"
    assert details(event)["cancelled_approvals"] == [manager.id]
    assert (await verify_log(deps)).ok


async def test_a_click_on_a_card_of_an_older_revision_changes_nothing(deps: Deps) -> None:
    deal = await submit(deps)
    manager = await pending_for(deps, deal.deal_id, "manager")
    await revise(deps, deal.deal_id, term_months=24)
    before = await snapshot(deps)

    result = await decide_as(deps, manager.id, MARCUS)

    assert (result.applied, result.refusal) == (False, Refusal.STALE)
    assert "D-1001 changed since this card was sent (it is on revision 2 now)" in result.message
    assert await snapshot(deps) == before


async def test_the_same_values_again_change_nothing(deps: Deps) -> None:
    deal = await submit(deps)
    before = await snapshot(deps)

    result = await revise(deps, deal.deal_id, source=RevisionSource.CRM, discount=12, acv=500000)

    assert (result.changed, result.revision) == (False, 1)
    assert await snapshot(deps) == before


async def test_bad_values_are_named_and_nothing_changes(deps: Deps) -> None:
    deal = await submit(deps)
    before = await snapshot(deps)

    with pytest.raises(InvalidTerms) as raised:
        await revise(deps, deal.deal_id, discount=140, term_months=0)
    assert [field for field, _ in raised.value.errors] == ["discount", "term_months"]
    with pytest.raises(UserInputError):
        await revise(deps, deal.deal_id, external_id="OPP-9999")
    assert await snapshot(deps) == before


async def test_only_the_owner_or_an_admin_may_edit(deps: Deps) -> None:
    deal = await submit(deps)
    before = await snapshot(deps)

    with pytest.raises(NotAuthorized):
        await revise(deps, deal.deal_id, STRANGER, discount=5)
    assert await snapshot(deps) == before
    assert (await revise(deps, deal.deal_id, ADMIN, discount=5)).revision == 2


async def test_a_finished_deal_cannot_change(deps: Deps) -> None:
    deal = await submit(deps)
    await withdraw(deps, deal.deal_id)

    with pytest.raises(InvalidTransition, match="withdrawn, so it cannot change"):
        await revise(deps, deal.deal_id, discount=5)


async def test_a_raise_past_a_limit_asks_again_and_says_which(deps: Deps) -> None:
    """Lisa (advised by the cfo avatar: 25% at most) approved 12%; 20% crosses her
    condition's `discount > 15`, so she is asked again; 14% would not have."""
    deal = await submit(deps)
    for approver, person in (("manager", MARCUS), ("cfo", LISA)):
        await decide_as(deps, (await pending_for(deps, deal.deal_id, approver)).id, person)

    await revise(deps, deal.deal_id, discount=20)

    rows = await approvals_of(deps, deal.deal_id, revision=2)
    assert by_slot(rows, DEAL_APPROVAL) == {"manager": ["pending"], "cfo": ["pending"]}
    cfo = next(r for r in rows if r.slot == "cfo")
    assert cfo.reason.endswith("asked again: discount 12% → 20% crosses discount > 15")


async def test_a_change_within_every_limit_keeps_the_sign_off(deps: Deps) -> None:
    """The CFO's approval at 20% stands at 22%: past 15% both times, and within the cfo
    avatar's 25%; the manager, who has no limit on the discount, is asked again."""
    deal = await submit(deps, techcorp(discount=20))
    for approver, person in (("manager", MARCUS), ("cfo", LISA)):
        await decide_as(deps, (await pending_for(deps, deal.deal_id, approver)).id, person)

    await revise(deps, deal.deal_id, discount=22)

    rows = await approvals_of(deps, deal.deal_id, revision=2)
    assert by_slot(rows, DEAL_APPROVAL) == {"manager": ["pending"], "cfo": ["approved"]}
    (kept,) = await audit_events(deps, "approval_carried_over")
    assert details(kept)["kept"] == ["kept: discount 20% → 22% stays within the 25% limit"]


async def test_a_withdrawal_ends_every_pending_approval_with_its_reason(deps: Deps) -> None:
    deal = await submit(deps)

    await withdraw(deps, deal.deal_id, OWNER, "customer went with a competitor")

    stored = await load_deal(deps, deal.deal_id)
    assert stored.status == "withdrawn"
    pending = [r for r in await approvals_of(deps, deal.deal_id) if r.stage_index == DEAL_APPROVAL]
    assert {(r.status, r.decided_by, r.comment) for r in pending} == {
        ("cancelled", OWNER, "customer went with a competitor")
    }
    result = await decide_as(deps, pending[0].id, MARCUS, Decision.APPROVE)
    assert not result.applied
    with pytest.raises(InvalidTransition):
        await withdraw(deps, deal.deal_id)


async def test_later_stages_run_on_the_new_values(deps: Deps) -> None:
    deal = await submit(deps)
    for approver, person in (("manager", MARCUS), ("cfo", LISA)):
        await decide_as(deps, (await pending_for(deps, deal.deal_id, approver)).id, person)

    await revise(deps, deal.deal_id, use_case="Replace two CRMs")

    rows = await approvals_of(deps, deal.deal_id, revision=2)
    assert by_slot(rows, DEAL_APPROVAL) == {"manager": ["approved"], "cfo": ["approved"]}
    assert by_slot(rows, REVIEWS) == {"legal": ["pending"], "finance": ["approved"]}
