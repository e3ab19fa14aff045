"""Counter-offers: an approver says "yes, with these changes", and the deal's owner
accepts them (a new revision with those values, on which that approver's yes counts) or
declines them (the deal stays with its owner, sent back for changes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.errors import InvalidTransition, NotAuthorized, NotFound, UserInputError
from bot.core.events import ApprovalDecided, CounterOffered, CounterResolved
from bot.core.uow import UnitOfWork
from bot.workflow.outcomes import close_deal
from bot.workflow.revise import locked_deal, merged_terms, new_revision
from bot.workflow.terms import as_text, terms_of
from policies.authority import authority_to_decide, may_act_on_deal
from policies.vocabulary import (
    ApprovalStatus,
    CounterStatus,
    DealStatus,
    RevisionSource,
    deal_ref,
)
from store import repositories as repo
from store.models import Approval, CounterOffer, Deal

COUNTER_FIELDS = ("acv", "discount", "term_months")
"""What an approver may propose to change."""


@dataclass(frozen=True)
class CounterResult:
    counter_id: int
    deal_id: int
    deal_ref: str
    status: str
    """The counter-offer's status after the call."""
    revision: int
    """The deal's revision after the call (a new one when it was accepted)."""


async def counter_offer(
    uow: UnitOfWork, approval_id: int, actor: str, proposed: Mapping[str, Any], note: str
) -> CounterResult:
    """Approve with changes: record ``actor``'s counter-offer on a pending approval, send
    the deal back to its owner and ask them to accept or decline the proposed values."""
    text = note.strip()
    if not text:
        raise UserInputError("note", "say why these values, so the account executive can agree")
    unknown = sorted(set(proposed) - set(COUNTER_FIELDS))
    if unknown:
        raise UserInputError(
            unknown[0], f"a counter-offer changes only {', '.join(COUNTER_FIELDS)}"
        )
    found = await uow.lock_approval(approval_id)
    if found is None:
        raise NotFound(f"There is no approval {approval_id}.")
    deal, row = found
    await _may_decide(uow, deal, row, actor)
    before = terms_of(deal)
    after = merged_terms(deal, proposed)
    changed = {
        field: getattr(after, field)
        for field in COUNTER_FIELDS
        if getattr(after, field) != getattr(before, field)
    }
    if not changed:
        raise UserInputError(
            "discount", "these are the deal's own values: change one, or use Approve instead"
        )
    row.status = ApprovalStatus.COUNTERED
    row.decided_by = actor
    row.decided_at = uow.now
    row.comment = text
    counter = CounterOffer(
        deal_id=deal.id,
        approval_id=row.id,
        revision=deal.revision,
        proposed={field: as_text(value) for field, value in changed.items()},
        note=text,
        status=CounterStatus.OPEN,
        created_by=actor,
        created_at=uow.now,
    )
    repo.add_counter_offer(uow.session, counter)
    await uow.session.flush()
    uow.audit(
        actor,
        "approval_countered",
        deal,
        approval_id=row.id,
        counter_id=counter.id,
        stage=row.stage_name,
        approver=row.approver,
        proposed={
            field: [as_text(getattr(before, field)), as_text(value)]
            for field, value in changed.items()
        },
        note=text,
    )
    uow.emit(ApprovalDecided(deal.id, row.id))
    uow.emit(CounterOffered(deal.id, counter.id))
    await close_deal(uow, deal, DealStatus.CHANGES_REQUESTED, actor, because=row)
    return CounterResult(counter.id, deal.id, deal.ref, counter.status, deal.revision)


async def accept_counter(uow: UnitOfWork, counter_id: int, actor: str) -> CounterResult:
    """The owner (or an admin) takes the proposed values: the deal's next revision has
    them, and the countering approver's yes counts for them (no second card)."""
    counter, deal = await _open_counter(uow, counter_id, actor, "accept")
    counter.status = CounterStatus.ACCEPTED
    counter.resolved_by = actor
    counter.resolved_at = uow.now
    uow.audit(actor, "counter_offer_accepted", deal, counter_id=counter.id)
    uow.emit(CounterResolved(deal.id, counter.id, counter.status))
    terms = merged_terms(deal, counter.proposed)
    await new_revision(uow, deal, terms, actor, RevisionSource.COUNTER)
    return CounterResult(counter.id, deal.id, deal.ref, counter.status, deal.revision)


async def decline_counter(uow: UnitOfWork, counter_id: int, actor: str) -> CounterResult:
    """The owner (or an admin) keeps their values: the deal stays sent back for changes,
    and the approver is told."""
    counter, deal = await _open_counter(uow, counter_id, actor, "decline")
    counter.status = CounterStatus.DECLINED
    counter.resolved_by = actor
    counter.resolved_at = uow.now
    deal.updated_at = uow.now
    uow.audit(actor, "counter_offer_declined", deal, counter_id=counter.id)
    uow.emit(CounterResolved(deal.id, counter.id, counter.status))
    return CounterResult(counter.id, deal.id, deal.ref, counter.status, deal.revision)


async def _open_counter(
    uow: UnitOfWork, counter_id: int, actor: str, verb: str
) -> tuple[CounterOffer, Deal]:
    found = await repo.get_counter_offer(uow.session, counter_id)
    if found is None:
        raise NotFound("That counter-offer is not one I know.")
    deal = await locked_deal(uow, found.deal_id)
    counter = await repo.get_counter_offer(uow.session, counter_id, fresh=True)
    assert counter is not None  # the deal's lock keeps it
    policy = await uow.policy_for(deal)
    if not may_act_on_deal(actor, deal.owner, policy.admins):
        raise NotAuthorized(f"Only the deal's owner can {verb} a counter-offer on {deal.ref}.")
    if counter.status != CounterStatus.OPEN:
        already = (
            "no longer applies: the deal changed since"
            if counter.status == CounterStatus.SUPERSEDED
            else f"was already {counter.status}"
        )
        raise InvalidTransition(f"This counter-offer on {deal.ref} {already}.")
    if deal.revision != counter.revision or deal.status != DealStatus.CHANGES_REQUESTED:
        raise InvalidTransition(
            f"This counter-offer on {deal.ref} no longer applies: the deal changed since."
        )
    return counter, deal


async def _may_decide(uow: UnitOfWork, deal: Deal, row: Approval, actor: str) -> None:
    """The same rules as a decision: a pending approval of the deal's current revision,
    decided by its assignee, their delegate or an admin, never by the deal's owner."""
    if row.status != ApprovalStatus.PENDING or row.revision != deal.revision:
        raise InvalidTransition(
            f"{deal_ref(deal.id)} no longer waits for this approval, so nothing was changed."
        )
    if deal.status != DealStatus.IN_REVIEW:
        raise InvalidTransition(f"{deal_ref(deal.id)} is {deal.status.replace('_', ' ')}.")
    delegators = (
        [] if actor == row.assignee else await repo.list_delegators(uow.session, actor, uow.now)
    )
    admins = (await uow.policy_for(deal)).admins
    authority = authority_to_decide(actor, row.assignee, admins, delegators, deal.owner)
    if authority.owns_deal:
        raise NotAuthorized(f"You own {deal_ref(deal.id)}, so you can't decide its approvals.")
    if authority.capacity is None:
        raise NotAuthorized(
            f"This approval is assigned to {row.assignee}. Only they, someone they delegated "
            "to, or a deal desk admin can decide it."
        )
