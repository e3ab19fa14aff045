"""The delivery's crash window: Slack took a post, and the answer never came back (a
dropped connection, a timeout, a process killed before it wrote the outcome down). The
post is tried again only after the conversation is searched for it: each outbox post
carries its row id in Slack message metadata, so a card or a reply shows once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, update

from bot.cards.ids import CardAction
from bot.slack.gateway import METADATA_EVENT
from store import messages
from store.models import OutboxMessage, SlackMessage
from tests.api.test_lookup import created
from tests.slack.flows import LISA, card_for, cards, eventually, settled
from tests.support.app_server import RunningApp


async def test_a_card_whose_answer_was_lost_is_found_not_posted_again(live_app: RunningApp) -> None:
    live_app.slack.lose_answer("chat.postMessage", times=20)  # every post's answer, for a while

    await created(live_app)
    card = await card_for(live_app.slack, LISA)
    await eventually(
        lambda: live_app.slack.calls_to("conversations.history"), "a look for the card"
    )
    live_app.slack.clear_faults()
    await settled(live_app)

    assert len(cards(live_app.slack, LISA)) == 1
    assert card.metadata is not None
    assert card.metadata["event_type"] == METADATA_EVENT
    # the card was recorded where it is: a decision updates that very message
    await live_app.requests.click(card, CardAction.APPROVE, user=LISA)
    await eventually(
        lambda: [c for c in live_app.slack.calls_to("chat.update") if c.params["ts"] == card.ts],
        "the card updated in place",
    )
    assert len(cards(live_app.slack, LISA)) == 1


async def test_every_post_carries_its_outbox_row(live_app: RunningApp) -> None:
    await created(live_app)
    await card_for(live_app.slack, LISA)
    await settled(live_app)

    posts = live_app.slack.delivered("chat.postMessage")
    assert posts
    ids = [p.params["metadata"]["event_payload"]["outbox_id"] for p in posts]
    assert len(ids) == len(set(ids))
    assert not live_app.slack.calls_to("conversations.history")  # nothing was in doubt


async def test_a_row_left_claimed_by_a_dead_process_is_looked_for(live_app: RunningApp) -> None:
    """A process posted the card and died before writing down how it went: its claim
    runs out, and the next claimer finds the card instead of posting it again."""
    await created(live_app)
    card = await card_for(live_app.slack, LISA)
    await settled(live_app)
    assert card.metadata is not None
    row_id = card.metadata["event_payload"]["outbox_id"]
    async with live_app.deps.db.transaction() as session:
        row = await session.get(OutboxMessage, row_id)
        assert row is not None
        approval = row.payload["approval_id"]
        # as the dead process left it: claimed, never finished, the card's place unknown
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(done_at=None, claimed_until=row.created_at + timedelta(seconds=1))
        )
        await session.execute(
            delete(SlackMessage).where(SlackMessage.subject == messages.card_subject(approval))
        )

    await eventually(
        lambda: live_app.slack.calls_to("conversations.history"), "a look for the card"
    )
    await settled(live_app)

    assert len(cards(live_app.slack, LISA)) == 1
    async with live_app.deps.db.read() as session:
        done = await session.scalar(select(OutboxMessage.done_at).where(OutboxMessage.id == row_id))
    assert done is not None
    async with live_app.deps.db.read() as session:
        kept = await messages.get_message(session, messages.card_subject(approval))
    assert kept is not None
    assert kept.ts == card.ts  # found where it was, for the updates to come


async def test_without_the_history_scopes_a_post_in_doubt_is_made_again(
    live_app: RunningApp,
) -> None:
    """At least once rather than never: a workspace that did not grant the history scopes
    gets the card again after a lost answer, and the log says why."""
    live_app.slack.lose_answer("chat.postMessage", times=3)  # the deal thread's post and the card
    live_app.slack.error("conversations.history", "missing_scope", times=50)

    await created(live_app)

    await card_for(live_app.slack, LISA, count=2)


async def test_no_message_anywhere_twice_when_every_answer_is_lost_for_a_while(
    live_app: RunningApp,
) -> None:
    """Cards, the deal thread's parent and its replies (searched in the thread), the
    owner's notice: each outbox row's message is in Slack once."""
    live_app.slack.lose_answer("chat.postMessage", times=12)

    await created(live_app)
    card = await card_for(live_app.slack, LISA)
    await live_app.requests.click(card, CardAction.APPROVE, user=LISA)
    await eventually(lambda: live_app.slack.calls_to("conversations.replies"), "a look in a thread")
    live_app.slack.clear_faults()
    await settled(live_app)

    posted = [
        versions[-1].metadata["event_payload"]["outbox_id"]
        for channel in live_app.slack.workspace.history.values()
        for versions in channel.values()
        if versions[-1].metadata is not None
    ]
    assert len(posted) > 4
    assert len(posted) == len(set(posted))
