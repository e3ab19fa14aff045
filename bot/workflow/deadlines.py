"""SLA reminders and timeouts: claimed in the database, so each happens once."""

from __future__ import annotations

from collections.abc import Sequence

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
    return bool(await remind_all(uow, [approval_id]))


async def remind_all(uow: UnitOfWork, approval_ids: Sequence[int]) -> list[int]:
    """Send each due reminder nobody has sent yet: claimed in one statement, read with
    their deals in one more, whatever their number. Returns the ids reminded now."""
    claimed = set(await repo.claim_reminders(uow.session, approval_ids, uow.now))
    reminded = []
    for deal, row in await repo.list_with_deals(uow.session, sorted(claimed)):
        uow.hold(deal, row)
        uow.audit(
            "system",
            "reminder_sent",
            deal,
            approval_id=row.id,
            assignee=row.assignee,
            due_at=row.due_at,
        )
        uow.emit(ReminderDue(deal.id, row.id))
        reminded.append(row.id)
    return reminded


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
