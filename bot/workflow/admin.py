"""What a deal desk admin may do to any deal in review: move an approval to someone else,
or find the approval to decide on its holder's behalf (an override, with a reason)."""

from __future__ import annotations

from bot.core.errors import InvalidTransition, NotAuthorized, NotFound, UserInputError
from bot.core.uow import UnitOfWork
from bot.workflow.assign import hand_over_to
from bot.workflow.revise import locked_deal
from policies.deal import SLACK_USER_ID
from policies.vocabulary import DealStatus
from store.models import Approval, Deal


async def admin_reassign(
    uow: UnitOfWork, deal_id: int, approver_id: str, person: str, actor: str, reason: str
) -> Approval:
    """Give the deal's pending approval for ``approver_id`` (a slot or the approver holding
    it) to ``person``, with a reason: the old card says where it went and why."""
    deal = await locked_deal(uow, deal_id)
    policy = await uow.policy_for(deal)
    require_admin(actor, policy.admins)
    text = reason.strip()
    if not text:
        raise UserInputError("reason", "say why it moves, so its holder and the audit know")
    if not SLACK_USER_ID.match(person):
        raise UserInputError("user", f"“{person}” is not a Slack user id such as U0LISA")
    row = await pending_approval(uow, deal, approver_id)
    if person == deal.owner:
        raise UserInputError(
            "user", f"{person} owns {deal.ref}, so they can't decide its approvals"
        )
    if person == row.assignee:
        raise UserInputError("user", f"it already waits for {person}")
    return await hand_over_to(uow, deal, policy, row, person, actor=actor, why=text)


async def pending_approval(uow: UnitOfWork, deal: Deal, approver_id: str) -> Approval:
    """The deal's pending approval whose slot (or holder) is ``approver_id``."""
    if deal.status != DealStatus.IN_REVIEW:
        raise InvalidTransition(
            f"{deal.ref} is {deal.status.replace('_', ' ')}: nothing is pending."
        )
    pending = await uow.pending_rows(deal)
    for row in pending:
        if approver_id in (row.slot, row.approver):
            return row
    waiting = ", ".join(sorted({row.slot for row in pending})) or "nobody"
    raise NotFound(f"{deal.ref} has no pending approval for “{approver_id}” (pending: {waiting}).")


def require_admin(actor: str, admins: list[str]) -> None:
    if actor not in admins:
        raise NotAuthorized("Only a deal desk admin (the policy's `admins:`) can do that.")
