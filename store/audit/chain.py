"""Writing the audit log: events appended to one SHA-256 hash chain, in the same
transaction as the change they record, under a lock on the chain's head row."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache, partial
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.canonical import canonical_json, format_time
from store.db import insert as dialect_insert
from store.models import AuditEvent, AuditHead

GENESIS = "0" * 64


EVIDENCE_KEY = '"evidence":"'
"""How a decision's details name the evidence of the card it came from."""


HEAD_ID = 1


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
    return event_digest(
        seq,
        at,
        json_text(deal_id),
        json_text(actor),
        json_text(action),
        details,
        json_ascii(policy_version),
        prev_hash,
    )


json_text = lru_cache(maxsize=1 << 16)(partial(json.dumps, ensure_ascii=False))
"""A string (or None) as JSON; the same few actors, actions and deals recur, so cached."""


json_ascii = lru_cache(maxsize=1 << 10)(json.dumps)
"""``policy_version`` is hashed with JSON's default ASCII escaping."""


def event_digest(
    seq: int,
    at: str,
    deal_id: str,
    actor: str,
    action: str,
    details: str,
    policy_version: str,
    prev_hash: str,
) -> str:
    """The hash of one event whose strings are already JSON text: the keys in sorted order."""
    text = (
        f'{{"action":{action},"actor":{actor},"at":"{at}","deal_id":{deal_id},'
        f'"details":{details},"policy_version":{policy_version},'
        f'"prev_hash":"{prev_hash}","seq":{seq}}}'
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
        first = dialect_insert(session, AuditHead).values(id=HEAD_ID, seq=0, hash=GENESIS)
        await session.execute(first.on_conflict_do_nothing())
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
