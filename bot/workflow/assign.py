"""Putting an approval in someone's hands: a person (with their SLA), or an avatar that
decides at once; and moving it along the backup chain when its holder cannot decide."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.events import ApprovalAssigned, ApprovalEscalated, ApprovalReassigned
from bot.core.uow import UnitOfWork
from bot.text.causes import Cause, CauseKind, describe, describe_escalation
from bot.text.mrkdwn import mention
from bot.workflow.outcomes import record_decision
from bot.workflow.terms import terms_of
from policies.authority import Capacity
from policies.avatars import Outcome, run_avatar
from policies.model import Approver, Policy
from policies.vocabulary import AVATAR_PREFIX, ApprovalStatus
from store.models import Approval, Deal

_MAX_DELEGATION_HOPS = 5
_DELEGATED = "; delegated by "


@dataclass(frozen=True)
class _Holder:
    """Who gets a slot: a policy approver and who decides for them (themselves, their
    delegate, or ``avatar:<id>``), with why."""

    approver_id: str
    assignee: str
    reason: str


async def assign(
    uow: UnitOfWork,
    deal: Deal,
    policy: Policy,
    *,
    stage_index: int,
    stage_name: str,
    slot: str,
    approver_id: str,
    reason: str,
) -> Approval:
    """Create the slot's first row and let an avatar decide it at once.

    Whoever decides for the approver may not hold it when they own the deal: then the
    next in line does, or, when nobody is left, the admins are asked (escalation).
    """
    candidates = [approver_id, *policy.backup_chain(approver_id)]
    holder, passed = await _next_holder(uow, deal, policy, candidates, reason, slot)
    exhausted = holder is None
    if holder is None:  # the approver the policy names keeps it, and the admins are asked
        person = policy.approvers[approver_id].slack_user
        assert person is not None  # an avatar is never passed over
        holder = _Holder(approver_id, person, reason)
    row = await _create_row(
        uow,
        deal,
        policy,
        stage_index=stage_index,
        stage_name=stage_name,
        slot=slot,
        holder=_noted(holder, passed),
        previous=None,
    )
    _announce(uow, deal, row)
    if exhausted:
        await escalate(uow, deal, row, passed)
        return row
    await _activate(uow, deal, policy, row)
    return row


async def reassign(
    uow: UnitOfWork,
    deal: Deal,
    policy: Policy,
    row: Approval,
    *,
    cause: Cause,
    actor: str,
    reason: str | None = None,
) -> Approval | None:
    """Move ``row`` to the next backup in the slot's chain; escalate when none is left.

    The chain is the slot approver's backups, breadth first (Policy.backup_chain),
    skipping anyone who has already held this slot. ``cause`` is what happened to the
    old row's holder; ``reason`` is why the new holder got it (default: the cause).
    """
    tried = await uow.slot_approvers(row)
    candidates = [a for a in policy.backup_chain(row.slot) if a not in tried]
    if reason is None:
        holder_approver = policy.approvers[row.approver]
        reason = (
            _handover_reason(holder_approver, cause.detail)
            if cause.kind is CauseKind.HANDOVER
            else describe(cause)
        )
    holder, passed = await _next_holder(uow, deal, policy, candidates, reason, row.slot)
    if holder is None:
        await escalate(uow, deal, row, [cause, *passed])
        return None
    return await _hand_over(
        uow, deal, policy, row, _noted(holder, passed), cause=cause, actor=actor
    )


async def escalate(uow: UnitOfWork, deal: Deal, row: Approval, causes: list[Cause]) -> None:
    """No backup left: the approval stays pending and goes to the policy's admins, with
    why (``causes``: what happened to its holder, then each backup passed over)."""
    row.escalated_at = uow.now
    row.causes = [cause.to_json() for cause in causes]
    deal.updated_at = uow.now
    uow.audit(
        "system",
        "approval_escalated",
        deal,
        approval_id=row.id,
        assignee=row.assignee,
        why=f"{describe_escalation(causes)}, and no backup is left",
        causes=row.causes,
    )
    uow.emit(ApprovalEscalated(deal.id, row.id))


async def _next_holder(
    uow: UnitOfWork, deal: Deal, policy: Policy, candidates: list[str], reason: str, slot: str
) -> tuple[_Holder | None, list[Cause]]:
    """The first of ``candidates`` whose decider may hold an approval of this deal, and
    why each one before it was passed over: the deal's owner never decides it, and (with
    ``one_person_one_approval``) nobody holds two of its approvals."""
    passed: list[Cause] = []
    for approver_id in candidates:
        approver = policy.approvers[approver_id]
        if approver.slack_user is None or approver.avatar_live:
            return _Holder(approver_id, AVATAR_PREFIX + approver_id, reason), passed
        person, note = await _resolve_delegation(uow, approver)
        cause = await _passed_over(uow, deal, policy, approver, person, slot)
        if cause is not None:
            passed.append(cause)
            uow.audit(
                "system",
                "approver_passed_over",
                deal,
                approver=approver_id,
                person=person,
                why=describe(cause),
                cause=cause.kind,
            )
            continue
        return _Holder(approver_id, person, reason + note), passed
    return None, passed


async def _passed_over(
    uow: UnitOfWork, deal: Deal, policy: Policy, approver: Approver, person: str, slot: str
) -> Cause | None:
    """Why ``person`` may not hold ``slot`` of this deal, or None when they may."""
    who = approver.name if person == approver.slack_user else f"the delegate of {approver.name}"
    if person == deal.owner:
        return Cause(CauseKind.OWNER, who)
    if not policy.one_person_one_approval:
        return None
    other = await uow.other_approval_held(deal, person, slot)
    if other is None:
        return None
    return Cause(CauseKind.PASSED_OVER, who, detail=other.status, stage=other.stage_name)


def _noted(holder: _Holder, passed: list[Cause]) -> _Holder:
    """The holder's reason with who was passed over on the way, for the card and the API."""
    if not passed:
        return holder
    return _Holder(
        holder.approver_id,
        holder.assignee,
        f"{holder.reason} (next in line: {describe_escalation(passed)})",
    )


