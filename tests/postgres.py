"""The PostgreSQL database a test runs on, or a skip (a failure in CI).

Under DEALDESK_REQUIRE_POSTGRES=1 (CI) an unreachable PostgreSQL fails the run instead
of skipping. Each test gets an empty ``public`` schema in its worker's database
(tests.support.databases), so tests never see each other's rows.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from tests.support.databases import create_database, reset_postgres, worker_url

POSTGRES_URL = os.environ.get("DEALDESK_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("DEALDESK_REQUIRE_POSTGRES") == "1"
_created: set[str] = set()


def postgres_url_or_skip() -> str:
    """A clean PostgreSQL database URL, or skip (fail under DEALDESK_REQUIRE_POSTGRES=1)."""
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("DEALDESK_REQUIRE_POSTGRES=1 but DEALDESK_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL tests need DEALDESK_TEST_POSTGRES_URL")
    url = worker_url(POSTGRES_URL)
    try:
        asyncio.run(_clean(url))
    except (OSError, Exception) as error:  # asyncpg raises its own errors for auth and names
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL at {url} is required but unreachable: {error}")
        pytest.skip(f"PostgreSQL unreachable: {error}")
    return url


async def _clean(url: str) -> None:
    if url != POSTGRES_URL and url not in _created:
        await create_database(url)
        _created.add(url)
    await reset_postgres(url)
