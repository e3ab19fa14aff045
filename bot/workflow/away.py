"""Out of office: an approval whose holder's Slack status says they are away.

It goes at once along the slot's backup chain (a backup's own delegate decides for
them, as for any hand-over), or, with nobody left, stays and the admins are asked. A
holder back soon (policies.away) keeps it: the wait is noted once.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.uow import UnitOfWork
from bot.text.causes import Cause
from bot.workflow.assign import reassign
from bot.workflow.progress import advance
from policies.vocabulary import ApprovalStatus
from store import repositories as repo


async def stand_in_for_away(uow: UnitOfWork, approval_id: int, holder: str, cause: Cause) -> bool:
    """Move the approval from ``holder``, who is away (``cause``: what their status says).

    True when it left them; False when it had already moved on, or stays with them
    because nobody else may hold it (then it is escalated to the admins, once).
    """
    found = await uow.lock_approval(approval_id)
    if found is None:
        return False
    deal, row = found
    if row.status != ApprovalStatus.PENDING or row.assignee != holder or row.escalated_at:
        return False
    policy = await uow.policy_for(deal)
    new = await reassign(uow, deal, policy, row, cause=cause, actor="system")
    await advance(uow, deal, policy)
    return new is not None


async def wait_for_return(
    uow: UnitOfWork, approval_id: int, holder: str, why: str, back_at: datetime
) -> None:
    """Keep the approval with ``holder``, who is back at ``back_at``; audited once."""
    found = await uow.lock_approval(approval_id)
    if found is None or not await repo.claim_away_wait(uow.session, approval_id, uow.now):
        return
    deal, row = found
    uow.audit(
        "system",
        "approval_waits_for_holder",
        deal,
        approval_id=row.id,
        assignee=holder,
        why=why,
        back_at=back_at,
        due_at=row.due_at,
    )
