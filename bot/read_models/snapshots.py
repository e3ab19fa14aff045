"""Read models: a deal and its approvals as plain, immutable data.

Block Kit builders, the intake API and reports take these, never ORM rows or sessions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.policy_book import PolicyBook
from bot.text.causes import Cause, causes_from_json
from policies.avatars import AvatarDecision
from policies.model import Policy
from policies.routing import Plan
from policies.vocabulary import AVATAR_PREFIX, ApprovalStatus, deal_ref
from store import repositories as repo
from store.models import Approval, Deal


@dataclass(frozen=True)
class ApprovalSnapshot:
    id: int
    deal_id: int
    revision: int
    stage_index: int
    stage_name: str
    slot: str
    approver: str
    """The policy approver id responsible for this row."""
    approver_name: str
    approver_title: str
    assignee: str
    """A Slack user id, or ``avatar:<approver id>``."""
    status: str
    reason: str
    assigned_at: datetime
    due_at: datetime | None
    sla: timedelta | None
    reminded_at: datetime | None
    escalated_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    comment: str | None
    recommendation: AvatarDecision | None
    successor_assignee: str | None = None
    """For a reassigned row: who holds the slot now."""
    successor_name: str | None = None
    carried_from: int | None = None
    """For a sign-off a new revision kept: the revision it was carried from."""
    remind_at: datetime | None = None
    snoozed_at: datetime | None = None
    next_in_line: str | None = None
    """Who the approval moves to when its timeout passes ("Lisa Wong (CFO)"); None when
    it escalates instead (see ``escalates_to``)."""
    escalates_to: str | None = None
    """The escalation channel a timeout with nobody left in line goes to (None: the admins)."""
    group: str | None = None
    """For a member of a group: how far its quorum is, "2 of 3 needed, 1 approved so far"."""
    causes: tuple[Cause, ...] = ()
    """Why it left its holder (reassigned) or why nobody is left (escalated), as recorded."""

    @property
    def can_snooze(self) -> bool:
        """ "I'm on it" is offered while a timeout lies ahead and was not pushed back yet."""
        return (
            self.is_pending
            and self.due_at is not None
            and self.escalated_at is None
            and self.snoozed_at is None
            and not self.is_avatar
        )

    @property
    def is_avatar(self) -> bool:
        return self.assignee.startswith(AVATAR_PREFIX)

    @property
    def is_pending(self) -> bool:
        return self.status == ApprovalStatus.PENDING

    def overdue(self, now: datetime) -> bool:
        return self.is_pending and self.due_at is not None and self.due_at <= now


@dataclass(frozen=True)
class DealSnapshot:
    id: int
    ref: str
    external_id: str | None
    company: str
    acv: Decimal
    discount: Decimal
    term_months: int
    industry: str
    employees: int
    use_case: str
    budget_indicated: bool
    custom_terms: bool
    owner: str
    status: str
    revision: int
    stage_index: int | None
    stage_names: tuple[str, ...]
    policy_version: str
    submitted_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    approvals: tuple[ApprovalSnapshot, ...]
    """The current revision's approvals, oldest first (reassigned rows included)."""

    @property
    def stage_name(self) -> str | None:
        return None if self.stage_index is None else self.stage_names[self.stage_index]

    @property
    def pending(self) -> tuple[ApprovalSnapshot, ...]:
        return tuple(a for a in self.approvals if a.is_pending)

    def approval(self, approval_id: int) -> ApprovalSnapshot:
        return next(a for a in self.approvals if a.id == approval_id)


def approval_snapshot(
    row: Approval,
    policy: Policy,
    successor: Approval | None = None,
    previous: Approval | None = None,
    next_in_line: str | None = None,
    group: str | None = None,
) -> ApprovalSnapshot:
    approver = policy.approvers.get(row.approver)
    return ApprovalSnapshot(
        id=row.id,
        deal_id=row.deal_id,
        revision=row.revision,
        stage_index=row.stage_index,
        stage_name=row.stage_name,
        slot=row.slot,
        approver=row.approver,
        approver_name=approver.name if approver else row.approver,
        approver_title=approver.title if approver else "",
        assignee=row.assignee,
        status=row.status,
        reason=row.reason,
        assigned_at=row.assigned_at,
        due_at=row.due_at,
        sla=_sla(policy, row.approver),
        reminded_at=row.reminded_at,
        escalated_at=row.escalated_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        comment=row.comment,
        recommendation=(
            AvatarDecision.from_json(row.recommendation)
            if row.recommendation
            and (
                row.assignee.startswith(AVATAR_PREFIX)
                or approver is None
                or approver.show_recommendation
            )
            else None
        ),
        successor_assignee=successor.assignee if successor else None,
        successor_name=_successor_name(policy, successor),
        carried_from=previous.revision if previous and previous.revision < row.revision else None,
        remind_at=row.remind_at,
        snoozed_at=row.snoozed_at,
        next_in_line=next_in_line,
        escalates_to=policy.escalation_channel,
        group=group,
        causes=causes_from_json(row.causes),
    )


def group_progress(row: Approval, rows: Iterable[Approval], plan: Plan) -> str | None:
    """ "2 of 3 needed, 1 approved so far" for a member of a group; None for anyone else."""
    if row.stage_index >= len(plan.stages):
        return None
    quorum = plan.quorum_of(row.stage_index, row.slot)
    if quorum is None:
        return None
    approved = {
        r.slot
        for r in rows
        if r.stage_index == row.stage_index
        and r.slot in quorum.members
        and r.status == ApprovalStatus.APPROVED
    }
    return f"{quorum.words} needed, {len(approved)} approved so far"


