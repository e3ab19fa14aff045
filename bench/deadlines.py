"""10,000 approvals whose SLAs pass within one minute: is each moved to its backup on time,
and only once?

    python -m bench.deadlines [--approvals 10000] [--approvers 1000] [--window 60]
                              [--database sqlite|postgres] [--postgres-url URL] [--json]

Seeds a fresh SQLite file, or empties the PostgreSQL database, with ``--approvals`` open
approvals (bench/briefing_seed.py, every ten territory managers backed up by a regional
director) whose SLAs pass one after another, evenly over ``--window`` seconds starting
a few seconds after ``dealdesk serve`` is up; runs ``serve`` against a fake Slack Web
API (each reassignment's cards and notices go out as they would) and waits until every
approval has moved. Lateness is the time from an approval's due moment until its move
is committed (seen by looking every 0.1 s, so a move may be counted up to 0.1 s late).
Prints p50, p99 and the worst, and how many moved twice or not at all.
Target (issue 18): every approval reassigned, p99 lateness at most 1 s. Exits 1 when
the target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import aliased

from bench.briefing_seed import (
    OWNERS_PER_APPROVER,
    Seeded,
    approver_user,
    director_of,
    director_user,
    generate,
    owner_user,
    policy_text,
    write_rows,
)
from bench.databases import add_database_options, emptied_postgres
from policies.loader import LoadedPolicy, load_policy_file
from policies.vocabulary import ApprovalStatus
from store.db import Database
from store.migrate import upgrade
from store.models import Approval
from tests.support.databases import sqlite_url
from tests.support.fake_slack import FakeSlack
from tests.support.serving import serving

LEAD = timedelta(seconds=8)
"""From seeding to the first due moment: room for ``serve`` to start."""
P99_TARGET_S = 1.0
say = Console(stderr=True).print
POLL = 0.1
"""Seconds between looks at the database for moved approvals."""


@dataclass(frozen=True)
class Result:
    approvals: int
    window_s: float
    reassigned: int
    moved_twice: int
    not_moved: int
    p50_s: float
    p99_s: float
    max_s: float
    last_after_window_s: float
    """The last reassignment, after the last due moment."""

    @property
    def passed(self) -> bool:
        return (
            self.reassigned == self.approvals
            and self.moved_twice == 0
            and self.p99_s <= P99_TARGET_S
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.deadlines", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--approvals", type=int, default=10_000, help="SLAs that pass")
    parser.add_argument("--approvers", type=int, default=1_000, help="territory managers")
    parser.add_argument("--window", type=float, default=60.0, help="seconds they pass over")
    add_database_options(parser)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dealdesk-deadlines-") as directory:
        url = emptied_postgres(options) or sqlite_url(Path(directory))
        result = asyncio.run(
            run(Path(directory), url, options.approvals, options.approvers, options.window)
        )
    if options.json:
        print(json.dumps({**asdict(result), "passed": result.passed}, indent=2))
    else:
        print_table(result)
    sys.exit(0 if result.passed else 1)


async def run(directory: Path, url: str, approvals: int, approvers: int, window: float) -> Result:
    policy = directory / "policy.yml"
    policy.write_text(policy_text(approvers, backups=True), encoding="utf-8")
    loaded = load_policy_file(policy)
    database = Database.connect(url)
    try:
        say(f"seeding {approvals:,} open approvals …")
        first_due = await _seed(database, loaded, approvers, approvals, window)
        return await _serve_and_watch(
            directory, database, policy, first_due, approvals, approvers, window
        )
    finally:
        await database.dispose()


async def _serve_and_watch(
    directory: Path,
    database: Database,
    policy: Path,
    first_due: datetime,
    approvals: int,
    approvers: int,
    window: float,
) -> Result:
    last_due = first_due + timedelta(seconds=window)
    async with FakeSlack() as slack:
        for number in range(1, approvers + 1):
            slack.add_user(approver_user(number), name=f"Territory Manager {number:04d}")
        for number in range(1, director_of(approvers) + 1):
            slack.add_user(director_user(number), name=f"Regional Director {number:03d}")
        for number in range(1, approvers // OWNERS_PER_APPROVER + 2):
            slack.add_user(owner_user(number), name=f"Seller {number}")
        url = database.url.render_as_string(hide_password=False)
        async with serving(directory, slack, policy, url):
            ahead = (first_due - datetime.now(UTC)).total_seconds()
            say(f"serve is up; the first SLA passes in {ahead:.1f} s, the last {window:.0f} s on")
            seen = await _watch_moves(database, approvals, patience=window + 120)
    return await _measure(database, approvals, window, last_due, seen)


async def _seed(
    database: Database, loaded: LoadedPolicy, approvers: int, approvals: int, window: float
) -> datetime:
    """The open approvals, due one after another over ``window`` from a few seconds on."""
    await upgrade(database)
    now = datetime.now(UTC)
    seeded = generate(loaded, approvers, approvals, 0, now)
    first_due = _spread(seeded, datetime.now(UTC) + LEAD, window)
    async with database.writer.begin() as connection:
        await connection.run_sync(write_rows, loaded, seeded, now)
    return first_due


def _spread(seeded: Seeded, first: datetime, window: float) -> datetime:
    """Every open approval due in turn from ``first`` over ``window`` seconds, neither
    reminded nor escalated yet. Returns ``first``."""
    open_rows = [row for row in seeded.approvals if row["status"] == ApprovalStatus.PENDING]
    step = window / max(1, len(open_rows) - 1)
    for index, row in enumerate(open_rows):
        row.update(
            due_at=first + timedelta(seconds=index * step),
            remind_at=None,
            reminded_at=None,
            escalated_at=None,
        )
    return first


async def _watch_moves(database: Database, approvals: int, patience: float) -> dict[int, datetime]:
    """Look every 0.1 s for approvals moved to a backup; when each was first seen (so
    lateness counts until the move was committed, not when its transaction began)."""
    seen: dict[int, datetime] = {}
    last_id = 0
    deadline = time.monotonic() + patience
    while len(seen) < approvals and time.monotonic() < deadline:
        query = (
            select(Approval.id, Approval.previous_id)
            .where(Approval.id > last_id, Approval.previous_id.is_not(None))
            .order_by(Approval.id)
        )
        async with database.read() as session:
            rows = (await session.execute(query)).all()
        now = datetime.now(UTC)
        for row_id, previous_id in rows:
            assert previous_id is not None
            seen.setdefault(previous_id, now)
            last_id = max(last_id, row_id)
        await asyncio.sleep(POLL)
    return seen


async def _measure(
    database: Database,
    approvals: int,
    window: float,
    last_due: datetime,
    seen: dict[int, datetime],
) -> Result:
    old, new = aliased(Approval), aliased(Approval)
    query = select(old.id, old.due_at).join(new, new.previous_id == old.id)
    async with database.read() as session:
        rows = (await session.execute(query)).all()
    moves: dict[int, int] = {}
    lateness: list[float] = []
    last = last_due
    for approval_id, due_at in rows:
        moves[approval_id] = moves.get(approval_id, 0) + 1
        if moves[approval_id] == 1 and due_at is not None and approval_id in seen:
            lateness.append(max(0.0, (seen[approval_id] - due_at).total_seconds()))
            last = max(last, seen[approval_id])
    lateness.sort()

    def percentile(share: float) -> float:
        if not lateness:
            return float("inf")
        return round(lateness[min(len(lateness) - 1, int(share * len(lateness)))], 3)

    return Result(
        approvals=approvals,
        window_s=window,
        reassigned=len(moves),
        moved_twice=sum(1 for count in moves.values() if count > 1),
        not_moved=approvals - len(moves),
        p50_s=percentile(0.50),
        p99_s=percentile(0.99),
        max_s=round(lateness[-1], 3) if lateness else float("inf"),
        last_after_window_s=round((last - last_due).total_seconds(), 3),
    )


def print_table(result: Result) -> None:
    table = Table(title=f"{result.approvals:,} SLAs passing over {result.window_s:.0f} s")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("reassigned", f"{result.reassigned:,}")
    table.add_row("moved twice", str(result.moved_twice))
    table.add_row("not moved", str(result.not_moved))
    table.add_row("lateness p50", f"{result.p50_s:.3f} s")
    table.add_row("lateness p99 (target ≤ 1 s)", f"{result.p99_s:.3f} s")
    table.add_row("lateness max", f"{result.max_s:.3f} s")
    table.add_row("last move after the last due moment", f"{result.last_after_window_s:.3f} s")
    table.add_row("target", "[green]PASS[/]" if result.passed else "[red]FAIL[/]")
    Console().print(table)


if __name__ == "__main__":
    main()
