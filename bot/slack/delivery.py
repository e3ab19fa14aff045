"""Deliver the outbox to Slack: after commit, in order per message, retried until Slack takes it.

A Slack outage, a 5xx or a 429 only delays work: the row is tried again later
(honouring ``Retry-After``), and a restart resumes where the last process stopped.
A row whose channel had a post less than a second ago (Slack's pace) is put back for
its turn, not counted as a try, so it never holds up the rows for other channels.
Rows are claimed in the database, so two ``serve`` processes never send one twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.slack.gateway import Paced, SlackTrouble
from bot.slack.work import Work
from bot.traffic import Traffic
from store import outbox
from store.db import Database
from store.models import OutboxMessage

log = logging.getLogger(__name__)

Sender = Callable[[OutboxMessage], Awaitable[None]]

MAX_BACKOFF = timedelta(minutes=5)
BATCH = 25
PARALLEL = 8
IDLE_POLL = 1.0
TURN_MARGIN = 0.02
"""Seconds after a channel's turn that its put-back rows are looked for."""


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    """1s, 2s, 4s … capped at 5 minutes; never sooner than Slack's Retry-After."""
    delay = min(timedelta(seconds=2 ** min(attempts, 16)), MAX_BACKOFF)
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


class Delivery:
    def __init__(
        self, db: Database, clock: Clock, send: Sender, traffic: Traffic | None = None
    ) -> None:
        self._db = db
        self._traffic = traffic
        self._clock = clock
        self._send = send
        self._wakeup = asyncio.Event()
        self._slots = asyncio.Semaphore(PARALLEL)
        self._turns: list[float] = []
        """When rows put back for their channel's turn are due (``time.monotonic()``)."""

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
        """Claim what is due, deliver it, record the outcomes; return how many were claimed."""
        batch = BATCH if self._traffic is None else await self._traffic.quiet(BATCH)
        async with self._db.transaction() as session:
            rows = await outbox.claim(session, self._clock.now(), batch)
            covers = await outbox.latest_of_kind(
                session, [row for row in rows if Work(row.kind).coalesces]
            )
        if not rows:
            return 0
        outcomes = await asyncio.gather(*(self._deliver(row) for row in rows))
        soon = time.monotonic() + TURN_MARGIN
        self._turns += [soon + (t.retry_after or 0) for t in outcomes if isinstance(t, Paced)]
        now = self._clock.now()
        async with self._db.transaction() as session:
            for row, trouble in zip(rows, outcomes, strict=True):
                await self._record(session, row, trouble, now, covers.get(row.id))
        return len(rows)

    async def _idle(self, stop: asyncio.Event) -> None:
        self._wakeup.clear()
        waiters = [asyncio.ensure_future(self._wakeup.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(
                waiters, timeout=self._idle_for(), return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in waiters:
                waiter.cancel()

    def _idle_for(self) -> float:
        """Until the next poll, or the next channel's turn if that comes sooner."""
        now = time.monotonic()
        self._turns = [turn for turn in self._turns if turn > now]
        return min([IDLE_POLL, *(turn - now for turn in self._turns)])

    async def _deliver(self, row: OutboxMessage) -> SlackTrouble | None:
        """Send one row; None when done, else what went wrong."""
        async with self._slots:
            try:
                await self._send(row)
            except SlackTrouble as trouble:
                return trouble
            except Exception as error:
                log.exception("delivering %s %s failed", row.kind, row.key)
                return SlackTrouble(f"{type(error).__name__}: {error}", retryable=True)
            return None

    @staticmethod
    async def _record(
        session: AsyncSession,
        row: OutboxMessage,
        trouble: SlackTrouble | None,
        now: datetime,
        through: int | None,
    ) -> None:
        """Done (with every older row it covers), retry later, or give up for good."""
        if trouble is None:
            await outbox.finish(session, row, now, through)
        elif isinstance(trouble, Paced):  # its channel's turn comes in a moment
            await outbox.postpone(
                session, row.id, now + timedelta(seconds=trouble.retry_after or 0)
            )
        elif trouble.retryable:
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
