"""Approve clicks: how fast does `dealdesk serve` answer Slack, compared with a bare Bolt app?

    python -m bench.clicks [--clicks 2000] [--concurrency 50] [--json]

Starts a fake Slack Web API, seeds a SQLite database with one pending approval per
click (their cards posted first, as in real life), starts `dealdesk serve` and a bare
Bolt app that only acknowledges the same click (bench/bare_app.py), fires the same
number of concurrent, correctly signed Approve clicks at each, and prints p50 and p99
acknowledgement latency and clicks per second for both, with their ratio. Then it
waits until dealdesk has applied every decision and says how long that took.

The clicks are fired in ``--rounds`` alternating bursts (bare app, then dealdesk, then
a pause until dealdesk has caught up), so that both are measured under the same
machine conditions: on a shared 2-core machine the speed of the same code drifts by
a factor of two from one minute to the next.

Targets (issue 25, raised from issue 18's; SQLite, 2 cores, 50 concurrent clicks): at
least 0.8 times the bare app's throughput, and a p99 at most twice the bare app's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import aiohttp

from bot.cards.ids import CardAction
from bot.core.clock import SystemClock
from bot.core.deps import open_deps
from bot.slack.planner import OutboxPlanner
from bot.workflow import submit_deal
from policies.deal import DealTerms
from sandbox.block_reading import buttons
from sandbox.objects import Message
from sandbox.requests import SlackRequests
from tests.support.fake_slack import FakeSlack
from tests.support.processes import free_port, wait_until_healthy

SECRET = "bench-signing-secret"
RATIO_TARGET = 0.8
"""Throughput, as a share of the bare app's."""
P99_TARGET = 2.0
"""p99, as a multiple of the bare app's."""
APPROVERS = 50
"""Deals are spread over this many approvers (routed by ``employees % 50``)."""
WARMUP = 200


def approver(number: int) -> str:
    return f"U0BENCH{number:02d}"


def owner(number: int) -> str:
    """Deals come from as many account executives as there are approvers."""
    return f"U0OWNER{number % APPROVERS:02d}"


def policy_text() -> str:
    people = "\n".join(
        f"  a{n}: {{name: Approver {n}, slack_user: {approver(n)}, sla: 24h}}"
        for n in range(APPROVERS)
    )
    rules = "\n".join(
        f"      - {{approver: a{n}, when: 'employees % {APPROVERS} == {n}'}}"
        for n in range(APPROVERS)
    )
    stage = f"stages:\n  - name: Approval\n    approvals:\n{rules}\n"
    return f"name: Click benchmark\napprovers:\n{people}\n{stage}"


@dataclass(frozen=True)
class Run:
    name: str
    clicks: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.clicks / self.seconds


@dataclass
class Bursts:
    """The latencies and the firing time of every burst one app was sent."""

    name: str
    latencies: list[float]
    seconds: float = 0.0

    def run(self) -> Run:
        ordered = sorted(self.latencies)
        return Run(
            self.name,
            len(ordered),
            self.seconds,
            statistics.median(ordered) * 1000,
            ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000,
        )


async def seed(database: Path, policy: Path, count: int) -> list[tuple[int, str]]:
    """One deal per click, spread over the approvers; their cards queued for delivery."""
    url = f"sqlite+aiosqlite:///{database}"
    async with open_deps(url, policy) as deps:
        deps.bus.in_transaction.append(OutboxPlanner(deps.policies, SystemClock()))
        for start in range(0, count, 250):
            async with deps.unit_of_work() as uow:
                for number in range(start, min(start + 250, count)):
                    terms = DealTerms(
                        company=f"Bench {number}",
                        acv=100_000,
                        employees=number,
                        owner=owner(number),
                    )
                    await submit_deal(uow, terms, terms.owner)
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT id, assignee FROM approvals WHERE status = 'pending' ORDER BY id")
        return [(row[0], row[1]) for row in rows]


def count(database: Path, query: str) -> int:
    with sqlite3.connect(database) as db:
        value: int = db.execute(query).fetchone()[0]
        return value


async def wait_until(check: object, what: str, limit: float) -> float:
    started = time.perf_counter()
    while not check():  # type: ignore[operator]
        if time.perf_counter() - started > limit:
            raise SystemExit(f"gave up waiting for {what} after {limit:.0f}s")
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


async def fire(
    requests: SlackRequests,
    cards: Sequence[tuple[Message, str]],
    concurrency: int,
    response_url: str,
    into: Bursts,
) -> None:
    """Each approver clicks Approve on their card, ``concurrency`` clicks at a time.

    The payload is what Slack sends: the clicked card with all its blocks.
    """
    latencies = into.latencies
    gate = asyncio.Semaphore(concurrency)

    async def click(card: Message, user: str) -> None:
        async with gate:
            started = time.perf_counter()
            reply = await requests.click(
                card, CardAction.APPROVE.value, user=user, response_url=response_url
            )
            latencies.append(time.perf_counter() - started)
            if reply.status != 200:
                raise SystemExit(f"{into.name}: click answered {reply.status}: {reply.text[:200]}")

    started = time.perf_counter()
    await asyncio.gather(*(click(card, user) for card, user in cards))
    into.seconds += time.perf_counter() - started


def approve_value(card: Message) -> str:
    """The approval id the card's Approve button carries."""
    return str(buttons(card.blocks)[0]["value"])


BACKLOG = "SELECT count(*) FROM outbox WHERE done_at IS NULL AND failed_at IS NULL"
APPLIED = "SELECT count(*) FROM decision_inbox WHERE processed_at IS NOT NULL"


async def until_idle(database: Path, applied: int) -> float:
    """Wait until dealdesk has applied ``applied`` decisions and sent everything."""

    def idle() -> bool:
        return count(database, APPLIED) >= applied and count(database, BACKLOG) == 0

    return await wait_until(idle, "dealdesk to finish its work", 600)


