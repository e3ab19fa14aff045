"""The audit log: append-only events in one SHA-256 hash chain.

Each event's ``hash`` is SHA-256 over the canonical JSON (sorted keys, no spaces) of
its ``seq``, ``at``, ``deal_id``, ``actor``, ``action``, ``details``,
``policy_version`` and ``prev_hash``; ``prev_hash`` is the previous event's hash
(64 zeros for the first). ``at`` is hashed in its canonical form,
``2026-11-23T13:00:00.000000Z`` (UTC, microseconds). ``details`` is stored as
canonical JSON text and hashed as stored. The ``audit_head`` row holds the last seq
and hash, so deleting events from the end is caught too. Appends lock the head row,
so the chain has one order even with several writers on PostgreSQL.

Reading the log back (:func:`verify`, :func:`iter_events`) uses Core rows of the
nine columns, fetched in large partitions, with ``at`` as text in one form on both
databases: SQLite stores it as ``2026-11-23 13:00:00.000000`` (SQLAlchemy's format),
and PostgreSQL formats its ``timestamptz`` the same way in SQL (``to_char``). That
text becomes the canonical form by slicing, without parsing; anything else (an edit
made out of band) is parsed (:func:`canonical_at`) before an event is called broken.
"""

from __future__ import annotations

from store.audit.chain import GENESIS, HEAD_ID, AuditRecord, append, event_hash
from store.audit.rows import EventRow, canonical_at, iter_events
from store.audit.verifier import PARALLEL_FROM, Verification, verify

__all__ = [
    "GENESIS",
    "HEAD_ID",
    "PARALLEL_FROM",
    "AuditRecord",
    "EventRow",
    "Verification",
    "append",
    "canonical_at",
    "event_hash",
    "iter_events",
    "verify",
]
