"""The outbox table: durable work for after commit, claimed so each row is done once.

A claim is fair: it takes at most one row per lane (a conversation, see
``OutboxMessage.lane``) and only from lanes whose next turn has come, so a thousand
posts waiting for the deal channel cost a direct message nothing. Within a lane rows
go oldest first; across lanes the most urgent ``priority`` first. A row waits while
an older row with the same key is open (a card's update never overtakes its post).
Turns are rows of ``outbox_lanes``, locked with ``SKIP LOCKED`` like the rows, so
several processes share one pace.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import ColumnElement, Table, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from store.db import insert as insert_for
from store.models import OutboxLane, OutboxMessage
from store.types import UTCDateTime

LEASE = timedelta(seconds=30)
"""How long a claimed row (and its lane) is reserved for its claimer: a crashed claimer's
rows come back."""
SPARE = 4
"""Candidates read per row wanted: rows and lanes another claimer holds are skipped."""
METHOD = "method:"
"""Lanes named ``method:<Slack method>`` hold back every row that calls that method."""


@dataclass(frozen=True)
class NewRow:
    """Work to add: what to do (``kind``, ``payload``), in which order (``key``), at whose
    pace (``lane``) and how urgently (``priority``, 0 first)."""

    kind: str
    key: str
    lane: str | None
    priority: int
    payload: dict[str, Any]
    created_at: datetime


_TABLE = cast(Table, OutboxMessage.__table__)
"""Rows are added through Core: the ORM's bulk INSERT ran one statement per row here (a
batch of 50 timeouts made 100), Core's one executemany for them all."""


async def add_many(session: AsyncSession, rows: Sequence[NewRow]) -> None:
    if rows:
        await session.execute(
            insert(_TABLE),
            [
                {
                    "kind": row.kind,
                    "key": row.key,
                    "lane": row.lane,
                    "priority": row.priority,
                    "payload": row.payload,
                    "created_at": row.created_at,
                    "next_attempt_at": row.created_at,
                    "attempts": 0,
                }
                for row in rows
            ],
        )


def _open() -> list[ColumnElement[bool]]:
    return [OutboxMessage.done_at.is_(None), OutboxMessage.failed_at.is_(None)]


def _free(now: datetime) -> ColumnElement[bool]:
    return or_(OutboxLane.next_at.is_(None), OutboxLane.next_at <= now)


class Candidate(NamedTuple):
    """An outbox row as :func:`find_candidates` reads it."""

    id: int
    lane: str | None
    priority: int


async def find_candidates(
    session: AsyncSession, now: datetime, limit: int, *, held_kinds: Collection[str] = ()
) -> list[Candidate]:
    """The rows to try to claim, most urgent first: each free lane's oldest claimable row,
    and claimable rows without a lane; ``SPARE`` times ``limit`` of them, since another
    claimer may take some first. ``held_kinds``: kinds not to take now (Slack holds a
    method they call). A read: run it outside the writing transaction of :func:`claim`
    (on SQLite it would hold the one writer while it scans the backlog)."""
    eligible = (
        select(
            OutboxMessage.id,
            OutboxMessage.lane,
            OutboxMessage.priority,
            func.row_number()
            .over(partition_by=OutboxMessage.lane, order_by=OutboxMessage.id)
            .label("place"),
        )
        .outerjoin(OutboxLane, OutboxLane.lane == OutboxMessage.lane)
        .where(
            *_claimable(now),
            _free(now),
            *([OutboxMessage.kind.not_in(sorted(held_kinds))] if held_kinds else []),
        )
        .subquery()
    )
    query = (
        select(eligible.c.id, eligible.c.lane, eligible.c.priority)
        .where(or_(eligible.c.lane.is_(None), eligible.c.place == 1))
        .order_by(eligible.c.priority, eligible.c.id)
        .limit(limit * SPARE)
    )
    return [Candidate(*row) for row in (await session.execute(query)).all()]


