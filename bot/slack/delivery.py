"""Deliver the outbox to Slack: after commit, in order per message, retried until Slack takes it.

A Slack outage, a 5xx or a 429 only delays work: the row is tried again later
(honouring ``Retry-After``), and a restart resumes where the last process stopped.
Rows are claimed in the database, so two ``serve`` processes never send one twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.clock import Clock
from bot.slack.gateway import SlackTrouble
from bot.slack.work import Work
from store import outbox
from store.db import Database
from store.models import OutboxMessage

log = logging.getLogger(__name__)

Sender = Callable[[OutboxMessage], Awaitable[None]]

MAX_BACKOFF = timedelta(minutes=5)
BATCH = 25
PARALLEL = 8
IDLE_POLL = 1.0


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    """1s, 2s, 4s … capped at 5 minutes; never sooner than Slack's Retry-After."""
    delay = min(timedelta(seconds=2 ** min(attempts, 16)), MAX_BACKOFF)
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


class Delivery:
    def __init__(self, db: Database, clock: Clock, send: Sender) -> None:
        self._db = db
        self._clock = clock
        self._send = send
        self._wakeup = asyncio.Event()
        self._slots = asyncio.Semaphore(PARALLEL)

    def wake(self) -> None:
        """New work committed: look now instead of at the next poll."""
        self._wakeup.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                delivered = await self.drain_once()
            except Exception:
                log.exception("outbox delivery failed; trying again shortly")
                delivered = 0
            if delivered:
                continue
            await self._idle(stop)

    async def drain_once(self) -> int:
        """Claim what is due and deliver it; return how many rows were claimed."""
        async with self._db.transaction() as session:
            rows = await outbox.claim(session, self._clock.now(), BATCH)
        await asyncio.gather(*(self._deliver(row) for row in rows))
        return len(rows)

    async def _idle(self, stop: asyncio.Event) -> None:
        self._wakeup.clear()
        waiters = [asyncio.ensure_future(self._wakeup.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=IDLE_POLL, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _deliver(self, row: OutboxMessage) -> None:
        async with self._slots:
            try:
                if Work(row.kind).coalesces and await self._superseded(row):
                    await self._finish(row)
                    return
                await self._send(row)
            except SlackTrouble as trouble:
                await self._failed(row, trouble)
            except Exception as error:
                log.exception("delivering %s %s failed", row.kind, row.key)
                await self._failed(
                    row, SlackTrouble(f"{type(error).__name__}: {error}", retryable=True)
                )
            else:
                await self._finish(row)

    async def _superseded(self, row: OutboxMessage) -> bool:
        async with self._db.read() as session:
            return await outbox.superseded(session, row)

    async def _finish(self, row: OutboxMessage) -> None:
        async with self._db.transaction() as session:
            await outbox.finish(session, row.id, self._clock.now())

    async def _failed(self, row: OutboxMessage, trouble: SlackTrouble) -> None:
        now = self._clock.now()
        async with self._db.transaction() as session:
            if trouble.retryable:
                later = now + backoff(row.attempts, trouble.retry_after)
                log.info(
                    "Slack trouble (%s) for %s %s; retrying at %s",
                    trouble.error,
                    row.kind,
                    row.key,
                    later.isoformat(),
                )
                await outbox.retry_later(session, row.id, later, trouble.error)
            else:
                log.warning("Slack refused %s %s for good: %s", row.kind, row.key, trouble.error)
                await outbox.give_up(session, row.id, now, trouble.error)
