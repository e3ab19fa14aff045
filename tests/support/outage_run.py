"""The database away under running ``serve`` processes (bench/outage.py): the chaos
stream of deals and clicks, with timeouts on second-long SLAs, while another process
holds SQLite's write lock or PostgreSQL is stopped; then the books, as after the kills.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from store.db import Database
from tests.support.chaos import Chaos, Figures, add_people, chaos_policy
from tests.support.databases import sqlite_url
from tests.support.fake_slack import FakeSlack
from tests.support.outages import SqliteWriteLock, sqlite_path
from tests.support.processes import API_TOKEN

Switch = Callable[[], Awaitable[None]]


@dataclass
class OutageFigures:
    books: Figures
    outage: float = 0.0
    """Seconds the database was away."""
    unhealthy: bool = False
    """Every serve's /healthz answered 503 during the outage."""
    stayed_up: bool = True
    recovered: float | None = None
    """Seconds from the database's return until every /healthz is 200 again."""
    resumed: float | None = None
    """Seconds from its return until a deal submitted then has its card."""
    notes: list[str] = field(default_factory=list)

    def rows(self) -> list[tuple[str, str]]:
        seconds = "never" if self.recovered is None else f"{self.recovered:.1f} s"
        resumed = "never" if self.resumed is None else f"{self.resumed:.1f} s"
        return [
            ("database away", f"{self.outage:.0f} s"),
            ("every /healthz 503 meanwhile", "yes" if self.unhealthy else "NO"),
            ("serve processes stayed up", "yes" if self.stayed_up else "NO"),
            ("/healthz ok again after", seconds),
            ("a new deal's card after", resumed),
            *self.books.rows(),
        ]

    @property
    def clean(self) -> bool:
        return (
            self.books.clean
            and self.unhealthy
            and self.stayed_up
            and self.resumed is not None
            and self.resumed <= RESUME_WITHIN
        )


SEEDED = 40
"""Deals submitted before the stream starts."""
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
RESUME_WITHIN = 5.0
"""Seconds after the database is back within which work must flow again (the target)."""


def postgres_switches() -> tuple[Switch, Switch]:
    """Stop PostgreSQL (``-m fast``: every connection dropped) and start it again."""
    version = sorted(path.name for path in Path("/etc/postgresql").iterdir())[-1]

    async def run(action: str, *more: str) -> None:
        command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action, *more]
        await asyncio.to_thread(subprocess.run, command, check=True, capture_output=True)

    return (lambda: run("stop", "-m", "fast")), (lambda: run("start"))


def sqlite_switches(database_url: str) -> tuple[Switch, Switch]:
    lock = SqliteWriteLock(sqlite_path(database_url))

    async def hold() -> None:
        await asyncio.to_thread(lock.hold)

    async def release() -> None:
        await asyncio.to_thread(lock.release)

    return hold, release


async def run_outage(
    directory: Path,
    *,
    seconds: float,
    instances: int = 1,
    database_url: str | None = None,
    sla: str = "8s",
    seed: int = 7,
) -> OutageFigures:
    """Start ``instances`` serves and the chaos stream, take the database away for
    ``seconds`` (PostgreSQL when ``database_url`` is one, else SQLite's write lock), bring
    it back, and read the books once everything settled."""
    began = time.monotonic()
    policy = directory / "outage.yml"
    policy.write_text(chaos_policy(sla), encoding="utf-8")
    url = database_url or sqlite_url(directory)
    away, back = postgres_switches() if url.startswith("postgresql") else sqlite_switches(url)
    async with FakeSlack() as slack:
        add_people(slack)
        async with (
            Chaos(directory, slack, policy, url, seed) as chaos,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http,
        ):
            await chaos.start(instances)
            for number in range(SEEDED):  # cards to click while the database is away
                await chaos._submit(1000 + number)
            figures = OutageFigures(Figures())
            stop = asyncio.Event()
            stream = asyncio.create_task(chaos.stream(stop))
            await asyncio.sleep(3)
            await away()
            started = time.monotonic()
            seen_down: set[str] = set()
            while time.monotonic() - started < seconds:
                await asyncio.sleep(1)
                for server in chaos.servers:
                    if await _health(http, server.url) == 503:
                        seen_down.add(server.url)
            await back()
            returned = time.monotonic()
            figures.outage = returned - started
            figures.unhealthy = seen_down == {server.url for server in chaos.servers}
            figures.stayed_up = all(s.process.returncode is None for s in chaos.servers)
            figures.resumed = await _card_after(chaos, http, returned)
            while any([await _health(http, s.url) != 200 for s in chaos.servers]):
                if time.monotonic() - returned > 60:
                    break
                await asyncio.sleep(0.1)
            else:
                figures.recovered = time.monotonic() - returned
            await asyncio.sleep(3)
            stop.set()
            await stream
            db = Database.connect(url)
            try:
                await chaos.clear_inboxes(db)
                await chaos.settle(db)
                figures.books = await chaos.check(db, url)
            finally:
                await db.dispose()
    figures.books.seconds = time.monotonic() - began
    return figures


async def _health(http: aiohttp.ClientSession, url: str) -> int:
    try:
        async with http.get(f"{url}/healthz") as response:
            return response.status
    except (aiohttp.ClientError, TimeoutError):
        return 0


async def _card_after(chaos: Chaos, http: aiohttp.ClientSession, since: float) -> float | None:
    """Submit a deal now (again while refused, as a CRM does) and wait for its card."""
    deal = {
        "external_id": "AFTER-OUTAGE",
        "company": "After Outage",
        "acv": 12345,
        "owner": "U0SELLER00",
    }
    while time.monotonic() - since < 60:
        for server in chaos.servers:
            try:
                async with http.post(
                    f"{server.url}/api/deals",
                    json=deal,
                    headers={"Authorization": f"Bearer {API_TOKEN}"},
                ) as answer:
                    if answer.status in (200, 201):
                        return await _carded(chaos, since)
            except (aiohttp.ClientError, TimeoutError):
                pass
        await asyncio.sleep(0.1)
    return None


async def _carded(chaos: Chaos, since: float) -> float | None:
    while time.monotonic() - since < 60:
        posts = chaos.slack.delivered("chat.postMessage")
        if any("After Outage" in str(call.params.get("text")) for call in posts):
            return time.monotonic() - since
        await asyncio.sleep(0.05)
    return None
