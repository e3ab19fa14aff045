"""The messages of a counter-offer: the owner's ask to accept or decline (updated in place
once answered), and the word to the approver who countered when the owner declines."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards.counter import build_counter_declined_notice, build_counter_offer_dm
from bot.cards.replies import build_done_reply
from bot.core.clock import Clock
from bot.core.policy_book import PolicyBook
from bot.outbox.delivery import NOTHING, POSTED, Kept, Sent
from bot.outbox.work import counter_key
from bot.read_models.loaders import load_counter, load_deals
from bot.read_models.revisions import CounterSnapshot
from bot.read_models.snapshots import DealSnapshot
from bot.slack.gateway import SlackGateway
from store import messages
from store import repositories as repo
from store.db import Database


class CounterMessages:
    def __init__(
        self, db: Database, policies: PolicyBook, clock: Clock, gateway: SlackGateway
    ) -> None:
        self._db = db
        self._policies = policies
        self._clock = clock
        self._slack = gateway

    async def post(self, counter_id: int) -> Sent:
        """Ask the owner, once (remembered, to show the answer in place later)."""
        subject = counter_key(counter_id)
        async with self._db.read() as session:
            found = await self._counter(session, counter_id)
            if found is None or await messages.get_message(session, subject) is not None:
                return NOTHING
        deal, counter = found
        dm = await self._slack.open_dm(deal.owner)
        channel, ts = await self._slack.post(
            dm, build_counter_offer_dm(deal, counter, self._clock.now())
        )
        return Sent(posted=True, kept=Kept(subject, channel, ts))

    async def refresh(self, counter_id: int) -> Sent:
        async with self._db.read() as session:
            found = await self._counter(session, counter_id)
            posted = await messages.get_message(session, counter_key(counter_id))
        if found is None or posted is None:
            return NOTHING
        message = build_counter_offer_dm(*found, self._clock.now())
        await self._slack.update(posted.channel, posted.ts, message)
        return NOTHING

    async def declined(self, counter_id: int, user: str) -> Sent:
        async with self._db.read() as session:
            found = await self._counter(session, counter_id)
        if found is None:
            return NOTHING
        text = build_counter_declined_notice(*found)
        await self._slack.post(await self._slack.open_dm(user), build_done_reply(text))
        return POSTED

    async def _counter(
        self, session: AsyncSession, counter_id: int
    ) -> tuple[DealSnapshot, CounterSnapshot] | None:
        counter = await repo.get_counter_offer(session, counter_id)
        if counter is None:
            return None
        deal = (await load_deals(session, [counter.deal_id], self._policies)).get(counter.deal_id)
        if deal is None:
            return None
        policy = await self._policies.get(session, deal.policy_version)
        snapshot = await load_counter(session, counter_id, policy)
        return (deal, snapshot) if snapshot is not None else None
