"""Claiming outbox rows: fair across lanes, in order per key, most urgent first, each row
once while its lease runs, and one pace per lane however many claimers there are."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection
from datetime import datetime, timedelta

import pytest

from bot.core.clock import VirtualClock
from store import outbox
from store.db import Database
from store.migrate import upgrade
from store.models import OutboxMessage

DEAL_CHANNEL = "C0DEALDESK"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database.connect(database_url)
    await upgrade(database)
    yield database
    await database.dispose()


async def add(
    db: Database,
    now: datetime,
    lane: str | None,
    count: int = 1,
    *,
    key: str | None = None,
    priority: int = 0,
    kind: str = "notice",
) -> list[int]:
    """``count`` rows (each its own key unless ``key`` is given); their ids."""
    async with db.transaction() as session:
        before = await outbox.backlog(session)
        rows = [
            outbox.NewRow(kind, key or f"{lane}:{before + n}", lane, priority, {}, now)
            for n in range(count)
        ]
        await outbox.add_many(session, rows)
    async with db.read() as session:
        ids = await session.scalars(
            OutboxMessage.__table__.select()
            .with_only_columns(OutboxMessage.id)
            .order_by(OutboxMessage.id.desc())
            .limit(count)
        )
        return sorted(ids)


async def claim(
    db: Database, now: datetime, limit: int = 25, held_kinds: Collection[str] = ()
) -> list[int]:
    """As the delivery worker claims: candidates read first, then claimed."""
    async with db.read() as session:
        candidates = await outbox.find_candidates(session, now, limit, held_kinds=held_kinds)
    async with db.transaction() as session:
        rows = await outbox.claim(session, candidates, now, limit)
        return [row.id for row in rows]


async def release(db: Database, lane: str, at: datetime) -> None:
    async with db.transaction() as session:
        await outbox.release_lanes(session, {lane: at})


async def finish(db: Database, row_ids: list[int], now: datetime) -> None:
    async with db.transaction() as session:
        for row_id in row_ids:
            row = await session.get(OutboxMessage, row_id)
            assert row is not None
            await outbox.finish(session, row, now)


async def test_a_backlog_in_one_channel_costs_the_others_nothing(
    db: Database, clock: VirtualClock
) -> None:
    now = clock.now()
    paced = await add(db, now, DEAL_CHANNEL, 100)
    others = [(await add(db, now, f"U0AE{n:02d}"))[0] for n in range(10)]
    await release(db, DEAL_CHANNEL, now + timedelta(seconds=1))  # (the lane must exist)
    assert await claim(db, now, 1) == [paced[0]]  # its turn had not been set: it came
    await release(db, DEAL_CHANNEL, now + timedelta(seconds=1))

    assert sorted(await claim(db, now)) == others


async def test_a_free_channel_gives_its_oldest_row_and_only_one(
    db: Database, clock: VirtualClock
) -> None:
    now = clock.now()
    paced = await add(db, now, DEAL_CHANNEL, 100)
    others = await add(db, now, None, 3)

    claimed = await claim(db, now)

    assert sorted(claimed) == [paced[0], *others]
    later = now + timedelta(seconds=5)
    assert await claim(db, later) == []  # the channel is held while its row is in flight
    await finish(db, claimed, later)
    await release(db, DEAL_CHANNEL, later + timedelta(seconds=1))
    assert await claim(db, later) == []  # its next turn has not come
    assert await claim(db, later + timedelta(seconds=1)) == [paced[1]]


async def test_a_row_in_flight_is_not_claimed_again_until_its_lease_runs_out(
    db: Database, clock: VirtualClock
) -> None:
    now = clock.now()
    [row] = await add(db, now, None)
    assert await claim(db, now) == [row]

    assert await claim(db, now + outbox.LEASE - timedelta(seconds=1)) == []
    assert await claim(db, now + outbox.LEASE + timedelta(seconds=1)) == [row]


async def test_a_lane_in_flight_comes_back_when_its_lease_runs_out(
    db: Database, clock: VirtualClock
) -> None:
    """A claimer that died with a row in flight does not hold its channel forever."""
    now = clock.now()
    first, second = await add(db, now, DEAL_CHANNEL, 2)
    assert await claim(db, now) == [first]

    assert await claim(db, now + outbox.LEASE - timedelta(seconds=1)) == []
    assert await claim(db, now + outbox.LEASE + timedelta(seconds=1)) == [first]
    assert second not in await claim(db, now + 2 * outbox.LEASE)


async def test_rows_with_one_key_go_in_order(db: Database, clock: VirtualClock) -> None:
    now = clock.now()
    post, update = await add(db, now, None, 2, key="approval:1")

    assert await claim(db, now) == [post]
    assert await claim(db, now + outbox.LEASE * 2) == [post]  # not the update meanwhile
    await finish(db, [post], now)
    assert await claim(db, now) == [update]


async def test_the_most_urgent_go_first(db: Database, clock: VirtualClock) -> None:
    now = clock.now()
    home = await add(db, now, None, 3, priority=2)
    card = await add(db, now, "U0LISA", priority=0)
    briefing = await add(db, now, "U0PRIYA", priority=1)

    assert await claim(db, now, 2) == [*card, *briefing]
    assert await claim(db, now, 5) == home


async def test_kinds_whose_method_slack_holds_wait(db: Database, clock: VirtualClock) -> None:
    now = clock.now()
    home = await add(db, now, None, kind="home.publish")
    card = await add(db, now, "U0LISA", kind="card.post")
    async with db.transaction() as session:
        await outbox.hold_method(session, "views.publish", now + timedelta(seconds=30))
        held = await outbox.held_methods(session, now)
    assert held == {"views.publish"}

    assert await claim(db, now, held_kinds={"home.publish"}) == card
    await finish(db, card, now)
    async with db.read() as session:
        assert await outbox.held_methods(session, now + timedelta(seconds=31)) == set()
    assert await claim(db, now + timedelta(seconds=31)) == home


async def test_the_next_turn_is_the_earliest_lane_or_retry_ahead(
    db: Database, clock: VirtualClock
) -> None:
    now = clock.now()
    await add(db, now, DEAL_CHANNEL, 2)
    [retried] = await add(db, now, None)
    async with db.transaction() as session:
        await outbox.retry_later(session, retried, now + timedelta(seconds=9), "http_503")
    async with db.read() as session:
        assert await outbox.next_turn(session, now) == now + timedelta(seconds=9)
    await claim(db, now)
    await release(db, DEAL_CHANNEL, now + timedelta(seconds=1))

    async with db.read() as session:
        assert await outbox.next_turn(session, now) == now + timedelta(seconds=1)
        assert await outbox.next_turn(session, now + timedelta(seconds=1)) == now + timedelta(
            seconds=9
        )


async def test_claimers_racing_share_one_pace(database_url: str, clock: VirtualClock) -> None:
    """Two processes (two connection pools) claim at once: each row once, each lane once."""
    first, second = Database.connect(database_url), Database.connect(database_url)
    try:
        await upgrade(first)
        now = clock.now()
        channel = await add(first, now, DEAL_CHANNEL, 10)
        dms = [(await add(first, now, f"U0AE{n:02d}"))[0] for n in range(20)]

        mine, theirs = await asyncio.gather(claim(first, now, 8), claim(second, now, 8))
    finally:
        await first.dispose()
        await second.dispose()

    claimed = mine + theirs
    assert len(claimed) == len(set(claimed)) == 16
    assert len([row for row in claimed if row in channel]) == 1
    assert set(claimed) - set(channel) <= set(dms)
