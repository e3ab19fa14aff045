"""The App Home tab: the approval inbox of the person looking at it."""

from __future__ import annotations

from bot.cards.home import build_home
from bot.interactions.deps import ServeDeps
from bot.read_models.approval_inbox import load_inbox
from store.people import upsert_person


async def open_home(deps: ServeDeps, user: str) -> None:
    """Someone opened the Home tab: remember it (so it is kept fresh while they use it)
    and publish their inbox."""
    async with deps.db.transaction() as session:
        await upsert_person(session, user, deps.clock.now(), home_seen_at=deps.clock.now())
    await publish_home(deps, user)


async def publish_home(deps: ServeDeps, user: str) -> None:
    """Render ``user``'s inbox now and publish it (idempotent: a repeat shows the same)."""
    async with deps.db.read() as session:
        home = await load_inbox(session, deps.policies, user, deps.clock.now())
    await deps.gateway.publish_home(user, build_home(home).to_dict())
