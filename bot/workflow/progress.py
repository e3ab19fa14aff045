"""Moving a deal through its plan: a stage starts when the one before is fully approved."""

from __future__ import annotations

from bot.events import StageStarted
from bot.uow import UnitOfWork
from bot.workflow.assign import assign
from bot.workflow.outcomes import close_deal
from policies.model import Policy
from policies.routing import Plan, PlannedApproval, PlannedStage
from store import repositories as repo
from store.models import Approval, ApprovalStatus, Deal, DealStatus


async def advance(uow: UnitOfWork, deal: Deal, policy: Policy) -> None:
    """Go as far as the deal can go now: start stages whose turn has come, approve at the end.

    Avatars decide while their stage starts, so one call may run through several stages.
    """
    plan = Plan.from_json(deal.plan)
    while deal.status == DealStatus.IN_REVIEW:
        if deal.stage_index is None:
            next_index = 0
        else:
            rows = await repo.list_stage(uow.session, deal, deal.stage_index)
            if any(row.status == ApprovalStatus.PENDING for row in rows):
                return
            next_index = deal.stage_index + 1
        if next_index == len(plan.stages):
            await close_deal(uow, deal, DealStatus.APPROVED, "system")
            return
        await _start_stage(uow, deal, policy, plan.stages[next_index])


async def _start_stage(uow: UnitOfWork, deal: Deal, policy: Policy, stage: PlannedStage) -> None:
    deal.stage_index = stage.index
    deal.updated_at = uow.now
    if stage.skipped:
        uow.audit(
            "system",
            "stage_skipped",
            deal,
            stage=stage.name,
            not_required={a.approver: a.reason for a in stage.not_required},
        )
        return
    uow.audit(
        "system",
        "stage_started",
        deal,
        stage=stage.name,
        approvals={a.approver: a.reason for a in stage.approvals},
    )
    uow.emit(StageStarted(deal.id, stage.index))
    # Avatars first: if one rejects, no person is asked for nothing.
    ordered = sorted(stage.approvals, key=lambda a: policy.approvers[a.approver].is_human)
    for planned in ordered:
        if deal.status != DealStatus.IN_REVIEW:
            return
        carried = await repo.get_carried_approval(uow.session, deal, stage.index, planned.approver)
        if carried is not None:
            _carry_over(uow, deal, stage, planned, carried)
            continue
        await assign(
            uow,
            deal,
            policy,
            stage_index=stage.index,
            stage_name=stage.name,
            slot=planned.approver,
            approver_id=planned.approver,
            reason=planned.reason,
        )


def _carry_over(
    uow: UnitOfWork, deal: Deal, stage: PlannedStage, planned: PlannedApproval, earlier: Approval
) -> None:
    """A person's approval from the last revision stands: same approver, condition still holds."""
    row = Approval(
        deal_id=deal.id,
        revision=deal.revision,
        stage_index=stage.index,
        stage_name=stage.name,
        slot=planned.approver,
        approver=earlier.approver,
        assignee=earlier.assignee,
        status=ApprovalStatus.APPROVED,
        reason=f"approved in revision {earlier.revision} and still required ({planned.reason})",
        assigned_at=uow.now,
        decided_by=earlier.decided_by,
        decided_at=earlier.decided_at,
        comment=earlier.comment,
        recommendation=earlier.recommendation,
        previous_id=earlier.id,
    )
    uow.session.add(row)
    uow.audit(
        "system",
        "approval_carried_over",
        deal,
        from_approval_id=earlier.id,
        stage=stage.name,
        approver=planned.approver,
        decided_by=earlier.decided_by,
    )
