"""``dealdesk sandbox``: the real app and a local Slack workspace in one process.

The app is built exactly as ``serve`` builds it (bot.app.wiring, Bolt, the intake API),
on its own port, with SLACK_API_URL pointing at the sandbox's Web API and a fresh
signing secret and bot token that only the two of them know. Its clock is real time that
the page can move ahead, so reminders, timeouts and briefings can be seen in minutes.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.app.bolt import build_app
from bot.app.server import build_web_app
from bot.app.settings import load_settings
from bot.app.wiring import Runtime, build_runtime
from bot.core.clock import ShiftedClock
from bot.core.deps import open_deps
from policies.loader import load_policy_file
from sandbox.server import Sandbox


@dataclass(frozen=True)
class RunningSandbox:
    url: str
    """The page, no trailing slash."""
    app_url: str
    sandbox: Sandbox
    runtime: Runtime


@asynccontextmanager
async def running_sandbox(
    policy_path: Path, database_url: str, *, host: str = "127.0.0.1", port: int = 8080
) -> AsyncIterator[RunningSandbox]:
    """Start the sandbox page on ``host:port`` (0: any free port) and the app beside it."""
    clock = ShiftedClock()
    policy = load_policy_file(policy_path).policy
    token, secret, api_token = (
        f"xoxb-sandbox-{secrets.token_hex(8)}",
        secrets.token_hex(16),
        secrets.token_urlsafe(24),
    )
    sandbox = Sandbox(policy, clock, token=token, signing_secret=secret)
    page = await _listen(sandbox.web_app(), host, port)
    try:
        url = _address(page, host)
        sandbox.serving_at(url)
        settings = load_settings(
            slack_bot_token=token,
            slack_signing_secret=secret,
            slack_api_url=f"{url}/api/",
            database_url=database_url,
            dealdesk_policy=policy_path,
            dealdesk_api_token=api_token,
            _env_file=None,
        )
        async with open_deps(database_url, policy_path, clock) as deps:
            runtime = build_runtime(settings, deps)
            bolt = build_app(settings, runtime.deps)
            server = await _listen(build_web_app(runtime, bolt), "127.0.0.1", 0)
            try:
                app_url = _address(server, "127.0.0.1")

                async def clock_moved(step: str) -> None:
                    await runtime.scheduler.tick()  # what fell due, before the page looks
                    if step == "briefing":
                        await runtime.scheduler.morning()

                async with aiohttp.ClientSession() as session:
                    sandbox.connect(session, app_url, api_token, clock_moved)
                    yield RunningSandbox(url, app_url, sandbox, runtime)
            finally:
                await server.cleanup()
    finally:
        await page.cleanup()


async def _listen(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


def _address(runner: web.AppRunner, host: str) -> str:
    """The base URL a runner listens on (its real port when asked for port 0)."""
    port = runner.addresses[0][1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://{shown}:{port}"
