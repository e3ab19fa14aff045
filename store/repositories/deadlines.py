"""Deadlines: due reminders and timeouts, claimed once, and the next moment due.

Repositories read and add; they never commit."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from policies.vocabulary import ApprovalStatus
from store.models import Approval, Deal


async def claim_reminders(
    session: AsyncSession, approval_ids: Collection[int], now: datetime
) -> list[int]:
    """Mark the due reminders of these approvals sent, in one statement; each id comes back
    to exactly one caller, however many race."""
    if not approval_ids:
        return []
    result = await session.execute(
        update(Approval)
        .where(
            Approval.id.in_(list(approval_ids)),
            Approval.status == ApprovalStatus.PENDING,
            Approval.reminded_at.is_(None),
            Approval.remind_at <= now,
        )
        .values(reminded_at=now)
        .returning(Approval.id)
        .execution_options(synchronize_session=False)
    )
    return list(result.scalars())


async def claim_nudges(
    session: AsyncSession, approval_ids: Collection[int], now: datetime, since: datetime
) -> list[int]:
    """Mark these approvals nudged unless they were nudged at ``since`` or later, or are no
    longer pending, in one statement; each id comes back to exactly one caller."""
    if not approval_ids:
        return []
    result = await session.execute(
        update(Approval)
        .where(
            Approval.id.in_(list(approval_ids)),
            Approval.status == ApprovalStatus.PENDING,
            or_(Approval.nudged_at.is_(None), Approval.nudged_at < since),
        )
        .values(nudged_at=now)
        .returning(Approval.id)
        .execution_options(synchronize_session=False)
    )
    return list(result.scalars())


async def list_with_deals(
    session: AsyncSession, approval_ids: Collection[int]
) -> list[tuple[Deal, Approval]]:
    """These approvals with their deals, fresh, in id order."""
    query = (
        select(Deal, Approval)
        .join(Approval, Approval.deal_id == Deal.id)
        .where(Approval.id.in_(list(approval_ids)))
        .order_by(Approval.id)
        .execution_options(populate_existing=True)
    )
    return [(deal, row) for deal, row in (await session.execute(query)).all()]


async def claim_away_wait(session: AsyncSession, approval_id: int, now: datetime) -> bool:
    """Note that the approval waits for its away holder; True for the first caller only."""
    result = await session.execute(
        update(Approval)
        .where(Approval.id == approval_id, Approval.away_waited_at.is_(None))
        .values(away_waited_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def list_due(
    session: AsyncSession,
    now: datetime,
    limit: int = 500,
    *,
    deal_ids: Collection[int] | None = None,
) -> tuple[list[int], list[int]]:
    """Approvals whose reminder is due, and approvals whose SLA has passed: the ``limit``
    longest due of each. The timeouts come in deal order, so that a batch of them locks
    its deals in one order and two instances working through them never deadlock.

    ``deal_ids`` limits both to those deals (the simulator must not touch real deals).
    """
    scope = _of_deals(deal_ids)
    reminders = (
        select(Approval.id)
        .where(
            Approval.status == ApprovalStatus.PENDING,
            Approval.reminded_at.is_(None),
            Approval.escalated_at.is_(None),
            Approval.remind_at <= now,
            and_(Approval.due_at.is_not(None), Approval.due_at > now),
            *scope,
        )
        .order_by(Approval.remind_at)
        .limit(limit)
    )
    timeouts = (
        select(Approval.id, Approval.deal_id)
        .where(
            Approval.status == ApprovalStatus.PENDING,
            Approval.escalated_at.is_(None),
            Approval.due_at <= now,
            *scope,
        )
        .order_by(Approval.due_at)
        .limit(limit)
    )
    passed = sorted((await session.execute(timeouts)).all(), key=lambda row: (row[1], row[0]))
    return (
        list((await session.execute(reminders)).scalars().all()),
        [approval_id for approval_id, _ in passed],
    )


async def next_deadline(
    session: AsyncSession, *, deal_ids: Collection[int] | None = None
) -> datetime | None:
    """The earliest reminder or SLA still ahead of the pending approvals (of ``deal_ids``)."""
    scope = _of_deals(deal_ids)
    remind = select(func.min(Approval.remind_at)).where(
        Approval.status == ApprovalStatus.PENDING,
        Approval.reminded_at.is_(None),
        Approval.escalated_at.is_(None),
        *scope,
    )
    due = select(func.min(Approval.due_at)).where(
        Approval.status == ApprovalStatus.PENDING,
        Approval.escalated_at.is_(None),
        *scope,
    )
    times = [
        (await session.execute(remind)).scalar_one_or_none(),
        (await session.execute(due)).scalar_one_or_none(),
    ]
    present = [t for t in times if t is not None]
    return min(present) if present else None


def _of_deals(deal_ids: Collection[int] | None) -> list[ColumnElement[bool]]:
    return [] if deal_ids is None else [Approval.deal_id.in_(list(deal_ids))]
