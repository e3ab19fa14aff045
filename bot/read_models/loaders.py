"""The read models built from the store: a deal with its current revision's approvals,
many deals in two queries, one approval of any revision (bot.read_models.snapshots);
what changed between revisions and a counter-offer (bot.read_models.revisions)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.policy_book import PolicyBook
from bot.read_models.revisions import (
    DIFF_FIELDS,
    HEADLINE,
    CounterSnapshot,
    FieldDiff,
    RevisionDiff,
)
from bot.read_models.snapshots import ApprovalSnapshot, DealSnapshot
from bot.text.causes import causes_from_json
from policies.avatars import AvatarDecision
from policies.limits import Cap, caps_of
from policies.model import Policy
from policies.routing import Plan
from policies.vocabulary import AVATAR_PREFIX, ApprovalStatus, deal_ref
from store import repositories as repo
from store.models import Approval, Deal


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


async def load_revision_diff(
    session: AsyncSession,
    deal_id: int,
    since: int,
    revision: int,
    policy: Policy | None = None,
    approver: str | None = None,
) -> RevisionDiff | None:
    """The changes from revision ``since`` to ``revision``; with ``approver``, each change
    read against that approver's limits. None when either revision's terms are unknown."""
    revisions = {row.revision: row for row in await repo.list_revisions(session, deal_id)}
    old, new = revisions.get(since), revisions.get(revision)
    if old is None or new is None:
        return None
    caps: dict[str, Cap] = {}
    if policy is not None and approver is not None and approver in policy.approvers:
        caps = caps_of(policy.approvers[approver])
    changes = []
    for field in DIFF_FIELDS:
        before, after = _typed(field, old.terms.get(field)), _typed(field, new.terms.get(field))
        if before != after:
            changes.append(
                FieldDiff(field, before, after, _against(caps.get(field), before, after))
            )
    changed = {change.field for change in changes}
    return RevisionDiff(
        since,
        revision,
        tuple(changes),
        tuple(field for field in HEADLINE if field not in changed),
        new.source,
        new.actor,
    )


async def load_card_diff(
    session: AsyncSession, deal_id: int, revision: int, person: str, approver: str, policy: Policy
) -> RevisionDiff | None:
    """What changed since ``person`` last had this deal in hand, on a card of ``revision``:
    None on a first card."""
    seen = await repo.get_last_seen_revision(session, deal_id, person, revision)
    if seen is None:
        return None
    return await load_revision_diff(session, deal_id, seen, revision, policy, approver)


async def load_counter(
    session: AsyncSession, counter_id: int, policy: Policy
) -> CounterSnapshot | None:
    counter = await repo.get_counter_offer(session, counter_id)
    if counter is None:
        return None
    terms = await repo.get_revision_terms(session, counter.deal_id, counter.revision) or {}
    row = await repo.get_approval(session, counter.approval_id)
    approver = policy.approvers.get(row.approver) if row else None
    return CounterSnapshot(
        id=counter.id,
        deal_id=counter.deal_id,
        approval_id=counter.approval_id,
        revision=counter.revision,
        proposed={field: _typed(field, value) for field, value in counter.proposed.items()},
        current={field: _typed(field, terms.get(field)) for field in counter.proposed},
        note=counter.note,
        status=counter.status,
        created_by=counter.created_by,
        created_at=counter.created_at,
        resolved_by=counter.resolved_by,
        resolved_at=counter.resolved_at,
        approver_name=approver.name if approver else (row.approver if row else ""),
    )


def _typed(field: str, value: Any) -> Any:
    """Stored JSON back to the field's type, so 12 and "12.00" compare equal."""
    if value is None:
        return None
    if field in ("acv", "discount"):
        return Decimal(str(value)).normalize()
    if field in ("term_months", "employees"):
        return int(value)
    return value


def _against(cap: Cap | None, before: Any, after: Any) -> str:
    if cap is None:
        return ""
    if cap.allows(before) and not cap.allows(after):
        return f"crosses your {str(cap).removeprefix('the ')}"
    if cap.allows(after):
        return f"within your {str(cap).removeprefix('the ')}"
    return f"beyond your {str(cap).removeprefix('the ')}"
