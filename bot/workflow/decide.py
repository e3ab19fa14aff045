"""Recording a person's decision: the one path for clicks, commands, the API and the simulator."""

from __future__ import annotations

from bot.core.errors import NotFound, UserInputError
from bot.core.uow import UnitOfWork
from bot.workflow.outcomes import record_decision
from bot.workflow.progress import advance
from bot.workflow.results import DecisionResult, Refusal
from policies.authority import authority_to_decide
from policies.vocabulary import DECISIONS, ApprovalStatus, DealStatus, Decision, deal_ref
from store import repositories as repo
from store.models import Approval, Deal

REASON_REQUIRED = {
    Decision.REJECT: "say why you reject it, so the account executive knows where it stands",
    Decision.REQUEST_CHANGES: "say what needs to change, so the account executive can fix it",
}


async def decide(
    uow: UnitOfWork,
    approval_id: int,
    actor: str,
    decision: Decision,
    comment: str | None = None,
) -> DecisionResult:
    """Apply ``actor``'s decision if they may make it and the approval still waits for one.

    Exactly once: the deal is locked for the transaction, so of two racing decisions on
    one approval (or on the last two of a stage) one applies and the other is refused
    with the reason, changing nothing.
    """
    text = (comment or "").strip() or None
    if text is None and decision in REASON_REQUIRED:
        raise UserInputError("reason", f"A reason is required: {REASON_REQUIRED[decision]}.")
    found = await uow.lock_approval(approval_id)
    if found is None:
        raise NotFound(f"There is no approval {approval_id}.")
    deal, row = found
    policy = await uow.policy_for(deal)
    refusal = _refusal(row, deal, actor)
    if refusal is None:
        delegators = (
            [] if actor == row.assignee else await repo.list_delegators(uow.session, actor, uow.now)
        )
        authority = authority_to_decide(
            actor, row.assignee, policy.admins, delegators, owner=deal.owner
        )
        if authority.capacity is None:
            refused, why, message = (
                (Refusal.OWNS_DEAL, "owns the deal", _owns_deal(deal))
                if authority.owns_deal
                else (Refusal.NOT_AUTHORIZED, "not authorized", _not_authorized(row))
            )
            uow.audit(
                actor,
                "decision_refused",
                deal,
                approval_id=row.id,
                assignee=row.assignee,
                decision=decision.value,
                why=why,
            )
            return _result(deal, row, refused, message)
        await record_decision(uow, deal, row, decision.status, actor, text, authority.capacity)
        await advance(uow, deal, policy)
        return _result(deal, row, None, f"{deal_ref(deal.id)}: {decision.past_tense}.")
    return _result(deal, row, refusal[0], refusal[1])


def _refusal(row: Approval, deal: Deal, actor: str) -> tuple[Refusal, str] | None:
    when = f"{row.decided_at:%Y-%m-%d %H:%M} UTC" if row.decided_at else "earlier"
    who = "you" if row.decided_by == actor else row.decided_by
    if row.status in DECISIONS:
        verb = _VERBS[ApprovalStatus(row.status)]
        return Refusal.ALREADY_DECIDED, f"Already decided: {who} {verb} this at {when}."
    if row.revision < deal.revision:
        return (
            Refusal.STALE,
            f"{deal_ref(deal.id)} changed since this card was sent (it is on revision "
            f"{deal.revision} now), so your click changed nothing. The card now shows where "
            "it stands; if you are needed again, a new card says what changed.",
        )
    if row.status == ApprovalStatus.REASSIGNED:
        return (
            Refusal.MOVED,
            f"Too late: this approval moved on at {when} ({row.comment}), "
            "so your click changed nothing.",
        )
    if row.status != ApprovalStatus.PENDING:
        return Refusal.MOVED, f"This approval was {row.status} at {when}: {row.comment}."
    if deal.status != DealStatus.IN_REVIEW:
        return Refusal.DEAL_CLOSED, f"{deal_ref(deal.id)} is {deal.status.replace('_', ' ')}."
    return None


_VERBS = {
    ApprovalStatus.APPROVED: "approved",
    ApprovalStatus.REJECTED: "rejected",
    ApprovalStatus.CHANGES_REQUESTED: "requested changes on",
    ApprovalStatus.COUNTERED: "approved with changes",
}


def _not_authorized(row: Approval) -> str:
    return (
        f"This approval is assigned to {row.assignee}. Only they, someone they delegated to, "
        "or a deal desk admin can decide it."
    )


def _owns_deal(deal: Deal) -> str:
    return (
        f"You own {deal_ref(deal.id)}, so you can't decide its approvals: the approvers on "
        "its plan (or a deal desk admin other than you) will."
    )


def _result(deal: Deal, row: Approval, refusal: Refusal | None, message: str) -> DecisionResult:
    return DecisionResult(
        approval_id=row.id,
        deal_id=deal.id,
        deal_ref=deal_ref(deal.id),
        applied=refusal is None,
        refusal=refusal,
        message=message,
        approval_status=row.status,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        deal_status=deal.status,
    )
