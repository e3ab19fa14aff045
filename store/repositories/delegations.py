"""Delegations: who decides for whom now, and the ends the scheduler keeps.

Repositories read and add; they never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from policies.vocabulary import ApprovalStatus
from store.models import Approval, Deal, Delegation


def _active(now: datetime) -> list[ColumnElement[bool]]:
    return [
        Delegation.ended_at.is_(None),
        Delegation.starts_at <= now,
        or_(Delegation.ends_at.is_(None), Delegation.ends_at > now),
    ]


async def get_active_delegation(
    session: AsyncSession, delegator: str, now: datetime
) -> Delegation | None:
    query = select(Delegation).where(Delegation.delegator == delegator, *_active(now))
    return (
        await session.execute(query.order_by(Delegation.id.desc()).limit(1))
    ).scalar_one_or_none()


async def active_delegations(session: AsyncSession, now: datetime) -> dict[str, Delegation]:
    """Each delegator's active delegation (the newest, as get_active_delegation picks)."""
    query = select(Delegation).where(*_active(now)).order_by(Delegation.id)
    return {row.delegator: row for row in (await session.execute(query)).scalars()}


async def list_deals_waiting_on(session: AsyncSession, assignee: str, owner: str) -> list[int]:
    """Deals ``owner`` owns that have an approval pending with ``assignee``."""
    query = (
        select(Approval.deal_id)
        .join(Deal, Deal.id == Approval.deal_id)
        .where(
            Approval.assignee == assignee,
            Approval.status == ApprovalStatus.PENDING,
            Deal.owner == owner,
        )
        .distinct()
        .order_by(Approval.deal_id)
    )
    return list((await session.execute(query)).scalars().all())


async def list_expired_delegations(session: AsyncSession, now: datetime) -> list[int]:
    """Delegations still open whose end time has passed."""
    query = select(Delegation.id).where(
        Delegation.ended_at.is_(None),
        Delegation.ends_at.is_not(None),
        Delegation.ends_at <= now,
    )
    return list((await session.execute(query)).scalars().all())


async def claim_delegation_end(session: AsyncSession, delegation_id: int) -> bool:
    """End the delegation at its end time; True for exactly one caller, however many race."""
    claimed = await session.execute(
        update(Delegation)
        .where(Delegation.id == delegation_id, Delegation.ended_at.is_(None))
        .values(ended_at=Delegation.ends_at)
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


async def list_delegators(session: AsyncSession, delegate: str, now: datetime) -> list[str]:
    """People whose approvals ``delegate`` currently decides for."""
    query = select(Delegation.delegator).where(Delegation.delegate == delegate, *_active(now))
    return list((await session.execute(query)).scalars().all())


async def delegation_moves(session: AsyncSession, delegation: Delegation) -> int:
    """How many pending approvals were moved to the delegate when the delegation started."""
    query = (
        select(func.count())
        .select_from(Approval)
        .where(
            Approval.decided_by == delegation.delegator,
            Approval.status == ApprovalStatus.REASSIGNED,
            Approval.decided_at == delegation.starts_at,
        )
    )
    return int((await session.execute(query)).scalar_one())


async def next_delegation_end(session: AsyncSession) -> datetime | None:
    query = select(func.min(Delegation.ends_at)).where(
        Delegation.ended_at.is_(None), Delegation.ends_at.is_not(None)
    )
    result: datetime | None = (await session.execute(query)).scalar_one_or_none()
    return result
