"""Compose many people's briefings at once: a handful of bulk queries, then one render each.

Everything a briefing shows is loaded for all recipients together (their pending
approvals, their recent decisions, their own open deals, and those deals with their
pending approvals), in bulk (store.briefing_reads), never one query per person, and
only the columns its lines show (bot.read_models.briefed), not each deal's snapshot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.briefings.timing import Recipient
from bot.cards.blocks import SlackMessage
from bot.cards.briefing import Briefing, build_briefing_dm
from bot.core.policy_book import PolicyBook
from bot.read_models.approval_inbox import deadline_order
from bot.read_models.briefed import BriefedApproval, BriefedDeal
from bot.read_models.loaders import deal_snapshot
from bot.read_models.snapshots import DealSnapshot
from policies.duration import Span
from policies.model import Policy
from policies.vocabulary import DealStatus, deal_ref
from store import briefing_reads as reads

__all__ = ["Recipient", "compose_briefings", "load_briefings"]

DECIDED_LOOKBACK = timedelta(days=3)
"""Far enough back to hold "yesterday" in every time zone."""

_Item = tuple[BriefedDeal, BriefedApproval]


async def compose_briefings(
    session: AsyncSession, policies: PolicyBook, people: Sequence[Recipient], now: datetime
) -> dict[str, SlackMessage]:
    """Each recipient's briefing message, by user id; nobody with nothing to read is in it."""
    briefings = await load_briefings(session, policies, people, now)
    return {user: build_briefing_dm(briefing) for user, briefing in briefings.items()}


async def load_briefings(
    session: AsyncSession, policies: PolicyBook, people: Sequence[Recipient], now: datetime
) -> dict[str, Briefing]:
    """What each recipient's briefing says; empty ones left out."""
    users = sorted({person.user for person in people})
    pending = await reads.list_pending_of(session, users)
    decided = await reads.list_decided_by(session, users, now - DECIDED_LOOKBACK)
    own = await reads.list_open_deals_of(session, users)
    wanted = {deal_id for _, deal_id, _ in pending} | {row.deal_id for row in decided} | set(own)
    deal_rows, pending_rows = await reads.list_shown(session, wanted)
    names = await _Names.of(session, policies, deal_rows)
    idle_since = policies.current.policy.stalled_since(now)
    world = _World(_briefed_deals(deal_rows, pending_rows, names), now, idle_since)
    for approval_id, _, assignee in pending:
        world.add_pending(approval_id, assignee)
    for row in decided:
        if row.decided_by is not None and row.deal_id in world.deals:
            world.decided[row.decided_by].append((world.deals[row.deal_id], names.approval(row)))
    stalled_after = policies.current.policy.stalled_after
    briefings = {}
    for person in people:
        briefing = world.briefing(person, stalled_after)
        if not briefing.is_empty:
            briefings[person.user] = briefing
    return briefings


async def load_current_deals(
    session: AsyncSession, deal_ids: Iterable[int], policies: PolicyBook
) -> dict[int, DealSnapshot]:
    """Deals with their current revision's approvals, in bulk (store.briefing_reads)."""
    snapshots: dict[int, DealSnapshot] = {}
    for deal, rows in await reads.list_current(session, deal_ids):
        policy = await policies.get(session, deal.policy_version)
        snapshots[deal.id] = deal_snapshot(deal, rows, policy)
    return snapshots


class _Names:
    """Approvers' names under the policy each deal was routed by."""

    def __init__(self, policy_of: dict[int, Policy]):
        self.policy_of = policy_of

    @classmethod
    async def of(cls, session: AsyncSession, policies: PolicyBook, deals: Sequence[Any]) -> _Names:
        versions = {row.policy_version for row in deals}
        by_version = {version: await policies.get(session, version) for version in versions}
        return cls({row.id: by_version[row.policy_version] for row in deals})

    def approval(self, row: Any) -> BriefedApproval:
        """A :data:`store.briefing_reads.SHOWN_APPROVAL` row as a briefing shows it."""
        approver = self.policy_of[row.deal_id].approvers.get(row.approver)
        return BriefedApproval(
            id=row.id,
            deal_id=row.deal_id,
            stage_name=row.stage_name,
            reason=row.reason,
            status=row.status,
            assignee=row.assignee,
            approver_name=approver.name if approver else row.approver,
            due_at=row.due_at,
            decided_at=row.decided_at,
            decided_by=row.decided_by,
        )


