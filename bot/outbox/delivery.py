"""Deliver the outbox to its receivers (Slack, the webhook receivers): after commit, in
order per message, at Slack's pace, retried until the receiver takes it.

Order. Rows with one key (a card's post, then its update, then a reply) go one after
another. Each claim takes, from every conversation whose turn has come, its oldest
row, and among those the most urgent first: what a person is waiting for (approval
cards, card updates after a decision, answers to a click, escalations, reminders, an
owner's outcome, delegation notices), then briefings and nudges, then the deal
channel's posts, digests and Home tabs (``Work.priority``).

Pace. A conversation gets one post per ``interval`` (Slack's one message a second per
channel), counted from when Slack answered the last one; the turns live in the
database (store.outbox), so several ``serve`` processes keep one pace together. A 429
with Retry-After holds that conversation (``chat.postMessage``), or the whole method
(any other method, limited per workspace), for every process. A backlog in the deal
channel drains in order at its pace and holds up nobody else.

Trouble. An outage, a 5xx or a 429 (a sender's DeliveryTrouble) only delays work: the
row is tried again later, with backoff; a restart resumes where the last process
stopped. Rows are claimed in the database, so two processes never send one twice.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import Clock
from bot.core.outage import database_down, log_failure
from bot.core.traffic import Traffic
from bot.outbox.trouble import DeliveryTrouble
from bot.outbox.work import POST, POST_INTERVAL, Work, held_kinds
from store import messages, outbox
from store.db import Database
from store.models import OutboxMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kept:
    """Where a message we posted lives, to update or reply to later (``subject`` names it:
    ``card:<approval id>``, ``deal:<deal id>``…)."""

    subject: str
    channel: str
    ts: str
    body: dict[str, Any] | None = None
    """The message as posted, for one rendered once and updated later (a briefing)."""
    shows: tuple[int, ...] = ()
    """Approvals it shows with their buttons: it is updated when they are settled."""


@dataclass(frozen=True)
class Sent:
    """What delivering a row did."""

    posted: bool = False
    """A message was posted: the lane's turn is spent."""
    kept: Kept | None = None


NOTHING = Sent()
POSTED = Sent(posted=True)
NOT_POSTED = Sent()
DATABASE_AWAY = "the database is unavailable"
REFUSALS_LOGGED_EVERY = 60.0

Sender = Callable[[OutboxMessage], Awaitable[Sent]]
"""Delivers one row or raises DeliveryTrouble."""
Preparer = Callable[[Sequence[OutboxMessage]], Awaitable[None]]
"""Reads ahead what a claimed batch's rows need, for all of them at once."""

MAX_BACKOFF = timedelta(minutes=5)
BATCH = 50
PARALLEL = 8
IDLE_POLL = 1.0
"""Seconds between looks when nothing is due (other processes' work, lanes freed there)."""
TURN_MARGIN = 0.005
"""Seconds after the next turn that the worker looks, so the turn has surely come."""


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    """1s, 2s, 4s … capped at 5 minutes; never sooner than the receiver's Retry-After."""
    delay = min(timedelta(seconds=2 ** min(attempts, 16)), MAX_BACKOFF)
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


@dataclass(frozen=True)
class _Outcome:
    sent: Sent
    """``posted`` also when a failed post may have reached Slack."""
    trouble: DeliveryTrouble | None
    at: datetime
    """When the receiver answered (or the attempt ended)."""


