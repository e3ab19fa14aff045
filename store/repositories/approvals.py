"""Approvals: a deal's rows by stage and slot, who holds what, a person's inbox.

Repositories read and add; they never commit."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.vocabulary import DECISIONS, SIGN_OFFS, ApprovalStatus, DealStatus
from store.models import Approval, Deal

_ENDED = (ApprovalStatus.REASSIGNED, ApprovalStatus.CANCELLED)


async def lock_deals_of(session: AsyncSession, approval_ids: Collection[int]) -> list[Deal]:
    """The deals of these approvals, locked for this transaction in id order (so that two
    processes locking overlapping batches never deadlock), fresh."""
    query = (
        select(Deal)
        .where(Deal.id.in_(select(Approval.deal_id).where(Approval.id.in_(list(approval_ids)))))
        .order_by(Deal.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(query)).scalars())


async def get_approval(
    session: AsyncSession, approval_id: int, *, fresh: bool = False
) -> Approval | None:
    query = select(Approval).where(Approval.id == approval_id)
    if fresh:
        query = query.execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one_or_none()


async def deals_of(session: AsyncSession, approval_ids: Collection[int]) -> dict[int, int]:
    """The deal of each of ``approval_ids`` that exists."""
    if not approval_ids:
        return {}
    query = select(Approval.id, Approval.deal_id).where(Approval.id.in_(list(approval_ids)))
    return {approval_id: deal_id for approval_id, deal_id in (await session.execute(query)).all()}


async def list_approvals(
    session: AsyncSession, deal_id: int, revision: int | None = None
) -> Sequence[Approval]:
    """The deal's approvals (one revision's, or all), in the order they were created."""
    query = select(Approval).where(Approval.deal_id == deal_id)
    if revision is not None:
        query = query.where(Approval.revision == revision)
    return (await session.execute(query.order_by(Approval.id))).scalars().all()


async def list_approvals_of(
    session: AsyncSession, deal_ids: Collection[int], *, fresh: bool = False
) -> Sequence[Approval]:
    """Every row of these deals (all revisions), in the order they were created."""
    query = select(Approval).where(Approval.deal_id.in_(list(deal_ids))).order_by(Approval.id)
    if fresh:
        query = query.execution_options(populate_existing=True)
    return (await session.execute(query)).scalars().all()


async def get_successor(session: AsyncSession, approval_id: int) -> Approval | None:
    """The row that carries a reassigned approval on."""
    query = select(Approval).where(Approval.previous_id == approval_id)
    return (await session.execute(query)).scalars().first()


async def list_pending_for(
    session: AsyncSession, assignees: Collection[str], viewer: str, limit: int
) -> tuple[list[Approval], int]:
    """The first ``limit`` approvals waiting for ``assignees``, by deadline (overdue ones
    first, those without one last), and how many there are in all. The viewer's own
    deals are left out: nobody decides those (they wait for someone else)."""
    if not assignees:
        return [], 0
    pending = (
        Approval.assignee.in_(list(assignees)),
        Approval.status == ApprovalStatus.PENDING,
        ~exists().where(Deal.id == Approval.deal_id, Deal.owner == viewer),
    )
    query = (
        select(Approval)
        .where(*pending)
        .order_by(Approval.due_at.is_(None), Approval.due_at, Approval.id)
        .limit(limit)
    )
    rows = list((await session.execute(query)).scalars())
    if len(rows) < limit:
        return rows, len(rows)
    total = (await session.execute(select(func.count()).where(*pending))).scalar_one()
    return rows, int(total)


async def list_escalated(session: AsyncSession, viewer: str, limit: int) -> list[Approval]:
    """Pending approvals escalated to the admins (no backup was left), oldest first; the
    viewer's own deals left out (they may not decide those)."""
    query = (
        select(Approval)
        .where(
            Approval.status == ApprovalStatus.PENDING,
            Approval.escalated_at.is_not(None),
            ~exists().where(Deal.id == Approval.deal_id, Deal.owner == viewer),
        )
        .order_by(Approval.escalated_at, Approval.id)
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def list_decided_by(session: AsyncSession, user: str, limit: int) -> list[Approval]:
    """``user``'s latest decisions, newest first."""
    query = (
        select(Approval)
        .where(Approval.decided_by == user, Approval.status.in_(DECISIONS))
        .order_by(Approval.decided_at.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def list_open_deals_of(session: AsyncSession, owner: str, limit: int) -> list[int]:
    """The deals ``owner`` has in review or sent back, latest activity first."""
    query = (
        select(Deal.id)
        .where(
            Deal.owner == owner,
            Deal.status.in_((DealStatus.IN_REVIEW, DealStatus.CHANGES_REQUESTED)),
        )
        .order_by(Deal.updated_at.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def list_stage(session: AsyncSession, deal: Deal, stage_index: int) -> Sequence[Approval]:
    """The stage's current rows: each slot's latest holder.

    Reassigned and cancelled rows are left out.
    """
    query = select(Approval).where(
        Approval.deal_id == deal.id,
        Approval.revision == deal.revision,
        Approval.stage_index == stage_index,
        Approval.status.not_in(_ENDED),
    )
    return (await session.execute(query.order_by(Approval.id))).scalars().all()


async def list_pending(session: AsyncSession, deal: Deal) -> Sequence[Approval]:
    query = select(Approval).where(
        Approval.deal_id == deal.id,
        Approval.revision == deal.revision,
        Approval.status == ApprovalStatus.PENDING,
    )
    return (await session.execute(query.order_by(Approval.id))).scalars().all()


async def list_slot_approvers(session: AsyncSession, row: Approval) -> set[str]:
    """Every approver who has held this row's slot (for walking the backup chain)."""
    query = select(Approval.approver).where(
        Approval.deal_id == row.deal_id,
        Approval.revision == row.revision,
        Approval.stage_index == row.stage_index,
        Approval.slot == row.slot,
    )
    return set((await session.execute(query)).scalars().all())


async def get_carried_approval(
    session: AsyncSession, deal: Deal, stage_index: int, slot: str
) -> Approval | None:
    """A person's sign-off of this slot from an earlier revision (an approval, or a
    counter-offer: approval with changes), if their latest decision on it was one (an
    approval followed by a change request is not).

    Earlier than the last revision too: a deal sent back before it reached this stage
    again keeps the approval given before.
    """
    query = select(Approval).where(
        Approval.deal_id == deal.id,
        Approval.revision < deal.revision,
        Approval.stage_index == stage_index,
        Approval.slot == slot,
        Approval.status.in_(DECISIONS),
        Approval.assignee.not_like("avatar:%"),
    )
    newest = query.order_by(Approval.revision.desc(), Approval.id.desc()).limit(1)
    latest = (await session.execute(newest)).scalar_one_or_none()
    return latest if latest is not None and latest.status in SIGN_OFFS else None


async def other_approval_held(
    session: AsyncSession, deal: Deal, person: str, slot: str
) -> Approval | None:
    """An approval of the deal's current revision other than ``slot``'s that ``person``
    holds or gave (a sign-off first), or None."""
    query = (
        select(Approval)
        .where(
            Approval.deal_id == deal.id,
            Approval.revision == deal.revision,
            Approval.assignee == person,
            Approval.slot != slot,
            Approval.status.in_((ApprovalStatus.PENDING, *SIGN_OFFS)),
        )
        .order_by(Approval.status == ApprovalStatus.PENDING, Approval.id)
    )
    return (await session.scalars(query.limit(1))).first()


async def get_origin(session: AsyncSession, approval: Approval) -> Approval:
    """The row where a carried approval was actually given: carrying it to a new revision
    copies who decided it and when onto a row pointing back at it."""
    row = approval
    while row.previous_id is not None:
        earlier = await session.get(Approval, row.previous_id)
        if earlier is None or (earlier.decided_by, earlier.decided_at, earlier.status) != (
            row.decided_by,
            row.decided_at,
            row.status,
        ):
            break
        row = earlier
    return row


async def list_pending_ids_of(session: AsyncSession, assignee: str) -> list[int]:
    """The approvals waiting for ``assignee``, oldest first."""
    query = (
        select(Approval.id)
        .where(Approval.assignee == assignee, Approval.status == ApprovalStatus.PENDING)
        .order_by(Approval.id)
    )
    return list((await session.execute(query)).scalars().all())


async def count_pending(session: AsyncSession, now: datetime) -> tuple[int, int]:
    """Approvals waiting for a decision, and how many of them are past their SLA."""
    pending = Approval.status == ApprovalStatus.PENDING
    waiting = (await session.execute(select(func.count()).where(pending))).scalar_one()
    overdue = (
        await session.execute(select(func.count()).where(pending, Approval.due_at <= now))
    ).scalar_one()
    return int(waiting), int(overdue)
