"""Ids for new approval rows, handed out before the rows are written.

A move's audit event, its domain events and the next row's ``previous_id`` all name the
new row's id, so the ORM used to flush each new row (one INSERT, with the UPDATEs queued
before it) the moment it was made. With the id known up front, a batch's new rows are
written together at the end: one INSERT for fifty rows.

PostgreSQL hands out a block of the table's own sequence in one statement (other
processes' inserts take later values; a gap left by a rollback is harmless). SQLite's
writing transaction holds the database's write lock from ``BEGIN IMMEDIATE``
(store.db), so nobody else can insert until it commits: the next id is one past the
highest, counted on from there. Every new approval row of a transaction must take its
id from here (bot.core.uow.UnitOfWork.add_approval), or SQLite would give a row inserted
without one an id handed out already.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Approval

POSTGRES_BLOCK = 50


class ApprovalIds:
    """One transaction's supply of approval ids."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._free: list[int] = []
        self._next: int | None = None

    async def take(self) -> int:
        if self._session.get_bind().dialect.name == "postgresql":
            if not self._free:
                query = text(
                    "SELECT nextval(pg_get_serial_sequence('approvals', 'id')) "
                    "FROM generate_series(1, :n)"
                )
                result = await self._session.execute(query, {"n": POSTGRES_BLOCK})
                self._free = sorted(result.scalars().all(), reverse=True)
            return self._free.pop()
        if self._next is None:
            highest = await self._session.scalar(select(func.max(Approval.id)))
            self._next = (highest or 0) + 1
        taken, self._next = self._next, self._next + 1
        return taken
