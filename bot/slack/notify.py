"""Turn domain events into Slack work, inside the transaction that caused them.

So a card is never lost: if the change commits, so does the work to show it; if it
rolls back, nothing is sent. Every path (a click, the intake API, a slash command,
the scheduler) produces the same cards because they all emit the same events.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.events import (
    ApprovalAssigned,
    ApprovalCancelled,
    ApprovalDecided,
    ApprovalEscalated,
    ApprovalReassigned,
    DealFinished,
    DealSubmitted,
    DelegationEnded,
    DelegationStarted,
    DomainEvent,
    ReminderDue,
    StageStarted,
)
from bot.policy_book import PolicyBook
from bot.slack.work import Work, approval_key, deal_key
from store import outbox
from store.models import AVATAR_PREFIX, Approval, Deal, DealStatus, Delegation

_OWNER_TOLD = (DealStatus.APPROVED, DealStatus.REJECTED, DealStatus.CHANGES_REQUESTED)


class SlackNotifier:
    """An in-transaction subscriber of the EventBus."""

    def __init__(self, policies: PolicyBook, clock: Clock) -> None:
        self._policies = policies
        self._clock = clock

    async def __call__(self, session: AsyncSession, events: Sequence[DomainEvent]) -> None:
        plan = _Plan()
        for event in events:
            if isinstance(event, DelegationStarted | DelegationEnded):
                await _plan_delegation(session, plan, event)
                continue
            deal = await session.get(Deal, event.deal_id)
            if deal is None:
                continue
            policy = await self._policies.get(session, deal.policy_version)
            threaded = policy.deal_channel is not None
            await _plan_event(session, plan, event, deal, threaded)
        now = self._clock.now()
        await outbox.add_many(session, [{**row, "created_at": now} for row in plan.rows])


class _Plan:
    """Rows in order, without repeating a re-render within one transaction."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self._seen: set[tuple[str, str]] = set()

    def add(self, kind: Work, key: str, **payload: Any) -> None:
        if kind.coalesces:
            if (kind, key) in self._seen:
                return
            self._seen.add((kind, key))
        self.rows.append({"kind": kind.value, "key": key, "payload": payload})

    def home(self, *users: str | None) -> None:
        for user in users:
            if user and not user.startswith(AVATAR_PREFIX) and user != "system":
                self.add(Work.HOME, f"home:{user}", user=user)

    def reply(self, threaded: bool, deal: Deal, step: str, **payload: Any) -> None:
        if threaded:
            self.add(Work.DEAL_REPLY, deal_key(deal.id), deal_id=deal.id, step=step, **payload)

    def parent(self, threaded: bool, deal: Deal) -> None:
        if threaded:
            self.add(Work.DEAL_PARENT, deal_key(deal.id), deal_id=deal.id)


async def _plan_event(
    session: AsyncSession, plan: _Plan, event: DomainEvent, deal: Deal, threaded: bool
) -> None:
    match event:
        case DealSubmitted():
            plan.parent(threaded, deal)
            plan.home(deal.owner)
        case StageStarted():
            plan.parent(threaded, deal)
        case ApprovalAssigned(approval_id=approval_id):
            row = await _row(session, approval_id)
            if not row.is_avatar and row.assignee != deal.owner:  # nobody decides their own
                plan.add(Work.CARD_POST, approval_key(row.id), approval_id=row.id)
                plan.reply(threaded, deal, "assigned", approval_id=row.id)
                plan.home(row.assignee)
        case ApprovalDecided(approval_id=approval_id):
            row = await _row(session, approval_id)
            if not row.is_avatar:
                plan.add(Work.CARD_REFRESH, approval_key(row.id), approval_id=row.id)
            plan.reply(threaded, deal, "decided", approval_id=row.id)
            plan.parent(threaded, deal)
            plan.home(row.assignee, row.decided_by)
        case ApprovalReassigned(approval_id=approval_id, new_approval_id=new_id, cause=cause):
            row = await _row(session, approval_id)
            if not row.is_avatar:
                plan.add(Work.CARD_REFRESH, approval_key(row.id), approval_id=row.id)
            plan.reply(
                threaded,
                deal,
                "reassigned",
                approval_id=row.id,
                new_approval_id=new_id,
                cause=cause,
            )
            plan.parent(threaded, deal)
            plan.home(row.assignee)
        case ApprovalEscalated(approval_id=approval_id):
            row = await _row(session, approval_id)
            if not row.is_avatar:
                plan.add(Work.CARD_REFRESH, approval_key(row.id), approval_id=row.id)
            plan.add(Work.ESCALATION, approval_key(row.id), approval_id=row.id)
            plan.reply(threaded, deal, "escalated", approval_id=row.id)
        case ApprovalCancelled(approval_id=approval_id):
            row = await _row(session, approval_id)
            if not row.is_avatar:
                plan.add(Work.CARD_REFRESH, approval_key(row.id), approval_id=row.id)
                plan.home(row.assignee)
        case ReminderDue(approval_id=approval_id):
            row = await _row(session, approval_id)
            plan.add(Work.REMINDER, approval_key(row.id), approval_id=row.id)
            plan.reply(threaded, deal, "reminded", approval_id=row.id)
        case DealFinished(status=status):
            if status in _OWNER_TOLD:
                plan.add(Work.OWNER_NOTICE, f"owner:{deal.id}", deal_id=deal.id, status=status)
            plan.reply(threaded, deal, "finished", status=status)
            plan.parent(threaded, deal)
            plan.home(deal.owner)
        case _:
            pass


async def _plan_delegation(
    session: AsyncSession, plan: _Plan, event: DelegationStarted | DelegationEnded
) -> None:
    delegation = await session.get(Delegation, event.delegation_id)
    if delegation is None:
        return
    state = "started" if isinstance(event, DelegationStarted) else "ended"
    plan.add(
        Work.DELEGATION, f"delegation:{delegation.id}", delegation_id=delegation.id, state=state
    )
    plan.home(delegation.delegator, delegation.delegate)


async def _row(session: AsyncSession, approval_id: int) -> Approval:
    row = await session.get(Approval, approval_id)
    assert row is not None, f"approval {approval_id} vanished inside its own transaction"
    return row
