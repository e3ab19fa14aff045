"""Stalled deals: in review with no activity for the policy's ``stalled_after``.

They show in ``/deal stalled`` and in their owner's and pending approvers' briefings,
and the owner is nudged once per stall: again only after new activity and a new stall.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.briefings.compose import load_current_deals
from bot.briefings.posts import post_row
from bot.cards.stalled import build_stalled_nudge
from bot.core.deps import Deps
from bot.core.policy_book import PolicyBook
from bot.outbox.work import Work
from bot.read_models.snapshots import DealSnapshot
from store import briefings as claims
from store import outbox

SHOWN = 48
"""What ``/deal stalled`` lists (one block each) before "…and N more"."""
NUDGES_PER_ROUND = 200


async def list_stalled_deals(
    session: AsyncSession, policies: PolicyBook, now: datetime, limit: int = SHOWN
) -> tuple[list[DealSnapshot], int]:
    """The longest idle stalled deals first (up to ``limit``), and how many there are."""
    idle_since = policies.current.policy.stalled_since(now)
    ids = await claims.list_stalled(session, idle_since, limit)
    deals = await load_current_deals(session, ids, policies)
    total = await claims.count_stalled(session, idle_since)
    return [deals[deal_id] for deal_id in ids if deal_id in deals], total


async def nudge_stalled(deps: Deps, now: datetime) -> list[int]:
    """Nudge the owner of each newly stalled deal, once; return the deals nudged."""
    idle_since = deps.policies.current.policy.stalled_since(now)
    async with deps.db.read() as session:
        ids = await claims.list_stalled(session, idle_since, NUDGES_PER_ROUND, unnudged=True)
        deals = await load_current_deals(session, ids, deps.policies)
    if not deals:
        return []
    nudged = []
    rows = []
    async with deps.db.transaction() as session:
        for deal_id, deal in deals.items():
            if await claims.claim_nudge(session, deal_id, idle_since, now):
                subject = f"nudge:{deal_id}:{int(now.timestamp())}"
                message = build_stalled_nudge(deal, now)
                rows.append(post_row(Work.NUDGE, subject, subject, message, now, user=deal.owner))
                nudged.append(deal_id)
        await outbox.add_many(session, rows)
    return sorted(nudged)
