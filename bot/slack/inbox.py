"""Decisions from Slack: journaled before Slack gets its answer, applied right after.

Slack wants an answer within 3 seconds and a click that was answered must never be
lost. So a click is first written to the ``decision_inbox`` table — concurrent clicks
share one transaction (group commit), which keeps the answer fast under load — and
only then acknowledged. The processor applies journaled decisions through the
workflow (bot.workflow.decide), each exactly once: the journal row is marked in the
same transaction as the decision it carries. Someone who may not decide, or who
clicks an approval that has moved on, is told why in a message only they see.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from bot.core.deps import Deps
from bot.core.errors import DealdeskError
from bot.core.traffic import Traffic
from bot.core.uow import UnitOfWork
from bot.slack.kinds import notice_row
from bot.workflow import Refusal, decide
from policies.vocabulary import Decision
from store import outbox
from store.models import DecisionRequest
from store.outbox import NewRow

log = logging.getLogger(__name__)

BATCH = 20
"""Decisions applied per transaction: short, so a click's journal write never waits long."""
IDLE_POLL = 1.0
COMMIT_DELAY = 0.002
"""Seconds a journal write waits for the clicks still being parsed, when there are any
(PostgreSQL's ``commit_delay``/``commit_siblings``, for the same reason): under a burst
it turns two clicks per transaction into twenty to fifty, and cuts the CPU per click
by a third (bench/clicks.py)."""


@dataclass(frozen=True)
class Click:
    """A decision as Slack delivered it."""

    dedup_key: str
    approval_id: int
    actor: str
    decision: Decision
    comment: str | None = None
    channel: str | None = None
    message_ts: str | None = None
    response_url: str | None = None


class DecisionInbox:
    def __init__(self, deps: Deps, traffic: Traffic | None = None) -> None:
        self._deps = deps
        self._traffic = traffic
        self._waiting: list[tuple[Click, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._wakeup = asyncio.Event()

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
            try:
                await self._insert([click for click, _ in batch])
            except Exception as error:
                for _, future in batch:
                    future.set_exception(error)
                continue
            for _, future in batch:
                future.set_result(None)
            self._wakeup.set()

    async def _insert(self, clicks: list[Click]) -> None:
        now = self._deps.clock.now()
        rows = [
            {
                "dedup_key": click.dedup_key,
                "approval_id": click.approval_id,
                "actor": click.actor,
                "decision": click.decision.value,
                "comment": click.comment,
                "channel": click.channel,
                "message_ts": click.message_ts,
                "response_url": click.response_url,
                "received_at": now,
            }
            for click in clicks
        ]
        async with self._deps.db.transaction(urgent=True) as session:
            dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
            statement = dialect.insert(DecisionRequest).on_conflict_do_nothing(
                index_elements=["dedup_key"]
            )
            await session.execute(statement, rows)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wakeup.clear()  # before looking: a click journaled while we look is kept
            try:
                if await self.process_once():
                    continue
            except Exception:
                log.exception("applying journaled decisions failed; trying again shortly")
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
        except Exception:
            log.exception("applying a batch of decisions failed; retrying one at a time")
            return await self._apply_batch(batch, isolated=True)

    async def _apply_batch(self, batch: int, *, isolated: bool) -> int:
        async with self._deps.unit_of_work() as uow:
            query = (
                select(DecisionRequest)
                .where(DecisionRequest.processed_at.is_(None))
                .order_by(DecisionRequest.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
            requests = list((await uow.session.execute(query)).scalars().all())
            notices: list[NewRow] = []
            for request in requests:
                if isolated:
                    result = await self._apply_isolated(uow, request)
                else:
                    result = await self._apply(uow, request)
                request.processed_at = uow.now
                request.result = result
                if _worth_telling(request, result):
                    notices.append(_notice(request, result, uow.now))
            await outbox.add_many(uow.session, notices)
        return len(requests)

    async def _apply_isolated(self, uow: UnitOfWork, request: DecisionRequest) -> dict[str, object]:
        try:
            async with uow.savepoint():
                return await self._apply(uow, request)
        except Exception as error:
            log.exception("decision %s could not be applied", request.id)
            return {
                "applied": False,
                "refusal": "error",
                "message": f"Something went wrong on our side ({type(error).__name__}); "
                "nothing was decided. Please try again.",
            }

    @staticmethod
    async def _apply(uow: UnitOfWork, request: DecisionRequest) -> dict[str, object]:
        """``decide`` raises the errors a person can fix before it writes anything."""
        try:
            result = await decide(
                uow, request.approval_id, request.actor, Decision(request.decision), request.comment
            )
        except DealdeskError as error:
            return {"applied": False, "refusal": "invalid", "message": str(error)}
        return {
            "applied": result.applied,
            "refusal": result.refusal.value if result.refusal else None,
            "message": result.message,
            "decided_by": result.decided_by,
        }


def _worth_telling(request: DecisionRequest, result: dict[str, object]) -> bool:
    """Everyone refused hears why, except someone whose own earlier click already won."""
    if result["applied"]:
        return False
    return not (
        result["refusal"] == Refusal.ALREADY_DECIDED and result.get("decided_by") == request.actor
    )


def _notice(request: DecisionRequest, result: dict[str, object], now: datetime) -> NewRow:
    return notice_row(
        request.actor,
        str(result["message"]),
        now,
        response_url=request.response_url,
        channel=request.channel,
        approval_id=request.approval_id,
        refusal=result["refusal"],
    )
