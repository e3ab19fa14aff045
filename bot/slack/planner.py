"""Turn domain events into Slack work, inside the transaction that caused them.

So a card is never lost: if the change commits, so does the work to show it; if it
rolls back, nothing is sent. Every path (a click, the intake API, a slash command,
the scheduler) produces the same cards because they all emit the same events.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards.evidence import CardFacts, card_evidence
from bot.core.clock import Clock
from bot.core.deps import Deps
from bot.core.events import (
    ApprovalAssigned,
    ApprovalCancelled,
    ApprovalDecided,
    ApprovalEscalated,
    ApprovalReassigned,
    ApprovalSnoozed,
    CounterOffered,
    CounterResolved,
    DealFinished,
    DealRevised,
    DealSubmitted,
    DecisionRefused,
    DelegationEnded,
    DelegationStarted,
    DomainEvent,
    ReminderDue,
    StageStarted,
)
from bot.core.policy_book import PolicyBook
from bot.outbox.work import Work, approval_key, counter_key, deal_key, new_row, notice_row
from bot.read_models.loaders import load_card_diff
from bot.read_models.revisions import DIFF_FIELDS
from policies.model import Policy
from policies.routing import Plan
from policies.vocabulary import AVATAR_PREFIX, CounterStatus, DealStatus, Refusal
from store import evidence, messages, outbox
from store import repositories as repo
from store.evidence import NewEvidence
from store.models import Approval, Deal, Delegation

_OWNER_TOLD = (DealStatus.APPROVED, DealStatus.REJECTED, DealStatus.CHANGES_REQUESTED)
_UNSHOWN = (ApprovalDecided, ApprovalReassigned, ApprovalCancelled)
"""Events after which a briefing showing the approval loses its buttons."""


class OutboxPlanner:
    """An in-transaction subscriber of the EventBus."""

    def __init__(self, policies: PolicyBook, clock: Clock) -> None:
        self._policies = policies
        self._clock = clock

    async def __call__(self, session: AsyncSession, events: Sequence[DomainEvent]) -> None:
        plan = _Plan(self._clock.now())
        ended = [event.approval_id for event in events if isinstance(event, _UNSHOWN)]
        people = [
            approval_id for approval_id in ended if not (await _row(session, approval_id)).is_avatar
        ]
        plan.shown = await messages.subjects_showing(session, people)
        policy_of: dict[int, Policy] = {}  # a decision's events are mostly one deal's
        for event in events:
            if isinstance(event, DelegationStarted | DelegationEnded):
                await _plan_delegation(session, plan, event)
                continue
            if isinstance(event, DecisionRefused):
                plan.refusal(event)
                continue
            deal = await session.get(Deal, event.deal_id)
            if deal is None:
                continue
            if (policy := policy_of.get(deal.id)) is None:
                policy = policy_of[deal.id] = await self._policies.get(session, deal.policy_version)
            await _plan_event(session, plan, event, deal, policy)
            if isinstance(event, ApprovalAssigned):
                await self._record_evidence(session, plan, deal, policy, event.approval_id)
        await evidence.record_all(session, plan.evidence, plan.now)
        await outbox.add_many(session, plan.rows)

    async def _record_evidence(
        self, session: AsyncSession, plan: _Plan, deal: Deal, policy: Policy, approval_id: int
    ) -> None:
        """What a person's card will show, on record with the assignment (one transaction):
        the deal's values at its revision, why them, the advice, the deadline, what changed.
        The card names its hash; the decision made from it names it in the audit log."""
        row = await _row(session, approval_id)
        if row.is_avatar or row.assignee == deal.owner:
            return
        approver = policy.approvers.get(row.approver)
        changes = None
        if row.revision > 1:  # a first revision has nothing that changed
            changes = await load_card_diff(
                session, deal.id, row.revision, row.assignee, row.approver, policy
            )
        shown = approver is None or approver.show_recommendation
        card = CardFacts(
            deal_ref=deal.ref,
            revision=row.revision,
            terms={field: getattr(deal, field) for field in DIFF_FIELDS},
            approval_id=row.id,
            stage=row.stage_name,
            approver=row.approver,
            shown_to=row.assignee,
            why=row.reason,
            due_at=row.due_at,
            advice=row.recommendation if shown else None,
        )
        plan.evidence.append(NewEvidence(row.id, deal.id, card_evidence(card, changes)))


class _Plan:
    """Rows in order, without repeating a re-render within one transaction."""

    def __init__(self, now: datetime) -> None:
        self.rows: list[outbox.NewRow] = []
        self.now = now
        self.shown: dict[int, list[str]] = {}
        """The briefings showing each approval the events end (read once for them all)."""
        self.evidence: list[NewEvidence] = []
        self._seen: set[tuple[str, str]] = set()

    def add(self, kind: Work, key: str, lane: str | None, **payload: Any) -> None:
        if kind.coalesces:
            if (kind, key) in self._seen:
                return
            self._seen.add((kind, key))
        self.rows.append(new_row(kind, key, self.now, lane=lane, **payload))

    def home(self, *users: str | None) -> None:
        for user in users:
            if user and not user.startswith(AVATAR_PREFIX) and user != "system":
                self.add(Work.HOME, f"home:{user}", None, user=user)

    def reply(self, policy: Policy, deal: Deal, step: str, **payload: Any) -> None:
        if policy.deal_channel is not None:
            self.add(
                Work.DEAL_REPLY,
                deal_key(deal.id),
                policy.deal_channel,
                deal_id=deal.id,
                step=step,
                **payload,
            )

    def parent(self, policy: Policy, deal: Deal) -> None:
        if policy.deal_channel is not None:
            self.add(Work.DEAL_PARENT, deal_key(deal.id), policy.deal_channel, deal_id=deal.id)

    def refusal(self, event: DecisionRefused) -> None:
        """Tell whoever tried why their decision changed nothing, where they made it; a
        card that showed what is no longer so is brought up to date."""
        if event.refusal in (Refusal.STALE, Refusal.MOVED):
            key = approval_key(event.approval_id)
            self.add(Work.CARD_REFRESH, key, None, approval_id=event.approval_id)
        self.rows.append(
            notice_row(
                event.actor,
                event.message,
                self.now,
                response_url=event.origin.response_url,
                channel=event.origin.channel,
                approval_id=event.approval_id,
                refusal=event.refusal,
            )
        )

    def escalation(self, policy: Policy, deal: Deal, row: Approval) -> None:
        """To the escalation channel, or to each admin but the owner when there is none."""
        key = approval_key(row.id)
        if policy.escalation_channel is not None:
            self.add(Work.ESCALATION, key, policy.escalation_channel, approval_id=row.id)
            return
        for admin in policy.admins:
            if admin != deal.owner:
                self.add(Work.ESCALATION, key, admin, approval_id=row.id, user=admin)


async def _plan_event(
    session: AsyncSession, plan: _Plan, event: DomainEvent, deal: Deal, policy: Policy
) -> None:
    match event:
        case DealSubmitted():
            plan.parent(policy, deal)
            plan.home(deal.owner)
        case DealRevised(revision=revision):
            plan.reply(policy, deal, "revised", revision=revision)
            plan.parent(policy, deal)
            plan.home(deal.owner)
        case CounterOffered(counter_id=counter_id):
            plan.add(Work.COUNTER_POST, counter_key(counter_id), deal.owner, counter_id=counter_id)
            plan.home(deal.owner)
        case CounterResolved(counter_id=counter_id, status=status):
            plan.add(Work.COUNTER_REFRESH, counter_key(counter_id), None, counter_id=counter_id)
            counter = await repo.get_counter_offer(session, counter_id)
            if status == CounterStatus.DECLINED and counter is not None:
                plan.add(
                    Work.COUNTER_DECLINED,
                    f"counter-declined:{counter_id}",
                    counter.created_by,
                    counter_id=counter_id,
                    user=counter.created_by,
                )
        case StageStarted():
            plan.parent(policy, deal)
        case ApprovalAssigned(approval_id=approval_id):
            row = await _row(session, approval_id)
            if not row.is_avatar and row.assignee != deal.owner:  # nobody decides their own
                plan.add(Work.CARD_POST, approval_key(row.id), row.assignee, approval_id=row.id)
                plan.reply(policy, deal, "assigned", approval_id=row.id)
                plan.home(row.assignee)
        case ApprovalDecided(approval_id=approval_id):
            row = await _row(session, approval_id)
            if not row.is_avatar:
                plan.add(Work.CARD_REFRESH, approval_key(row.id), None, approval_id=row.id)
                _briefings(plan, row)
            await _group_cards(session, plan, deal, row)
            plan.reply(policy, deal, "decided", approval_id=row.id)
            plan.parent(policy, deal)
            plan.home(row.assignee, row.decided_by)
        case ApprovalReassigned(approval_id=approval_id, new_approval_id=new_id, cause=cause):
            row = await _row(session, approval_id)
            if not row.is_avatar:
                plan.add(Work.CARD_REFRESH, approval_key(row.id), None, approval_id=row.id)
                _briefings(plan, row)
            plan.reply(
                policy,
                deal,
                "reassigned",
                approval_id=row.id,
                new_approval_id=new_id,
                cause=cause,
            )
            plan.parent(policy, deal)
            plan.home(row.assignee)
        case ApprovalEscalated(approval_id=approval_id):
            row = await _row(session, approval_id)
            if not row.is_avatar:
                plan.add(Work.CARD_REFRESH, approval_key(row.id), None, approval_id=row.id)
            plan.escalation(policy, deal, row)
            plan.reply(policy, deal, "escalated", approval_id=row.id)
        case ApprovalCancelled(approval_id=approval_id):
            row = await _row(session, approval_id)
            if not row.is_avatar:
                plan.add(Work.CARD_REFRESH, approval_key(row.id), None, approval_id=row.id)
                _briefings(plan, row)
                plan.home(row.assignee)
        case ApprovalSnoozed(approval_id=approval_id):
            row = await _row(session, approval_id)
            plan.add(Work.CARD_REFRESH, approval_key(row.id), None, approval_id=row.id)
            plan.reply(policy, deal, "snoozed", approval_id=row.id)
            plan.home(row.assignee)
        case ReminderDue(approval_id=approval_id):
            row = await _row(session, approval_id)
            plan.add(Work.REMINDER, approval_key(row.id), row.assignee, approval_id=row.id)
            plan.reply(policy, deal, "reminded", approval_id=row.id)
        case DealFinished(status=status):
            if status in _OWNER_TOLD and not await _countered(session, deal):
                plan.add(
                    Work.OWNER_NOTICE,
                    f"owner:{deal.id}",
                    deal.owner,
                    deal_id=deal.id,
                    status=status,
                )
            plan.reply(policy, deal, "finished", status=status)
            plan.parent(policy, deal)
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
    for person in (delegation.delegator, delegation.delegate):
        plan.add(
            Work.DELEGATION,
            f"delegation:{delegation.id}",
            person,
            delegation_id=delegation.id,
            state=state,
            user=person,
        )
    plan.home(delegation.delegator, delegation.delegate)


async def _group_cards(session: AsyncSession, plan: _Plan, deal: Deal, row: Approval) -> None:
    """The other members of ``row``'s group see how far the quorum is on their cards."""
    quorum = Plan.from_json(deal.plan).quorum_of(row.stage_index, row.slot)
    if quorum is None:
        return
    for other in await repo.list_stage(session, deal, row.stage_index):
        if other.id != row.id and other.slot in quorum.members and not other.is_avatar:
            plan.add(Work.CARD_REFRESH, approval_key(other.id), None, approval_id=other.id)


def _briefings(plan: _Plan, row: Approval) -> None:
    """Every briefing that shows ``row`` with its buttons loses them, wherever it was decided."""
    for subject in plan.shown.get(row.id, []):
        plan.add(Work.BRIEFING_REFRESH, subject, None, subject=subject)


async def _countered(session: AsyncSession, deal: Deal) -> bool:
    """Sent back by a counter-offer: the owner's counter-offer message says it all."""
    return any(
        counter.revision == deal.revision
        for counter in await repo.list_open_counters(session, deal.id)
    )


async def _row(session: AsyncSession, approval_id: int) -> Approval:
    row = await session.get(Approval, approval_id)
    assert row is not None, f"approval {approval_id} vanished inside its own transaction"
    return row


async def queue_notice(deps: Deps, user: str, text: str) -> None:
    """A message only ``user`` sees, by DM through the outbox (at that DM's pace), for an
    answer that belongs to no change of a deal (a broken button on App Home)."""
    async with deps.db.transaction() as session:
        await outbox.add_many(session, [notice_row(user, text, deps.clock.now())])
    await deps.bus.publish(())  # as after any commit: the delivery worker looks now
