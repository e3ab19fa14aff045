"""Morning briefings and audit verification at scale, on SQLite.

    python -m bench.briefings [--approvers 10000] [--approvals 100000] [--events 500000] [--json]

Seeds a fresh SQLite file in a new temporary directory (bench/briefing_seed.py: a
generated policy with that many territory managers, that many open approvals, and an
audit log of that many events hash-chained as ``store.audit.append`` chains them),
then measures:

(a) composing every briefing: ``bot.briefings.compose.compose_briefings`` for every
    approver and every deal owner at 08:00 New York time, in one read transaction;
    target under 30 s;
(b) ``dealdesk audit verify``: the real CLI, run as a subprocess with DATABASE_URL
    pointing at the file, timed from start to exit (start-up included); target at
    least 200,000 events per second;
(c) ``dealdesk serve`` on that file: seconds from start to ``/healthz`` answering 200
    (target under 1.5 s, and also measured on an empty database with the bundled
    policy), and its resident memory five seconds later (target under 150 MB); and,
    in a process of its own, what the generated policy alone costs of both (loading
    it, and holding it).

Prints a table with PASS/FAIL per target (``--json`` for machines); exits 1 when a
target is missed. Nothing is cached between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine

from bench.briefing_seed import ZONES, Seeded, approver_user, generate, policy_text, write
from bot.app import interpreter
from bot.briefings.compose import Recipient, compose_briefings
from bot.core.policy_book import PolicyBook
from policies.loader import LoadedPolicy, load_policy_file
from store.db import Database
from store.migrate import upgrade

NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
"""A Monday, 08:00 in New York: briefing time."""
COMPOSE_TARGET_S = 10.0
VERIFY_TARGET_PER_S = 200_000.0
READY_TARGET_S = 1.5
RSS_TARGET_MB = 150.0


@dataclass(frozen=True)
class Result:
    approvers: int
    open_approvals: int
    deals: int
    audit_events: int
    recipients: int
    seed_s: float
    briefings: int
    compose_s: float
    compose_pass: bool
    verify_s: float
    verify_per_s: float
    verify_pass: bool
    ready_empty_s: float
    ready_s: float
    rss_mb: float
    policy_load_s: float
    """Of the seeded start: reading and checking the generated policy (one line per
    territory manager and per routing rule)."""
    policy_rss_mb: float
    """Of the seeded memory: what holding that policy costs a process."""

    @property
    def ready_pass(self) -> bool:
        return max(self.ready_empty_s, self.ready_s) < READY_TARGET_S

    @property
    def rss_pass(self) -> bool:
        return self.rss_mb < RSS_TARGET_MB

    @property
    def passed(self) -> bool:
        return self.compose_pass and self.verify_pass and self.ready_pass and self.rss_pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.briefings", description=__doc__)
    parser.add_argument("--approvers", type=int, default=10_000)
    parser.add_argument("--approvals", type=int, default=100_000, help="open approvals")
    parser.add_argument("--events", type=int, default=500_000, help="audit events")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    if min(args.approvers, args.approvals, args.events) < 1:
        parser.error("--approvers, --approvals and --events must be positive")
    directory = Path(tempfile.mkdtemp(prefix="dealdesk-briefings-bench-"))
    try:
        result = run(directory, args.approvers, args.approvals, args.events, quiet=args.json)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    if args.json:
        print(json.dumps({**asdict(result), "passed": result.passed}, indent=2))
    else:
        print_table(result)
    sys.exit(0 if result.passed else 1)


def run(directory: Path, approvers: int, approvals: int, events: int, *, quiet: bool) -> Result:
    def say(text: str) -> None:
        if not quiet:
            print(text, file=sys.stderr, flush=True)

    database = directory / "bench.db"
    url = f"sqlite+aiosqlite:///{database}"
    policy_path = directory / "policy.yml"
    policy_path.write_text(policy_text(approvers), encoding="utf-8")
    say(f"seeding {database} …")
    started = time.perf_counter()
    loaded = load_policy_file(policy_path)
    seeded = generate(loaded, approvers, approvals, events, NOW)
    asyncio.run(_migrate(url))
    engine = create_engine(f"sqlite:///{database}")
    try:
        write(engine, loaded, seeded, NOW)
    finally:
        engine.dispose()
    seed_s = time.perf_counter() - started
    recipients = _recipients(approvers, seeded)
    say(f"seeded in {seed_s:.1f}s; composing {len(recipients):,} briefings …")
    briefings, compose_s = asyncio.run(_compose(url, loaded, recipients))
    say("running dealdesk audit verify …")
    verify_s = _verify(url, directory, len(seeded.events))
    per_s = len(seeded.events) / verify_s
    say("starting dealdesk serve …")
    empty = directory / "empty"
    empty.mkdir()
    ready_empty_s, _ = _serve(f"sqlite+aiosqlite:///{empty / 'empty.db'}", None, empty)
    ready_s, rss_mb = _serve(url, policy_path, directory)
    policy_load_s, policy_rss_mb = _policy_cost(policy_path)
    return Result(
        approvers=approvers,
        open_approvals=seeded.pending,
        deals=len(seeded.deals),
        audit_events=len(seeded.events),
        recipients=len(recipients),
        seed_s=round(seed_s, 2),
        briefings=briefings,
        compose_s=round(compose_s, 2),
        compose_pass=compose_s < COMPOSE_TARGET_S,
        verify_s=round(verify_s, 2),
        verify_per_s=round(per_s),
        verify_pass=per_s >= VERIFY_TARGET_PER_S,
        ready_empty_s=round(ready_empty_s, 2),
        ready_s=round(ready_s, 2),
        rss_mb=round(rss_mb, 1),
        policy_load_s=round(policy_load_s, 2),
        policy_rss_mb=round(policy_rss_mb, 1),
    )


async def _migrate(url: str) -> None:
    database = Database.connect(url)
    try:
        await upgrade(database)
    finally:
        await database.dispose()


def _recipients(approvers: int, seeded: Seeded) -> list[Recipient]:
    """Every approver and every deal owner, spread over four time zones."""
    users = [approver_user(n) for n in range(1, approvers + 1)] + sorted(seeded.owners)
    people = []
    for index, user in enumerate(users):
        zone = ZoneInfo(ZONES[index % len(ZONES)])
        people.append(Recipient(user, zone, NOW.astimezone(zone).date()))
    return people


async def _compose(url: str, loaded: LoadedPolicy, people: list[Recipient]) -> tuple[int, float]:
    interpreter.tune()  # as ``dealdesk serve`` runs, its policy loaded
    interpreter.started()
    database = Database.connect(url)
    try:
        async with database.read() as session:
            started = time.perf_counter()
            messages = await compose_briefings(session, PolicyBook(loaded), people, NOW)
            elapsed = time.perf_counter() - started
    finally:
        await database.dispose()
    return len(messages), elapsed


def _verify(url: str, directory: Path, events: int) -> float:
    """Run ``dealdesk audit verify`` as a person would; the wall time from start to exit."""
    script = Path(sys.executable).with_name("dealdesk")
    command = [str(script)] if script.exists() else [sys.executable, "-c", _CLI]
    env = {**os.environ, "DATABASE_URL": url}
    started = time.perf_counter()
    done = subprocess.run(
        [*command, "audit", "verify"], cwd=directory, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or f"{events:,} events verified" not in done.stdout:
        raise SystemExit(f"dealdesk audit verify failed:\n{done.stdout}{done.stderr}")
    return elapsed


def _serve(url: str, policy: Path | None, directory: Path) -> tuple[float, float]:
    """``dealdesk serve`` on ``url``: seconds until /healthz answers 200, and its resident
    memory (MB) five seconds later, its deadlines scheduled."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(directory),
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "bench-signing-secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "DATABASE_URL": url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        **({"DEALDESK_POLICY": str(policy)} if policy else {}),
    }
    script = Path(sys.executable).with_name("dealdesk")
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(script), "serve"], cwd=directory, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as ok:
                    if ok.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.perf_counter() - started > 120:
                raise SystemExit("dealdesk serve did not become healthy")
            time.sleep(0.01)
        ready = time.perf_counter() - started
        time.sleep(5)
        status = Path(f"/proc/{process.pid}/status").read_text(encoding="utf-8")
        rss_kb = next(
            int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")
        )
    finally:
        process.terminate()
        process.wait(30)
    return ready, rss_kb / 1024