async def claim(
    session: AsyncSession, candidates: Sequence[Candidate], now: datetime, limit: int
) -> list[OutboxMessage]:
    """Reserve up to ``limit`` of ``candidates``, in their order: those without a lane, and
    those whose lane's turn has come and no other claimer holds. Claimed lanes are held
    until :func:`release_lanes` (or the lease runs out).

    On PostgreSQL the one step that may wait for another transaction (creating lanes seen
    for the first time) comes before any lock is taken; lanes and rows are then locked
    with ``SKIP LOCKED``, so two claimers, or a claimer and a delivery recording its
    outcome, never wait for each other in a circle. A row is taken only if it is still
    claimable now (another process may have claimed it since the candidates were read).
    """
    free = await _lock_lanes(session, {c.lane for c in candidates if c.lane is not None}, now)
    wanted = [c.id for c in candidates if c.lane is None or c.lane in free][:limit]
    taken = {c.lane for c in candidates if c.lane in free and c.id in wanted}
    if taken:
        await session.execute(
            update(OutboxLane)
            .where(OutboxLane.lane.in_(sorted(taken)))
            .values(next_at=now + LEASE)
            .execution_options(synchronize_session=False)
        )
    rows: list[OutboxMessage] = []
    if wanted:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(wanted), *_claimable(now))
            .order_by(OutboxMessage.priority, OutboxMessage.id)
            .with_for_update(skip_locked=True, of=OutboxMessage)
        )
        rows = list((await session.execute(query)).scalars().all())
    unused = taken - {row.lane for row in rows}
    if unused:  # their row went to another claimer meanwhile: the turn stays free
        await session.execute(
            update(OutboxLane)
            .where(OutboxLane.lane.in_(sorted(unused)))
            .values(next_at=now)
            .execution_options(synchronize_session=False)
        )
    if rows:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([row.id for row in rows]))
            .values(claimed_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
    return rows


def _claimable(now: datetime) -> list[ColumnElement[bool]]:
    """Open, due, not reserved by anyone, and not behind an open row of its key."""
    earlier = aliased(OutboxMessage)
    blocked = exists().where(
        earlier.key == OutboxMessage.key,
        earlier.id < OutboxMessage.id,
        earlier.done_at.is_(None),
        earlier.failed_at.is_(None),
    )
    return [
        *_open(),
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        ~blocked,
    ]


async def _lock_lanes(session: AsyncSession, lanes: set[str], now: datetime) -> set[str]:
    """Lock the lanes whose turn has come and that no other claimer holds right now."""
    if not lanes:
        return set()
    await session.execute(  # may wait for a transaction that holds the lane: we hold nothing
        insert_for(session, OutboxLane)
        .values([{"lane": lane, "next_at": None} for lane in sorted(lanes)])
        .on_conflict_do_nothing(index_elements=["lane"])
    )
    free = (
        select(OutboxLane.lane)
        .where(OutboxLane.lane.in_(sorted(lanes)), _free(now))
        .order_by(OutboxLane.lane)
        .with_for_update(skip_locked=True)
    )
    return set((await session.execute(free)).scalars().all())


async def release_lanes(session: AsyncSession, turns: Mapping[str, datetime]) -> None:
    """Each lane's next turn, after its row of a delivery batch went (or not): one
    statement for the batch, the lanes in one order in every process."""
    if not turns:
        return
    lanes = cast(Table, OutboxLane.__table__)
    statement = (
        update(lanes)
        .where(lanes.c.lane == bindparam("turn_lane"))
        .values(next_at=bindparam("turn_at", type_=UTCDateTime()))
    )
    await session.execute(
        statement, [{"turn_lane": lane, "turn_at": at} for lane, at in sorted(turns.items())]
    )


async def hold_method(session: AsyncSession, method: str, until: datetime) -> None:
    """Slack asked to wait before calling ``method`` again (429 with Retry-After)."""
    statement = insert_for(session, OutboxLane).values(lane=METHOD + method, next_at=until)
    await session.execute(
        statement.on_conflict_do_update(index_elements=["lane"], set_={"next_at": until})
    )


async def held_methods(session: AsyncSession, now: datetime) -> set[str]:
    """The Slack methods held back right now."""
    query = select(OutboxLane.lane).where(
        OutboxLane.lane.startswith(METHOD), OutboxLane.next_at > now
    )
    return {lane.removeprefix(METHOD) for lane in (await session.execute(query)).scalars()}


async def latest_of_kind(session: AsyncSession, rows: Sequence[OutboxMessage]) -> dict[int, int]:
    """For each row, the newest open row of the same kind and key (itself if none is newer).

    A row that re-renders current state (a Home tab, a card) does the work of every
    older row of its kind and key, so delivering it finishes them all.
    """
    if not rows:
        return {}
    pairs = {(row.kind, row.key) for row in rows}
    query = (
        select(OutboxMessage.kind, OutboxMessage.key, func.max(OutboxMessage.id))
        .where(*_open(), OutboxMessage.key.in_({key for _, key in pairs}))
        .group_by(OutboxMessage.kind, OutboxMessage.key)
    )
    newest = {(kind, key): last for kind, key, last in (await session.execute(query)).all()}
    return {row.id: max(row.id, newest.get((row.kind, row.key), row.id)) for row in rows}


async def finish_all(session: AsyncSession, row_ids: Collection[int], now: datetime) -> None:
    """Mark rows done that cover no older row (:func:`finish` marks the others)."""
    if not row_ids:
        return
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(sorted(row_ids)))
        .values(done_at=now, claimed_until=None)
        .execution_options(synchronize_session=False)
    )


