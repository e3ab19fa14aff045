"""What the SLO report reads: only the columns it needs, one query each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.vocabulary import DECISIONS, ApprovalStatus, DealStatus
from store.models import Approval, Deal, DealRevision

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


async def list_open_at(
    session: AsyncSession, moment: datetime
) -> tuple[list[Any], list[Any], list[Any]]:
    """What the forecast needs of the deals that could have been in review at ``moment``
    (submitted by then, not finished by then): the deals, their approvals assigned by
    then, and their revisions' terms, as plain rows."""
    deals = Deal.__table__
    approvals = Approval.__table__
    revisions = DealRevision.__table__
    alive = and_(
        deals.c.submitted_at <= moment,
        or_(deals.c.finished_at.is_(None), deals.c.finished_at > moment),
    )
    found = (await session.execute(select(deals).where(alive).order_by(deals.c.id))).all()
    rows = (
        await session.execute(
            select(approvals)
            .join(deals, deals.c.id == approvals.c.deal_id)
            .where(alive, approvals.c.assigned_at <= moment)
            .order_by(approvals.c.id)
        )
    ).all()
    terms = (
        await session.execute(
            select(revisions.c.deal_id, revisions.c.revision, revisions.c.terms)
            .join(deals, deals.c.id == revisions.c.deal_id)
            .where(alive, revisions.c.created_at <= moment)
        )
    ).all()
    return list(found), list(rows), list(terms)


async def list_outcomes(session: AsyncSession, deal_ids: Sequence[int]) -> dict[int, Any]:
    """(status, finished_at) of these deals now: what the backtest scores against."""
    outcomes: dict[int, Any] = {}
    ids = sorted(set(deal_ids))
    for start in range(0, len(ids), 500):
        query = select(Deal.id, Deal.status, Deal.finished_at).where(
            Deal.id.in_(ids[start : start + 500])
        )
        outcomes.update({row.id: row for row in await session.execute(query)})
    return outcomes