_POLICY_COST = """
import gc, sys, time
import bot.app.server
def rss():
    status = open("/proc/self/status", encoding="utf-8").read()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024
from policies.loader import load_policy_file
before = rss()
started = time.perf_counter()
policy = load_policy_file(sys.argv[1])
elapsed = time.perf_counter() - started
gc.collect()
print(elapsed, rss() - before)
"""


def _policy_cost(policy: Path) -> tuple[float, float]:
    """Seconds to load ``policy`` and the memory it takes, in a fresh process that has
    imported what ``serve`` imports."""
    done = subprocess.run(
        [sys.executable, "-c", _POLICY_COST, str(policy)], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"loading the policy failed:\n{done.stderr}")
    seconds, megabytes = done.stdout.split()
    return float(seconds), float(megabytes)


_CLI = "import sys; from bot.app.cli import main; sys.argv[0] = 'dealdesk'; main()"


def print_table(result: Result) -> None:
    def verdict(passed: bool) -> str:
        return "PASS" if passed else "FAIL"

    print(
        f"{result.approvers:,} approvers, {result.open_approvals:,} open approvals, "
        f"{result.deals:,} deals, {result.audit_events:,} audit events "
        f"(seeded in {result.seed_s:.1f}s)"
    )
    rows = [
        ("measure", "result", "target", ""),
        (
            f"compose {result.recipients:,} briefings",
            f"{result.compose_s:.2f} s ({result.briefings:,} sent)",
            f"< {COMPOSE_TARGET_S:.0f} s",
            verdict(result.compose_pass),
        ),
        (
            "dealdesk audit verify",
            f"{result.verify_per_s:,.0f} events/s ({result.verify_s:.2f} s)",
            f">= {VERIFY_TARGET_PER_S:,.0f} events/s",
            verdict(result.verify_pass),
        ),
        (
            "dealdesk serve ready (empty / seeded)",
            f"{result.ready_empty_s:.2f} s / {result.ready_s:.2f} s "
            f"(policy {result.policy_load_s:.2f} s)",
            f"< {READY_TARGET_S} s",
            verdict(result.ready_pass),
        ),
        (
            "dealdesk serve memory (seeded)",
            f"{result.rss_mb:.0f} MB (policy {result.policy_rss_mb:.0f} MB)",
            f"< {RSS_TARGET_MB:.0f} MB",
            verdict(result.rss_pass),
        ),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
