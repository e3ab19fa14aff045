"""Connections: SQLite through aiosqlite (default) or PostgreSQL through asyncpg.

On SQLite, every writing transaction starts with ``BEGIN IMMEDIATE`` and all writes
share one connection, so writers queue in asyncio instead of spinning on SQLite's
busy handler; readers use their own connections and never block on WAL. On
PostgreSQL, transactions that change a deal lock its row (``SELECT … FOR UPDATE``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from store.availability import Availability, Use, is_unavailable
from store.write_gate import WriteGate

SQLITE_BUSY_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT = 5.0
"""Seconds to get a PostgreSQL connection (from the pool, or a new one) before failing."""


class DatabaseUrlError(ValueError):
    """DATABASE_URL is not something dealdesk can use."""


def parse_database_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except Exception as error:  # sqlalchemy raises ArgumentError with a terse message
        raise DatabaseUrlError(f"{url!r} is not a database URL ({error})") from None
    if parsed.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
        raise DatabaseUrlError(
            f"driver {parsed.drivername!r} is not supported; use sqlite+aiosqlite:///dealdesk.db "
            "or postgresql+asyncpg://user@host/db"
        )
    return parsed


@dataclass
class Database:
    url: URL
    writer: AsyncEngine
    reader: AsyncEngine

    def __post_init__(self) -> None:
        self._write_sessions = async_sessionmaker(self.writer, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.reader, expire_on_commit=False)
        self._gate = WriteGate() if self.is_sqlite else None
        self.availability = Availability()
        """What the last reads and writes found (store.availability)."""

    @classmethod
    def connect(cls, url: str, *, echo: bool = False) -> Database:
        parsed = parse_database_url(url)
        if parsed.get_backend_name() == "sqlite":
            writer = _sqlite_engine(parsed, begin="BEGIN IMMEDIATE", pool_size=1, echo=echo)
            reader = _sqlite_engine(parsed, begin="BEGIN", pool_size=10, echo=echo)
            return cls(parsed, writer, reader)
        engine = create_async_engine(
            parsed,
            echo=echo,
            pool_size=10,
            max_overflow=10,
            pool_pre_ping=True,  # a connection the server dropped is replaced, not used
            pool_use_lifo=True,  # as few connections warm (their statement caches) as needed
            pool_timeout=CONNECT_TIMEOUT,
            connect_args={"timeout": CONNECT_TIMEOUT},  # asyncpg waits 60 s by default
        )
        return cls(parsed, engine, engine)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @asynccontextmanager
    async def transaction(self, *, urgent: bool = False) -> AsyncIterator[AsyncSession]:
        """A writing transaction: committed when the block ends, rolled back on error.

        On SQLite, writers take turns through the WriteGate; ``urgent`` ones (someone in
        Slack is waiting for the answer) go first.
        """
        if self._gate is not None:
            await self._gate.acquire(urgent=urgent)
        token = self.availability.write_started()
        touched = False
        try:
            async with self._write_sessions() as session, session.begin():
                yield session
                touched = _touched(session)
        except BaseException as error:
            if is_unavailable(error):
                self.availability.failed(Use.WRITE, error)
            raise
        else:
            if touched:  # one that never sent a statement proves nothing
                self.availability.succeeded(Use.WRITE)
        finally:
            self.availability.write_ended(token)
            if self._gate is not None:
                self._gate.release()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only snapshot for queries; never blocks writers."""
        touched = False
        try:
            async with self._read_sessions() as session, session.begin():
                yield session
                touched = _touched(session)
        except BaseException as error:
            if is_unavailable(error):
                self.availability.failed(Use.READ, error)
            raise
        else:
            if touched:
                self.availability.succeeded(Use.READ)

    async def ping(self) -> None:
        try:
            async with self.reader.connect() as connection:
                await connection.exec_driver_sql("SELECT 1")
        except BaseException as error:
            if is_unavailable(error):
                self.availability.failed(Use.READ, error)
            raise
        self.availability.succeeded(Use.READ)

    async def probe_writes(self) -> None:
        """A write transaction that changes nothing: on SQLite it takes the write lock
        (BEGIN IMMEDIATE), so its success says writes work again."""
        async with self.transaction() as session:
            await session.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()


def _touched(session: AsyncSession) -> bool:
    """Whether the session's transaction got a connection (sent anything at all)."""
    transaction = session.sync_session.get_transaction()
    return transaction is not None and bool(transaction._connections)


def insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT for the session's dialect, so that ``on_conflict_do_nothing`` and
    ``on_conflict_do_update`` work on PostgreSQL and SQLite alike."""
    # Imported here: a SQLite deployment never loads PostgreSQL's dialect (a few MB).
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def _sqlite_engine(url: URL, *, begin: str, pool_size: int, echo: bool) -> AsyncEngine:
    """Each connection keeps a page cache of its own (up to 2 MB), filled as it is used.
    The pool hands out the connection returned last: as many stay warm as the busiest
    moment needed, where first in, first out went round every connection it had opened."""
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=60,
        pool_use_lifo=True,  # the connection used last, its page cache warm: see below
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine
