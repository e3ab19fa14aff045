"""Outbox rows held back because Slack refused the bot token: due again at once when a
new token comes (bot.app.wiring.Runtime.use_token), not at the end of their backoff."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import OutboxMessage


async def retry_now(session: AsyncSession, errors: Collection[str], now: datetime) -> int:
    """Rows waiting to be tried again after one of ``errors`` (a refused token, now
    replaced): due now, not at the end of their backoff. How many."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.done_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.last_error.in_(list(errors)),
        )
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
