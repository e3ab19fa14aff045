"""The unit of work: one transaction, its audit events and its domain events, committed together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.deal_rows import DealRows
from bot.core.events import DomainEvent, EventBus
from bot.core.policy_book import PolicyBook
from policies.model import Policy
from policies.vocabulary import deal_ref
from store import repositories as repo
from store.audit import AuditRecord, append
from store.db import Database
from store.ids import NewIds
from store.models import Approval, Deal, Delegation

_APPROVAL_COLUMNS = tuple(Approval.__table__.columns.keys())


class UnitOfWork:
    """What a workflow function works in. Repositories never commit; this does, once."""

    def __init__(self, session: AsyncSession, now: datetime, policies: PolicyBook) -> None:
        self.session = session
        self.now = now
        self.policies = policies
        self.events: list[DomainEvent] = []
        self.audit_records: list[AuditRecord] = []
        self.rows = DealRows()
        """The approvals of every deal locked here (bot.core.deal_rows)."""
        self.created: set[int] = set()
        """Ids of the approval rows added in this transaction."""
        self._held: list[object] = []
        self._ids = NewIds(session)
        self._delegations: dict[str, Delegation] | None = None

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
        """The deal, locked for this transaction and fresh (store.repositories.lock_deal),
        with its rows loaded into :attr:`rows`."""
        deal = await repo.lock_deal(self.session, deal_id)
        if deal is not None:
            self.hold(deal)
            await self._load_rows([deal])
        return deal

    async def lock_approval(self, approval_id: int) -> tuple[Deal, Approval] | None:
        """An approval and its deal, the deal locked for this transaction, both fresh."""
        return (await self.lock_approvals([approval_id])).get(approval_id)

    async def lock_approvals(self, approval_ids: list[int]) -> dict[int, tuple[Deal, Approval]]:
        """Approvals with their deals, each deal locked (in id order) and its rows loaded:
        two statements for a whole batch, none for an approval whose deal is loaded."""
        found: dict[int, tuple[Deal, Approval]] = {}
        wanted = []
        for approval_id in approval_ids:
            known = self.rows.find(approval_id)
            if known is not None:
                found[approval_id] = known
            else:
                wanted.append(approval_id)
        if wanted:
            deals = await repo.lock_deals_of(self.session, wanted)
            self.hold(*deals)
            await self._load_rows(deals)
            for approval_id in wanted:
                known = self.rows.find(approval_id)
                if known is not None:
                    found[approval_id] = known
        return found

    async def _load_rows(self, deals: list[Deal]) -> None:
        rows = await repo.list_approvals_of(self.session, [deal.id for deal in deals], fresh=True)
        self.hold(*rows)
        by_deal: dict[int, list[Approval]] = {deal.id: [] for deal in deals}
        for row in rows:
            by_deal[row.deal_id].append(row)
        for deal in deals:
            self.rows.track(deal, by_deal[deal.id])

    async def add_deal(self, deal: Deal) -> Deal:
        """Add a new deal with its id (store.ids), written at the next flush; it has no
        rows yet, and all it gets are added to :attr:`rows`."""
        deal.id = await self._ids.take(Deal)
        self.session.add(deal)
        self.hold(deal)
        self.rows.track(deal, [])
        return deal

    async def reserve(self, table: type[Approval] | type[Deal], count: int) -> None:
        """About ``count`` new rows of ``table`` are coming: take their ids at once."""
        await self._ids.reserve(table, count)

    async def add_approval(self, deal: Deal, row: Approval) -> Approval:
        """Add a new row with its id (store.ids), written with the rest at the next flush."""
        row.id = await self._ids.take(Approval)
        for column in _APPROVAL_COLUMNS:
            # The ORM writes rows in one INSERT only while they set the same columns.
            if column not in row.__dict__:
                setattr(row, column, None)
        self.session.add(row)
        self.hold(row)
        self.created.add(row.id)
        self.rows.add(deal, row)
        return row

    async def slot_approvers(self, row: Approval) -> set[str]:
        if self.rows.knows(row.deal_id):
            return self.rows.slot_approvers(row)
        return await repo.list_slot_approvers(self.session, row)

    async def stage_rows(self, deal: Deal, stage_index: int) -> list[Approval]:
        if self.rows.knows(deal.id):
            return self.rows.stage(deal, stage_index)
        return list(await repo.list_stage(self.session, deal, stage_index))

    async def pending_rows(self, deal: Deal) -> list[Approval]:
        if self.rows.knows(deal.id):
            return self.rows.pending(deal)
        return list(await repo.list_pending(self.session, deal))

    async def carried_approval(self, deal: Deal, stage_index: int, slot: str) -> Approval | None:
        if self.rows.knows(deal.id):
            return self.rows.carried(deal, stage_index, slot)
        return await repo.get_carried_approval(self.session, deal, stage_index, slot)

    async def other_approval_held(self, deal: Deal, person: str, slot: str) -> Approval | None:
        if self.rows.knows(deal.id):
            return self.rows.other_held(deal, person, slot)
        return await repo.other_approval_held(self.session, deal, person, slot)

    async def active_delegation(self, delegator: str) -> Delegation | None:
        """Who ``delegator`` hands their approvals to now: every active delegation is read
        once per transaction (there are few), until :meth:`forget_delegations`."""
        if self._delegations is None:
            # Nothing pending changes delegations (bot.workflow.delegation flushes its own),
            # so the rows this transaction is building are left to be written together.
            with self.session.no_autoflush:
                self._delegations = await repo.active_delegations(self.session, self.now)
        return self._delegations.get(delegator)

    def forget_delegations(self) -> None:
        """Delegations changed in this transaction: read them again when next asked."""
        self._delegations = None

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
            # What the step added or changed is rolled back: read the deals again if asked.
            self.rows = DealRows()
            self._delegations = None
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
