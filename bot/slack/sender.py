"""How each kind of outbox work reaches Slack: render from the current state, then send.

Rendering at delivery time (not when the work was queued) means a card or a Home
tab always shows the latest truth, and a delayed message is never stale.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards.approval import build_approval_card, build_decided_card
from bot.cards.briefing import settle_briefing, shown_approvals
from bot.cards.delegation import DelegationNotice, build_delegation_dm
from bot.cards.escalation import build_escalation_message
from bot.cards.owner import build_owner_dm
from bot.cards.parts import outcome_line
from bot.cards.reminder import build_reminder_reply
from bot.cards.replies import build_error_reply
from bot.cards.revision import build_revision_reply
from bot.cards.thread import StepKind, build_deal_parent, build_finished_reply, build_step_reply
from bot.core.clock import Clock
from bot.core.policy_book import PolicyBook
from bot.outbox.delivery import NOTHING, POSTED, Kept, Sent
from bot.outbox.work import Work
from bot.read_models.loaders import (
    load_approval,
    load_card_diff,
    load_deals,
    load_revision_diff,
)
from bot.read_models.revisions import RevisionDiff
from bot.read_models.snapshots import ApprovalSnapshot, DealSnapshot
from bot.slack.away_gate import AwayGate, Verdict
from bot.slack.card_reads import CardReads, read_unposted_card, read_unposted_cards
from bot.slack.counter_messages import CounterMessages
from bot.slack.gateway import OutboxTag, Payload, SlackGateway
from bot.slack.home_tab import publish_home
from policies.model import Policy
from store import evidence, messages
from store import repositories as repo
from store.db import Database
from store.models import Delegation, OutboxMessage
from store.people import home_seen_since

log = logging.getLogger(__name__)

HOME_KEPT_FRESH = timedelta(hours=24)
"""How long after someone last opened Home it is refreshed in the background."""


@dataclass(frozen=True)
class _Rendered:
    """A message stored as its ``to_dict()`` in the outbox."""

    body: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.body


class SlackSender:
    """The outbox's sender: ``await senders(row)`` delivers one row or raises SlackTrouble;
    it says whether it posted a message (a post spends its lane's turn, an update or a
    skip does not) and where a message to update later lives (the delivery records that
    with the row's outcome). Each row posts at most one message, into its own lane."""

    def __init__(
        self,
        db: Database,
        policies: PolicyBook,
        clock: Clock,
        gateway: SlackGateway,
        *,
        away: AwayGate | None = None,
    ) -> None:
        self._db = db
        self._policies = policies
        self._clock = clock
        self._slack = gateway
        self._away = away
        self._counters = CounterMessages(db, policies, clock, gateway)
        self._card_reads: dict[int, CardReads | None] = {}
        """Read by ``prepare`` for the batch being delivered, taken by each card's post."""

    async def __call__(self, row: OutboxMessage) -> Sent:
        # A row tried before, or claimed by a process that never said how it went, may
        # have been posted already: its post is looked for before it is made again.
        uncertain = row.attempts > 0 or row.claimed_until is not None
        with self._slack.posting_for(OutboxTag(row.id, uncertain)):
            return await self._deliver(row)

    async def _deliver(self, row: OutboxMessage) -> Sent:
        payload: dict[str, Any] = row.payload
        match Work(row.kind):
            case Work.CARD_POST:
                return await self._post_card(payload["approval_id"])
            case Work.CARD_REFRESH:
                return await self._refresh_card(payload["approval_id"])
            case Work.REMINDER:
                return await self._remind(payload["approval_id"])
            case Work.ESCALATION:
                return await self._escalate(payload["approval_id"], payload.get("user"))
            case Work.DEAL_PARENT:
                return await self._deal_parent(payload["deal_id"])
            case Work.DEAL_REPLY:
                return await self._deal_reply(payload)
            case Work.OWNER_NOTICE:
                return await self._tell_owner(payload["deal_id"], payload["status"])
            case Work.COUNTER_POST:
                return await self._counters.post(payload["counter_id"])
            case Work.COUNTER_REFRESH:
                return await self._counters.refresh(payload["counter_id"])
            case Work.COUNTER_DECLINED:
                return await self._counters.declined(payload["counter_id"], payload["user"])
            case Work.HOME:
                return await self._publish_home(payload["user"])
            case Work.NOTICE:
                return await self._notice(payload)
            case Work.DELEGATION:
                return await self._delegation(
                    payload["delegation_id"], payload["state"], payload["user"]
                )
            case Work.BRIEFING | Work.DIGEST | Work.NUDGE:
                return await self._post_rendered(payload)
            case Work.BRIEFING_REFRESH:
                return await self._refresh_briefing(payload["subject"])
            case Work.WEBHOOK:
                raise ValueError("webhook rows go to bot.webhooks, not to Slack")

    async def prepare(self, rows: Sequence[OutboxMessage]) -> None:
        """Read what the batch's approval cards need, for all of them at once (the delivery
        calls this with each batch it claimed, before sending its rows)."""
        cards = [row.payload["approval_id"] for row in rows if row.kind == Work.CARD_POST]
        if not cards:
            self._card_reads = {}
            return
        async with self._db.read() as session:
            self._card_reads = await read_unposted_cards(session, cards, self._policies)

    async def _post_card(self, approval_id: int) -> Sent:
        """A person's approval card, unless they are out of office: then their stand-in's
        card goes out instead, and this one never does."""
        if approval_id in self._card_reads:
            found = self._card_reads.pop(approval_id)
        else:
            found = await self._unposted_card(approval_id)
        if found is not None and self._away is not None:
            verdict = await self._away.check(approval_id, found.approval, found.policy)
            if verdict is Verdict.MOVED:
                return NOTHING
            if verdict is Verdict.WAITS:  # its deadline moved: the card shows the new one
                found = await self._unposted_card(approval_id)
        if found is None:
            return NOTHING
        deal, approval, now = found.deal, found.approval, self._clock.now()
        if approval.is_pending:
            changes = await self._changes_since(deal, approval, found.policy, found.last_seen)
            card = build_approval_card(deal, approval, now, changes, found.evidence)
        else:
            card = build_decided_card(deal, approval, now)
        channel = await self._slack.open_dm(approval.assignee)
        channel, ts = await self._slack.post(channel, card)
        return Sent(posted=True, kept=Kept(messages.card_subject(approval_id), channel, ts))

    async def _unposted_card(self, approval_id: int) -> CardReads | None:
        async with self._db.read() as session:
            return await read_unposted_card(session, approval_id, self._policies)

    async def _changes_since(
        self, deal: DealSnapshot, approval: ApprovalSnapshot, policy: Policy, seen: int | None
    ) -> RevisionDiff | None:
        """What changed since revision ``seen`` (None: nothing, a first card)."""
        if seen is None:
            return None
        async with self._db.read() as session:
            return await load_revision_diff(
                session, deal.id, seen, approval.revision, policy, approval.approver
            )

    async def _refresh_card(self, approval_id: int) -> Sent:
        async with self._db.read() as session:
            found = await load_approval(session, approval_id, self._policies)
            if found is None:
                return NOTHING
            card = await messages.get_message(session, messages.card_subject(approval_id))
            escalation = await messages.get_message(
                session, messages.escalation_subject(approval_id)
            )
            deal, approval = found
            policy = await self._policies.get(session, deal.policy_version)
            rendered = await self._card(session, deal, approval, policy)
        if card is not None:
            await self._slack.update(card.channel, card.ts, rendered)
        if escalation is not None:
            message = build_escalation_message(deal, approval, policy.admins, self._clock.now())
            await self._slack.update(escalation.channel, escalation.ts, message)
        return NOTHING

    async def _remind(self, approval_id: int) -> Sent:
        async with self._db.read() as session:
            found = await load_approval(session, approval_id, self._policies)
            if found is None or not found[1].is_pending:
                return NOTHING
            card = await messages.get_message(session, messages.card_subject(approval_id))
        approval = found[1]
        reminder = build_reminder_reply(approval, self._clock.now())
        if card is not None:
            await self._slack.post(card.channel, reminder, thread_ts=card.ts)
        else:
            await self._slack.post(await self._slack.open_dm(approval.assignee), reminder)
        return POSTED

    async def _escalate(self, approval_id: int, user: str | None) -> Sent:
        """In the escalation channel (once, remembered for updates), or to ``user``'s DM
        (an admin, when the policy has no escalation channel)."""
        subject = messages.escalation_subject(approval_id)
        async with self._db.read() as session:
            found = await load_approval(session, approval_id, self._policies)
            if found is None or await messages.get_message(session, subject) is not None:
                return NOTHING
            policy = await self._policies.get(session, found[0].policy_version)
        deal, approval = found
        message = build_escalation_message(deal, approval, policy.admins, self._clock.now())
        if user is not None:
            await self._slack.post(await self._slack.open_dm(user), message)
            return POSTED
        if policy.escalation_channel is None:
            return NOTHING
        channel, ts = await self._slack.post(policy.escalation_channel, message)
        return Sent(posted=True, kept=Kept(subject, channel, ts))

    async def _deal_parent(self, deal_id: int) -> Sent:
        subject = messages.deal_subject(deal_id)
        async with self._db.read() as session:
            deal = (await load_deals(session, [deal_id], self._policies)).get(deal_id)
            if deal is None:
                return NOTHING
            policy = await self._policies.get(session, deal.policy_version)
            parent = await messages.get_message(session, subject)
        if policy.deal_channel is None:
            return NOTHING
        message = build_deal_parent(deal, self._clock.now())
        if parent is not None:
            await self._slack.update(parent.channel, parent.ts, message)
            return NOTHING
        channel, ts = await self._slack.post(policy.deal_channel, message)
        return Sent(posted=True, kept=Kept(subject, channel, ts))

    async def _deal_reply(self, payload: dict[str, Any]) -> Sent:
        now = self._clock.now()
        message: Payload
        async with self._db.read() as session:
            parent = await messages.get_message(session, messages.deal_subject(payload["deal_id"]))
            if parent is None:
                log.warning("deal %s has no parent message; reply skipped", payload["deal_id"])
                return NOTHING
            if payload["step"] == "revised":
                revision = payload["revision"]
                deal = (await load_deals(session, [payload["deal_id"]], self._policies)).get(
                    payload["deal_id"]
                )
                diff = await load_revision_diff(session, payload["deal_id"], revision - 1, revision)
                if deal is None or diff is None:
                    return NOTHING
                message = build_revision_reply(deal, diff)
            elif payload["step"] == "finished":
                deals = await load_deals(session, [payload["deal_id"]], self._policies)
                deal = deals.get(payload["deal_id"])
                if deal is None or deal.status != payload["status"]:
                    return NOTHING  # sent back and resubmitted since: the decision's reply says
                message = build_finished_reply(deal, now)
            else:
                found = await load_approval(session, payload["approval_id"], self._policies)
                if found is None:
                    return NOTHING
                deal, approval = found
                policy = await self._policies.get(session, deal.policy_version)
                message = build_step_reply(
                    deal, approval, StepKind(payload["step"]), now, admins=policy.admins
                )
        await self._slack.post(parent.channel, message, thread_ts=parent.ts)
        return POSTED

    async def _tell_owner(self, deal_id: int, status: str) -> Sent:
        async with self._db.read() as session:
            deal = (await load_deals(session, [deal_id], self._policies)).get(deal_id)
        if deal is None or deal.status != status:
            return NOTHING  # the deal moved on (resubmitted, say) before this went out
        message = build_owner_dm(deal, self._clock.now())
        await self._slack.post(await self._slack.open_dm(deal.owner), message)
        return POSTED

    async def _publish_home(self, user: str) -> Sent:
        """Refresh the Home tab of someone who has been looking at it; anyone else gets a
        fresh one the moment they open it (app_home_opened)."""
        async with self._db.read() as session:
            seen = await home_seen_since(session, user, self._clock.now() - HOME_KEPT_FRESH)
        if seen:
            await publish_home(self._db, self._policies, self._clock, self._slack, user)
        return NOTHING

    async def _notice(self, payload: dict[str, Any]) -> Sent:
        """Through the click's response_url, else as an ephemeral in its channel, else
        (a click on Home has neither) in a DM: only a DM is a post."""
        message = build_error_reply(payload["text"])
        if payload.get("response_url") and await self._slack.respond(
            payload["response_url"], message
        ):
            return NOTHING
        if payload.get("channel"):
            await self._slack.ephemeral(payload["channel"], payload["user"], message)
            return NOTHING
        await self._slack.post(await self._slack.open_dm(payload["user"]), message)
        return POSTED

    async def _delegation(self, delegation_id: int, state: str, person: str) -> Sent:
        async with self._db.read() as session:
            delegation = await session.get(Delegation, delegation_id)
            moved = await repo.delegation_moves(session, delegation) if delegation else 0
        if delegation is None:
            return NOTHING
        notice = DelegationNotice(
            delegation.delegator,
            delegation.delegate,
            delegation.ends_at,
            ended=state == "ended",
            moved=moved,
        )
        dm = await self._slack.open_dm(person)
        await self._slack.post(dm, build_delegation_dm(notice, person))
        return POSTED

    async def _post_rendered(self, payload: dict[str, Any]) -> Sent:
        """A message rendered when its work was claimed (a briefing, a digest, a nudge):
        posted as it is, once per subject."""
        subject = payload["subject"]
        async with self._db.read() as session:
            if await messages.get_message(session, subject) is not None:
                return NOTHING
        channel = payload.get("channel") or await self._slack.open_dm(payload["user"])
        channel, ts = await self._slack.post(channel, _Rendered(payload["message"]))
        shows = shown_approvals(payload["message"])
        body = payload["message"] if shows else None
        return Sent(posted=True, kept=Kept(subject, channel, ts, body=body, shows=shows))

    async def _refresh_briefing(self, subject: str) -> Sent:
        """The briefing as posted, each approval settled since shown by its outcome."""
        now = self._clock.now()
        outcomes: dict[int, str] = {}
        async with self._db.read() as session:
            posted = await messages.get_message(session, subject)
            if posted is None or posted.body is None:
                return NOTHING
            for approval_id in shown_approvals(posted.body):
                found = await load_approval(session, approval_id, self._policies)
                if found is not None and not found[1].is_pending:
                    outcomes[approval_id] = outcome_line(*found, now)
        if outcomes:
            message = settle_briefing(posted.body, outcomes)
            await self._slack.update(posted.channel, posted.ts, _Rendered(message))
        return NOTHING

    async def _card(
        self,
        session: AsyncSession,
        deal: DealSnapshot,
        approval: ApprovalSnapshot,
        policy: Policy,
    ) -> Payload:
        """The card as it stands; a pending one opens with what changed since its holder
        last saw the deal, and names the evidence of what it shows (recorded with the
        assignment: bot.slack.planner)."""
        now = self._clock.now()
        if not approval.is_pending:
            return build_decided_card(deal, approval, now)
        changes = await self._changes(session, deal, approval, policy)
        digest = await evidence.hash_of(session, approval.id)
        return build_approval_card(deal, approval, now, changes, digest)

    async def _changes(
        self,
        session: AsyncSession,
        deal: DealSnapshot,
        approval: ApprovalSnapshot,
        policy: Policy,
    ) -> RevisionDiff | None:
        """What changed since the approval's holder last saw the deal (None: nothing)."""
        if not approval.is_pending:
            return None
        return await load_card_diff(
            session, deal.id, approval.revision, approval.assignee, approval.approver, policy
        )
