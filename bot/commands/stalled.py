"""``/deal stalled``: deals in review with no activity for a while, the longest idle first."""

from __future__ import annotations

from bot.briefings.stalled import list_stalled_deals
from bot.cards.blocks import SlackMessage
from bot.cards.stalled import build_stalled_reply
from bot.core.deps import Deps
from bot.interactions.payloads import SlashCommand


async def stalled(deps: Deps, command: SlashCommand) -> SlackMessage:
    now = deps.clock.now()
    async with deps.db.read() as session:
        deals, total = await list_stalled_deals(session, deps.policies, now)
    stalled_after = deps.policies.current.policy.stalled_after
    return build_stalled_reply(deals, now, total, stalled_after)