async def finish(
    session: AsyncSession, row: OutboxMessage, now: datetime, through: int | None = None
) -> None:
    """Mark ``row`` done, and with ``through`` every open row of its kind and key up to it."""
    if through is None or through == row.id:
        await _set(session, row.id, done_at=now, claimed_until=None)
        return
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.kind == row.kind,
            OutboxMessage.key == row.key,
            OutboxMessage.id >= row.id,
            OutboxMessage.id <= through,
            *_open(),
        )
        .values(done_at=now, claimed_until=None)
        .execution_options(synchronize_session=False)
    )


async def retry_later(session: AsyncSession, row_id: int, at: datetime, error: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(
            next_attempt_at=at,
            attempts=OutboxMessage.attempts + 1,
            last_error=error,
            claimed_until=None,
        )
        .execution_options(synchronize_session=False)
    )


async def give_up(session: AsyncSession, row_id: int, now: datetime, error: str) -> None:
    await _set(session, row_id, failed_at=now, last_error=error, claimed_until=None)


async def _set(session: AsyncSession, row_id: int, **values: Any) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def next_turn(session: AsyncSession, now: datetime) -> datetime | None:
    """The earliest moment after ``now`` when a waiting row may become claimable: its next
    attempt, or its lane's next turn (rows due now but blocked wait for a finish)."""
    ready = func.coalesce(OutboxLane.next_at, OutboxMessage.next_attempt_at, type_=UTCDateTime())
    larger = func.greatest if session.get_bind().dialect.name == "postgresql" else func.max
    later = larger(OutboxMessage.next_attempt_at, ready, type_=UTCDateTime())
    query = (
        select(func.min(later, type_=UTCDateTime()))
        .select_from(OutboxMessage)
        .outerjoin(OutboxLane, OutboxLane.lane == OutboxMessage.lane)
        .where(*_open(), later > now)
    )
    result: datetime | None = (await session.execute(query)).scalar_one_or_none()
    return result


@dataclass(frozen=True)
class Waiting:
    """Rows of one kind not yet delivered."""

    count: int
    oldest: datetime
    """When the oldest of them was queued."""


async def backlog_by_kind(session: AsyncSession) -> dict[str, Waiting]:
    """What waits, per kind (for /metrics and /healthz)."""
    query = (
        select(OutboxMessage.kind, func.count(), func.min(OutboxMessage.created_at))
        .where(*_open())
        .group_by(OutboxMessage.kind)
    )
    return {
        kind: Waiting(int(count), oldest)
        for kind, count, oldest in (await session.execute(query)).all()
    }


@dataclass(frozen=True)
class Failing:
    """Rows Slack refused so far and that wait to be tried again."""

    count: int
    last_error: str | None


async def failing(session: AsyncSession, now: datetime) -> Failing:
    query = (
        select(OutboxMessage.last_error)
        .where(*_open(), OutboxMessage.attempts > 0, OutboxMessage.next_attempt_at > now)
        .order_by(OutboxMessage.next_attempt_at.desc())
    )
    errors = list((await session.execute(query)).scalars().all())
    return Failing(len(errors), errors[0] if errors else None)


async def backlog(session: AsyncSession) -> int:
    """Rows not yet delivered (for /metrics and tests)."""
    query = select(func.count()).select_from(OutboxMessage).where(*_open())
    return int((await session.execute(query)).scalar_one())


async def list_of_kind(session: AsyncSession, kind: str, limit: int) -> Sequence[OutboxMessage]:
    """The newest rows of one kind, newest first."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.kind == kind)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return (await session.execute(query)).scalars().all()


async def find_event(session: AsyncSession, kind: str, event_id: str) -> OutboxMessage | None:
    """The newest row of ``kind`` whose payload has this ``event_id`` (a webhook's)."""
    query = (
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id.desc())
    )
    for row in (await session.execute(query.order_by(OutboxMessage.id.desc()))).scalars():
        if row.payload.get("event_id") == event_id:
            return row
    return None
