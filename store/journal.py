"""The decision journal: decisions made in Slack, stored before Slack gets its answer, and
taken in order to be applied, each exactly once (bot.workflow.journal)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import insert
from store.models import DecisionRequest


async def add_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Store decisions (columns of DecisionRequest); one already stored under the same
    ``dedup_key`` (Slack's redelivery of a click) is stored once."""
    statement = insert(session, DecisionRequest).on_conflict_do_nothing(
        index_elements=["dedup_key"]
    )
    await session.execute(statement, list(rows))


async def take_unapplied(session: AsyncSession, limit: int) -> list[DecisionRequest]:
    """The oldest decisions not applied yet, locked for this transaction (rows another
    process is applying right now are skipped)."""
    query = (
        select(DecisionRequest)
        .where(DecisionRequest.processed_at.is_(None))
        .order_by(DecisionRequest.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(query)).scalars().all())


def mark_applied(request: DecisionRequest, result: dict[str, Any], now: datetime) -> None:
    """Record what applying it did; written with the decision, in the same transaction."""
    request.processed_at = now
    request.result = result


async def backlog(session: AsyncSession) -> int:
    """Decisions journaled but not applied yet (for /metrics)."""
    query = (
        select(func.count())
        .select_from(DecisionRequest)
        .where(DecisionRequest.processed_at.is_(None))
    )
    return int((await session.execute(query)).scalar_one())


async def list_results(
    session: AsyncSession, dedup_keys: Sequence[str]
) -> dict[str, dict[str, Any] | None]:
    """Each journaled decision's result by its key: None while it waits to be applied."""
    query = select(DecisionRequest.dedup_key, DecisionRequest.result).where(
        DecisionRequest.dedup_key.in_(list(dedup_keys))
    )
    return {key: result for key, result in (await session.execute(query)).all()}
