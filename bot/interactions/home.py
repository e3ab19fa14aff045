"""The App Home tab: the approval inbox of the person looking at it."""

from __future__ import annotations

from bot.cards.home import build_home
from bot.read_models.approval_inbox import load_inbox
from bot.runtime import Runtime
from store.people import upsert_person


async def open_home(runtime: Runtime, user: str) -> None:
    """Someone opened the Home tab: remember it (so it is kept fresh while they use it)
    and publish their inbox."""
    deps = runtime.deps
    async with deps.db.transaction() as session:
        await upsert_person(session, user, deps.clock.now(), home_seen_at=deps.clock.now())
    await publish_home(runtime, user)


async def publish_home(runtime: Runtime, user: str) -> None:
    """Render ``user``'s inbox now and publish it (idempotent: a repeat shows the same)."""
    deps = runtime.deps
    async with deps.db.read() as session:
        home = await load_inbox(session, deps.policies, user, deps.clock.now())
    await runtime.gateway.publish_home(user, build_home(home).to_dict())
