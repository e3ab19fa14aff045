""" "I'm on it": an approval's holder pushes its timeout back once, by their ``snooze``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.errors import InvalidTransition, NotAuthorized, NotFound
from bot.core.events import ApprovalSnoozed
from bot.core.uow import UnitOfWork
from policies.authority import Capacity, authority_to_decide
from policies.vocabulary import ApprovalStatus, DealStatus
from store import repositories as repo


@dataclass(frozen=True)
class SnoozeResult:
    approval_id: int
    deal_ref: str
    due_at: datetime
    """The new timeout."""


async def snooze(uow: UnitOfWork, approval_id: int, actor: str) -> SnoozeResult:
    """Move the approval's timeout (and its reminder, if not sent yet) later by the
    approver's ``snooze``. Only its holder (or their delegate) may, once, before the
    deadline; the backup chain then waits for the new time."""
    found = await uow.lock_approval(approval_id)
    if found is None:
        raise NotFound(f"There is no approval {approval_id}.")
    deal, row = found
    if row.status != ApprovalStatus.PENDING or deal.status != DealStatus.IN_REVIEW:
        raise InvalidTransition(f"{deal.ref} no longer waits for this approval.")
    policy = await uow.policy_for(deal)
    delegators = await repo.list_delegators(uow.session, actor, uow.now)
    authority = authority_to_decide(actor, row.assignee, (), delegators, deal.owner)
    if authority.capacity not in (Capacity.ASSIGNEE, Capacity.DELEGATE):
        raise NotAuthorized("Only the person this approval waits for can say they are on it.")
    if row.due_at is None or row.escalated_at is not None:
        raise InvalidTransition("This approval has no timeout ahead to push back.")
    if row.due_at <= uow.now:
        raise InvalidTransition(
            "The deadline has passed, so it can't be pushed back: the approval is moving on."
        )
    if row.snoozed_at is not None:
        raise InvalidTransition(
            f"You already pushed this back once, on {row.snoozed_at:%Y-%m-%d %H:%M} UTC; "
            "it can't be pushed back again."
        )
    pushed = policy.approvers[row.approver].effective_snooze
    calendar = policy.calendar_of(row.approver)
    before = row.due_at
    row.due_at = pushed.until(before, calendar)
    if row.reminded_at is None and row.remind_at is not None:
        row.remind_at = pushed.until(row.remind_at, calendar)
    row.snoozed_at = uow.now
    deal.updated_at = uow.now
    uow.audit(
        actor,
        "approval_snoozed",
        deal,
        approval_id=row.id,
        assignee=row.assignee,
        pushed_back=str(pushed),
        due_at=row.due_at,
        was_due_at=before,
    )
    uow.emit(ApprovalSnoozed(deal.id, row.id))
    return SnoozeResult(row.id, deal.ref, row.due_at)