def next_in_line(row: Approval, rows: Iterable[Approval], policy: Policy, owner: str) -> str | None:
    """Who a timeout would hand ``row`` to: the first of its slot's backup chain who has not
    held it and does not own the deal; None when the chain is spent (it escalates)."""
    held = {
        r.approver
        for r in rows
        if (r.revision, r.stage_index, r.slot) == (row.revision, row.stage_index, row.slot)
    }
    for candidate in policy.backup_chain(row.slot):
        approver = policy.approvers.get(candidate)
        if candidate in held or approver is None or approver.slack_user == owner:
            continue
        return approver.display
    return None


def _successor_name(policy: Policy, successor: Approval | None) -> str | None:
    """The policy's name for whoever holds the slot now; None for a delegate holding it
    for that approver (the name is not theirs)."""
    if successor is None or (holder := policy.approvers.get(successor.approver)) is None:
        return None
    return holder.name if holder.slack_user in (None, successor.assignee) else None


def _sla(policy: Policy, approver_id: str) -> timedelta | None:
    approver = policy.approvers.get(approver_id)
    if approver is None:
        return None
    sla = approver.effective_sla if approver.is_human else approver.sla
    return sla.approx if sla is not None else None


def deal_snapshot(
    deal: Deal, rows: list[Approval] | tuple[Approval, ...], policy: Policy
) -> DealSnapshot:
    by_previous = {row.previous_id: row for row in rows if row.previous_id is not None}
    by_id = {row.id: row for row in rows}
    plan = Plan.from_json(deal.plan)
    current = [row for row in rows if row.revision == deal.revision]
    return DealSnapshot(
        id=deal.id,
        ref=deal_ref(deal.id),
        external_id=deal.external_id,
        company=deal.company,
        acv=deal.acv,
        discount=deal.discount,
        term_months=deal.term_months,
        industry=deal.industry,
        employees=deal.employees,
        use_case=deal.use_case,
        budget_indicated=deal.budget_indicated,
        custom_terms=deal.custom_terms,
        owner=deal.owner,
        status=deal.status,
        revision=deal.revision,
        stage_index=deal.stage_index,
        stage_names=tuple(stage.name for stage in plan.stages),
        policy_version=deal.policy_version,
        submitted_at=deal.submitted_at,
        updated_at=deal.updated_at,
        finished_at=deal.finished_at,
        approvals=tuple(
            approval_snapshot(
                row,
                policy,
                by_previous.get(row.id),
                by_id.get(row.previous_id or 0),
                next_in_line(row, rows, policy, deal.owner) if row.status == "pending" else None,
                group_progress(row, current, plan),
            )
            for row in current
        ),
    )


async def load_deal(session: AsyncSession, deal_id: int, policy: Policy) -> DealSnapshot | None:
    """The deal with its current revision's approvals, or None."""
    deal = await repo.get_deal(session, deal_id)
    if deal is None:
        return None
    rows = await repo.list_approvals(session, deal.id, deal.revision)
    return deal_snapshot(deal, list(rows), policy)


async def load_deals(
    session: AsyncSession, deal_ids: Iterable[int], policies: PolicyBook
) -> dict[int, DealSnapshot]:
    """Many deals in two queries, each under the policy it was routed by."""
    wanted = sorted(set(deal_ids))
    if not wanted:
        return {}
    deals = await repo.list_deals(session, wanted)
    rows = await repo.list_approvals_of(session, wanted)
    by_deal: dict[int, list[Approval]] = {}
    for row in rows:
        by_deal.setdefault(row.deal_id, []).append(row)
    snapshots = {}
    for deal in deals:
        policy = await policies.get(session, deal.policy_version)
        snapshots[deal.id] = deal_snapshot(deal, by_deal.get(deal.id, []), policy)
    return snapshots


async def load_approval(
    session: AsyncSession, approval_id: int, policies: PolicyBook
) -> tuple[DealSnapshot, ApprovalSnapshot] | None:
    """An approval (of any revision) with its deal."""
    row = await repo.get_approval(session, approval_id)
    if row is None:
        return None
    deal = (await load_deals(session, [row.deal_id], policies))[row.deal_id]
    if row.revision == deal.revision:
        return deal, deal.approval(row.id)
    policy = await policies.get(session, deal.policy_version)
    successor = await repo.get_successor(session, row.id)
    return deal, approval_snapshot(row, policy, successor)


def deal_json(deal: DealSnapshot) -> dict[str, Any]:
    """The deal as the intake API returns it (CONTRACT.md, Deal JSON response)."""
    return {
        "id": deal.ref,
        "external_id": deal.external_id,
        "company": deal.company,
        "acv": _number(deal.acv),
        "discount": _number(deal.discount),
        "term_months": deal.term_months,
        "industry": deal.industry,
        "employees": deal.employees,
        "use_case": deal.use_case,
        "budget_indicated": deal.budget_indicated,
        "custom_terms": deal.custom_terms,
        "owner": deal.owner,
        "status": deal.status,
        "revision": deal.revision,
        "stage": deal.stage_name,
        "policy_version": deal.policy_version,
        "submitted_at": _iso(deal.submitted_at),
        "updated_at": _iso(deal.updated_at),
        "finished_at": _iso(deal.finished_at),
        "approvals": [
            {
                "id": a.id,
                "revision": a.revision,
                "stage": a.stage_name,
                "approver": a.approver,
                "assignee": a.assignee,
                "status": a.status,
                "reason": a.reason,
                "decided_by": a.decided_by,
                "decided_at": _iso(a.decided_at),
                "comment": a.comment,
                "due_at": _iso(a.due_at),
            }
            for a in deal.approvals
        ],
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(value: Decimal) -> int | float:
    """JSON numbers: 500000 stays an integer; 12.5 a decimal fraction."""
    return int(value) if value == value.to_integral_value() else float(value)
