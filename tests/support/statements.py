"""Counting the SQL statements a piece of work sends, like Django's ``assertNumQueries``.

Every statement a cursor executes on either of the database's engines is counted, an
``executemany`` once (it is one round trip for the driver's batch); SQLite's ``BEGIN``
and ``PRAGMA`` lines, which PostgreSQL has no cursor statement for, are left out so that
a budget means the same on both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from store.db import Database

_NOT_COUNTED = ("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE SAVEPOINT")


@dataclass
class Statements:
    """What was sent while counting: each statement's SQL, in order."""

    sql: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.sql)

    def summary(self) -> str:
        """Each distinct statement's first line with how often it ran, most frequent first."""
        seen: dict[str, int] = {}
        for text in self.sql:
            first = " ".join(text.split())[:160]
            seen[first] = seen.get(first, 0) + 1
        return "\n".join(f"{n:5d}  {text}" for text, n in sorted(seen.items(), key=lambda i: -i[1]))


@contextmanager
def counting_statements(db: Database) -> Iterator[Statements]:
    """Count what ``db`` sends inside the block."""
    counted = Statements()

    def before(
        _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
    ) -> None:
        if not statement.lstrip().upper().startswith(_NOT_COUNTED):
            counted.sql.append(statement)

    engines = {id(engine.sync_engine): engine.sync_engine for engine in (db.writer, db.reader)}
    for engine in engines.values():
        event.listen(engine, "before_cursor_execute", before)
    try:
        yield counted
    finally:
        for engine in engines.values():
            event.remove(engine, "before_cursor_execute", before)


def assert_within(counted: Statements, budget: int, what: str) -> None:
    """Fail by name, with what ran, when ``what`` took more than ``budget`` statements."""
    assert counted.count <= budget, (
        f"{what} took {counted.count} SQL statements, over its budget of {budget}:\n"
        f"{counted.summary()}"
    )
