"""Publishing someone's Home tab: their approval inbox, rendered as it goes out."""

from __future__ import annotations

from typing import Any

from bot.cards.home import build_home
from bot.core.clock import Clock
from bot.core.policy_book import PolicyBook
from bot.read_models.approval_inbox import load_inbox
from bot.slack.gateway import SlackGateway
from store.db import Database


async def publish_home(
    db: Database, policies: PolicyBook, clock: Clock, gateway: SlackGateway, user: str
) -> None:
    """Render ``user``'s inbox and publish it (idempotent: a repeat shows the same). The
    gateway renders each person's Home only once the publish before it went out."""

    async def render() -> dict[str, Any]:
        async with db.read() as session:
            home = await load_inbox(session, policies, user, clock.now())
        return build_home(home).to_dict()

    await gateway.publish_home(user, render)