async def _create_row(
    uow: UnitOfWork,
    deal: Deal,
    policy: Policy,
    *,
    stage_index: int,
    stage_name: str,
    slot: str,
    holder: _Holder,
    previous: Approval | None,
) -> Approval:
    approver = policy.approvers[holder.approver_id]
    row = Approval(
        deal_id=deal.id,
        revision=deal.revision,
        stage_index=stage_index,
        stage_name=stage_name,
        slot=slot,
        approver=holder.approver_id,
        assignee=holder.assignee,
        status=ApprovalStatus.PENDING,
        reason=holder.reason,
        assigned_at=uow.now,
        previous_id=previous.id if previous else None,
    )
    if not holder.assignee.startswith(AVATAR_PREFIX):
        sla, calendar = approver.effective_sla, policy.calendar_of(holder.approver_id)
        row.due_at = sla.until(uow.now, calendar)
        row.remind_at = sla.share(uow.now, calendar, policy.reminder_at)
    if approver.avatar is not None:
        row.recommendation = run_avatar(approver.avatar, terms_of(deal), approver.limits).to_json()
    await uow.add_approval(deal, row)
    deal.updated_at = uow.now
    return row


def _announce(uow: UnitOfWork, deal: Deal, row: Approval) -> None:
    """Audit and announce a new row (after the reassignment that led to it, if any)."""
    uow.audit(
        "system",
        "approval_assigned",
        deal,
        approval_id=row.id,
        stage=row.stage_name,
        approver=row.approver,
        assignee=row.assignee,
        reason=row.reason,
        due_at=row.due_at,
        recommendation=row.recommendation,
    )
    uow.emit(ApprovalAssigned(deal.id, row.id))


async def _activate(uow: UnitOfWork, deal: Deal, policy: Policy, row: Approval) -> None:
    """An avatar-only approver decides now; a person's row waits for them."""
    if not row.is_avatar or row.recommendation is None:
        return
    outcome = Outcome(row.recommendation["outcome"])
    reasoning = str(row.recommendation["reasoning"])
    if outcome is Outcome.APPROVE:
        await record_decision(
            uow, deal, row, ApprovalStatus.APPROVED, row.assignee, reasoning, Capacity.ASSIGNEE
        )
    elif outcome is Outcome.REJECT:
        await record_decision(
            uow, deal, row, ApprovalStatus.REJECTED, row.assignee, reasoning, Capacity.ASSIGNEE
        )
    elif policy.approvers[row.approver].avatar_live:
        await _to_the_person(uow, deal, policy, row, reasoning)
    else:
        await reassign(uow, deal, policy, row, cause=_handover(policy, row), actor=row.assignee)


def _handover(policy: Policy, row: Approval) -> Cause:
    """An avatar's row handing over: its reasoning, as recorded in its decision."""
    assert row.recommendation is not None
    name = policy.approvers[row.approver].name
    return Cause(
        CauseKind.HANDOVER, f"{name} (avatar)", detail=str(row.recommendation["reasoning"])
    )


