"""Someone's approval inbox: what waits for them, what they may decide for others,
what they decided lately and where their own deals stand (App Home, /deal inbox)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards.home import HomeData
from bot.policy_book import PolicyBook
from bot.snapshots import ApprovalSnapshot, DealSnapshot, load_deals
from store import repositories as repo
from store.models import DECISIONS, Approval, ApprovalStatus, Deal, DealStatus

RECENT = 10
OWN_DEALS = 25
_FAR = datetime.max.replace(tzinfo=UTC)

Item = tuple[DealSnapshot, ApprovalSnapshot]


def deadline_order(item: Item, now: datetime) -> tuple[bool, datetime]:
    """Overdue first, then by deadline; approvals without one last."""
    approval = item[1]
    return (not approval.overdue(now), approval.due_at or _FAR)


async def load_inbox(
    session: AsyncSession, policies: PolicyBook, user: str, now: datetime
) -> HomeData:
    delegators = await repo.list_delegators(session, user, now)
    waiting_rows = await _pending_for(session, [user])
    delegated_rows = await _pending_for(session, delegators)
    recent_rows = list(
        (
            await session.execute(
                select(Approval)
                .where(Approval.decided_by == user, Approval.status.in_(DECISIONS))
                .order_by(Approval.decided_at.desc())
                .limit(RECENT)
            )
        ).scalars()
    )
    own = list(
        (
            await session.execute(
                select(Deal.id)
                .where(
                    Deal.owner == user,
                    Deal.status.in_((DealStatus.IN_REVIEW, DealStatus.CHANGES_REQUESTED)),
                )
                .order_by(Deal.updated_at.desc())
                .limit(OWN_DEALS)
            )
        ).scalars()
    )
    rows = [*waiting_rows, *delegated_rows, *recent_rows]
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
    )


async def _pending_for(session: AsyncSession, assignees: list[str]) -> list[Approval]:
    if not assignees:
        return []
    query = select(Approval).where(
        Approval.assignee.in_(assignees), Approval.status == ApprovalStatus.PENDING
    )
    return list((await session.execute(query)).scalars())