class Delivery:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        send: Sender,
        traffic: Traffic | None = None,
        *,
        interval: float = POST_INTERVAL,
        prepare: Preparer | None = None,
    ) -> None:
        self._db = db
        self._prepare = prepare
        self._traffic = traffic
        self._clock = clock
        self._send = send
        self._interval = timedelta(seconds=interval)
        self._wakeup = asyncio.Event()
        self._slots = asyncio.Semaphore(PARALLEL)
        self._refusals: dict[str, tuple[int, float]] = {}
        """Refusals for good, by Slack's error: how many not logged since when."""
        self._unrecorded: list[tuple[list[OutboxMessage], list[_Outcome], dict[int, int]]] = []

    def wake(self) -> None:
        """New work committed: look now instead of at the next poll."""
        self._wakeup.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wakeup.clear()  # before looking: a wake-up while we look is kept
            try:
                delivered = await self.drain_once()
            except Exception:
                log_failure(log, "outbox delivery failed; trying again shortly")
                delivered = 0
            if delivered:
                continue
            await self._idle(stop)

    async def drain_once(self) -> int:
        """Claim what may go now, deliver it, record the outcomes; return how many went."""
        await self._record_kept()
        batch = BATCH if self._traffic is None else await self._traffic.quiet(BATCH)
        async with self._db.read() as session:  # the scan of the backlog locks nothing
            now = self._clock.now()
            held = held_kinds(await outbox.held_methods(session, now))
            candidates = await outbox.find_candidates(session, now, batch, held_kinds=held)
        if not candidates:
            return 0
        async with self._db.transaction() as session:
            rows = await outbox.claim(session, candidates, now, batch)
            covers = await outbox.latest_of_kind(
                session, [row for row in rows if Work(row.kind).coalesces]
            )
        if not rows:
            return 0
        if self._prepare is not None:
            await self._prepare(rows)
        outcomes = await asyncio.gather(*(self._deliver(row) for row in rows))
        try:
            await self._record_all(rows, outcomes, covers)
        except Exception as error:
            if database_down(error):  # what went to Slack is kept, not sent again
                self._unrecorded.append((rows, outcomes, covers))
            raise
        return len(rows)

    async def _record_kept(self) -> None:
        """Outcomes the database could not take when they happened (it was away): record
        them first, so a message already posted is not posted again when its claim runs
        out, and its lane's next turn does not wait for the claim."""
        while self._unrecorded:
            rows, outcomes, covers = self._unrecorded[0]
            await self._record_all(rows, outcomes, covers)
            self._unrecorded.pop(0)

    async def _record_all(
        self, rows: list[OutboxMessage], outcomes: list[_Outcome], covers: dict[int, int]
    ) -> None:
        holds: dict[str, datetime] = {}
        async with self._db.transaction() as session:
            now = self._clock.now()
            await self._record(session, rows, outcomes, now, covers)
            for outcome in outcomes:
                if (hold := _method_hold(outcome)) is not None:
                    holds[hold[0]] = max(hold[1], holds.get(hold[0], hold[1]))
            for method in sorted(holds):  # one order for every process: no lock cycles
                await outbox.hold_method(session, method, holds[method])

    async def _idle(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(self._wakeup.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(
                waiters, timeout=await self._idle_for(), return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _idle_for(self) -> float:
        """Until the next poll, or the next lane's turn or retry if that comes sooner."""
        now = self._clock.now()
        try:
            async with self._db.read() as session:
                upcoming = await outbox.next_turn(session, now)
        except Exception as error:
            if not database_down(error):
                raise
            return IDLE_POLL  # away: look again at the next poll
        if upcoming is None:
            return IDLE_POLL
        return min(IDLE_POLL, (upcoming - now).total_seconds() + TURN_MARGIN)

    async def _deliver(self, row: OutboxMessage) -> _Outcome:
        """Send one row and say how it went."""
        async with self._slots:
            try:
                sent = await self._send(row)
            except DeliveryTrouble as trouble:
                # A failed post may have reached Slack (a timeout after it arrived): its
                # turn is spent. A failure before posting (opening the DM) spends nothing.
                return _Outcome(Sent(posted=trouble.method == POST), trouble, self._clock.now())
            except Exception as error:
                if database_down(error):  # before posting: the sender reads the database
                    away = DeliveryTrouble(DATABASE_AWAY, retryable=True, retry_after=1.0)
                    return _Outcome(NOT_POSTED, away, self._clock.now())
                log.exception("delivering %s %s failed", row.kind, row.key)
                unknown = DeliveryTrouble(f"{type(error).__name__}: {error}", retryable=True)
                return _Outcome(POSTED, unknown, self._clock.now())
            return _Outcome(sent, None, self._clock.now())

    async def _record(
        self,
        session: AsyncSession,
        rows: list[OutboxMessage],
        outcomes: list[_Outcome],
        now: datetime,
        covers: dict[int, int],
    ) -> None:
        """For each row: done (with every older row it covers), retry later, or give up for
        good; each lane's next turn, and where each posted message lives. The common case
        (done, covering nothing) costs a few statements for the whole batch."""
        turns: dict[str, datetime] = {}
        posted: list[Kept] = []
        done: list[int] = []
        for row, outcome in zip(rows, outcomes, strict=True):
            trouble, kept, through = outcome.trouble, outcome.sent.kept, covers.get(row.id)
            if row.lane is not None:
                turns[row.lane] = self._next_turn(outcome)
            if kept is not None:
                posted.append(kept)
            if trouble is None and through in (None, row.id):
                done.append(row.id)
            elif trouble is None:
                await outbox.finish(session, row, now, through)
            elif trouble.retryable:
                later = now + (
                    timedelta(seconds=1)  # not the receiver's fault: no backoff
                    if trouble.error == DATABASE_AWAY
                    else backoff(row.attempts, trouble.retry_after)
                )
                log.info(
                    "delivery trouble (%s) for %s %s; retrying at %s",
                    trouble.error,
                    row.kind,
                    row.key,
                    later.isoformat(),
                )
                await outbox.retry_later(session, row.id, later, trouble.error)
            else:
                self._refused_for_good(row, trouble.error)
                await outbox.give_up(session, row.id, now, trouble.error)
        await outbox.release_lanes(session, turns)
        await messages.add_messages(session, posted, now)
        await outbox.finish_all(session, done, now)

    def _refused_for_good(self, row: OutboxMessage, error: str) -> None:
        """One log line per kind of refusal a minute (a deal channel the bot is not in
        refuses every post to it; the deals go on, their cards are DMs)."""
        now = time.monotonic()
        count, since = self._refusals.get(error, (0, -math.inf))
        if now - since < REFUSALS_LOGGED_EVERY:
            self._refusals[error] = (count + 1, since)
            return
        more = f" ({count} more since the last report)" if count else ""
        log.warning("%s %s refused for good: %s%s", row.kind, row.key, error, more)
        self._refusals[error] = (0, now)

    def _next_turn(self, outcome: _Outcome) -> datetime:
        trouble = outcome.trouble
        if trouble is not None and trouble.rate_limited and trouble.method == POST:
            return outcome.at + timedelta(seconds=trouble.retry_after or 1)
        return outcome.at + self._interval if outcome.sent.posted else outcome.at


def _method_hold(outcome: _Outcome) -> tuple[str, datetime] | None:
    """A 429 on a method limited as a whole (any but chat.postMessage): hold it until then."""
    trouble = outcome.trouble
    if trouble is None or not trouble.rate_limited or trouble.method in (None, POST):
        return None
    assert trouble.method is not None
    return trouble.method, outcome.at + timedelta(seconds=trouble.retry_after or 1)