async def _to_the_person(
    uow: UnitOfWork, deal: Deal, policy: Policy, row: Approval, reasoning: str
) -> None:
    """A live avatar hands what exceeds its authority to its own person (or whoever decides
    for them); when they may not hold it, along the backup chain as usual."""
    approver = policy.approvers[row.approver]
    person, note = await _resolve_delegation(uow, approver)
    cause = _handover(policy, row)
    if await _passed_over(uow, deal, policy, approver, person, row.slot) is not None:
        await reassign(uow, deal, policy, row, cause=cause, actor=row.assignee)
        return
    holder = _Holder(row.approver, person, _handover_reason(approver, reasoning) + note)
    await _hand_over(uow, deal, policy, row, holder, cause=cause, actor=row.assignee)


async def _resolve_delegation(uow: UnitOfWork, approver: Approver) -> tuple[str, str]:
    """Who actually decides for a person: them, or whoever they delegated to (transitively);
    and the note that says so ("" for themselves)."""
    assert approver.slack_user is not None
    user, until = approver.slack_user, None
    seen = {user}
    for _ in range(_MAX_DELEGATION_HOPS):
        delegation = await uow.active_delegation(user)
        if delegation is None or delegation.delegate in seen:
            break
        user = delegation.delegate
        until = delegation.ends_at
        seen.add(user)
    if user == approver.slack_user:
        return user, ""
    return user, f"{_DELEGATED}{approver.name}{_until(until)}"


def _until(moment: datetime | None) -> str:
    """In UTC with the hour: a delegation ends at the delegator's local midnight, so the
    date alone would read a day late east of it."""
    return f" until {moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if moment else ""


def _handover_reason(holder: Approver, why: str) -> str:
    return f"handed over by {holder.name} (avatar): {why}"


async def move_to_current_holder(
    uow: UnitOfWork, approval_id: int, *, actor: str
) -> Approval | None:
    """Send a pending approval to whoever decides for its approver now (their delegate).

    Returns the new row, or None when nothing had to move.
    """
    found = await uow.lock_approval(approval_id)
    if found is None or found[1].status != ApprovalStatus.PENDING:
        return None
    deal, row = found
    policy = await uow.policy_for(deal)
    approver = policy.approvers.get(row.approver)
    if approver is None or approver.slack_user is None:
        return None
    base_reason = row.reason.split(_DELEGATED)[0]
    person, note = await _resolve_delegation(uow, approver)
    if person in (row.assignee, deal.owner):  # the owner never holds it: it stays put
        return None
    holder = _Holder(row.approver, person, base_reason + note)
    until = note.removeprefix(f"{_DELEGATED}{approver.name}")
    cause = Cause(CauseKind.DELEGATION, approver.name, detail=until)
    return await _hand_over(uow, deal, policy, row, holder, cause=cause, actor=actor)


async def hand_over_to(
    uow: UnitOfWork, deal: Deal, policy: Policy, row: Approval, person: str, *, actor: str, why: str
) -> Approval:
    """An admin moves ``row`` to ``person`` (who holds it for the same approver)."""
    reason = f"{row.reason.split(_DELEGATED)[0]}; moved by an admin: {why}"
    holder = _Holder(row.approver, person, reason)
    cause = Cause(CauseKind.ADMIN, row.assignee, detail=why, by=mention(actor))
    return await _hand_over(uow, deal, policy, row, holder, cause=cause, actor=actor)


async def _hand_over(
    uow: UnitOfWork,
    deal: Deal,
    policy: Policy,
    row: Approval,
    holder: _Holder,
    *,
    cause: Cause,
    actor: str,
) -> Approval:
    """End ``row`` as reassigned and give its slot to ``holder``: one new row, audited and
    announced, which an avatar decides at once. The old row keeps the cause, and its
    comment says it in words (an avatar's, in its own: its reasoning)."""
    why = cause.detail if cause.kind is CauseKind.HANDOVER else describe(cause)
    row.status = ApprovalStatus.REASSIGNED
    row.decided_by = actor
    row.decided_at = uow.now
    row.comment = why
    row.causes = [cause.to_json()]
    new = await _create_row(
        uow,
        deal,
        policy,
        stage_index=row.stage_index,
        stage_name=row.stage_name,
        slot=row.slot,
        holder=holder,
        previous=row,
    )
    uow.audit(
        actor,
        "approval_reassigned",
        deal,
        approval_id=row.id,
        new_approval_id=new.id,
        from_assignee=row.assignee,
        to_assignee=new.assignee,
        to_approver=new.approver,
        cause=cause.kind,
        why=why,
    )
    uow.emit(ApprovalReassigned(deal.id, row.id, new.id, cause.kind))
    _announce(uow, deal, new)
    await _activate(uow, deal, policy, new)
    return new
