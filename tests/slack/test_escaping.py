"""What people type never pings anyone: a company called ``<!channel> Corp`` and a reason
mentioning ``<@U123>`` show as written in every message, card, update and Home tab."""

from __future__ import annotations

from bot.cards.ids import CardAction, ReasonInput
from tests.slack.flows import (
    LISA,
    OWNER,
    card_for,
    mrkdwn_texts,
    settled,
    shown_texts,
    submit,
    updated,
)
from tests.support.app_server import RunningApp

COMPANY = "<!channel> Corp"
REASON = "<@U123> said the <!here> discount is fine"


async def test_user_text_pings_nobody_end_to_end(app: RunningApp) -> None:
    await submit(app, company=COMPANY)
    card = await card_for(app.slack, LISA)
    await app.requests.app_home_opened(LISA)
    await app.requests.click(card, CardAction.REJECT, user=LISA)
    await app.slack.wait_for("views.open")
    await app.requests.submit_view(
        app.slack.opened_views[-1], {ReasonInput.ACTION: REASON}, user=LISA
    )
    await updated(app.slack, card)
    typed = "status &lt;!channel&gt; Corp"  # as Slack sends what was typed
    status = await app.requests.command("/deal", typed, user=OWNER)
    assert "couldn't find" not in status.body["text"]  # found by that name
    await settled(app)

    texts = [*shown_texts(app.slack), status.body["text"], *mrkdwn_texts(status.body["blocks"])]
    for raw in ("<!channel>", "<@U123>", "<!here>"):
        assert not [text for text in texts if raw in text], raw
    everything = "\n".join(texts)
    assert "&lt;!channel&gt; Corp" in everything
    assert "&lt;@U123&gt; said the &lt;!here&gt; discount is fine" in everything
    kinds = {call.method for call in app.slack.delivered("chat.update")} | {
        call.params["channel"] for call in app.slack.delivered("chat.postMessage")
    }
    assert {"chat.update", "C0DEALDESK", "DU0LISA", "DU0SARAH"} <= kinds


async def test_an_entity_typed_in_a_command_reaches_it_as_typed(app: RunningApp) -> None:
    await submit(app, company="Hearts &lt;3 Co")  # someone wrote the entity itself

    # Slack escapes what was typed: "&lt;" arrives as "&amp;lt;", "<" as "&lt;".
    typed = await app.requests.command("/deal", "status Hearts &amp;lt;3 Co", user=OWNER)
    other = await app.requests.command("/deal", "status Hearts &lt;3 Co", user=OWNER)

    assert "couldn't find" not in typed.body["text"]
    assert "D-1001" in typed.body["text"]
    assert "couldn't find" in other.body["text"]  # "Hearts <3 Co" is another name
