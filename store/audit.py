"""The audit log: append-only events in one SHA-256 hash chain.

Each event's ``hash`` is SHA-256 over the canonical JSON (sorted keys, no spaces) of
its ``seq``, ``at``, ``deal_id``, ``actor``, ``action``, ``details``,
``policy_version`` and ``prev_hash``; ``prev_hash`` is the previous event's hash
(64 zeros for the first). ``details`` is stored as canonical JSON text and hashed as
stored. The ``audit_head`` row holds the last seq and hash, so deleting events from
the end is caught too. Appends lock the head row, so the chain has one order even
with several writers on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import AuditEvent, AuditHead

GENESIS = "0" * 64
HEAD_ID = 1
_SELECT_BATCH = 20_000


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return format_time(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def canonical_json(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    )


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    *,
    seq: int,
    at: str,
    deal_id: str | None,
    actor: str,
    action: str,
    details: str,
    policy_version: str | None,
    prev_hash: str,
) -> str:
    """SHA-256 of the event's canonical JSON; ``details`` is already canonical JSON text."""
    dump = json.dumps
    text = (
        f'{{"action":{dump(action, ensure_ascii=False)},"actor":{dump(actor, ensure_ascii=False)},'
        f'"at":"{at}","deal_id":{dump(deal_id, ensure_ascii=False)},"details":{details},'
        f'"policy_version":{dump(policy_version)},"prev_hash":"{prev_hash}","seq":{seq}}}'
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class AuditRecord:
    """An event waiting to be appended when its transaction commits."""

    at: datetime
    actor: str
    action: str
    deal_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    policy_version: str | None = None


async def append(session: AsyncSession, records: Sequence[AuditRecord]) -> None:
    """Chain and insert ``records`` inside the caller's transaction."""
    if not records:
        return
    head = await _lock_head(session)
    if head is None:
        # An empty log: create the head row first, so that two first appends (PostgreSQL,
        # two processes) queue on it instead of both writing event 1.
        insert_head = (
            postgresql.insert(AuditHead)
            if session.get_bind().dialect.name == "postgresql"
            else sqlite.insert(AuditHead)
        )
        await session.execute(
            insert_head.values(id=HEAD_ID, seq=0, hash=GENESIS).on_conflict_do_nothing()
        )
        head = await _lock_head(session)
    assert head is not None
    seq, prev = head.seq, head.hash
    rows = []
    for record in records:
        seq += 1
        at = format_time(record.at)
        details = canonical_json(record.details)
        digest = event_hash(
            seq=seq,
            at=at,
            deal_id=record.deal_id,
            actor=record.actor,
            action=record.action,
            details=details,
            policy_version=record.policy_version,
            prev_hash=prev,
        )
        rows.append(
            {
                "seq": seq,
                "at": record.at,
                "deal_id": record.deal_id,
                "actor": record.actor,
                "action": record.action,
                "details": details,
                "policy_version": record.policy_version,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    await session.execute(insert(AuditEvent), rows)
    await session.execute(
        update(AuditHead).where(AuditHead.id == HEAD_ID).values(seq=seq, hash=prev)
    )


async def _lock_head(session: AsyncSession) -> AuditHead | None:
    query = (
        select(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalar_one_or_none()


@dataclass(frozen=True)
class Verification:
    checked: int
    broken_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


async def verify(session: AsyncSession, deal_id: str | None = None) -> Verification:
    """Recompute the chain from the first event; report the first event that does not fit.

    With ``deal_id``, only that deal's events are hashed (each must match its own
    stored hash and still be linked into the whole chain), which is what a person
    asking about one deal needs; the whole-log check also catches gaps.
    """
    if deal_id is not None:
        return await _verify_deal(session, deal_id)
    expected_seq, prev = 1, GENESIS
    async for row in _stream(session):
        broken = _check(row, expected_seq, prev)
        if broken:
            return Verification(expected_seq - 1, *broken)
        expected_seq, prev = row.seq + 1, row.hash
    head = (await session.execute(select(AuditHead))).scalar_one_or_none()
    last = expected_seq - 1
    if head is not None and (head.seq != last or head.hash != prev):
        missing = head.seq if head.seq > last else last
        return Verification(
            last,
            missing,
            f"the log ends at event {last} but the chain head records event {head.seq}: "
            "events were deleted from the end, or the head was edited",
        )
    if head is None and last:
        return Verification(last, last, "the chain head is missing")
    return Verification(last)


def _check(row: AuditEvent, expected_seq: int, prev: str) -> tuple[int, str] | None:
    """The first broken event's seq and what is wrong with it, or None if ``row`` fits."""
    if row.seq > expected_seq:
        return expected_seq, (
            f"event {expected_seq} is missing (the next event is {row.seq}): events were deleted"
        )
    if row.seq < expected_seq:
        return row.seq, f"event {row.seq} appears twice or out of order"
    if row.prev_hash != prev:
        return row.seq, f"event {row.seq} does not link to event {row.seq - 1} (prev_hash differs)"
    if _recompute(row) != row.hash:
        return (
            row.seq,
            f"event {row.seq} was changed after it was written (its hash does not match)",
        )
    return None


def _recompute(row: AuditEvent) -> str:
    return event_hash(
        seq=row.seq,
        at=format_time(row.at),
        deal_id=row.deal_id,
        actor=row.actor,
        action=row.action,
        details=row.details,
        policy_version=row.policy_version,
        prev_hash=row.prev_hash,
    )


async def _verify_deal(session: AsyncSession, deal_id: str) -> Verification:
    rows = (
        (
            await session.execute(
                select(AuditEvent).where(AuditEvent.deal_id == deal_id).order_by(AuditEvent.seq)
            )
        )
        .scalars()
        .all()
    )
    for row in rows:
        if _recompute(row) != row.hash:
            return Verification(0, row.seq, f"event {row.seq} was changed after it was written")
        if row.seq > 1:
            before = await session.get(AuditEvent, row.seq - 1)
            if before is None or before.hash != row.prev_hash:
                return Verification(
                    0, row.seq, f"event {row.seq} is no longer linked to event {row.seq - 1}"
                )
    return Verification(len(rows))


async def _stream(session: AsyncSession, deal_id: str | None = None) -> AsyncIterator[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.seq)
    if deal_id is not None:
        query = query.where(AuditEvent.deal_id == deal_id)
    result = await session.stream(query.execution_options(yield_per=_SELECT_BATCH))
    async for partition in result.scalars().partitions():
        for row in partition:
            yield row


async def iter_events(
    session: AsyncSession, deal_id: str | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Every event (or one deal's) in order, as export rows with the CONTRACT.md keys."""
    async for row in _stream(session, deal_id):
        yield {
            "seq": row.seq,
            "at": format_time(row.at),
            "deal_id": row.deal_id,
            "actor": row.actor,
            "action": row.action,
            "details": json.loads(row.details),
            "policy_version": row.policy_version,
            "prev_hash": row.prev_hash,
            "hash": row.hash,
        }
