"""Exactly-once bookkeeping for the morning round, each claimed by one conditional write.

- A briefing: ``people.last_briefing_on`` moves to the local day only if it was before it.
- A digest: a ``digest_runs`` row per channel and local day, inserted or not at all.
- A stalled deal's nudge: ``deals.nudged_at`` is set only if the deal is still stalled
  and was not nudged since its last activity.

The caller queues the message in the same transaction, so what is claimed is sent, and
what another transaction (or ``serve`` process) claimed first is not claimed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from policies.vocabulary import DealStatus
from store.db import insert
from store.models import Deal, DigestRun, Person


async def list_people(session: AsyncSession) -> dict[str, Person]:
    """Everyone dealdesk keeps preferences for (a row per person who has any)."""
    return {person.user_id: person for person in (await session.scalars(select(Person))).all()}


async def claim_briefings(
    session: AsyncSession, users: Sequence[str], local_date: date, now: datetime
) -> set[str]:
    """Mark ``users`` briefed for ``local_date``; return those for whom this call did it.

    Someone already briefed that day (or later), or who turned briefings off, is left
    out. People without a row get one first (the defaults: briefings on).
    """
    if not users:
        return set()
    ordered = sorted(set(users))  # one lock order for every process: no deadlocks
    statement = insert(session, Person)
    await session.execute(
        statement.on_conflict_do_nothing(index_elements=["user_id"]),
        [{"user_id": user, "briefing_enabled": True, "updated_at": now} for user in ordered],
    )
    claimed = await session.execute(
        update(Person)
        .where(
            Person.user_id.in_(ordered),
            Person.briefing_enabled.is_(True),
            or_(Person.last_briefing_on.is_(None), Person.last_briefing_on < local_date),
        )
        .values(last_briefing_on=local_date)
        .returning(Person.user_id)
        .execution_options(synchronize_session=False)
    )
    return set(claimed.scalars().all())


async def digest_ran(session: AsyncSession, channel: str, local_date: date) -> bool:
    return await session.get(DigestRun, (channel, local_date)) is not None


async def claim_digest(
    session: AsyncSession, channel: str, local_date: date, now: datetime
) -> bool:
    """True for exactly one caller per channel and local day."""
    statement = insert(session, DigestRun)
    result = await session.execute(
        statement.values(
            channel=channel, local_date=local_date, created_at=now
        ).on_conflict_do_nothing(index_elements=["channel", "local_date"])
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def stalled(before: datetime) -> list[ColumnElement[bool]]:
    """In review, with no activity since ``before``."""
    return [Deal.status == DealStatus.IN_REVIEW, Deal.updated_at <= before]


def not_nudged() -> ColumnElement[bool]:
    """Not nudged since the deal's last activity (a new stall may be nudged again)."""
    return or_(Deal.nudged_at.is_(None), Deal.nudged_at < Deal.updated_at)


async def list_stalled(
    session: AsyncSession, before: datetime, limit: int | None = None, *, unnudged: bool = False
) -> list[int]:
    """Stalled deals' ids, the longest idle first."""
    query = select(Deal.id).where(*stalled(before)).order_by(Deal.updated_at, Deal.id)
    if unnudged:
        query = query.where(not_nudged())
    return list((await session.scalars(query.limit(limit))).all())


async def count_stalled(session: AsyncSession, before: datetime) -> int:
    query = select(func.count()).select_from(Deal).where(*stalled(before))
    return int((await session.execute(query)).scalar_one())


async def claim_nudge(session: AsyncSession, deal_id: int, before: datetime, now: datetime) -> bool:
    """Record the owner's nudge about a stalled deal; True for exactly one caller per stall."""
    result = await session.execute(
        update(Deal)
        .where(Deal.id == deal_id, *stalled(before), not_nudged())
        .values(nudged_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
