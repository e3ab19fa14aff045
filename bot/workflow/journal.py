"""The decision journal: decisions from Slack, stored before Slack gets its answer and
applied right after, each exactly once.

Slack wants an answer within 3 seconds and a click that was answered must never be
lost. So a click is first written to the journal (``decision_inbox``) — concurrent
clicks share one transaction (group commit), which keeps the answer fast under load —
and only then acknowledged. The journal then applies what it holds through the
workflow (bot.workflow.decide), each exactly once: a decision is marked applied in the
same transaction as the change it makes. Someone who may not decide, or who clicks an
approval that has moved on, is told why (a DecisionRefused event, which the outbox
planner turns into a message only they see).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass

from bot.core.deps import Deps
from bot.core.errors import DealdeskError
from bot.core.events import DecisionRefused, Origin
from bot.core.outage import NotRecorded, database_down, log_failure
from bot.core.traffic import Traffic
from bot.core.uow import UnitOfWork
from bot.workflow.decide import decide
from bot.workflow.results import DecisionResult, Refusal
from policies.vocabulary import Decision
from store import journal
from store.models import DecisionRequest

log = logging.getLogger(__name__)

BATCH = 20
"""Decisions applied per transaction: short, so a click's journal write never waits long."""
IDLE_POLL = 1.0
RECORD_WAIT = 2.5
"""Seconds a click waits for the journal write, inside Slack's 3 s: past it the clicker
is told the click was not recorded (and it is not), not left with Slack's error."""
COMMIT_MARGIN = 0.25
"""Of RECORD_WAIT, what is kept for the commit itself: a write later than that is rolled
back, so a click answered "not recorded" is never recorded after all."""
COMMIT_DELAY = 0.002
"""Seconds a journal write waits for the clicks still being parsed, when there are any
(PostgreSQL's ``commit_delay``/``commit_siblings``, for the same reason): under a burst
it turns two clicks per transaction into twenty to fifty, and cuts the CPU per click
by a third (bench/clicks.py)."""


def _quietly(task: asyncio.Task[None]) -> None:
    """An abandoned journal write ended (nothing written): retrieve its error, so asyncio
    does not log it as never retrieved; the database's own failures are logged by it."""
    if not task.cancelled():
        task.exception()


@dataclass(frozen=True)
class Click:
    """A decision as Slack delivered it (the journal's columns)."""

    dedup_key: str
    """Slack's trigger id for the click: a redelivered request is journaled once."""
    approval_id: int
    actor: str
    decision: Decision
    comment: str | None = None
    channel: str | None = None
    message_ts: str | None = None
    response_url: str | None = None


@dataclass(frozen=True)
class Unapplied:
    """A journaled decision that never reached an approval: ``invalid`` (no such approval,
    no reason given) or ``failed`` (our fault); nothing was decided."""

    approval_id: int
    refusal: str
    message: str
    applied: bool = False
    decided_by: None = None

    def to_json(self) -> dict[str, object]:
        return dataclasses.asdict(self)


Outcome = DecisionResult | Unapplied


