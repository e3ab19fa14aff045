"""The audit log is one hash chain: any row edited, inserted or deleted out of band (raw SQL,
as someone with database access would do it) is caught, and the first broken event named."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.deps import Deps
from store.audit import GENESIS, AuditRecord, Verification, append, event_hash, verifier, verify
from store.canonical import format_time
from store.models import AuditEvent, AuditHead
from store.types import UTCDateTime
from tests.conftest import START

EVENTS = 6
MIDDLE = 3


def _record(n: int) -> AuditRecord:
    return AuditRecord(
        at=START + timedelta(minutes=n),
        actor="U0SARAH" if n % 2 else "system",
        action="deal_submitted" if n == 1 else "note",
        deal_id="D-1001" if n % 3 else "D-1002",
        details={"n": n, "acv": Decimal("500000.10"), "text": "Ünïcode & <mrkdwn>"},
        policy_version="v1",
    )


@pytest.fixture
async def log(deps: Deps) -> Deps:
    """Six events, appended by two transactions."""
    for batch in ([1, 2, 3, 4], [5, 6]):
        async with deps.db.transaction() as session:
            await append(session, [_record(n) for n in batch])
    return deps


async def _verify(deps: Deps, deal_id: str | None = None, processes: int = 1) -> Verification:
    async with deps.db.read() as session:
        return await verify(session, deal_id, processes=processes)


async def _rows(deps: Deps) -> list[AuditEvent]:
    async with deps.db.read() as session:
        query = select(AuditEvent).order_by(AuditEvent.seq)
        return list((await session.execute(query)).scalars().all())


async def test_an_untouched_chain_verifies(log: Deps) -> None:
    rows = await _rows(log)

    assert [row.seq for row in rows] == list(range(1, EVENTS + 1))
    assert rows[0].prev_hash == GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(rows))
    assert await _verify(log) == Verification(checked=EVENTS)
    async with log.db.read() as session:
        head = await session.get(AuditHead, 1)
    assert head is not None
    assert (head.seq, head.hash) == (EVENTS, rows[-1].hash)
    assert (await _verify(log, "D-1001")).ok


async def test_a_long_log_checked_in_two_processes_verifies(
    log: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verifier, "PARALLEL_FROM", 1)
    assert await _verify(log, processes=2) == Verification(checked=EVENTS)


async def test_an_empty_log_verifies(deps: Deps) -> None:
    assert await _verify(deps) == Verification(checked=0)


Tamper = Callable[[AsyncSession, AuditEvent], Awaitable[object]]


async def _sql(session: AsyncSession, sql: str, **params: object) -> None:
    statement = (
        text(sql).bindparams(bindparam("at", type_=UTCDateTime())) if "at" in params else text(sql)
    )
    await session.execute(statement, params)


async def _edit_details(session: AsyncSession, row: AuditEvent) -> None:
    forged = row.details.replace("500000.10", "50000.10")
    await _sql(session, "UPDATE audit_events SET details = :d WHERE seq = :s", d=forged, s=row.seq)


async def _edit_actor(session: AsyncSession, row: AuditEvent) -> None:
    await _sql(session, "UPDATE audit_events SET actor = 'U0MALLORY' WHERE seq = :s", s=row.seq)


async def _edit_at(session: AsyncSession, row: AuditEvent) -> None:
    moved = row.at - timedelta(hours=1)
    await _sql(session, "UPDATE audit_events SET at = :at WHERE seq = :s", at=moved, s=row.seq)


async def _edit_prev_hash(session: AsyncSession, row: AuditEvent) -> None:
    await _sql(
        session, "UPDATE audit_events SET prev_hash = :h WHERE seq = :s", h="f" * 64, s=row.seq
    )


async def _delete(session: AsyncSession, row: AuditEvent) -> None:
    await _sql(session, "DELETE FROM audit_events WHERE seq = :s", s=row.seq)


async def _insert(session: AsyncSession, row: AuditEvent, *, rechain: bool) -> None:
    seq, at, details = row.seq + 1, row.at + timedelta(minutes=1), '{"forged":true}'
    digest = "0" * 64
    if rechain:
        digest = event_hash(
            seq=seq,
            at=format_time(at),
            deal_id="D-1001",
            actor="U0MALLORY",
            action="approval_decided",
            details=details,
            policy_version="v1",
            prev_hash=row.hash,
        )
    await _sql(
        session,
        "INSERT INTO audit_events (seq, at, deal_id, actor, action, details, policy_version,"
        " prev_hash, hash) VALUES (:s, :at, 'D-1001', 'U0MALLORY', 'approval_decided', :d,"
        " 'v1', :p, :h)",
        s=seq,
        at=at,
        d=details,
        p=row.hash,
        h=digest,
    )


async def _rechain_edit(session: AsyncSession, row: AuditEvent) -> None:
    """Edit an event and give it a correct hash: its successor no longer links to it."""
    forged = row.details.replace("500000.10", "50000.10")
    digest = event_hash(
        seq=row.seq,
        at=format_time(row.at),
        deal_id=row.deal_id,
        actor=row.actor,
        action=row.action,
        details=forged,
        policy_version=row.policy_version,
        prev_hash=row.prev_hash,
    )
    await _sql(
        session,
        "UPDATE audit_events SET details = :d, hash = :h WHERE seq = :s",
        d=forged,
        h=digest,
        s=row.seq,
    )


async def _delete_head(session: AsyncSession, row: AuditEvent) -> None:
    await _sql(session, "DELETE FROM audit_head")


async def _forge(session: AsyncSession, row: AuditEvent) -> None:
    await _insert(session, row, rechain=False)


async def _forge_rechained(session: AsyncSession, row: AuditEvent) -> None:
    await _insert(session, row, rechain=True)


CASES: list[tuple[str, Tamper, int, int, str]] = [
    # name, tampering, seq of the row tampered with, first broken seq, what verify says
    ("edit-details", _edit_details, MIDDLE, MIDDLE, "was changed after it was written"),
    ("edit-actor", _edit_actor, MIDDLE, MIDDLE, "was changed after it was written"),
    ("edit-at", _edit_at, MIDDLE, MIDDLE, "was changed after it was written"),
    ("edit-prev-hash", _edit_prev_hash, MIDDLE, MIDDLE, "does not link to event 2"),
    ("delete-middle", _delete, MIDDLE, MIDDLE, "event 3 is missing"),
    ("delete-last", _delete, EVENTS, EVENTS, "deleted from the end"),
    ("insert-forged", _forge, EVENTS, EVENTS + 1, "was changed after it was written"),
    ("insert-rechained", _forge_rechained, EVENTS, EVENTS + 1, "head records event 6"),
    ("rechain-edited", _rechain_edit, MIDDLE, MIDDLE + 1, "does not link to event 3"),
    ("delete-head", _delete_head, EVENTS, EVENTS, "chain head is missing"),
]


@pytest.mark.parametrize(
    ("tamper", "target", "broken", "problem"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
@pytest.mark.parametrize("processes", [1, 2], ids=["one-process", "two-processes"])
async def test_tampering_out_of_band_names_the_first_broken_event(
    log: Deps,
    tamper: Tamper,
    target: int,
    broken: int,
    problem: str,
    processes: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With two processes (SQLite), events 1-3 are checked here and 4-6 in a forked
    process: the cases at event 3 and 4 are at the seam."""
    monkeypatch.setattr(verifier, "PARALLEL_FROM", 1)
    row = next(r for r in await _rows(log) if r.seq == target)
    async with log.db.transaction() as session:
        await tamper(session, row)

    result = await _verify(log, processes=processes)

    assert not result.ok
    assert result.broken_seq == broken
    assert result.problem is not None
    assert problem in result.problem
    assert result.checked <= broken


async def test_a_deal_check_catches_an_edit_to_that_deals_events(log: Deps) -> None:
    row = next(r for r in await _rows(log) if r.seq == MIDDLE)
    async with log.db.transaction() as session:
        await _edit_actor(session, row)

    assert (await _verify(log, "D-1001")).ok
    assert (await _verify(log, "D-1002")).broken_seq == MIDDLE


async def test_appends_after_tampering_do_not_hide_it(log: Deps) -> None:
    row = next(r for r in await _rows(log) if r.seq == MIDDLE)
    async with log.db.transaction() as session:
        await _edit_details(session, row)
    async with log.db.transaction() as session:
        await append(session, [_record(7)])

    assert (await _verify(log)).broken_seq == MIDDLE
