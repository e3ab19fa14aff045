"""Resubmitting a deal sent back for changes: routed again on the new values; a person's
approval stands where the same approver is still required by a condition that still holds,
and avatars decide again."""

from __future__ import annotations

import pytest

from bot.core.deps import Deps
from bot.core.errors import InvalidTransition, NotAuthorized, UserInputError
from bot.workflow import SubmitResult
from policies.vocabulary import ApprovalStatus, Decision
from tests.support.deals import (
    approvals_of,
    audit_events,
    by_slot,
    decide_as,
    details,
    load_deal,
    pending_for,
    resubmit,
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
    OWNER,
    PRIYA,
    QUALIFICATION,
    REVIEWS,
    STRANGER,
)


async def _cfo_approves_manager_sends_back(deps: Deps) -> SubmitResult:
    deal = await submit(deps)
    cfo = await pending_for(deps, deal.deal_id, "cfo")
    manager = await pending_for(deps, deal.deal_id, "manager")
    await decide_as(deps, cfo.id, LISA)
    await decide_as(deps, manager.id, MARCUS, Decision.REQUEST_CHANGES, "shorter term please")
    return deal


async def test_only_a_deal_sent_back_for_changes_can_be_resubmitted(deps: Deps) -> None:
    deal = await submit(deps)
    before = await snapshot(deps)

    with pytest.raises(InvalidTransition, match="only a deal sent back for changes"):
        await resubmit(deps, deal.deal_id, techcorp(discount=5))

    assert await snapshot(deps) == before


async def test_only_the_owner_or_an_admin_may_resubmit(deps: Deps) -> None:
    deal = await _cfo_approves_manager_sends_back(deps)
    before = await snapshot(deps)

    with pytest.raises(NotAuthorized):
        await resubmit(deps, deal.deal_id, techcorp(term_months=24), STRANGER)
    assert await snapshot(deps) == before

    result = await resubmit(deps, deal.deal_id, techcorp(term_months=24), ADMIN)
    assert result.status == "in_review"
    assert (await load_deal(deps, deal.deal_id)).revision == 2


async def test_the_external_id_cannot_change(deps: Deps) -> None:
    deal = await _cfo_approves_manager_sends_back(deps)

    with pytest.raises(UserInputError) as raised:
        await resubmit(deps, deal.deal_id, techcorp(external_id="OPP-9999"))

    assert raised.value.field == "external_id"


async def test_an_approval_still_required_carries_over(deps: Deps) -> None:
    deal = await _cfo_approves_manager_sends_back(deps)
    first_cfo = next(
        r for r in await approvals_of(deps, deal.deal_id, revision=1) if r.approver == "cfo"
    )

    await resubmit(deps, deal.deal_id, techcorp(term_months=24))

    stored = await load_deal(deps, deal.deal_id)
    assert (stored.status, stored.revision, stored.stage_index) == ("in_review", 2, DEAL_APPROVAL)
    assert stored.term_months == 24
    rows = await approvals_of(deps, deal.deal_id, revision=2)
    assert by_slot(rows, DEAL_APPROVAL) == {"cfo": ["approved"], "manager": ["pending"]}
    carried = next(r for r in rows if r.slot == "cfo")
    assert (carried.decided_by, carried.previous_id) == (LISA, first_cfo.id)
    assert carried.reason == (
        "approved in revision 1 and still required (acv > 250000 or discount > 15)"
    )
    (event,) = await audit_events(deps, "approval_carried_over")
    assert details(event)["from_approval_id"] == first_cfo.id
    assert details(event)["given_on_revision"] == 1
    assert details(event)["depends_on"] == ["acv", "discount"]
    assert details(event)["changed"] == ["term_months"]
    (resubmitted,) = await audit_events(deps, "deal_resubmitted")
    assert resubmitted.actor == OWNER
    assert details(resubmitted)["changes"] == {"term_months": ["36", "24"]}


async def test_an_approval_whose_condition_no_longer_holds_is_not_carried(deps: Deps) -> None:
    deal = await _cfo_approves_manager_sends_back(deps)

    await resubmit(deps, deal.deal_id, techcorp(acv=200000, discount=10))

    rows = await approvals_of(deps, deal.deal_id, revision=2)
    assert by_slot(rows, DEAL_APPROVAL) == {"manager": ["pending"]}
    assert await audit_events(deps, "approval_carried_over") == []
    plan = (await load_deal(deps, deal.deal_id)).plan
    assert plan[DEAL_APPROVAL]["not_required"] == [
        {"approver": "cfo", "reason": "acv > 250000 or discount > 15"}
    ]


async def test_avatars_decide_again_on_the_new_values(deps: Deps) -> None:
    deal = await submit(deps)
    for approver, person in (("manager", MARCUS), ("cfo", LISA)):
        await decide_as(deps, (await pending_for(deps, deal.deal_id, approver)).id, person)
    legal = await pending_for(deps, deal.deal_id, "legal")
    await decide_as(deps, legal.id, PRIYA, Decision.REQUEST_CHANGES, "use our MSA")

    await resubmit(deps, deal.deal_id, techcorp(discount=20))
    for approver, person in (("manager", MARCUS), ("cfo", LISA)):  # the discount is theirs
        await decide_as(deps, (await pending_for(deps, deal.deal_id, approver)).id, person)

    rows = await approvals_of(deps, deal.deal_id, revision=2)
    assert by_slot(rows, QUALIFICATION) == {"sdr": ["approved"]}
    assert by_slot(rows, REVIEWS) == {
        "legal": ["pending"],
        "finance": ["reassigned", "pending"],
    }
    sdr = next(r for r in rows if r.slot == "sdr")
    assert (sdr.decided_by, sdr.reason) == ("avatar:sdr", "always required")
    finance, backup = (r for r in rows if r.slot == "finance")
    assert finance.comment == "20% discount exceeds the 15% finance authority"
    # Lisa, finance's backup, approved this deal already: one person, one approval.
    assert (backup.approver, backup.assignee, backup.status) == ("ceo", DANIEL, "pending")
    assert backup.reason.startswith("handed over by James Rodriguez (avatar): 20% discount")
    assert backup.reason.endswith(
        "(next in line: Lisa Wong already approved this deal's Deal approval step"
        " — one person, one approval)"
    )
    first_finance = next(
        r for r in await approvals_of(deps, deal.deal_id, revision=1) if r.slot == "finance"
    )
    assert first_finance.status == ApprovalStatus.APPROVED
    assert first_finance.comment == "12% discount is within the 15% authority"


