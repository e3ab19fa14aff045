"""The real dealdesk app (Bolt + HTTP API + workers) on a free port, talking to a FakeSlack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bot.app.bolt import build_app
from bot.app.server import build_web_app
from bot.app.settings import Settings, load_settings
from bot.app.wiring import Runtime, build_runtime
from bot.core.clock import Clock
from bot.core.deps import Deps, open_deps
from sandbox.requests import SlackRequests
from tests.support.fake_slack import FakeSlack
from tests.support.local_server import serve

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
API_TOKEN = "test-intake-token"


@dataclass
class RunningApp:
    url: str
    """Base URL of the app, no trailing slash."""
    settings: Settings
    deps: Deps
    runtime: Runtime
    slack: FakeSlack
    session: aiohttp.ClientSession
    requests: SlackRequests
    """Signed requests to ``/slack/events``, as Slack sends them."""

    def api(self, path: str) -> str:
        return f"{self.url}{path}"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {API_TOKEN}"}


@asynccontextmanager
async def running_app(
    database_url: str,
    policy: Path,
    slack: FakeSlack,
    *,
    clock: Clock | None = None,
    api_token: str | None = API_TOKEN,
    post_interval: float = 0.0,
    briefings: bool = False,
) -> AsyncIterator[RunningApp]:
    """``post_interval``: Slack's pacing of posts per channel, off unless a test asks for it
    (``bot.outbox.work.POST_INTERVAL``): a deal thread of ten steps would take ten seconds.
    ``briefings``: the minute job of morning briefings, off unless a test asks for it (it
    would post at real minute boundaries into other tests' workspaces)."""
    settings = load_settings(
        slack_bot_token="xoxb-test",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url,
        database_url=database_url,
        dealdesk_policy=policy,
        dealdesk_api_token=api_token,
        _env_file=None,
    )
    async with open_deps(database_url, policy, clock) as deps:
        runtime = build_runtime(settings, deps, post_interval=post_interval, briefings=briefings)
        bolt = build_app(settings, runtime.deps)
        async with (
            serve(build_web_app(runtime, bolt)) as url,
            aiohttp.ClientSession() as session,
        ):
            requests = SlackRequests(
                session, f"{url}/slack/events", SIGNING_SECRET, response_urls=slack.response_url
            )
            yield RunningApp(url, settings, runtime.deps, runtime, slack, session, requests)
