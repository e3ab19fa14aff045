"""The outbox table: durable work for after commit, claimed so each row is done once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from store.models import OutboxMessage

LEASE = timedelta(seconds=30)
"""How long a claimed row is reserved for its claimer (a crashed claimer's rows come back)."""


async def add_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows with ``kind``, ``key``, ``payload`` and ``created_at``."""
    if rows:
        await session.execute(
            insert(OutboxMessage),
            [{**row, "next_attempt_at": row["created_at"], "attempts": 0} for row in rows],
        )


def _open() -> list[Any]:
    return [OutboxMessage.done_at.is_(None), OutboxMessage.failed_at.is_(None)]


async def claim(session: AsyncSession, now: datetime, limit: int) -> list[OutboxMessage]:
    """Reserve up to ``limit`` due rows, oldest first, at most one per key.

    A row waits while an older row with the same key is still open, so work for one
    message (post, then update, then reply) happens in order. On PostgreSQL, rows
    another instance is claiming right now are skipped (``SKIP LOCKED``).
    """
    earlier = aliased(OutboxMessage)
    blocked = exists().where(
        earlier.key == OutboxMessage.key,
        earlier.id < OutboxMessage.id,
        earlier.done_at.is_(None),
        earlier.failed_at.is_(None),
    )
    query = (
        select(OutboxMessage)
        .where(
            *_open(),
            OutboxMessage.next_attempt_at <= now,
            (OutboxMessage.claimed_until.is_(None)) | (OutboxMessage.claimed_until < now),
            ~blocked,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=OutboxMessage)
    )
    rows = list((await session.execute(query)).scalars().all())
    if rows:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([row.id for row in rows]))
            .values(claimed_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
    return rows


async def latest_of_kind(session: AsyncSession, rows: Sequence[OutboxMessage]) -> dict[int, int]:
    """For each row, the newest open row of the same kind and key (itself if none is newer).

    A row that re-renders current state (a Home tab, a card) does the work of every
    older row of its kind and key, so delivering it finishes them all.
    """
    if not rows:
        return {}
    pairs = {(row.kind, row.key) for row in rows}
    query = (
        select(OutboxMessage.kind, OutboxMessage.key, func.max(OutboxMessage.id))
        .where(*_open(), OutboxMessage.key.in_({key for _, key in pairs}))
        .group_by(OutboxMessage.kind, OutboxMessage.key)
    )
    newest = {(kind, key): last for kind, key, last in (await session.execute(query)).all()}
    return {row.id: max(row.id, newest.get((row.kind, row.key), row.id)) for row in rows}


async def finish(
    session: AsyncSession, row: OutboxMessage, now: datetime, through: int | None = None
) -> None:
    """Mark ``row`` done, and with ``through`` every open row of its kind and key up to it."""
    if through is None or through == row.id:
        await _set(session, row.id, done_at=now, claimed_until=None)
        return
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.kind == row.kind,
            OutboxMessage.key == row.key,
            OutboxMessage.id >= row.id,
            OutboxMessage.id <= through,
            *_open(),
        )
        .values(done_at=now, claimed_until=None)
        .execution_options(synchronize_session=False)
    )


async def retry_later(session: AsyncSession, row_id: int, at: datetime, error: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(
            next_attempt_at=at,
            attempts=OutboxMessage.attempts + 1,
            last_error=error,
            claimed_until=None,
        )
        .execution_options(synchronize_session=False)
    )


async def postpone(session: AsyncSession, row_id: int, at: datetime) -> None:
    """Put a row back until ``at`` without counting an attempt (it was not tried)."""
    await _set(session, row_id, next_attempt_at=at, claimed_until=None)


async def give_up(session: AsyncSession, row_id: int, now: datetime, error: str) -> None:
    await _set(session, row_id, failed_at=now, last_error=error, claimed_until=None)


async def _set(session: AsyncSession, row_id: int, **values: Any) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def backlog(session: AsyncSession) -> int:
    """Rows not yet delivered (for /metrics and tests)."""
    query = select(func.count()).select_from(OutboxMessage).where(*_open())
    return int((await session.execute(query)).scalar_one())


async def next_attempt(session: AsyncSession) -> datetime | None:
    query = select(func.min(OutboxMessage.next_attempt_at)).where(*_open())
    result: datetime | None = (await session.execute(query)).scalar_one_or_none()
    return result
