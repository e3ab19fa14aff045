"""The audit chain hashes ``at`` in one canonical form; verify reads it as stored (text on
SQLite, ``timestamptz`` on PostgreSQL) and must agree with what ``append`` hashed."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import VirtualClock
from bot.core.deps import Deps, open_deps
from policies.loader import bundled_policy_path
from store.audit import AuditRecord, Verification, append, canonical_at, iter_events, verify
from tests.conftest import START
from tests.support.databases import sqlite_url

TIMES = [
    START,
    START + timedelta(microseconds=1),
    datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2027, 1, 1, 0, 0, tzinfo=UTC),
    START.astimezone(ZoneInfo("Asia/Tokyo")),  # the same instant as the first
]


async def _log(deps: Deps) -> None:
    async with deps.db.transaction() as session:
        await append(
            session,
            [AuditRecord(at=at, actor="system", action="note", deal_id="D-1001") for at in TIMES],
        )


async def _verify(deps: Deps, deal_id: str | None = None) -> Verification:
    async with deps.db.read() as session:
        return await verify(session, deal_id)


async def test_times_with_microseconds_verify_and_export_canonically(deps: Deps) -> None:
    await _log(deps)

    assert await _verify(deps) == Verification(checked=len(TIMES))
    assert (await _verify(deps, "D-1001")).ok
    async with deps.db.read() as session:
        shown = [event["at"] async for event in iter_events(session)]
    assert shown == [
        "2026-11-23T13:00:00.000000Z",
        "2026-11-23T13:00:00.000001Z",
        "2026-12-31T23:59:59.999999Z",
        "2027-01-01T00:00:00.000000Z",
        "2026-11-23T13:00:00.000000Z",
    ]


@pytest.mark.parametrize(
    ("stored", "canonical"),
    [
        ("2026-11-23 13:00:00.000001", "2026-11-23T13:00:00.000001Z"),
        ("2026-11-23 13:00:00", "2026-11-23T13:00:00.000000Z"),
        ("2026-11-23T13:00:00.5", "2026-11-23T13:00:00.500000Z"),
        ("2026-11-23T14:00:00+01:00", "2026-11-23T13:00:00.000000Z"),
        ("yesterday", "yesterday"),
    ],
)
def test_canonical_at(stored: str, canonical: str) -> None:
    assert canonical_at(stored) == canonical


@pytest.mark.parametrize(
    ("seq", "written", "broken"),
    [
        (1, "2026-11-23 13:00:00", None),  # the same instant, written differently
        (1, "2026-11-23T14:00:00+01:00", None),
        (2, "2026-11-23T13:00:00.000001", None),
        (2, "2026-11-23 13:00:00", 2),  # a microsecond earlier
        (2, "2026-11-23 13:00:00.000002", 2),
        (2, "yesterday", 2),
    ],
)
async def test_sqlite_text_edited_out_of_band(
    tmp_path: Path, seq: int, written: str, broken: int | None
) -> None:
    async with open_deps(sqlite_url(tmp_path), bundled_policy_path(), VirtualClock(START)) as deps:
        await _log(deps)
        with sqlite3.connect(tmp_path / "dealdesk.db") as connection:
            connection.execute("UPDATE audit_events SET at = ? WHERE seq = ?", (written, seq))
        connection.close()

        whole, deal = await _verify(deps), await _verify(deps, "D-1001")

    assert whole.broken_seq == broken
    assert deal.broken_seq == broken
    if broken:
        assert whole.problem is not None
        assert "was changed after it was written" in whole.problem
