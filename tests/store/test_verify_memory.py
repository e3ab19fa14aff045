"""``audit verify`` reads a long log in bounded memory: events a partition at a time, the
evidence a partition names looked up before the next one, evidence records a batch at a
time. Eight times the log costs no more memory to check (partitions made small here, so
a short log spans many of them, as five million events span a hundred)."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bench.briefing_seed import generate, policy_text, write_rows
from policies.loader import load_policy_text
from store import evidence
from store.audit import rows, verifier, verify
from store.db import Database
from store.migrate import upgrade
from store.models import Evidence
from tests.support.databases import reset_postgres, sqlite_url

NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
SHORT, LONG = 2_500, 20_000


async def _log(url: str, events: int) -> Database:
    """A valid log of ``events`` events, its decisions naming their evidence."""
    loaded = load_policy_text(policy_text(20))
    seeded = generate(loaded, 20, 20, events, NOW)
    database = Database.connect(url)
    await upgrade(database)
    async with database.writer.begin() as connection:
        await connection.run_sync(write_rows, loaded, seeded, NOW)
    return database


async def _peak(database: Database) -> tuple[int, int]:
    """Events verified and the most memory Python held meanwhile (bytes)."""
    tracemalloc.start()
    try:
        async with database.read() as session:
            result = await verify(session)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.ok, result
    return result.checked, peak


@pytest.fixture(autouse=True)
def small_partitions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verifier, "SELECT_BATCH", 500)
    monkeypatch.setattr(rows, "SELECT_BATCH", 500)
    monkeypatch.setattr(evidence, "RECORDS_AT_ONCE", 200)


@pytest.mark.slow
async def test_a_log_eight_times_as_long_takes_no_more_memory_to_verify(
    database_url: str, tmp_path: Path
) -> None:
    peaks = {}
    for events in (SHORT, LONG):
        url = database_url
        if url.startswith("sqlite"):
            url = sqlite_url(tmp_path, f"log-{events}.db")
        else:
            await reset_postgres(url)
        database = await _log(url, events)
        try:
            async with database.read() as session:
                cited = (await session.execute(select(func.count()).select_from(Evidence))).one()
            assert cited[0] > events // 20  # decisions name evidence all along the log
            checked, peaks[events] = await _peak(database)
            assert checked == events
        finally:
            await database.dispose()

    assert peaks[LONG] < peaks[SHORT] * 1.25 + 256 * 1024, peaks


async def test_a_missing_record_is_found_in_a_later_partition(database_url: str) -> None:
    if database_url.startswith("postgresql"):
        await reset_postgres(database_url)
    database = await _log(database_url, 3_000)
    try:
        async with database.transaction() as session:  # the newest record, long after event 500
            newest = (await session.execute(select(func.max(Evidence.id)))).scalar_one()
            digest = (
                await session.execute(select(Evidence.hash).where(Evidence.id == newest))
            ).scalar_one()
            await session.execute(text("DELETE FROM evidence WHERE id = :id"), {"id": newest})
        async with database.read() as session:
            result = await verify(session)
    finally:
        await database.dispose()

    assert not result.ok
    assert (result.broken_seq or 0) > 500
    assert result.problem == f"evidence {digest[:12]}… named in the audit log is missing"
