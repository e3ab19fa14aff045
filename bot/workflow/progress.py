"""Moving a deal through its plan: a stage starts when the one before is fully approved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.events import ApprovalCancelled, StageStarted
from bot.core.uow import UnitOfWork
from bot.workflow.assign import assign
from bot.workflow.outcomes import close_deal
from bot.workflow.terms import terms_from_json, terms_of
from policies.model import Policy
from policies.routing import Plan, PlannedApproval, PlannedStage
from policies.vocabulary import ApprovalStatus, DealStatus
from policies.watch import ASKED_AGAIN, Review, review_sign_off
from store import repositories as repo
from store.models import Approval, Deal


async def advance(uow: UnitOfWork, deal: Deal, policy: Policy) -> None:
    """Go as far as the deal can go now: start stages whose turn has come, approve at the end.

    Avatars decide while their stage starts, so one call may run through several stages.
    """
    plan = Plan.from_json(deal.plan)
    while deal.status == DealStatus.IN_REVIEW:
        if deal.stage_index is None:
            next_index = 0
        else:
            rows = await uow.stage_rows(deal, deal.stage_index)
            await _settle_groups(uow, deal, policy, plan.stages[deal.stage_index], rows)
            if any(row.status == ApprovalStatus.PENDING for row in rows):
                return
            next_index = deal.stage_index + 1
        if next_index == len(plan.stages):
            await close_deal(uow, deal, DealStatus.APPROVED, "system")
            return
        await _start_stage(uow, deal, policy, plan.stages[next_index])


async def _settle_groups(
    uow: UnitOfWork, deal: Deal, policy: Policy, stage: PlannedStage, rows: Sequence[Approval]
) -> None:
    """A group whose quorum is met needs no one else: their cards end, saying so."""
    quorums = {planned.quorum for planned in stage.approvals if planned.quorum is not None}
    for quorum in sorted(quorums, key=lambda q: q.group):
        members = [row for row in rows if row.slot in quorum.members]
        approved = [row for row in members if row.status == ApprovalStatus.APPROVED]
        waiting = [row for row in members if row.status == ApprovalStatus.PENDING]
        if len(approved) < quorum.needed or not waiting:
            continue
        names = ", ".join(_name(policy, row.approver) for row in approved)
        why = f"no longer needed: {len(approved)} of {len(quorum.members)} approved ({names})"
        for row in waiting:
            row.status = ApprovalStatus.CANCELLED
            row.decided_at = uow.now
            row.decided_by = "system"
            row.comment = why
            uow.emit(ApprovalCancelled(deal.id, row.id))
        uow.audit(
            "system",
            "group_quorum_reached",
            deal,
            group=quorum.group,
            needed=quorum.needed,
            approved_by=[row.decided_by for row in approved],
            cancelled_approvals=[row.id for row in waiting],
        )


def _name(policy: Policy, approver_id: str) -> str:
    approver = policy.approvers.get(approver_id)
    return approver.name if approver else approver_id


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
        reason = planned.reason
        earlier = await uow.carried_approval(deal, stage.index, planned.approver)
        if earlier is not None:
            verdict = await _review(uow, deal, policy, stage, earlier)
            if verdict.stands:
                await _carry_over(uow, deal, stage, planned, earlier, verdict)
                continue
            _reopen(uow, deal, stage, planned, earlier, verdict)
            reason = f"{reason}{ASKED_AGAIN}{verdict.why}"
        await assign(
            uow,
            deal,
            policy,
            stage_index=stage.index,
            stage_name=stage.name,
            slot=planned.approver,
            approver_id=planned.approver,
            reason=reason,
        )


@dataclass(frozen=True)
class _Verdict:
    """Whether an approval from an earlier revision stands on this one, and why."""

    given_on: int
    """The revision it was given on."""
    review: Review
    decided_by_owner: bool

    @property
    def stands(self) -> bool:
        return self.review.stands and not self.decided_by_owner

    @property
    def why(self) -> str:
        if self.decided_by_owner:
            return "it was decided by the deal's owner"
        crossed = self.review.crossed
        if all(change.why == "changed" for change in crossed):
            fields = [change.field for change in crossed]
            verb = "changed" if len(fields) == 1 else "all changed"
            return f"{_words(fields)} {verb} since revision {self.given_on}"
        return "; ".join(str(change) for change in crossed)


async def _review(
    uow: UnitOfWork, deal: Deal, policy: Policy, stage: PlannedStage, earlier: Approval
) -> _Verdict:
    """Compare the terms the approval was given on with the deal's terms now."""
    origin = await repo.get_origin(uow.session, earlier)
    seen = await repo.get_revision_terms(uow.session, deal.id, origin.revision)
    if seen is not None and origin.status == ApprovalStatus.COUNTERED:
        counter = await repo.get_counter_of(uow.session, origin.id)
        seen = {**seen, **(counter.proposed if counter else {})}  # their yes was for these
    review = review_sign_off(
        policy,
        stage.index,
        earlier.slot,
        [earlier.slot, earlier.approver],
        None if seen is None else terms_from_json(seen),
        terms_of(deal),
    )
    return _Verdict(origin.revision, review, earlier.decided_by == deal.owner)


def _reopen(
    uow: UnitOfWork,
    deal: Deal,
    stage: PlannedStage,
    planned: PlannedApproval,
    earlier: Approval,
    verdict: _Verdict,
) -> None:
    uow.audit(
        "system",
        "approval_reopened",
        deal,
        from_approval_id=earlier.id,
        stage=stage.name,
        approver=planned.approver,
        decided_by=earlier.decided_by,
        given_on_revision=verdict.given_on,
        changed=[change.field for change in verdict.review.crossed],
        why=verdict.why,
    )


def _words(fields: list[str]) -> str:
    return fields[0] if len(fields) == 1 else f"{', '.join(fields[:-1])} and {fields[-1]}"


_SIGNED_OFF = {
    ApprovalStatus.APPROVED: "approved",
    ApprovalStatus.COUNTERED: "approved with the changes they proposed",
}


async def _carry_over(
    uow: UnitOfWork,
    deal: Deal,
    stage: PlannedStage,
    planned: PlannedApproval,
    earlier: Approval,
    verdict: _Verdict,
) -> None:
    """A person's approval from an earlier revision stands: still required, and nothing it
    depends on changed since it was given."""
    row = Approval(
        deal_id=deal.id,
        revision=deal.revision,
        stage_index=stage.index,
        stage_name=stage.name,
        slot=planned.approver,
        approver=earlier.approver,
        assignee=earlier.assignee,
        status=ApprovalStatus.APPROVED,
        reason=(
            f"{_SIGNED_OFF[ApprovalStatus(earlier.status)]} in revision {verdict.given_on} "
            f"and still required ({planned.reason})"
            + "".join(f"; kept: {change}" for change in verdict.review.kept)
        ),
        assigned_at=uow.now,
        decided_by=earlier.decided_by,
        decided_at=earlier.decided_at,
        comment=earlier.comment,
        recommendation=earlier.recommendation,
        previous_id=earlier.id,
    )
    await uow.add_approval(deal, row)
    uow.audit(
        "system",
        "approval_carried_over",
        deal,
        from_approval_id=earlier.id,
        stage=stage.name,
        approver=planned.approver,
        decided_by=earlier.decided_by,
        given_on_revision=verdict.given_on,
        depends_on=sorted(verdict.review.depends_on),
        changed=sorted(verdict.review.changed),
        kept=[f"kept: {change}" for change in verdict.review.kept],
    )
