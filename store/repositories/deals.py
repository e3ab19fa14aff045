"""Deals: locking one (with an approval), finding them, their revisions and counter-offers.

Repositories read and add; they never commit."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.vocabulary import CounterStatus, DealStatus
from store.models import Approval, CounterOffer, Deal, DealRevision


async def lock_deal(session: AsyncSession, deal_id: int) -> Deal | None:
    """Load the deal, locked for this transaction (PostgreSQL row lock; SQLite already holds
    the database write lock), with fresh values."""
    query = (
        select(Deal)
        .where(Deal.id == deal_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def get_deal(session: AsyncSession, deal_id: int) -> Deal | None:
    return await session.get(Deal, deal_id)


async def get_deal_by_external_id(session: AsyncSession, external_id: str) -> Deal | None:
    query = select(Deal).where(Deal.external_id == external_id)
    return (await session.execute(query)).scalar_one_or_none()


async def deals_by_external_id(
    session: AsyncSession, external_ids: Collection[str]
) -> dict[str, Deal]:
    """The deals with these CRM ids, by id, in one query (a CRM batch sends hundreds)."""
    if not external_ids:
        return {}
    query = select(Deal).where(Deal.external_id.in_(set(external_ids)))
    return {
        deal.external_id: deal for deal in (await session.scalars(query)).all() if deal.external_id
    }


def add_revision(
    session: AsyncSession,
    deal: Deal,
    terms: dict[str, Any],
    now: datetime,
    *,
    source: str,
    actor: str,
) -> None:
    """Keep the terms of the deal's current revision, and what made it."""
    session.add(
        DealRevision(
            deal_id=deal.id,
            revision=deal.revision,
            terms=terms,
            created_at=now,
            source=source,
            actor=actor,
        )
    )


async def list_revisions(session: AsyncSession, deal_id: int) -> Sequence[DealRevision]:
    query = select(DealRevision).where(DealRevision.deal_id == deal_id)
    return (await session.execute(query.order_by(DealRevision.revision))).scalars().all()


async def get_last_seen_revision(
    session: AsyncSession, deal_id: int, person: str, before: int
) -> int | None:
    """The latest revision before ``before`` on which ``person`` had an approval of the
    deal in hand (a card they saw), or None."""
    query = select(func.max(Approval.revision)).where(
        Approval.deal_id == deal_id, Approval.assignee == person, Approval.revision < before
    )
    found: int | None = (await session.execute(query)).scalar_one_or_none()
    return found


async def list_holders(
    session: AsyncSession, deal_ids: Collection[int]
) -> Sequence[tuple[int, int, str]]:
    """Who had each of these deals' approvals in hand, and on which revision: (deal id,
    revision, person) rows, for ``get_last_seen_revision`` over many deals at once."""
    if not deal_ids:
        return []
    query = select(Approval.deal_id, Approval.revision, Approval.assignee).where(
        Approval.deal_id.in_(list(deal_ids))
    )
    return [
        (deal_id, revision, person) for deal_id, revision, person in await session.execute(query)
    ]


def add_counter_offer(session: AsyncSession, counter: CounterOffer) -> None:
    session.add(counter)


async def get_counter_offer(
    session: AsyncSession, counter_id: int, *, fresh: bool = False
) -> CounterOffer | None:
    return await session.get(CounterOffer, counter_id, populate_existing=fresh)


async def get_counter_of(session: AsyncSession, approval_id: int) -> CounterOffer | None:
    query = select(CounterOffer).where(CounterOffer.approval_id == approval_id)
    return (await session.execute(query)).scalar_one_or_none()


async def list_open_counters(session: AsyncSession, deal_id: int) -> Sequence[CounterOffer]:
    query = select(CounterOffer).where(
        CounterOffer.deal_id == deal_id, CounterOffer.status == CounterStatus.OPEN
    )
    return (await session.execute(query.order_by(CounterOffer.id))).scalars().all()


async def get_revision_terms(
    session: AsyncSession, deal_id: int, revision: int
) -> dict[str, Any] | None:
    """The terms the deal had at ``revision`` (None for a revision stored before they were
    kept)."""
    row = await session.get(DealRevision, (deal_id, revision))
    return None if row is None else row.terms


async def find_deal_by_company(session: AsyncSession, wanted: str) -> int | None:
    """The newest deal of this company (case-insensitive), or the one deal whose company
    contains ``wanted``; None when there is no such deal, or several."""
    name = func.lower(Deal.company)
    exact = select(Deal.id).where(name == wanted.lower()).order_by(Deal.id.desc()).limit(1)
    found = (await session.execute(exact)).scalar_one_or_none()
    if found is not None or not wanted:
        return found
    partial = select(Deal.id).where(name.contains(wanted.lower(), autoescape=True)).limit(2)
    ids = list((await session.execute(partial)).scalars())
    return ids[0] if len(ids) == 1 else None


async def list_newest_companies(session: AsyncSession, limit: int) -> list[tuple[int, str]]:
    """(deal id, company) of the newest deals."""
    query = select(Deal.id, Deal.company).order_by(Deal.id.desc()).limit(limit)
    return [(deal_id, company) for deal_id, company in (await session.execute(query)).all()]


async def list_deals(session: AsyncSession, deal_ids: Collection[int]) -> Sequence[Deal]:
    return (await session.execute(select(Deal).where(Deal.id.in_(list(deal_ids))))).scalars().all()


async def list_in_review(session: AsyncSession, deal_id: int | None = None) -> Sequence[Deal]:
    """The deals in review (one of them, with ``deal_id``), oldest first."""
    query = select(Deal).where(Deal.status == DealStatus.IN_REVIEW).order_by(Deal.id)
    if deal_id is not None:
        query = query.where(Deal.id == deal_id)
    return (await session.execute(query)).scalars().all()


async def count_deals_by_status(session: AsyncSession) -> dict[str, int]:
    query = select(Deal.status, func.count()).group_by(Deal.status)
    return {str(status): int(count) for status, count in (await session.execute(query)).all()}
