"""SLA reminders, timeouts and delegation ends on time, with APScheduler.

The truth about deadlines lives in the database (each approval's ``remind_at`` and
``due_at``), never only in the scheduler's memory: at start-up overdue work runs at
once, then one job is set for the earliest deadline ahead. Anything that commits a
new deadline (an assignment, a reassignment, a delegation) pokes the scheduler to
look again, and a periodic sweep catches deadlines created by another instance.
Each piece of due work is claimed in the database, so two instances never do it twice.

The morning round (briefings, the channel digest, stalled nudges) runs at second 0 of
every minute, UTC: each person's briefing time is found in their own zone by the round
itself (bot.briefings), and claimed in the database like the deadlines are.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.deps import Deps
from bot.core.events import (
    ApprovalAssigned,
    ApprovalReassigned,
    ApprovalSnoozed,
    DelegationStarted,
    DomainEvent,
)
from bot.core.outage import log_failure
from bot.jobs.due import AwayAtReminder, run_due
from store import repositories as repo

log = logging.getLogger(__name__)

NEXT_DEADLINE = "deadlines.next"
SWEEP = "deadlines.sweep"
SWEEP_EVERY = 15.0
"""Seconds between sweeps for deadlines another instance created."""
MISFIRE_GRACE = 300
MORNING = "briefings.minute"
MORNING_GRACE = 55
"""A minute's round that could not start on time is run late, or (once the next one is
due) merged into it: the round catches up by itself."""
MAX_ROUNDS = 50
"""Batches of due work per tick; the next tick picks up anything beyond."""
RETRY_AFTER = timedelta(seconds=1)
"""When due work failed (logged), the next try: the rows stay due until it succeeds."""
_NEW_DEADLINES = (ApprovalAssigned, ApprovalReassigned, ApprovalSnoozed, DelegationStarted)


class DeadlineScheduler:
    def __init__(
        self,
        deps: Deps,
        *,
        sweep_every: float = SWEEP_EVERY,
        morning: Callable[[], Awaitable[object]] | None = None,
        away: AwayAtReminder | None = None,
    ) -> None:
        """``morning``: the morning round (bot.briefings.morning.run_morning), every minute.
        ``away``: the out-of-office check before each reminder (bot.availability)."""
        self._deps = deps
        self._away = away
        self._sweep_every = sweep_every
        self._morning = morning
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": MISFIRE_GRACE,
            },
        )
        self._lock = asyncio.Lock()
        self._due = asyncio.Event()
        self._poked = False
        """A new deadline was committed while a tick ran: look again once it ends."""

    async def run(self, stop: asyncio.Event) -> None:
        """Run overdue work now, then keep every deadline until ``stop``."""
        self._scheduler.add_job(
            self._wake, IntervalTrigger(seconds=self._sweep_every), id=SWEEP, replace_existing=True
        )
        if self._morning is not None:
            self._scheduler.add_job(
                self.morning,
                CronTrigger(second=0, timezone=UTC),
                id=MORNING,
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=MORNING_GRACE,
            )
        self._scheduler.start()
        try:
            while not stop.is_set():
                self._due.clear()
                await self.tick()
                await _first_of(self._due, stop)
        finally:
            self._scheduler.shutdown(wait=False)

    async def _wake(self) -> None:
        """What the deadline jobs do: have :meth:`run` tick. A job never runs a tick itself,
        so a job due while a tick is running is never skipped (max_instances) and lost."""
        self._due.set()

    async def tick(self) -> None:
        """Do what is due, then set the job for the next deadline."""
        async with self._lock:
            self._poked = False
            failed = False
            try:
                for _ in range(MAX_ROUNDS):
                    summary = await run_due(self._deps, away=self._away)
                    failed = failed or bool(summary.failed)
                    if not summary.count:
                        break
                    log.info(
                        "deadlines: %d reminded, %d timed out",
                        len(summary.reminded),
                        len(summary.timed_out),
                    )
            except Exception:
                failed = True
                log_failure(log, "running due work failed; trying again shortly")
            await self._schedule_next_or_log(retry=failed)
        if self._poked:
            await self._schedule_next_or_log()

    async def morning(self) -> None:
        """The minute's morning round; a failure is logged and the next minute tries again."""
        if self._morning is None:
            return
        try:
            await self._morning()
        except asyncio.CancelledError:
            # Shutting down mid-round: what was claimed is kept, what was not is picked up
            # at the next start (briefings go out up to two hours late). Nothing to report.
            log.info("the morning round was stopped by shutdown; the next start picks it up")
        except Exception:
            log_failure(log, "the morning round failed; the next minute tries again")

    def job(self, job_id: str) -> Any:
        """The scheduled job with this id (an APScheduler Job), or None."""
        return self._scheduler.get_job(job_id)

    async def poke(self, events: Sequence[DomainEvent]) -> None:
        """After-commit observer: a new deadline may be earlier than the one scheduled.
        During a tick (whose own timeouts commit new deadlines by the thousand) the tick
        looks once it ends, instead of once per commit."""
        if not any(isinstance(event, _NEW_DEADLINES) for event in events):
            return
        if self._lock.locked():
            self._poked = True
            return
        await self._schedule_next()

    async def _schedule_next_or_log(self, *, retry: bool = False) -> None:
        try:
            await self._schedule_next(retry=retry)
        except Exception:
            log_failure(log, "finding the next deadline failed; the sweep will look again")

    async def _schedule_next(self, *, retry: bool = False) -> None:
        """Set the job for the earliest deadline; one already past (it fell due while the
        tick worked) means tick again now, or after ``RETRY_AFTER`` when work failed."""
        async with self._deps.db.read() as session:
            moments = [await repo.next_deadline(session), await repo.next_delegation_end(session)]
        upcoming = [moment for moment in moments if moment is not None]
        if not upcoming:
            return
        now = self._deps.clock.now()
        at = min(upcoming)
        if at <= now:
            if not retry:
                self._due.set()
                return
            at = now + RETRY_AFTER
        if not self._scheduler.running:
            return  # stopped (shutting down) or not yet started: the next start looks again
        run_at = datetime.now(UTC) + (at - now)  # APScheduler keeps real time
        job = self._scheduler.get_job(NEXT_DEADLINE)
        if job is not None and job.next_run_time is not None and job.next_run_time <= run_at:
            return
        self._scheduler.add_job(
            self._wake, DateTrigger(run_date=run_at), id=NEXT_DEADLINE, replace_existing=True
        )

    def wake(self) -> None:
        """Look for due work now: the clock moved ahead (the sandbox's clock control)."""
        self._due.set()


async def _first_of(*events: asyncio.Event) -> None:
    """Wait until any of ``events`` is set."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
