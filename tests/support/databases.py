"""Test databases: a fresh SQLite file, and a PostgreSQL database of one's own.

Nothing here needs pytest, so the benches use it too. Under pytest-xdist each worker
has a database of its own on the configured server (``test`` becomes ``test_gw0``,
``test_gw1``, ...), created when first asked for; inside a worker tests run one at a
time, and each starts from an empty ``public`` schema (``reset_postgres``).
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


def sqlite_url(directory: Path, name: str = "dealdesk.db") -> str:
    return f"sqlite+aiosqlite:///{directory / name}"


def worker_url(url: str, worker: str | None = None) -> str:
    """The database of this pytest-xdist worker on ``url``'s server (``url`` itself when
    not under xdist)."""
    worker = worker if worker is not None else os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


async def create_database(url: str) -> None:
    """Create ``url``'s database on its server unless it exists (through the server's
    ``postgres`` database, since one cannot connect to a database that is not there)."""
    parsed = make_url(url)
    admin = create_async_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            exists = await connection.exec_driver_sql(
                "SELECT 1 FROM pg_database WHERE datname = $1", (parsed.database,)
            )
            if exists.scalar() is None:
                await connection.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await admin.dispose()


async def reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            await connection.exec_driver_sql("CREATE SCHEMA public")
    finally:
        await engine.dispose()