async def until_applied(database: Path, applied: int) -> float:
    """Wait until dealdesk has applied ``applied`` decisions (messages may still be on
    their way: Slack takes one post per second per channel)."""
    return await wait_until(
        lambda: count(database, APPLIED) >= applied, "the decisions to be applied", 600
    )


async def bench(clicks: int, concurrency: int, rounds: int) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="dealdesk-bench-"))
    database, policy = work / "bench.db", work / "policy.yml"
    policy.write_text(policy_text())
    async with FakeSlack(token="xoxb-bench") as slack, aiohttp.ClientSession() as session:
        for number in range(APPROVERS):
            slack.add_user(approver(number), name=f"Approver {number}")
        for number in range(APPROVERS):
            slack.add_user(owner(number), name=f"Owner {number}")
        print(f"seeding {clicks + WARMUP} pending approvals…", file=sys.stderr)
        approvals = await seed(database, policy, clicks + WARMUP)
        app_port, bare_port = free_port(), free_port()
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
            "DEALDESK_POLICY": str(policy),
            "PORT": str(app_port),
            "HOST": "127.0.0.1",
            "DEALDESK_API_TOKEN": "bench",
        }
        dealdesk_cli = str(Path(sys.executable).with_name("dealdesk"))
        dealdesk = await asyncio.create_subprocess_exec(
            dealdesk_cli, "serve", "--log-level", "WARNING", env=env
        )
        bare = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.bare_app", str(bare_port), slack.api_url, SECRET, env=env
        )
        try:
            app_url, bare_url = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{bare_port}"
            await wait_until_healthy(session, app_url, dealdesk)
            await wait_until_healthy(session, bare_url, bare)
            print("sending the cards…", file=sys.stderr)
            await until_idle(database, 0)
            response_url = slack.response_url("bench")
            app_requests = SlackRequests(session, f"{app_url}/slack/events", SECRET)
            bare_requests = SlackRequests(session, f"{bare_url}/slack/events", SECRET)
            cards = [  # approval cards only: a morning briefing may be in the DM too
                (card, user)
                for user in {u for _, u in approvals}
                for card in slack.dm(user)
                if buttons(card.blocks)
            ]
            cards.sort(key=lambda item: int(approve_value(item[0])))
            warmup, measured = cards[:WARMUP], cards[WARMUP:]
            await fire(bare_requests, warmup, concurrency, response_url, Bursts("warm-up", []))
            await fire(app_requests, warmup, concurrency, response_url, Bursts("warm-up", []))
            await until_idle(database, WARMUP)
            base, real = Bursts("bare Bolt app", []), Bursts("dealdesk serve", [])
            size = -(-len(measured) // rounds)
            for start in range(0, len(measured), size):
                burst = measured[start : start + size]
                # Each burst hits the bare app, then dealdesk, both idle.
                await fire(bare_requests, burst, concurrency, response_url, base)
                await fire(app_requests, burst, concurrency, response_url, real)
                applied = WARMUP + start + len(burst)
                lag = await until_applied(database, applied)
                drained = lag + await until_idle(database, applied)
            decided = count(database, "SELECT count(*) FROM approvals WHERE status='approved'")
        finally:
            for process in (dealdesk, bare):
                process.terminate()
                await asyncio.wait_for(process.wait(), 20)
    return {
        "clicks": clicks,
        "concurrency": concurrency,
        "approvers": APPROVERS,
        "rounds": rounds,
        "bare": base.run(),
        "dealdesk": real.run(),
        "throughput_ratio": base.seconds / real.seconds,
        "all_applied_after_s": lag,
        "all_sent_after_s": drained,
        "approved": decided,
    }


def report(result: dict[str, object], as_json: bool) -> None:
    base, real = result["bare"], result["dealdesk"]
    assert isinstance(base, Run)
    assert isinstance(real, Run)
    ratio = float(result["throughput_ratio"])  # type: ignore[arg-type]
    passed = ratio >= RATIO_TARGET and real.p99_ms <= P99_TARGET * base.p99_ms
    if as_json:
        print(
            json.dumps(
                {
                    **result,
                    "bare": {**asdict(base), "per_second": base.per_second},
                    "dealdesk": {**asdict(real), "per_second": real.per_second},
                    "targets_met": passed,
                },
                indent=2,
            )
        )
        return
    print(
        f"\n{result['clicks']} Approve clicks from {result['approvers']} approvers, "
        f"{result['concurrency']} at a time, in {result['rounds']} alternating bursts, SQLite\n"
    )
    print(f"{'':18}{'clicks/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for run in (base, real):
        print(f"{run.name:18}{run.per_second:>10.0f}{run.p50_ms:>10.1f}{run.p99_ms:>10.1f}")
    print(f"\nthroughput ratio dealdesk/bare: {ratio:.2f} (target ≥ {RATIO_TARGET})")
    print(
        f"dealdesk p99: {real.p99_ms:.0f} ms, {real.p99_ms / base.p99_ms:.1f}x the bare app's "
        f"(target ≤ {P99_TARGET:.0f}x)"
    )
    applied, sent = float(result["all_applied_after_s"]), float(result["all_sent_after_s"])  # type: ignore[arg-type]
    print(
        f"after the last burst, every decision applied {applied:.1f}s after the last answer; "
        f"every card update and owner DM sent after {sent:.1f}s (Slack's pace: 1 post/s per "
        "channel); "
        f"{result['approved']} approvals approved"
    )
    print("targets met" if passed else "TARGETS MISSED")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4, help="alternating bursts per app")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report(asyncio.run(bench(args.clicks, args.concurrency, args.rounds)), args.json)


if __name__ == "__main__":
    main()
