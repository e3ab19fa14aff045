"""The unit of work: one transaction, its audit events and its domain events, committed together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.events import DomainEvent, EventBus
from bot.core.policy_book import PolicyBook
from policies.model import Policy
from policies.vocabulary import deal_ref
from store import repositories as repo
from store.audit import AuditRecord, append
from store.db import Database
from store.models import Approval, Deal


class UnitOfWork:
    """What a workflow function works in. Repositories never commit; this does, once."""

    def __init__(self, session: AsyncSession, now: datetime, policies: PolicyBook) -> None:
        self.session = session
        self.now = now
        self.policies = policies
        self.events: list[DomainEvent] = []
        self.audit_records: list[AuditRecord] = []
        self._held: list[object] = []

    def hold(self, *rows: object) -> None:
        """Keep rows alive until commit: the session only holds them weakly, and the event
        subscribers read them again (a dropped row would cost a SELECT to reload)."""
        self._held.extend(rows)

    def emit(self, event: DomainEvent) -> None:
        self.events.append(event)

    def audit(self, actor: str, action: str, deal: Deal | None = None, **details: Any) -> None:
        """Record an audit event; it is chained and written when the transaction commits."""
        self.audit_records.append(
            AuditRecord(
                at=self.now,
                actor=actor,
                action=action,
                deal_id=deal_ref(deal.id) if deal else None,
                details=details,
                policy_version=deal.policy_version if deal else self.policies.current.version,
            )
        )

    async def lock_deal(self, deal_id: int) -> Deal | None:
        """The deal, locked for this transaction and fresh (store.repositories.lock_deal)."""
        deal = await repo.lock_deal(self.session, deal_id)
        self.hold(deal)
        return deal

    async def lock_approval(self, approval_id: int) -> tuple[Deal, Approval] | None:
        """An approval and its deal, the deal locked for this transaction, both fresh."""
        found = await repo.lock_approval(self.session, approval_id)
        if found is not None:
            self.hold(*found)
        return found

    async def policy_for(self, deal: Deal) -> Policy:
        """The policy the deal was routed under (not necessarily today's)."""
        return await self.policies.get(self.session, deal.policy_version)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Undo one step's writes, audit and events if it fails, keeping the rest."""
        events, records = len(self.events), len(self.audit_records)
        try:
            async with self.session.begin_nested():
                yield
        except BaseException:
            del self.events[events:]
            del self.audit_records[records:]
            raise


@asynccontextmanager
async def unit_of_work(
    db: Database, now: datetime, policies: PolicyBook, bus: EventBus
) -> AsyncIterator[UnitOfWork]:
    """Open a writing transaction; on success append the audit chain, record events, commit,
    then publish the events."""
    async with db.transaction() as session:
        uow = UnitOfWork(session, now, policies)
        yield uow
        await append(session, uow.audit_records)
        await bus.record(session, uow.events)
    await bus.publish(uow.events)
