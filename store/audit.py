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

import asyncio
import hashlib
import json
import multiprocessing
import sqlite3
from collections.abc import AsyncIterator, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache, partial
from typing import Any
from urllib.parse import quote

from sqlalchemy import ColumnElement, String, func, insert, select, type_coerce, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from policies.vocabulary import parse_deal_ref
from store import evidence
from store.canonical import canonical_json, format_time
from store.models import AuditEvent, AuditHead

GENESIS = "0" * 64
_EVIDENCE_KEY = '"evidence":"'
"""How a decision's details name the evidence of the card it came from."""
HEAD_ID = 1
_SELECT_BATCH = 50_000
"""Rows per partition when reading the log: few round trips to the driver's thread."""
PARALLEL_FROM = 100_000
"""A SQLite log at least this long is checked in two processes when the caller allows."""


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
    return _digest(
        seq,
        at,
        _text(deal_id),
        _text(actor),
        _text(action),
        details,
        _ascii(policy_version),
        prev_hash,
    )


_text = lru_cache(maxsize=1 << 16)(partial(json.dumps, ensure_ascii=False))
"""A string (or None) as JSON; the same few actors, actions and deals recur, so cached."""
_ascii = lru_cache(maxsize=1 << 10)(json.dumps)
"""``policy_version`` is hashed with JSON's default ASCII escaping."""


