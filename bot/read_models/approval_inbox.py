"""Someone's approval inbox: what waits for them, what they may decide for others,
what they decided lately and where their own deals stand (App Home, /deal inbox)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards.home import HomeData
from bot.core.policy_book import PolicyBook
from bot.read_models.snapshots import ApprovalSnapshot, DealSnapshot, load_deals
from policies.vocabulary import DECISIONS, ApprovalStatus, DealStatus
from store import repositories as repo
from store.models import Approval, Deal

SHOWN = 60
"""More than Home's 100 blocks can show (two blocks each)."""
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
    waiting_rows, waiting_total = await _pending_for(session, [user], user)
    delegated_rows, delegated_total = await _pending_for(session, delegators, user)
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
        waiting_total=waiting_total,
        delegated_total=delegated_total,
    )


async def _pending_for(
    session: AsyncSession, assignees: list[str], viewer: str
) -> tuple[list[Approval], int]:
    """The first SHOWN pending approvals by deadline (overdue ones come first), and how many
    there are in all: Home and /deal inbox never show more than fits. The viewer's own
    deals are left out: nobody decides those (they wait for someone else)."""
    if not assignees:
        return [], 0
    pending = (
        Approval.assignee.in_(assignees),
        Approval.status == ApprovalStatus.PENDING,
        ~exists().where(Deal.id == Approval.deal_id, Deal.owner == viewer),
    )
    query = (
        select(Approval)
        .where(*pending)
        .order_by(Approval.due_at.is_(None), Approval.due_at, Approval.id)
        .limit(SHOWN)
    )
    rows = list((await session.execute(query)).scalars())
    if len(rows) < SHOWN:
        return rows, len(rows)
    total = (await session.execute(select(func.count()).where(*pending))).scalar_one()
    return rows, int(total)
