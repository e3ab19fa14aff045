"""The card says what happens next and when; "I'm on it" pushes the timeout back once."""

from __future__ import annotations

from bot.cards.ids import CardAction
from tests.slack.flows import LISA, audit_actions, card_for, settled, submit, updated
from tests.support.app_server import RunningApp


async def test_the_card_counts_down_and_im_on_it_pushes_back_once(app: RunningApp) -> None:
    await submit(app)
    card = await card_for(app.slack, LISA)
    assert "then it moves to Daniel Kim (Chief Executive Officer) <!date^" in card.visible_text
    assert "I'm on it" in card.button_texts

    reply = await app.requests.click(card, CardAction.SNOOZE, user=LISA)
    assert reply.status == 200
    pushed = await updated(app.slack, card)
    assert "I'm on it" not in pushed.button_texts
    assert "(pushed back once)" in pushed.visible_text
    await settled(app)
    told = [post.body["text"] for post in app.slack.responses]
    assert any("Noted: D-1001 waits for you until" in text for text in told)

    again = await app.requests.click(card, CardAction.SNOOZE, user=LISA)  # the old copy
    assert again.status == 200
    await settled(app)
    told = [post.body["text"] for post in app.slack.responses]
    assert any("already pushed this back once" in text for text in told)
    [event] = await audit_actions(app, "approval_snoozed")
    assert (event["actor"], event["pushed_back"]) == (LISA, "1h")