async def _approved_at_300k_then_sent_back_by_legal(deps: Deps) -> SubmitResult:
    """The hole as it was found: manager and CFO approve a $300K deal, legal sends it back."""
    deal = await submit(deps, techcorp(acv=300000))
    for approver, person in (("manager", MARCUS), ("cfo", LISA)):
        await decide_as(deps, (await pending_for(deps, deal.deal_id, approver)).id, person)
    legal = await pending_for(deps, deal.deal_id, "legal")
    await decide_as(deps, legal.id, PRIYA, Decision.REQUEST_CHANGES, "our MSA, please")
    return deal


async def test_an_acv_raised_past_the_band_asks_the_manager_and_the_cfo_again(
    deps: Deps,
) -> None:
    deal = await _approved_at_300k_then_sent_back_by_legal(deps)

    await resubmit(deps, deal.deal_id, techcorp(acv=9000000))

    rows = await approvals_of(deps, deal.deal_id, revision=2)
    assert by_slot(rows, DEAL_APPROVAL) == {"manager": ["pending"], "cfo": ["pending"]}
    for row in rows:
        if row.stage_index == DEAL_APPROVAL:
            assert row.reason.endswith("; asked again: acv changed since revision 1")
    reopened = await audit_events(deps, "approval_reopened")
    assert [(details(e)["approver"], details(e)["decided_by"]) for e in reopened] == [
        ("manager", MARCUS),
        ("cfo", LISA),
    ]
    assert {tuple(details(e)["changed"]) for e in reopened} == {("acv",)}
    assert await audit_events(deps, "approval_carried_over") == []


async def test_a_change_to_the_use_case_alone_keeps_their_approvals(deps: Deps) -> None:
    deal = await _approved_at_300k_then_sent_back_by_legal(deps)

    await resubmit(deps, deal.deal_id, techcorp(acv=300000, use_case="Replace two CRMs"))

    rows = await approvals_of(deps, deal.deal_id, revision=2)
    assert by_slot(rows, QUALIFICATION) == {"sdr": ["approved"]}  # the avatar decided again
    assert by_slot(rows, DEAL_APPROVAL) == {"manager": ["approved"], "cfo": ["approved"]}
    assert by_slot(rows, REVIEWS) == {"legal": ["pending"], "finance": ["approved"]}
    kept = await audit_events(deps, "approval_carried_over")
    assert [details(e)["changed"] for e in kept] == [["use_case"], ["use_case"]]
    assert await audit_events(deps, "approval_reopened") == []


async def test_an_approval_kept_twice_is_compared_with_the_revision_it_was_given_on(
    deps: Deps,
) -> None:
    """Kept on revision 2 (use case reworded) and again on revision 3 (shorter term): each
    time compared with revision 1, where it was given, not with the copy on revision 2."""
    deal = await _approved_at_300k_then_sent_back_by_legal(deps)
    await resubmit(deps, deal.deal_id, techcorp(acv=300000, use_case="Replace two CRMs"))
    legal = await pending_for(deps, deal.deal_id, "legal")
    await decide_as(deps, legal.id, PRIYA, Decision.REQUEST_CHANGES, "and a shorter term")

    await resubmit(
        deps, deal.deal_id, techcorp(acv=300000, use_case="Replace two CRMs", term_months=24)
    )
    kept = await audit_events(deps, "approval_carried_over")
    assert [details(e)["given_on_revision"] for e in kept] == [1, 1, 1, 1]
    rows = await approvals_of(deps, deal.deal_id, revision=3)
    assert by_slot(rows, DEAL_APPROVAL) == {"manager": ["approved"], "cfo": ["approved"]}
    assert {r.reason.split(" and ")[0] for r in rows if r.stage_index == DEAL_APPROVAL} == {
        "approved in revision 1"
    }


async def test_an_approval_followed_by_a_change_request_is_not_carried(deps: Deps) -> None:
    """Lisa approved at $300K, was asked again at $9M and asked for changes; revision 3
    goes back to $300K. Marcus's approval of $300K stands (his revision-2 card was
    cancelled undecided), but Lisa's latest word was a change request: she is asked."""
    deal = await _approved_at_300k_then_sent_back_by_legal(deps)
    await resubmit(deps, deal.deal_id, techcorp(acv=9000000))
    cfo = await pending_for(deps, deal.deal_id, "cfo")
    await decide_as(deps, cfo.id, LISA, Decision.REQUEST_CHANGES, "not at $9M")

    await resubmit(deps, deal.deal_id, techcorp(acv=300000))

    rows = await approvals_of(deps, deal.deal_id, revision=3)
    assert by_slot(rows, DEAL_APPROVAL) == {"manager": ["approved"], "cfo": ["pending"]}
    (kept,) = await audit_events(deps, "approval_carried_over")
    assert (details(kept)["approver"], details(kept)["given_on_revision"]) == ("manager", 1)