def _briefed_deals(
    deal_rows: Sequence[Any], pending_rows: Sequence[Any], names: _Names
) -> dict[int, BriefedDeal]:
    pending: dict[int, list[Any]] = defaultdict(list)
    for row in pending_rows:
        pending[row.deal_id].append(row)
    deals = {}
    for row in deal_rows:
        waiting = pending.get(row.id, ())
        deals[row.id] = BriefedDeal(
            id=row.id,
            ref=deal_ref(row.id),
            company=row.company,
            acv=row.acv,
            discount=row.discount,
            owner=row.owner,
            status=row.status,
            updated_at=row.updated_at,
            stage_name=next(
                (a.stage_name for a in waiting if a.stage_index == row.stage_index), None
            ),
            pending=tuple(names.approval(a) for a in waiting),
        )
    return deals


class _World:
    """Everything loaded, indexed by person."""

    def __init__(self, deals: dict[int, BriefedDeal], now: datetime, idle_since: datetime):
        self.deals = deals
        self.now = now
        self.idle_since = idle_since
        self.items = {a.id: (deal, a) for deal in deals.values() for a in deal.pending}
        self.pending: dict[str, list[_Item]] = defaultdict(list)
        self.decided: dict[str, list[_Item]] = defaultdict(list)
        self.owned: dict[str, list[BriefedDeal]] = defaultdict(list)
        for deal in deals.values():
            if deal.status in reads.OPEN:
                self.owned[deal.owner].append(deal)

    def add_pending(self, approval_id: int, assignee: str) -> None:
        item = self.items.get(approval_id)
        if item is not None:
            self.pending[assignee].append(item)

    def briefing(self, person: Recipient, stalled_after: Span) -> Briefing:
        now, zone, today = self.now, person.zone, person.local_date
        mine = sorted(self.pending[person.user], key=lambda item: deadline_order(item, now))
        overdue = [item for item in mine if item[1].overdue(now)]
        due_today = [
            item
            for item in mine
            if not item[1].overdue(now)
            and item[1].due_at is not None
            and item[1].due_at.astimezone(zone).date() <= today
        ]
        shown = {item[1].id for item in [*overdue, *due_today]}
        later = [item for item in mine if item[1].id not in shown]
        yesterday = today - timedelta(days=1)
        decided = sorted(
            (
                item
                for item in self.decided[person.user]
                if item[1].decided_at and item[1].decided_at.astimezone(zone).date() == yesterday
            ),
            key=lambda item: (item[1].decided_at, item[1].id),
        )
        concerned = {deal.id: deal for deal in self.owned[person.user]}
        concerned.update({deal.id: deal for deal, _ in mine})
        stalled = sorted(
            (deal for deal in concerned.values() if self._stalled(deal)),
            key=lambda deal: (deal.updated_at, deal.id),
        )
        own = sorted(
            (deal for deal in self.owned[person.user] if not self._stalled(deal)),
            key=lambda deal: (deal.updated_at, deal.id),
        )
        return Briefing(
            user=person.user,
            local_date=today,
            now=now,
            overdue=overdue,
            due_today=due_today,
            later=later,
            decided=decided,
            own=own,
            stalled=stalled,
            stalled_after=stalled_after,
        )

    def _stalled(self, deal: BriefedDeal) -> bool:
        return deal.status == DealStatus.IN_REVIEW and deal.updated_at <= self.idle_since
