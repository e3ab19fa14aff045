"""Reject and Request changes ask for a reason in a modal; blank reasons are refused on the
field; a sent-back deal is resubmitted from the owner's DM."""

from __future__ import annotations

from bot.cards.ids import CardAction, ModalCallback, OwnerAction, ReasonInput
from tests.slack.flows import (
    DANIEL,
    LISA,
    OWNER,
    audit_actions,
    card_for,
    cards,
    eventually,
    hook_name,
    journal_size,
    prefilled,
    settled,
    submit,
    updated,
)
from tests.support.app_server import RunningApp

REASON = "Discount is too deep for a 36-month term"


async def test_reject_asks_for_a_reason_and_refuses_a_blank_one(app: RunningApp) -> None:
    await submit(app)
    card = await card_for(app.slack, LISA)

    reply = await app.requests.click(card, CardAction.REJECT, user=LISA)
    assert reply.status == 200
    await app.slack.wait_for("views.open")
    modal = app.slack.opened_views[-1]
    assert modal["callback_id"] == ModalCallback.REASON

    blank = await app.requests.submit_view(modal, {ReasonInput.ACTION: " \n\t "}, user=LISA)
    assert blank.status == 200
    assert blank.body["response_action"] == "errors"
    assert set(blank.body["errors"]) == {ReasonInput.BLOCK}
    assert await journal_size(app) == 0
    assert len(app.slack.versions(card.channel, card.ts)) == 1

    done = await app.requests.submit_view(modal, {ReasonInput.ACTION: REASON}, user=LISA)
    assert done.status == 200
    assert not done.body  # an empty answer closes the modal

    decided = await updated(app.slack, card)
    assert decided.button_texts == []
    assert "Rejected: TechCorp" in decided.visible_text
    assert f"Rejected by <@{LISA}>" in decided.visible_text
    assert REASON in decided.visible_text
    await settled(app)
    [owner_dm] = app.slack.dm(OWNER)
    assert "TechCorp was rejected" in owner_dm.visible_text
    assert REASON in owner_dm.visible_text
    [event] = await audit_actions(app, "approval_decided")
    assert (event["actor"], event["comment"]) == (LISA, REASON)


async def test_a_sent_back_deal_is_resubmitted_from_the_owners_dm(app: RunningApp) -> None:
    await submit(app)
    card = await card_for(app.slack, LISA)
    await app.requests.click(card, CardAction.REQUEST_CHANGES, user=LISA)
    await app.slack.wait_for("views.open")
    modal = app.slack.opened_views[-1]
    await app.requests.submit_view(
        modal, {ReasonInput.ACTION: "Bring the discount to 10%"}, user=LISA
    )

    assert "Changes requested: TechCorp" in (await updated(app.slack, card)).visible_text
    owner_dm = await eventually(lambda: app.slack.dm(OWNER), "the owner's DM")
    assert "Bring the discount to 10%" in owner_dm[0].visible_text
    assert "Resubmit" in owner_dm[0].button_texts

    await app.requests.click(owner_dm[0], OwnerAction.RESUBMIT, user=OWNER)
    await app.slack.wait_for("views.open", count=2)
    form = app.slack.opened_views[-1]
    assert form["callback_id"] == ModalCallback.RESUBMIT
    assert prefilled(form)["deal_company_input"] == "TechCorp"
    typed = {**prefilled(form), "deal_discount_input": "10"}
    bad = await app.requests.submit_view(form, {**typed, "deal_discount_input": "101"}, user=OWNER)
    assert set(bad.body["errors"]) == {"deal_discount"}

    done = await app.requests.submit_view(form, typed, user=OWNER)
    assert done.status == 200
    assert not done.body
    second = await card_for(app.slack, LISA, count=2)
    assert "10%" in second.visible_text
    await settled(app)
    [resubmitted] = await audit_actions(app, "deal_resubmitted")
    assert resubmitted["actor"] == OWNER
    assert len(cards(app.slack, LISA)) == 2


async def test_only_the_owner_may_resubmit(app: RunningApp) -> None:
    await submit(app)
    card = await card_for(app.slack, LISA)
    await app.requests.click(card, CardAction.REQUEST_CHANGES, user=LISA)
    await app.slack.wait_for("views.open")
    await app.requests.submit_view(
        app.slack.opened_views[-1], {ReasonInput.ACTION: "Shorter term"}, user=LISA
    )
    owner_dm = await eventually(lambda: app.slack.dm(OWNER), "the owner's DM")

    reply = await app.requests.click(owner_dm[0], OwnerAction.RESUBMIT, user=LISA)

    assert reply.response_url is not None
    [answer] = await app.slack.wait_for_response(reply.response_url.rsplit("/", 1)[-1])
    assert "Only the deal's owner can resubmit D-1001" in answer.body["text"]
    assert len(app.slack.opened_views) == 1  # the reason modal only


async def test_a_strangers_reason_is_refused_where_they_clicked(app: RunningApp) -> None:
    await submit(app)
    card = await card_for(app.slack, LISA)
    click = await app.requests.click(card, CardAction.REQUEST_CHANGES, user=DANIEL)
    await app.slack.wait_for("views.open")
    modal = app.slack.opened_views[-1]

    first, again = [
        await app.requests.submit_view(modal, {ReasonInput.ACTION: "Shorter term"}, user=DANIEL)
        for _ in range(2)
    ]

    assert (first.status, again.status) == (200, 200)
    [notice] = await app.slack.wait_for_response(hook_name(click))
    assert notice.body["response_type"] == "ephemeral"
    assert f"assigned to {LISA}" in notice.body["text"]
    await settled(app)
    assert await journal_size(app) == 1  # the same view submitted twice is one decision
    assert len(app.slack.versions(card.channel, card.ts)) == 1
    [refused] = await audit_actions(app, "decision_refused")
    assert (refused["actor"], refused["decision"]) == (DANIEL, "request_changes")
