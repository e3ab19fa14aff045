"""Reading the audit log back: Core rows of its nine columns, in large partitions, with
``at`` as text in one form on both databases (see the package's docstring)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, String, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from store.canonical import format_time
from store.models import AuditEvent

SELECT_BATCH = 10_000
"""Rows per partition when reading the log: few round trips to the driver's thread, and
20 MB or so at a time (50,000 held 100 MB more, for no faster a check)."""


EventRow = tuple[int, str, str | None, str, str, str, str | None, str, str]
"""``seq, at, deal_id, actor, action, details, policy_version, prev_hash, hash``. As
fetched, ``at`` is text in SQLite's stored form; :func:`canonical_row` makes it the hashed
form (see :func:`canonical_at`)."""


def canonical_at(raw: str) -> str:
    """``at`` as SQLite stores it, in the canonical form the hash was computed over.

    SQLAlchemy stores ``2026-11-23 13:00:00.000000`` (naive UTC); that is rewritten to
    ``2026-11-23T13:00:00.000000Z`` without parsing. Anything else (an edit made out of
    band) is parsed as ISO 8601, as SQLAlchemy would; text that is no time at all is
    hashed as it is, so it can never match.
    """
    if len(raw) == 26 and raw[10] == " " and raw[19] == ".":
        return f"{raw[:10]}T{raw[11:]}Z"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    return format_time(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _at_column(session: AsyncSession) -> ColumnElement[str]:
    """``at`` as text in SQLite's stored form, ``2026-11-23 13:00:00.000000`` (UTC).

    On SQLite that is the stored text itself; PostgreSQL formats its ``timestamptz``
    the same way. :func:`canonical_at` turns it into the hashed form.
    """
    at = AuditEvent.__table__.c.at
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", at), "YYYY-MM-DD HH24:MI:SS.US")
    return type_coerce(at, String())


def event_columns(session: AsyncSession) -> Select[Any]:
    events = AuditEvent.__table__.c
    return select(
        events.seq,
        _at_column(session),
        events.deal_id,
        events.actor,
        events.action,
        events.details,
        events.policy_version,
        events.prev_hash,
        events.hash,
    )


def canonical_row(row: EventRow) -> EventRow:
    seq, at, *rest = row
    return (seq, canonical_at(at), *rest)  # type: ignore[return-value]


async def partitions(
    session: AsyncSession, deal_id: str | None = None
) -> AsyncIterator[list[EventRow]]:
    """The events in ``seq`` order, a large partition of Core rows at a time."""
    query = event_columns(session).order_by(AuditEvent.__table__.c.seq)
    if deal_id is not None:
        query = query.where(AuditEvent.__table__.c.deal_id == deal_id)
    result = await session.stream(query.execution_options(yield_per=SELECT_BATCH))
    async for partition in result.partitions():
        yield partition


async def iter_events(
    session: AsyncSession, deal_id: str | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Every event (or one deal's) in order, as export rows with the CONTRACT.md keys."""
    async for rows in partitions(session, deal_id):
        for seq, at, deal, actor, action, details, version, prev_hash, digest in rows:
            yield {
                "seq": seq,
                "at": canonical_at(at),
                "deal_id": deal,
                "actor": actor,
                "action": action,
                "details": json.loads(details),
                "policy_version": version,
                "prev_hash": prev_hash,
                "hash": digest,
            }
