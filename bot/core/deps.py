"""What every entry point needs, built once at start-up and passed down (no globals)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from bot.core.clock import Clock, SystemClock
from bot.core.events import EventBus
from bot.core.policy_book import PolicyBook
from bot.core.uow import UnitOfWork, unit_of_work
from policies.loader import load_policy_file
from policies.model import Policy
from store.db import Database
from store.migrate import upgrade


class Absences(Protocol):
    async def absences(self, users: Collection[str], policy: Policy) -> dict[str, datetime | None]:
        """Which of ``users`` their Slack status says are away, each with when they are
        back (None: not said)."""
        ...


@dataclass
class Deps:
    db: Database
    policies: PolicyBook
    clock: Clock = field(default_factory=SystemClock)
    bus: EventBus = field(default_factory=EventBus)
    absences: Absences | None = None
    """Who is out of office, from Slack (set by the runtime; None without Slack)."""

    def unit_of_work(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """One transaction at the clock's current time (see bot.core.uow)."""
        return unit_of_work(self.db, self.clock.now(), self.policies, self.bus)

    async def close(self) -> None:
        await self.db.dispose()


@asynccontextmanager
async def open_deps(
    database_url: str, policy_path: Path, clock: Clock | None = None, *, migrate: bool = True
) -> AsyncIterator[Deps]:
    """Connect, bring the schema up to date, load the policy and record its version."""
    policy = load_policy_file(policy_path)
    db = Database.connect(database_url)
    try:
        if migrate:
            await upgrade(db)
        deps = Deps(db=db, policies=PolicyBook(policy), clock=clock or SystemClock())
        async with db.transaction() as session:
            await deps.policies.store_current(session, deps.clock.now())
        yield deps
    finally:
        await db.dispose()
