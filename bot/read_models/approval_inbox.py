"""Someone's approval inbox: what waits for them, what they may decide for others,
what they decided lately and where their own deals stand (App Home, /deal inbox)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.policy_book import PolicyBook
from bot.read_models.briefed import ShownItem
from bot.read_models.loaders import load_deals
from bot.read_models.snapshots import HomeData, Item
from store import people
from store import repositories as repo
from store.models import Approval

SHOWN = 60
"""More than Home's 100 blocks can show (two blocks each)."""
RECENT = 10
NOTICE_KEPT = timedelta(minutes=10)
"""How long Home keeps showing a notice (a bulk approve's sum-up), whoever refreshes it."""
ESCALATED = 10
OWN_DEALS = 25
_FAR = datetime.max.replace(tzinfo=UTC)


def deadline_order(item: ShownItem, now: datetime) -> tuple[bool, datetime]:
    """Overdue first, then by deadline; approvals without one last."""
    approval = item[1]
    return (not approval.overdue(now), approval.due_at or _FAR)


async def load_inbox(
    session: AsyncSession, policies: PolicyBook, user: str, now: datetime
) -> HomeData:
    admin = user in policies.current.policy.admins
    escalated_rows = await repo.list_escalated(session, user, ESCALATED) if admin else []
    delegators = await repo.list_delegators(session, user, now)
    waiting_rows, waiting_total = await repo.list_pending_for(session, [user], user, SHOWN)
    delegated_rows, delegated_total = await repo.list_pending_for(session, delegators, user, SHOWN)
    recent_rows = await repo.list_decided_by(session, user, RECENT)
    own = await repo.list_open_deals_of(session, user, OWN_DEALS)
    notice = await people.get_home_notice(session, user, now - NOTICE_KEPT)
    rows = [*waiting_rows, *delegated_rows, *recent_rows, *escalated_rows]
    deals = await load_deals(session, [row.deal_id for row in rows] + own, policies)

    def items(selected: list[Approval]) -> list[Item]:
        found = []
        for row in selected:
            deal = deals[row.deal_id]
            match = [a for a in deal.approvals if a.id == row.id]
            if match:
                found.append((deal, match[0]))
        return found

    waiting = sorted(items(waiting_rows), key=lambda item: deadline_order(item, now))
    delegated = sorted(items(delegated_rows), key=lambda item: deadline_order(item, now))
    return HomeData(
        user=user,
        now=now,
        waiting=tuple(waiting),
        delegated=tuple(delegated),
        recent=tuple(items(recent_rows)),
        own_deals=tuple(deals[deal_id] for deal_id in own),
        waiting_total=waiting_total,
        delegated_total=delegated_total,
        escalated=tuple(items(escalated_rows)) if admin else None,
        notice=notice,
    )
