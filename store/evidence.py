"""Evidence records: what a card showed, stored once per approval with its SHA-256.

The facts are kept as canonical JSON text (the same canonical form as audit details) and
hashed exactly as stored, so a record edited behind dealdesk's back no longer matches
its hash, and a hash edited with it no longer matches the decision's audit event.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.canonical import canonical_json
from store.db import insert
from store.models import Evidence


def evidence_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewEvidence:
    """What one approval's card shows, to be stored with the assignment."""

    approval_id: int
    deal_id: int
    facts: dict[str, Any]


async def record_all(session: AsyncSession, records: Sequence[NewEvidence], now: datetime) -> None:
    """Store what each approval's card shows, once per approval (the first record stands
    when a card is posted again after a retry), in one statement."""
    if not records:
        return
    rows = []
    for new in records:
        text = canonical_json(new.facts)
        rows.append(
            {
                "approval_id": new.approval_id,
                "deal_id": new.deal_id,
                "hash": evidence_hash(text),
                "facts": text,
                "created_at": now,
            }
        )
    statement = insert(session, Evidence).on_conflict_do_nothing(index_elements=["approval_id"])
    await session.execute(statement, rows)


async def hash_of(session: AsyncSession, approval_id: int) -> str | None:
    query = select(Evidence.hash).where(Evidence.approval_id == approval_id)
    return (await session.execute(query)).scalar_one_or_none()


async def hashes_of(session: AsyncSession, approval_ids: Collection[int]) -> dict[int, str]:
    """The evidence hash of each of ``approval_ids`` that has a record."""
    if not approval_ids:
        return {}
    query = select(Evidence.approval_id, Evidence.hash).where(
        Evidence.approval_id.in_(list(approval_ids))
    )
    return {approval_id: digest for approval_id, digest in (await session.execute(query)).all()}


async def facts_by_hash(session: AsyncSession, hashes: Collection[str]) -> dict[str, Any]:
    """The facts of each record with one of ``hashes`` (as stored, parsed)."""
    if not hashes:
        return {}
    query = select(Evidence.hash, Evidence.facts).where(Evidence.hash.in_(list(hashes)))
    return {digest: json.loads(text) for digest, text in (await session.execute(query)).all()}


@dataclass(frozen=True)
class EvidenceProblem:
    approval_id: int | None
    hash: str
    problem: str


RECORDS_AT_ONCE = 2_000
"""Evidence records read per statement while checking: memory stays flat however long
the log (each record is a card's facts, a kilobyte or so)."""
HASHES_AT_ONCE = 900
"""Hashes per ``IN`` list: under SQLite's oldest limit of 999 parameters."""


async def changed_record(
    session: AsyncSession, deal_id: int | None = None
) -> EvidenceProblem | None:
    """The first record (of one deal) whose facts no longer match their SHA-256, read a
    batch at a time in ``id`` order."""
    after = 0
    while True:
        query = select(Evidence.id, Evidence.approval_id, Evidence.hash, Evidence.facts)
        query = query.where(Evidence.id > after).order_by(Evidence.id).limit(RECORDS_AT_ONCE)
        if deal_id is not None:
            query = query.where(Evidence.deal_id == deal_id)
        rows = (await session.execute(query)).all()
        if not rows:
            return None
        for _, approval_id, digest, text in rows:
            if evidence_hash(text) != digest:
                return EvidenceProblem(
                    approval_id,
                    digest,
                    f"the evidence of approval {approval_id} was changed after it was written "
                    "(its facts no longer match their SHA-256)",
                )
        after = rows[-1][0]


async def present(session: AsyncSession, hashes: Collection[str]) -> set[str]:
    """Which of ``hashes`` have a record."""
    found: set[str] = set()
    for chunk in hash_chunks(hashes):
        query = select(Evidence.hash).where(Evidence.hash.in_(chunk))
        found.update((await session.execute(query)).scalars())
    return found


def hash_chunks(hashes: Collection[str]) -> Iterator[list[str]]:
    """``hashes`` in lists short enough for one ``IN`` each."""
    wanted = list(hashes)
    for start in range(0, len(wanted), HASHES_AT_ONCE):
        yield wanted[start : start + HASHES_AT_ONCE]


def missing(digest: str) -> EvidenceProblem:
    return EvidenceProblem(
        None, digest, f"evidence {digest[:12]}… named in the audit log is missing"
    )