class DecisionJournal:
    def __init__(self, deps: Deps, traffic: Traffic | None = None) -> None:
        self._deps = deps
        self._traffic = traffic
        self._waiting: list[tuple[Click, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._wakeup = asyncio.Event()
        self._writes: set[asyncio.Task[None]] = set()
        """Journal writes under way (one past its deadline still waits for the database,
        to write nothing)."""

    async def record(self, click: Click) -> None:
        """Return once the click is committed to the journal (durable)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((click, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await future

    async def _flush(self) -> None:
        """Write everything waiting in one transaction; clicks arriving meanwhile go next."""
        while self._waiting:
            if self._traffic is not None and self._traffic.in_flight > len(self._waiting):
                await asyncio.sleep(COMMIT_DELAY)
            batch, self._waiting = self._waiting, []
            deadline = asyncio.get_running_loop().time() + RECORD_WAIT
            clicks = [click for click, _ in batch]
            self._writes.add(insert := asyncio.create_task(self._insert(clicks, deadline)))
            insert.add_done_callback(self._writes.discard)
            await asyncio.wait([insert], timeout=RECORD_WAIT)
            error = self._failure(insert)
            if error is not None:
                for _, future in batch:
                    future.set_exception(error)
                continue
            for _, future in batch:
                future.set_result(None)
            self._wakeup.set()

    def _failure(self, insert: asyncio.Task[None]) -> BaseException | None:
        """Why a journal write did not make it in time; None when it did. One still
        running is left to find its deadline passed and write nothing."""
        if not insert.done():
            insert.add_done_callback(_quietly)
            return NotRecorded(f"a click's write waited {RECORD_WAIT:g} s for the database")
        if insert.cancelled():
            return NotRecorded("the write was cancelled")
        return insert.exception()

    async def _insert(self, clicks: list[Click], deadline: float) -> None:
        """Write the clicks, unless the deadline passes first: then nothing is written
        (the clickers were told so), however long the database made it wait."""
        now = self._deps.clock.now()
        rows = [{**dataclasses.asdict(click), "received_at": now} for click in clicks]
        loop = asyncio.get_running_loop()
        async with self._deps.db.transaction(urgent=True) as session:
            if loop.time() > deadline:
                raise NotRecorded("the database took too long to accept the write")
            await journal.add_many(session, rows)
            if loop.time() > deadline - COMMIT_MARGIN:  # the commit must fit before it
                raise NotRecorded("the database took too long to accept the write")

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wakeup.clear()  # before looking: a click journaled while we look is kept
            try:
                if await self.process_once():
                    continue
            except Exception:
                log_failure(log, "applying journaled decisions failed; trying again shortly")
            waiters = [
                asyncio.ensure_future(self._wakeup.wait()),
                asyncio.ensure_future(stop.wait()),
            ]
            try:
                await asyncio.wait(waiters, timeout=IDLE_POLL, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()

    async def process_once(self) -> int:
        """Apply up to BATCH journaled decisions in one transaction; return how many.

        A decision that fails unexpectedly must not hold up the others: the batch is
        then applied again one decision at a time, each in a savepoint.
        """
        batch = BATCH if self._traffic is None else await self._traffic.quiet(BATCH)
        try:
            return await self._apply_batch(batch, isolated=False)
        except Exception as error:
            if database_down(error):
                raise  # one at a time would fail alike; run() tries again shortly
            log.exception("applying a batch of decisions failed; retrying one at a time")
            return await self._apply_batch(batch, isolated=True)

    async def _apply_batch(self, batch: int, *, isolated: bool) -> int:
        async with self._deps.unit_of_work() as uow:
            requests = await journal.take_unapplied(uow.session, batch)
            for request in requests:
                if isolated:
                    result = await _apply_isolated(uow, request)
                else:
                    result = await _apply(uow, request)
                journal.mark_applied(request, result.to_json(), uow.now)
                if _worth_telling(request, result):
                    uow.emit(_refused(request, result))
        return len(requests)


async def _apply_isolated(uow: UnitOfWork, request: DecisionRequest) -> Outcome:
    try:
        async with uow.savepoint():
            return await _apply(uow, request)
    except Exception as error:
        log.exception("decision %s could not be applied", request.id)
        return Unapplied(
            request.approval_id,
            "failed",
            f"Something went wrong on our side ({type(error).__name__}); "
            "nothing was decided. Please try again.",
        )


async def _apply(uow: UnitOfWork, request: DecisionRequest) -> Outcome:
    """``decide`` raises the errors a person can fix before it writes anything."""
    try:
        return await decide(
            uow, request.approval_id, request.actor, Decision(request.decision), request.comment
        )
    except DealdeskError as error:
        return Unapplied(request.approval_id, "invalid", str(error))


BULK = "bulk:"
"""Prefix of the keys of decisions taken together (App Home's Approve selected): their
outcome is told at once on Home, not one message per refusal."""


def _worth_telling(request: DecisionRequest, result: Outcome) -> bool:
    """Everyone refused hears why, except someone whose own earlier click already won, and
    a bulk approval (Home sums them up)."""
    if result.applied or request.dedup_key.startswith(BULK):
        return False
    return not (result.refusal == Refusal.ALREADY_DECIDED and result.decided_by == request.actor)


def _refused(request: DecisionRequest, result: Outcome) -> DecisionRefused:
    return DecisionRefused(
        deal_id=result.deal_id if isinstance(result, DecisionResult) else None,
        approval_id=request.approval_id,
        actor=request.actor,
        refusal=str(result.refusal),
        message=result.message,
        origin=Origin(request.channel, request.message_ts, request.response_url),
    )
