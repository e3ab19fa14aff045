"""Test databases: a fresh SQLite file, and PostgreSQL when DEALDESK_TEST_POSTGRES_URL is set.

Under DEALDESK_REQUIRE_POSTGRES=1 (CI) an unreachable PostgreSQL fails the run instead
of skipping. Each PostgreSQL test gets an empty ``public`` schema in the configured
database; tests run one at a time, so they never see each other's rows.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

POSTGRES_URL = os.environ.get("DEALDESK_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("DEALDESK_REQUIRE_POSTGRES") == "1"


def sqlite_url(directory: Path, name: str = "dealdesk.db") -> str:
    return f"sqlite+aiosqlite:///{directory / name}"


async def reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            await connection.exec_driver_sql("CREATE SCHEMA public")
    finally:
        await engine.dispose()


def postgres_url_or_skip() -> str:
    """A clean PostgreSQL database URL, or skip (fail under DEALDESK_REQUIRE_POSTGRES=1)."""
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("DEALDESK_REQUIRE_POSTGRES=1 but DEALDESK_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL tests need DEALDESK_TEST_POSTGRES_URL")
    try:
        asyncio.run(reset_postgres(POSTGRES_URL))
    except (OSError, Exception) as error:  # asyncpg raises its own errors for auth and names
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL at {POSTGRES_URL} is required but unreachable: {error}")
        pytest.skip(f"PostgreSQL unreachable: {error}")
    return POSTGRES_URL