def _digest(
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


EventRow = tuple[int, str, str | None, str, str, str, str | None, str, str]
"""``seq, at, deal_id, actor, action, details, policy_version, prev_hash, hash``. As
fetched, ``at`` is text in SQLite's stored form; :func:`_canonical` makes it the hashed
form (see :func:`canonical_at`)."""


async def verify(
    session: AsyncSession, deal_id: str | None = None, *, processes: int = 1
) -> Verification:
    """Recompute the chain from the first event; report the first event that does not fit.

    With ``deal_id``, only that deal's events are hashed (each must match its own
    stored hash and still be linked into the whole chain), which is what a person
    asking about one deal needs; the whole-log check also catches gaps.

    On SQLite the log is read with the sqlite3 module in a thread of its own, in one
    read transaction with the head: through the async driver, waiting for rows and
    switching greenlets took more time than hashing them (bench/briefings.py). With
    ``processes`` 2 (``dealdesk audit verify``; never inside ``serve``, which would be
    forked whole), a long log's later half is checked in a forked process meanwhile.
    """
    if deal_id is not None:
        return await _verify_deal(session, deal_id)
    chain = await _walk_sqlite(session, processes)
    if chain is None:  # PostgreSQL, or a file sqlite3 cannot read: through the session
        chain = _Chain()
        async for rows in _partitions(session):
            if chain.feed(rows):
                break
        else:
            chain.end(await _head(session))
    if chain.verdict is not None and not chain.verdict.ok:
        return chain.verdict
    problem = await evidence.check(session, chain.cited)
    if problem is not None:
        return Verification(chain.checked, chain.cited.get(problem.hash, 0), problem.problem)
    return chain.verdict or Verification(chain.checked)


class _Chain:
    """The log's chain from ``first_seq`` on, fed in ``seq`` order, a partition at a time.
    A part that starts after event 1 takes its first event's ``prev_hash`` on trust
    (``start_prev``); :meth:`join` checks it against the part before."""

    def __init__(self, first_seq: int = 1) -> None:
        self.first_seq = first_seq
        self.expected_seq = first_seq
        self.prev: str | None = GENESIS if first_seq == 1 else None
        self.start_prev: str | None = self.prev
        self.first_found: int | None = None
        """The seq of the first event this part read."""
        self.cited: dict[str, int] = {}  # evidence hash → the event that names it
        self.verdict: Verification | None = None

    @property
    def checked(self) -> int:
        return self.expected_seq - 1

    def feed(self, rows: Sequence[EventRow]) -> bool:
        """Check ``rows``; True when one is broken (``verdict`` says which)."""
        if self.prev is None and rows:
            self.prev = self.start_prev = rows[0][7]
            self.first_found = rows[0][0]
        expected_seq, prev, cited = self.expected_seq, self.prev, self.cited
        digest, text, ascii_ = _digest, _text, _ascii
        for row in rows:
            seq, at, deal, actor, action, details, version, prev_hash, stored = row
            if _EVIDENCE_KEY in details:
                cited.setdefault(json.loads(details)["evidence"], seq)
            # The fast path assumes ``at`` in its stored form; _check decides otherwise.
            fits = (
                seq == expected_seq
                and prev_hash == prev
                and stored
                == digest(
                    seq,
                    f"{at[:10]}T{at[11:]}Z",
                    text(deal),
                    text(actor),
                    text(action),
                    details,
                    ascii_(version),
                    prev,
                )
            )
            if not fits and (broken := _check(_canonical(row), expected_seq, prev or "")):
                self.expected_seq, self.prev = expected_seq, prev
                self.verdict = Verification(expected_seq - 1, *broken)
                return True
            expected_seq, prev = seq + 1, stored
        self.expected_seq, self.prev = expected_seq, prev
        return False

    def join(self, later: _Chain) -> bool:
        """Continue with ``later``, the part that starts where this one ends; True when the
        joined chain is broken (this part's verdict first, then the link, then later's)."""
        if self.verdict is not None:
            return True
        seq = self.expected_seq
        if seq < later.first_seq and later.first_found is not None:
            self.verdict = Verification(
                seq - 1,
                seq,
                f"event {seq} is missing (the next event is {later.first_found}): "
                "events were deleted",
            )
            return True
        linked = later.start_prev is None or later.start_prev == self.prev
        if not linked and (later.verdict is None or later.verdict.broken_seq != seq):
            self.verdict = Verification(
                seq - 1, seq, f"event {seq} does not link to event {seq - 1} (prev_hash differs)"
            )
            return True
        for digest, citing in later.cited.items():
            self.cited.setdefault(digest, citing)
        if later.start_prev is not None:
            self.expected_seq, self.prev = later.expected_seq, later.prev
        self.verdict = later.verdict
        return later.verdict is not None

    def end(self, head: tuple[int, str] | None) -> None:
        """The log's end against the head row: catches events deleted from the end."""
        last, prev = self.checked, self.prev
        if head is not None and (head[0] != last or head[1] != prev):
            missing = head[0] if head[0] > last else last
            self.verdict = Verification(
                last,
                missing,
                f"the log ends at event {last} but the chain head records event {head[0]}: "
                "events were deleted from the end, or the head was edited",
            )
        elif head is None and last:
            self.verdict = Verification(last, last, "the chain head is missing")
        else:
            self.verdict = Verification(last)


async def _head(session: AsyncSession) -> tuple[int, str] | None:
    head = (await session.execute(select(AuditHead.seq, AuditHead.hash))).one_or_none()
    return None if head is None else (head.seq, head.hash)


async def _walk_sqlite(session: AsyncSession, processes: int) -> _Chain | None:
    bind = session.get_bind()
    path = bind.engine.url.database if bind.dialect.name == "sqlite" else None
    if not path or path == ":memory:":
        return None
    try:
        return await asyncio.to_thread(_walk_sqlite_file, path, processes)
    except sqlite3.Error:  # no such file or table: the session's path says it as it should
        return None


_SQLITE_COLUMNS = (
    "SELECT seq, at, deal_id, actor, action, details, policy_version, prev_hash, hash "
    "FROM audit_events"
)


def _walk_sqlite_file(path: str, processes: int = 1) -> _Chain:
    """The chain of the SQLite file at ``path``, read-only, events and head in one
    snapshot (a writer appending meanwhile is not taken for a broken end). With two
    ``processes`` and a long log, a forked process checks the events after the middle
    of the head's count (all written before this snapshot: the log only grows) while
    this one checks those before it; events beyond the head are read here."""
    chain = _Chain()
    with closing(_read_only(path)) as connection:
        connection.execute("BEGIN")
        head = connection.execute("SELECT seq, hash FROM audit_head").fetchone()
        last = head[0] if head is not None else 0
        if processes < 2 or last < PARALLEL_FROM:
            broken = _feed(chain, connection, "ORDER BY seq")
        else:
            middle = last // 2
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
                later = pool.submit(_walk_part, path, middle, last)
                broken = _feed(chain, connection, "WHERE seq <= ? ORDER BY seq", middle)
                rest = later.result()
            broken = broken or chain.join(rest)
            broken = broken or _feed(chain, connection, "WHERE seq > ? ORDER BY seq", last)
        connection.execute("COMMIT")
    if not broken:
        chain.end(None if head is None else (head[0], head[1]))
    return chain


def _walk_part(path: str, after: int, through: int) -> _Chain:
    """The events after ``after`` up to ``through`` (run in the forked process)."""
    chain = _Chain(after + 1)
    with closing(_read_only(path)) as connection:
        _feed(chain, connection, "WHERE seq > ? AND seq <= ? ORDER BY seq", after, through)
    return chain


def _read_only(path: str) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, isolation_level=None)


