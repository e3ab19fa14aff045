"""An admin's hand on a deal, through the real app: /deal reassign moves a card to someone
else, and "Decide for them" on /deal status records an override on the holder's behalf."""

from __future__ import annotations

from bot.cards.ids import ModalCallback, OverrideInput, StatusAction
from sandbox.block_reading import find_element, visible_text
from tests.slack.flows import (
    ADMIN,
    DANIEL,
    LISA,
    OWNER,
    audit_actions,
    card_for,
    settled,
    submit,
    updated,
)
from tests.support.app_server import RunningApp


async def test_an_admin_reassigns_and_every_card_follows(app: RunningApp) -> None:
    await submit(app)
    lisa = await card_for(app.slack, LISA)

    refused = await app.requests.command("/deal", "reassign D-1001 manager <@U0DANIEL>", user=OWNER)
    assert "Only a deal desk admin" in refused.text
    unknown = await app.requests.command("/deal", "reassign D-1001 manager <@U0NOBODY>", user=ADMIN)
    assert "can't find U0NOBODY in this workspace" in unknown.text

    reply = await app.requests.command(
        "/deal", "reassign D-1001 manager <@U0DANIEL|daniel> Lisa is at the board", user=ADMIN
    )
    assert reply.status == 200
    assert "now waits for <@U0DANIEL>" in reply.text
    moved = await updated(app.slack, lisa)
    assert moved.button_texts == []
    assert "Reassigned to <@U0DANIEL>" in moved.visible_text
    assert "Lisa is at the board" in moved.visible_text
    daniel = await card_for(app.slack, DANIEL)
    assert "moved by an admin: Lisa is at the board" in daniel.visible_text
    [event] = await audit_actions(app, "approval_reassigned")
    assert (event["actor"], event["cause"]) == (ADMIN, "admin")


async def test_an_admin_decides_for_the_holder_from_deal_status(app: RunningApp) -> None:
    await submit(app)
    lisa = await card_for(app.slack, LISA)
    plain = await app.requests.command("/deal", "status D-1001", user=OWNER)
    assert "Decide for" not in visible_text(plain.body["blocks"])

    status = await app.requests.command("/deal", "status D-1001", user=ADMIN)
    blocks = status.body["blocks"]
    block_id, button = find_element(blocks, StatusAction.OVERRIDE)
    assert button["text"]["text"] == "Decide for Lisa Wong"
    clicked = await app.requests.block_action(
        action_id=StatusAction.OVERRIDE,
        value=button["value"],
        user=ADMIN,
        channel="C0SALESFLOOR",
        message_ts="1700000000.000001",
        response_url=str(status.response_url),
        block_id=str(block_id),
    )
    assert clicked.status == 200
    await app.slack.wait_for("views.open")
    modal = app.slack.opened_views[-1]
    assert modal["callback_id"] == ModalCallback.OVERRIDE

    blank = await app.requests.submit_view(
        modal,
        {OverrideInput.DECISION.action_id: "approve", OverrideInput.REASON.action_id: " "},
        user=ADMIN,
    )
    assert set(blank.body["errors"]) == {OverrideInput.REASON}
    done = await app.requests.submit_view(
        modal,
        {OverrideInput.DECISION.action_id: "approve", OverrideInput.REASON.action_id: "on leave"},
        user=ADMIN,
    )
    assert not done.body

    decided = await updated(app.slack, lisa)
    assert "Approved by <@U0REVOPS> on behalf of <@U0LISA>" in decided.visible_text
    await settled(app)
    [event] = await audit_actions(app, "approval_decided")
    assert (event["actor"], event["on_behalf_of"], event["comment"]) == (ADMIN, LISA, "on leave")
