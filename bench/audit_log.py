"""Audit log: ``dealdesk audit verify`` of a long log, with its wall time and the most
memory it held. The log is bench/briefing_seed.py's (deals through a territory desk,
every manager's decision naming the evidence of the card they saw), written to a fresh
SQLite file; verify runs as a person runs it, its two processes included.

    python -m bench.audit_log                       # 5,000,000 events
    python -m bench.audit_log --events 500000       # the same at a tenth of the length

Exit 1 unless verify passes and held less than ``--memory`` MB (default 250) at its
peak: memory that grows with the log would not fit a year of a busy desk.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine

from bench.briefing_seed import generate, policy_text, write
from policies.loader import load_policy_text
from store.db import Database
from store.migrate import upgrade

NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
APPROVERS = 1_000
OPEN = 10_000


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.audit_log", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--memory", type=float, default=250.0, help="most MB verify may hold")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args(argv)
    if options.events < 1:
        parser.error("--events must be positive")
    return options


def seed(directory: Path, events: int) -> str:
    """The log in ``directory``/audit.db; its DATABASE_URL."""
    database = directory / "audit.db"
    url = f"sqlite+aiosqlite:///{database}"
    loaded = load_policy_text(policy_text(APPROVERS))
    seeded = generate(loaded, APPROVERS, OPEN, events, NOW)

    async def migrate() -> None:
        opened = Database.connect(url)
        try:
            await upgrade(opened)
        finally:
            await opened.dispose()

    asyncio.run(migrate())
    engine = create_engine(f"sqlite:///{database}")
    try:
        write(engine, loaded, seeded, NOW)
    finally:
        engine.dispose()
    return url


_MEASURED = """
import resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:])
elapsed = time.perf_counter() - started
print(elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(done.returncode)
"""
"""Runs a command and reports its time and the most memory it (or a process it forked)
held. A small launcher of its own: a child forked straight from this bench, which holds
the whole seeded log in memory, would count the bench's pages as its own."""


def verify(url: str, directory: Path, events: int) -> tuple[float, float]:
    """Seconds ``dealdesk audit verify`` took and the most memory (MB) any of its
    processes held, read from the kernel's account of the children waited for."""
    script = Path(sys.executable).with_name("dealdesk")
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, str(script), "audit", "verify"],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or f"{events:,} events verified" not in done.stdout:
        raise SystemExit(f"dealdesk audit verify failed:\n{done.stdout}{done.stderr}")
    elapsed, peak_kb = done.stderr.split()[-2:]
    return float(elapsed), int(peak_kb) / 1024


def main(argv: list[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    directory = Path(tempfile.mkdtemp(prefix="dealdesk-audit-bench-"))
    try:
        print(f"seeding {options.events:,} events …", file=sys.stderr, flush=True)
        started = time.perf_counter()
        url = seed(directory, options.events)
        seeded_s = time.perf_counter() - started
        size_mb = (directory / "audit.db").stat().st_size / 1024 / 1024
        print(f"seeded in {seeded_s:.0f} s ({size_mb:,.0f} MB); verifying …", file=sys.stderr)
        seconds, peak_mb = verify(url, directory, options.events)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    passed = peak_mb < options.memory
    figures = {
        "events": options.events,
        "database_mb": round(size_mb),
        "verify_s": round(seconds, 2),
        "events_per_s": round(options.events / seconds),
        "peak_mb": round(peak_mb, 1),
        "passed": passed,
    }
    if options.json:
        print(json.dumps(figures, indent=2))
    else:
        print(
            f"dealdesk audit verify: {options.events:,} events ({size_mb:,.0f} MB of SQLite) "
            f"in {seconds:.1f} s ({options.events / seconds:,.0f} events/s), at most "
            f"{peak_mb:.0f} MB held (target < {options.memory:.0f} MB): "
            f"{'PASS' if passed else 'FAIL'}"
        )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
