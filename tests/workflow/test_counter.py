"""Counter-offers: "yes, at these values". The owner accepts (a new revision on which the
counter counts as approved, no second card) or declines (the deal stays with them)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.core.deps import Deps
from bot.core.errors import InvalidTerms, InvalidTransition, NotAuthorized, UserInputError
from policies.vocabulary import ApprovalStatus
from tests.support.deals import (
    answer_counter,
    approvals_of,
    audit_events,
    by_slot,
    counter,
    decide_as,
    details,
    load_deal,
    pending_for,
    revise,
    snapshot,
    submit,
    verify_log,
)
from tests.support.matrix import ADMIN, DEAL_APPROVAL, LISA, MARCUS, OWNER, REVIEWS, STRANGER


async def test_a_counter_offer_sends_the_deal_back_with_the_proposal(deps: Deps) -> None:
    deal = await submit(deps)
    cfo = await pending_for(deps, deal.deal_id, "cfo")
    manager = await pending_for(deps, deal.deal_id, "manager")

    result = await counter(
        deps, cfo.id, LISA, "10% if they sign for 24 months", discount=10, term_months=24
    )

    assert result.status == "open"
    stored = await load_deal(deps, deal.deal_id)
    assert (stored.status, stored.discount, stored.revision) == (
        "changes_requested",
        Decimal(12),
        1,
    )
    rows = {row.id: row for row in await approvals_of(deps, deal.deal_id)}
    assert (rows[cfo.id].status, rows[cfo.id].comment) == (
        ApprovalStatus.COUNTERED,
        "10% if they sign for 24 months",
    )
    assert rows[manager.id].status == ApprovalStatus.CANCELLED
    (event,) = await audit_events(deps, "approval_countered")
    assert details(event)["proposed"] == {"discount": ["12", "10"], "term_months": ["36", "24"]}


async def test_accepting_makes_the_next_revision_and_the_counter_counts(deps: Deps) -> None:
    deal = await submit(deps)
    cfo = await pending_for(deps, deal.deal_id, "cfo")
    offer = await counter(deps, cfo.id, LISA, discount=10, term_months=24)

    accepted = await answer_counter(deps, offer.counter_id)

    assert (accepted.status, accepted.revision) == ("accepted", 2)
    stored = await load_deal(deps, deal.deal_id)
    assert (stored.status, stored.discount, stored.term_months) == ("in_review", Decimal(10), 24)
    rows = await approvals_of(deps, deal.deal_id, revision=2)
    assert by_slot(rows, DEAL_APPROVAL) == {"manager": ["pending"], "cfo": ["approved"]}
    carried = next(r for r in rows if r.slot == "cfo")
    assert carried.decided_by == LISA
    assert carried.reason.startswith("approved with the changes they proposed in revision 1")
    (revised,) = await audit_events(deps, "deal_revised")
    assert details(revised)["source"] == "counter"

    await decide_as(deps, (await pending_for(deps, deal.deal_id, "manager")).id, MARCUS)
    rows = await approvals_of(deps, deal.deal_id, revision=2)
    assert by_slot(rows, REVIEWS) == {"legal": ["pending"], "finance": ["approved"]}
    assert (await verify_log(deps)).ok


async def test_declining_leaves_the_deal_with_its_owner(deps: Deps) -> None:
    deal = await submit(deps)
    offer = await counter(
        deps, (await pending_for(deps, deal.deal_id, "cfo")).id, LISA, discount=10
    )

    declined = await answer_counter(deps, offer.counter_id, accept=False)

    assert declined.status == "declined"
    stored = await load_deal(deps, deal.deal_id)
    assert (stored.status, stored.revision, stored.discount) == (
        "changes_requested",
        1,
        Decimal(12),
    )
    with pytest.raises(InvalidTransition, match="was already declined"):
        await answer_counter(deps, offer.counter_id)


async def test_only_the_owner_or_an_admin_answers(deps: Deps) -> None:
    deal = await submit(deps)
    offer = await counter(
        deps, (await pending_for(deps, deal.deal_id, "cfo")).id, LISA, discount=10
    )
    before = await snapshot(deps)

    for person in (STRANGER, LISA):
        with pytest.raises(NotAuthorized):
            await answer_counter(deps, offer.counter_id, actor=person)
    assert await snapshot(deps) == before
    assert (await answer_counter(deps, offer.counter_id, actor=ADMIN)).status == "accepted"


async def test_a_counter_superseded_by_another_change_cannot_be_accepted(deps: Deps) -> None:
    deal = await submit(deps)
    offer = await counter(
        deps, (await pending_for(deps, deal.deal_id, "cfo")).id, LISA, discount=10
    )
    await revise(deps, deal.deal_id, OWNER, discount=11)
    before = await snapshot(deps)

    with pytest.raises(InvalidTransition, match="no longer applies"):
        await answer_counter(deps, offer.counter_id)
    assert await snapshot(deps) == before


@pytest.mark.parametrize(
    ("values", "note", "error", "field"),
    [
        ({"discount": 12}, "same", UserInputError, "discount"),
        ({"discount": 10}, "   ", UserInputError, "note"),
        ({"discount": 140}, "too much", InvalidTerms, "discount"),
        ({"company": "Other"}, "rename", UserInputError, "company"),
    ],
)
async def test_a_bad_counter_offer_is_named_and_changes_nothing(
    deps: Deps, values: dict[str, object], note: str, error: type[Exception], field: str
) -> None:
    deal = await submit(deps)
    cfo = await pending_for(deps, deal.deal_id, "cfo")
    before = await snapshot(deps)

    with pytest.raises(error) as raised:
        await counter(deps, cfo.id, LISA, note, **values)

    named = getattr(raised.value, "field", None) or raised.value.errors[0][0]  # type: ignore[attr-defined]
    assert named == field
    assert await snapshot(deps) == before


async def test_nobody_counters_an_approval_that_is_not_theirs(deps: Deps) -> None:
    deal = await submit(deps)
    cfo = await pending_for(deps, deal.deal_id, "cfo")
    before = await snapshot(deps)

    with pytest.raises(NotAuthorized):
        await counter(deps, cfo.id, MARCUS, discount=10)
    with pytest.raises(NotAuthorized, match="You own"):
        await counter(deps, cfo.id, OWNER, discount=10)
    assert await snapshot(deps) == before
