"""Checking the audit log: every event's hash recomputed and its link to the one before;
a long SQLite log is checked in worker processes, each walking one part of it.

Memory stays flat however long the log: events are read a partition at a time, the
evidence hashes a partition names are looked up before the next one is read (only the
first one missing is remembered), and evidence records are checked a batch at a time."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import sqlite3
from collections.abc import Collection, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.vocabulary import parse_deal_ref
from store import evidence
from store.audit.chain import (
    EVIDENCE_KEY,
    GENESIS,
    event_digest,
    event_hash,
    json_ascii,
    json_text,
)
from store.audit.rows import SELECT_BATCH, EventRow, canonical_row, event_columns, partitions
from store.models import AuditEvent, AuditHead

PARALLEL_FROM = 100_000
"""A SQLite log at least this long is checked in two processes when the caller allows."""


@dataclass(frozen=True)
class Verification:
    checked: int
    broken_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


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
        async for rows in partitions(session):
            if chain.feed(rows):
                break
            chain.settle(await evidence.present(session, chain.cited))
        else:
            chain.end(await _head(session))
    if chain.verdict is not None and not chain.verdict.ok:
        return chain.verdict
    changed = await evidence.changed_record(session)
    if changed is not None:
        return Verification(
            chain.checked, await _first_citing(session, changed.hash), changed.problem
        )
    if chain.missing is not None:
        seq, digest = chain.missing
        return Verification(chain.checked, seq, evidence.missing(digest).problem)
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
        self.cited: dict[str, int] = {}
        """Evidence hash → the first event naming it, of the partition just fed."""
        self.missing: tuple[int, str] | None = None
        """The first event naming evidence that has no record, and the hash it names."""
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
        digest, text, ascii_ = event_digest, json_text, json_ascii
        for row in rows:
            seq, at, deal, actor, action, details, version, prev_hash, stored = row
            if EVIDENCE_KEY in details:
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
            if not fits and (broken := _check(canonical_row(row), expected_seq, prev or "")):
                self.expected_seq, self.prev = expected_seq, prev
                self.verdict = Verification(expected_seq - 1, *broken)
                return True
            expected_seq, prev = seq + 1, stored
        self.expected_seq, self.prev = expected_seq, prev
        return False

    def settle(self, present: set[str]) -> None:
        """The fed partition's citations against the records that exist (``present``)."""
        if self.missing is None:
            self.missing = _first_missing(self.cited, present)
        self.cited.clear()

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
        self.missing = self.missing or later.missing
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
    for rows in _fetched(connection, where, params):
        if chain.feed(rows):
            return True
        chain.settle(_present(connection, chain.cited) if chain.missing is None else set())
    return False


def _present(connection: sqlite3.Connection, hashes: Collection[str]) -> set[str]:
    """Which of ``hashes`` have an evidence record (in the connection's snapshot)."""
    found: set[str] = set()
    for chunk in evidence.hash_chunks(hashes):
        marks = ",".join("?" * len(chunk))
        query = f"SELECT hash FROM evidence WHERE hash IN ({marks})"
        found.update(digest for (digest,) in connection.execute(query, chunk))
    return found


async def _first_citing(session: AsyncSession, digest: str) -> int:
    """The first event that names evidence ``digest`` (0 if none does)."""
    query = select(func.min(AuditEvent.seq)).where(AuditEvent.details.contains(digest))
    return (await session.execute(query)).scalar_one_or_none() or 0


def _fetched(
    connection: sqlite3.Connection, where: str, params: tuple[int, ...]
) -> Iterator[list[EventRow]]:
    cursor = connection.execute(f"{_SQLITE_COLUMNS} {where}", params)
    while rows := cursor.fetchmany(SELECT_BATCH):
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


async def _verify_deal(session: AsyncSession, deal_id: str) -> Verification:
    """Each of the deal's events against its own hash, and its link to the event before."""
    events = AuditEvent.__table__
    before = events.alias("before")
    query = (
        event_columns(session)
        .add_columns(before.c.hash)
        .outerjoin(before, before.c.seq == events.c.seq - 1)
        .where(events.c.deal_id == deal_id)
        .order_by(events.c.seq)
    )
    found = (await session.execute(query)).all()
    cited: dict[str, int] = {}
    for *columns, previous_hash in found:
        row = canonical_row(tuple(columns))
        seq = row[0]
        if _recompute(row) != row[8]:
            return Verification(0, seq, f"event {seq} was changed after it was written")
        if row[7] != (GENESIS if seq == 1 else previous_hash):
            return Verification(0, seq, f"event {seq} is no longer linked to event {seq - 1}")
        if EVIDENCE_KEY in row[5]:
            cited.setdefault(json.loads(row[5])["evidence"], seq)
    changed = await evidence.changed_record(session, deal_id=parse_deal_ref(deal_id))
    if changed is not None:
        return Verification(len(found), cited.get(changed.hash, 0), changed.problem)
    missing = _first_missing(cited, await evidence.present(session, cited))
    if missing is not None:
        seq, digest = missing
        return Verification(len(found), seq, evidence.missing(digest).problem)
    return Verification(len(found))


def _first_missing(cited: dict[str, int], present: set[str]) -> tuple[int, str] | None:
    """The first event (in ``cited``'s order) naming evidence not in ``present``, and the
    hash it names."""
    return next(((seq, digest) for digest, seq in cited.items() if digest not in present), None)


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
