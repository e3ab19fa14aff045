"""Real ``dealdesk serve`` processes for the restart and two-instance tests: started with a
clean environment, killed or stopped with signals, their database read directly."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from store.db import Database
from store.models import AuditEvent, OutboxMessage
from tests.support.fake_slack import FakeSlack
from tests.support.processes import API_TOKEN, DEALDESK, environment, wait_until_healthy

STOP = 15.0
DRAIN = 30.0


@dataclass
class Serve:
    url: str
    process: asyncio.subprocess.Process
    session: aiohttp.ClientSession
    killed: bool = False

    async def submit(self, deal: dict[str, Any]) -> dict[str, Any]:
        async with self.session.post(
            f"{self.url}/api/deals", json=deal, headers={"Authorization": f"Bearer {API_TOKEN}"}
        ) as response:
            assert response.status == 201, await response.text()
            created: dict[str, Any] = await response.json()
            return created

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when a machine dies."""
        self.killed = True
        self.process.kill()
        await self.process.wait()


@asynccontextmanager
async def serving(
    tmp_path: Path,
    slack: FakeSlack,
    policy: Path | None = None,
    database_url: str | None = None,
    name: str = "serve",
    dotenv: dict[str, str] | None = None,
) -> AsyncIterator[Serve]:
    """``dealdesk serve`` until the block ends, then SIGTERM: it must stop cleanly (exit 0,
    no traceback in its log, ``tmp_path``/``name``.log) unless the test killed it. Without
    ``policy`` or ``database_url``, serve's defaults (the bundled policy, a SQLite file in
    ``tmp_path``). ``dotenv``: settings written to ``tmp_path``/.env instead of the
    process's environment (SIGHUP re-reads that file)."""
    given = {"DEALDESK_POLICY": str(policy) if policy else None, "DATABASE_URL": database_url}
    env = environment(
        tmp_path,
        SLACK_API_URL=slack.api_url,
        **{name: value for name, value in given.items() if value is not None},
    )
    if dotenv:
        lines = [f"{name}={value}" for name, value in dotenv.items()]
        (tmp_path / ".env").write_text("\n".join(lines) + "\n", encoding="utf-8")
        env = {name: value for name, value in env.items() if name not in dotenv}
    url = f"http://127.0.0.1:{env['PORT']}"
    path = tmp_path / f"{name}.log"
    with path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            DEALDESK, "serve", env=env, cwd=tmp_path, stdout=log, stderr=log
        )
        try:
            async with aiohttp.ClientSession() as session:
                await wait_until_healthy(session, url, process)
                running = Serve(url, process, session)
                yield running
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), STOP)
                except TimeoutError:
                    process.kill()
                    await process.wait()
    if not running.killed:
        output = path.read_text(encoding="utf-8", errors="replace")
        assert process.returncode == 0, output
        assert "Traceback" not in output, output


async def audit_events(db: Database, action: str) -> list[dict[str, Any]]:
    async with db.read() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        rows = (await session.execute(query)).scalars().all()
    return [{"at": r.at, "actor": r.actor, **json.loads(r.details)} for r in rows]


async def open_outbox(db: Database) -> int:
    """Outbox rows not yet delivered; failing for good is a test failure."""
    async with db.read() as session:
        failed = await session.scalar(
            select(func.count()).where(OutboxMessage.failed_at.is_not(None))
        )
        assert not failed, "Slack refused work for good"
        return (
            await session.scalar(
                select(func.count()).where(
                    OutboxMessage.done_at.is_(None), OutboxMessage.failed_at.is_(None)
                )
            )
            or 0
        )


async def drained(db: Database, timeout: float = DRAIN) -> None:  # noqa: ASYNC109
    """Wait until the outbox has delivered everything (nothing failed for good)."""
    deadline = time.monotonic() + timeout
    while True:
        left = await open_outbox(db)
        if not left:
            return
        if time.monotonic() >= deadline:
            raise AssertionError(f"{left} outbox rows still open after {timeout}s")
        await asyncio.sleep(0.05)
