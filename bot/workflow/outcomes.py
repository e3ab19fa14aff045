"""Writing decisions and closing deals: the steps every path to an outcome shares."""

from __future__ import annotations

from bot.core.events import ApprovalCancelled, ApprovalDecided, DealFinished
from bot.core.uow import UnitOfWork
from policies.authority import Capacity
from policies.routing import Plan
from policies.vocabulary import ApprovalStatus, DealStatus
from store import evidence
from store.models import Approval, Deal

_DEAL_OUTCOME = {
    ApprovalStatus.REJECTED: DealStatus.REJECTED,
    ApprovalStatus.CHANGES_REQUESTED: DealStatus.CHANGES_REQUESTED,
}
_FINAL = (DealStatus.APPROVED, DealStatus.REJECTED, DealStatus.WITHDRAWN)


async def record_decision(
    uow: UnitOfWork,
    deal: Deal,
    row: Approval,
    status: ApprovalStatus,
    actor: str,
    comment: str | None,
    capacity: Capacity,
) -> None:
    """Decide ``row``. A rejection or a change request also closes the deal's review."""
    row.status = status
    row.decided_by = actor
    row.decided_at = uow.now
    row.comment = comment
    deal.updated_at = uow.now
    # A row made in this transaction has no evidence yet (an avatar's, deciding at once).
    seen = None if row.id in uow.created else await evidence.hash_of(uow.session, row.id)
    uow.audit(
        actor,
        "approval_decided",
        deal,
        approval_id=row.id,
        stage=row.stage_name,
        approver=row.approver,
        assignee=row.assignee,
        decision=status.value,
        comment=comment,
        capacity=capacity.value,
        **({"on_behalf_of": row.assignee} if capacity is Capacity.ADMIN else {}),
        **({"evidence": seen} if seen is not None else {}),
    )
    uow.emit(ApprovalDecided(deal.id, row.id))
    if status is ApprovalStatus.REJECTED and await _quorum_still_possible(uow, deal, row):
        return  # a group that rejects only when its quorum can no longer be met
    if status in _DEAL_OUTCOME:
        await close_deal(uow, deal, _DEAL_OUTCOME[status], actor, because=row)


async def _quorum_still_possible(uow: UnitOfWork, deal: Deal, row: Approval) -> bool:
    quorum = Plan.from_json(deal.plan).quorum_of(row.stage_index, row.slot)
    if quorum is None or quorum.reject_any:
        return False
    rows = await uow.stage_rows(deal, row.stage_index)
    rejected = {
        r.slot for r in rows if r.slot in quorum.members and r.status == ApprovalStatus.REJECTED
    }
    return len(quorum.members) - len(rejected) >= quorum.needed


async def close_deal(
    uow: UnitOfWork,
    deal: Deal,
    status: DealStatus,
    actor: str,
    *,
    because: Approval | None = None,
    comment: str | None = None,
) -> None:
    """End the review: cancel what is still pending, set the deal's status, tell subscribers.

    ``comment`` is the actor's own reason (a withdrawal's): each cancelled approval carries
    it; otherwise they say what became of the deal.
    """
    cancelled = []
    for pending in await uow.pending_rows(deal):
        pending.status = ApprovalStatus.CANCELLED
        pending.decided_at = uow.now
        pending.decided_by = actor
        pending.comment = (
            comment
            if status is DealStatus.WITHDRAWN
            else f"the deal was {status.value.replace('_', ' ')}"
        )
        cancelled.append(pending.id)
        uow.emit(ApprovalCancelled(deal.id, pending.id))
    deal.status = status
    deal.stage_index = None
    deal.updated_at = uow.now
    if status in _FINAL:
        deal.finished_at = uow.now
    uow.audit(
        actor,
        f"deal_{status.value}",
        deal,
        revision=deal.revision,
        because_approval=because.id if because else None,
        comment=because.comment if because else comment,
        cancelled_approvals=cancelled,
    )
    uow.emit(DealFinished(deal.id, status.value))
