"""SLA reminders, timeouts and delegation ends on time, with APScheduler.

The truth about deadlines lives in the database (each approval's ``remind_at`` and
``due_at``), never only in the scheduler's memory: at start-up overdue work runs at
once, then one job is set for the earliest deadline ahead. Anything that commits a
new deadline (an assignment, a reassignment, a delegation) pokes the scheduler to
look again, and a periodic sweep catches deadlines created by another instance.
Each piece of due work is claimed in the database, so two instances never do it twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.deps import Deps
from bot.events import (
    ApprovalAssigned,
    ApprovalReassigned,
    DelegationStarted,
    DomainEvent,
)
from bot.workflow.due import run_due
from store import repositories as repo

log = logging.getLogger(__name__)

NEXT_DEADLINE = "deadlines.next"
SWEEP = "deadlines.sweep"
SWEEP_EVERY = 15.0
"""Seconds between sweeps for deadlines another instance created."""
MISFIRE_GRACE = 300
MAX_ROUNDS = 50
"""Batches of due work per tick; the sweep picks up anything beyond."""
_NEW_DEADLINES = (ApprovalAssigned, ApprovalReassigned, DelegationStarted)


class DeadlineScheduler:
    def __init__(self, deps: Deps, *, sweep_every: float = SWEEP_EVERY) -> None:
        self._deps = deps
        self._sweep_every = sweep_every
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": MISFIRE_GRACE,
            },
        )
        self._lock = asyncio.Lock()

    async def run(self, stop: asyncio.Event) -> None:
        """Run overdue work now, then keep every deadline until ``stop``."""
        self._scheduler.add_job(
            self.tick, IntervalTrigger(seconds=self._sweep_every), id=SWEEP, replace_existing=True
        )
        self._scheduler.start()
        try:
            await self.tick()
            await stop.wait()
        finally:
            self._scheduler.shutdown(wait=False)

    async def tick(self) -> None:
        """Do what is due, then set the job for the next deadline."""
        async with self._lock:
            try:
                for _ in range(MAX_ROUNDS):
                    summary = await run_due(self._deps)
                    if not summary.count:
                        break
                    log.info(
                        "deadlines: %d reminded, %d timed out",
                        len(summary.reminded),
                        len(summary.timed_out),
                    )
            except Exception:
                log.exception("running due work failed; the sweep will try again")
            await self._schedule_next()

    async def poke(self, events: Sequence[DomainEvent]) -> None:
        """After-commit observer: a new deadline may be earlier than the one scheduled."""
        if any(isinstance(event, _NEW_DEADLINES) for event in events):
            await self._schedule_next()

    async def _schedule_next(self) -> None:
        async with self._deps.db.read() as session:
            moments = [await repo.next_deadline(session), await repo.next_delegation_end(session)]
        upcoming = [moment for moment in moments if moment is not None]
        if not upcoming:
            return
        at = max(min(upcoming), self._deps.clock.now())
        job = self._scheduler.get_job(NEXT_DEADLINE)
        if job is not None and job.next_run_time is not None and job.next_run_time <= at:
            return
        self._scheduler.add_job(
            self.tick, DateTrigger(run_date=at), id=NEXT_DEADLINE, replace_existing=True
        )
