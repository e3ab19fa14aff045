"""SLA reminders and timeouts: claimed in the database, so each happens once."""

from __future__ import annotations

from bot.core.events import ReminderDue
from bot.core.uow import UnitOfWork
from bot.text.causes import Cause, CauseKind
from bot.workflow.assign import reassign
from bot.workflow.progress import advance
from policies.vocabulary import ApprovalStatus
from store import repositories as repo
from store.models import Approval


async def remind(uow: UnitOfWork, approval_id: int) -> bool:
    """Send the approval's one reminder if it is due and nobody has sent it yet."""
    if not await repo.claim_reminder(uow.session, approval_id, uow.now):
        return False
    row = await repo.get_approval(uow.session, approval_id, fresh=True)
    deal = await repo.get_deal(uow.session, row.deal_id) if row else None
    if row is None or deal is None:
        return False
    uow.audit(
        "system",
        "reminder_sent",
        deal,
        approval_id=row.id,
        assignee=row.assignee,
        due_at=row.due_at,
    )
    uow.emit(ReminderDue(deal.id, row.id))
    return True


async def time_out(uow: UnitOfWork, approval_id: int) -> Approval | None:
    """Move an approval whose SLA has passed to the next backup (or escalate it).

    Returns the new row, or None when there was nothing to do (already decided, moved,
    escalated, or not yet due: another instance or a click got there first).
    """
    found = await uow.lock_approval(approval_id)
    if found is None:
        return None
    deal, row = found
    if (
        row.status != ApprovalStatus.PENDING
        or row.escalated_at is not None
        or row.due_at is None
        or row.due_at > uow.now
    ):
        return None
    policy = await uow.policy_for(deal)
    holder = policy.approvers[row.approver]
    cause = Cause(CauseKind.TIMEOUT, holder.name, detail=str(holder.effective_sla))
    new = await reassign(uow, deal, policy, row, cause=cause, actor="system")
    if new is None or new.status != ApprovalStatus.PENDING:
        # An avatar backup decided at once, or none was left: the stage may have moved.
        # A new pending holder leaves it where it was (nothing got decided).
        await advance(uow, deal, policy)
    return new
