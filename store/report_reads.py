"""What the SLO report reads: only the columns it needs, one query each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.vocabulary import DECISIONS, ApprovalStatus, DealStatus
from store.models import Approval, Deal

ENDINGS = (*DECISIONS, ApprovalStatus.REASSIGNED)
"""Statuses a row can end in and count: a decision, or a timeout."""
DECIDED_DEALS = (DealStatus.APPROVED, DealStatus.REJECTED)


async def list_ended_or_escalated(
    session: AsyncSession, since: datetime, until: datetime
) -> Sequence[Any]:
    """Approval rows that ended (decided or moved on) or were escalated in [since, until),
    each with its deal's policy version."""
    a = Approval
    ended = and_(a.status.in_(ENDINGS), a.decided_at >= since, a.decided_at < until)
    escalated = and_(a.escalated_at >= since, a.escalated_at < until)
    query = (
        select(
            a.stage_name,
            a.stage_index,
            a.approver,
            a.status,
            a.assigned_at,
            a.due_at,
            a.decided_at,
            a.decided_by,
            a.escalated_at,
            Deal.policy_version,
        )
        .join(Deal, Deal.id == a.deal_id)
        .where(or_(ended, escalated))
    )
    return (await session.execute(query)).all()


async def list_finished_deals(
    session: AsyncSession, since: datetime, until: datetime
) -> list[tuple[datetime, datetime]]:
    """(submitted, finished) of the deals approved or rejected in [since, until)."""
    query = select(Deal.submitted_at, Deal.finished_at).where(
        Deal.status.in_(DECIDED_DEALS),
        Deal.finished_at >= since,
        Deal.finished_at < until,
    )
    return [
        (submitted, finished)
        for submitted, finished in (await session.execute(query)).all()
        if finished is not None
    ]


async def list_shadowed(session: AsyncSession, since: datetime, until: datetime) -> Sequence[Any]:
    """Approvals a person decided in [since, until) beside their avatar's silent decision:
    deal id, approver, who decided, how, their comment, the avatar's decision, and when
    the row was assigned and decided (a decision carried over from an earlier revision
    has no time of its own, and is left to the caller to skip)."""
    a = Approval
    query = (
        select(
            a.deal_id,
            a.approver,
            a.decided_by,
            a.status,
            a.comment,
            a.recommendation,
            a.assigned_at,
            a.decided_at,
        )
        .where(
            a.status.in_(DECISIONS),
            a.decided_at >= since,
            a.decided_at < until,
            a.recommendation.is_not(None),
            a.assignee.not_like("avatar:%"),
        )
        .order_by(a.decided_at, a.id)
    )
    return (await session.execute(query)).all()


async def list_in_review(session: AsyncSession) -> list[int]:
    """The ids of the deals in review, for the forecast."""
    query = select(Deal.id).where(Deal.status == DealStatus.IN_REVIEW).order_by(Deal.id)
    return list((await session.scalars(query)).all())