def _feed(chain: _Chain, connection: sqlite3.Connection, where: str, *params: int) -> bool:
    """Feed ``chain`` the events ``where`` selects; True when one is broken."""
    return any(chain.feed(rows) for rows in _fetched(connection, where, params))


def _fetched(
    connection: sqlite3.Connection, where: str, params: tuple[int, ...]
) -> Iterator[list[EventRow]]:
    cursor = connection.execute(f"{_SQLITE_COLUMNS} {where}", params)
    while rows := cursor.fetchmany(_SELECT_BATCH):
        yield rows


def _check(row: EventRow, expected_seq: int, prev: str) -> tuple[int, str] | None:
    """The first broken event's seq and what is wrong with it, or None if ``row`` fits."""
    seq, prev_hash, stored = row[0], row[7], row[8]
    if seq > expected_seq:
        return expected_seq, (
            f"event {expected_seq} is missing (the next event is {seq}): events were deleted"
        )
    if seq < expected_seq:
        return seq, f"event {seq} appears twice or out of order"
    if prev_hash != prev:
        return seq, f"event {seq} does not link to event {seq - 1} (prev_hash differs)"
    if _recompute(row) != stored:
        return seq, f"event {seq} was changed after it was written (its hash does not match)"
    return None


def _recompute(row: EventRow) -> str:
    seq, at, deal_id, actor, action, details, policy_version, prev_hash, _ = row
    return event_hash(
        seq=seq,
        at=at,
        deal_id=deal_id,
        actor=actor,
        action=action,
        details=details,
        policy_version=policy_version,
        prev_hash=prev_hash,
    )


async def _verify_deal(session: AsyncSession, deal_id: str) -> Verification:
    """Each of the deal's events against its own hash, and its link to the event before."""
    events = AuditEvent.__table__
    before = events.alias("before")
    query = (
        _event_columns(session)
        .add_columns(before.c.hash)
        .outerjoin(before, before.c.seq == events.c.seq - 1)
        .where(events.c.deal_id == deal_id)
        .order_by(events.c.seq)
    )
    found = (await session.execute(query)).all()
    cited: dict[str, int] = {}
    for *columns, previous_hash in found:
        row = _canonical(tuple(columns))
        seq = row[0]
        if _recompute(row) != row[8]:
            return Verification(0, seq, f"event {seq} was changed after it was written")
        if row[7] != (GENESIS if seq == 1 else previous_hash):
            return Verification(0, seq, f"event {seq} is no longer linked to event {seq - 1}")
        if _EVIDENCE_KEY in row[5]:
            cited.setdefault(json.loads(row[5])["evidence"], seq)
    problem = await evidence.check(session, cited, deal_id=parse_deal_ref(deal_id))
    if problem is not None:
        return Verification(len(found), cited.get(problem.hash, 0), problem.problem)
    return Verification(len(found))


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


def _event_columns(session: AsyncSession) -> Select[Any]:
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


def _canonical(row: EventRow) -> EventRow:
    seq, at, *rest = row
    return (seq, canonical_at(at), *rest)  # type: ignore[return-value]


async def _partitions(
    session: AsyncSession, deal_id: str | None = None
) -> AsyncIterator[list[EventRow]]:
    """The events in ``seq`` order, a large partition of Core rows at a time."""
    query = _event_columns(session).order_by(AuditEvent.__table__.c.seq)
    if deal_id is not None:
        query = query.where(AuditEvent.__table__.c.deal_id == deal_id)
    result = await session.stream(query.execution_options(yield_per=_SELECT_BATCH))
    async for partition in result.partitions():
        yield partition


async def iter_events(
    session: AsyncSession, deal_id: str | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Every event (or one deal's) in order, as export rows with the CONTRACT.md keys."""
    async for rows in _partitions(session, deal_id):
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
