"""Events API: the App Home tab, published when someone opens it.

A redelivered event (``X-Slack-Retry-Num``) publishes again, which shows the same
inbox: harmless, so it is not filtered out.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.interactions.home import open_home
from handlers.context import deps_of


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(handle_home_opened)


async def handle_home_opened(event: dict[str, Any], context: AsyncBoltContext) -> None:
    if event.get("tab", "home") == "home" and event.get("user"):
        await open_home(deps_of(context), str(event["user"]))
