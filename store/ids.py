"""Ids for new deals and approval rows, handed out before the rows are written.

A move's audit event, its domain events and the next row's ``previous_id`` all name the
new row's id, so the ORM used to flush each new row (one INSERT, with the UPDATEs queued
before it) the moment it was made. With the id known up front, a batch's new rows are
written together at the end: one INSERT for fifty rows.

PostgreSQL hands out a block of the table's own sequence in one statement (other
processes' inserts take later values; a gap left by a rollback is harmless). SQLite's
writing transaction holds the database's write lock from ``BEGIN IMMEDIATE``
(store.db), so nobody else can insert until it commits: the next id is one past the
highest, counted on from there. Every new approval row of a transaction must take its
id from here (bot.core.uow.UnitOfWork.add_approval), and every new deal too
(UnitOfWork.add_deal), or SQLite would give a row inserted without one an id handed out
already.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Approval, Deal

POSTGRES_MOST = 50
"""The most ids taken from a sequence in one statement."""
Table = type[Approval] | type[Deal]


class NewIds:
    """One transaction's supply of ids for new deals and approvals.

    On PostgreSQL a transaction takes what it was told it needs (:meth:`reserve`), and
    beyond that one id, then two, four and so on: a sequence value taken and not used
    is a gap in the ids (a deal's number is what people read: D-1002 should follow
    D-1001), so few are taken that are not needed.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._free: dict[str, list[int]] = {}
        self._taken: dict[str, int] = {}
        self._next: dict[str, int] = {}

    async def reserve(self, table: Table, count: int) -> None:
        """This transaction is about to add ``count`` rows to ``table``."""
        missing = count - len(self._free.get(table.__tablename__, []))
        if self._postgres and missing > 0:
            await self._fetch(table, missing)

    async def take(self, table: Table) -> int:
        name = table.__tablename__
        if self._postgres:
            if not self._free.get(name):
                await self._fetch(table, max(1, min(POSTGRES_MOST, self._taken.get(name, 0))))
            self._taken[name] = self._taken.get(name, 0) + 1
            return self._free[name].pop()
        if name not in self._next:
            with self._session.no_autoflush:  # what is pending took its ids from here
                highest = await self._session.scalar(select(func.max(table.id)))
            self._next[name] = (highest or 0) + 1
        taken = self._next[name]
        self._next[name] = taken + 1
        return taken

    @property
    def _postgres(self) -> bool:
        return self._session.get_bind().dialect.name == "postgresql"

    async def _fetch(self, table: Table, count: int) -> None:
        name = table.__tablename__
        query = text(
            f"SELECT nextval(pg_get_serial_sequence('{name}', 'id')) FROM generate_series(1, :n)"
        )
        with self._session.no_autoflush:
            result = await self._session.execute(query, {"n": min(count, POSTGRES_MOST)})
        free = self._free.setdefault(name, [])
        free[:0] = sorted(result.scalars().all(), reverse=True)
