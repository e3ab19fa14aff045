"""Approve from the card: journaled before Slack's answer, applied exactly once, the card
updated in place; people who may not decide are told why and change nothing."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from bot.cards.ids import CardAction
from tests.slack.flows import (
    DANIEL,
    LISA,
    OWNER,
    PRIYA,
    audit_actions,
    card_for,
    hook_name,
    journal_size,
    message_click,
    send_form,
    settled,
    submit,
    updated,
)
from tests.support.app_server import RunningApp


async def test_approve_answers_at_once_and_updates_the_card_in_place(app: RunningApp) -> None:
    await submit(app)
    card = await card_for(app.slack, LISA)
    assert {"Approve", "Reject", "Request changes"} <= set(card.button_texts)
    assert "TechCorp" in card.visible_text

    started = time.monotonic()
    reply = await app.requests.click(card, CardAction.APPROVE, user=LISA)
    assert reply.status == 200
    assert time.monotonic() - started < 3

    decided = await updated(app.slack, card)
    assert decided.button_texts == []
    assert "Approved: TechCorp" in decided.visible_text
    assert f"Approved by <@{LISA}> on <!date^" in decided.visible_text
    assert app.slack.dm(OWNER) == []  # nothing to tell the owner until the deal finishes

    priya_card = await card_for(app.slack, PRIYA)
    await app.requests.click(priya_card, CardAction.APPROVE, user=PRIYA)
    await updated(app.slack, priya_card)
    await settled(app)
    [owner_dm] = app.slack.dm(OWNER)
    assert "TechCorp is approved" in owner_dm.visible_text


async def test_a_stranger_is_told_why_and_the_card_stays(app: RunningApp) -> None:
    await submit(app)
    card = await card_for(app.slack, LISA)

    reply = await app.requests.click(card, CardAction.APPROVE, user=DANIEL)
    assert reply.status == 200

    [notice] = await app.slack.wait_for_response(hook_name(reply))
    assert notice.body["response_type"] == "ephemeral"
    assert notice.body["replace_original"] is False
    assert f"assigned to {LISA}" in notice.body["text"]
    await settled(app)
    assert len(app.slack.versions(card.channel, card.ts)) == 1
    assert app.slack.message(card.channel, card.ts).button_texts == card.button_texts
    [refused] = await audit_actions(app, "decision_refused")
    assert refused["actor"] == DANIEL
    assert refused["why"] == "not authorized"
    assert await audit_actions(app, "approval_decided") == []


async def test_a_double_click_and_a_retry_decide_once(app: RunningApp) -> None:
    await submit(app)
    card = await card_for(app.slack, LISA)
    url = app.slack.response_url("double", channel=card.channel, ts=card.ts)
    first = message_click(card, CardAction.APPROVE, LISA, url)
    second = message_click(card, CardAction.APPROVE, LISA, url)

    replies = await asyncio.gather(send_form(app, first), send_form(app, second))
    retried = await send_form(app, first, retry=1)
    assert [r.status for r in [*replies, retried]] == [200, 200, 200]

    await updated(app.slack, card)
    await settled(app)
    assert await journal_size(app) == 2  # the retry was the same click: journaled once
    decided = await audit_actions(app, "approval_decided")
    assert [(event["actor"], event["approval_id"]) for event in decided] == [
        (LISA, decided[0]["approval_id"])
    ]
    updates = [c for c in app.slack.delivered("chat.update") if c.params["ts"] == card.ts]
    assert len(updates) == 1
    assert "Approved by" in app.slack.message(card.channel, card.ts).visible_text
    assert app.slack.responses == []  # Lisa's own second click needs no explanation


async def test_a_malformed_button_value_gets_a_clear_answer(
    app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    await submit(app)
    card = await card_for(app.slack, LISA)
    url = app.slack.response_url("broken", channel=card.channel, ts=card.ts)

    reply = await app.requests.block_action(
        action_id=CardAction.APPROVE,
        value="17; DROP TABLE deals",
        user=LISA,
        channel=card.channel,
        message_ts=card.ts,
        response_url=url,
        block_id="approval_actions",
    )

    assert reply.status == 200
    [answer] = await app.slack.wait_for_response("broken")
    assert answer.body["response_type"] == "ephemeral"
    assert "does not point at an approval" in answer.body["text"]
    assert await journal_size(app) == 0
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_click_on_an_approval_that_does_not_exist_is_explained(app: RunningApp) -> None:
    await submit(app)
    card = await card_for(app.slack, LISA)
    url = app.slack.response_url("gone", channel=card.channel, ts=card.ts)

    await app.requests.block_action(
        action_id=CardAction.APPROVE,
        value="999999",
        user=LISA,
        channel=card.channel,
        message_ts=card.ts,
        response_url=url,
        block_id="approval_actions",
    )

    [answer] = await app.slack.wait_for_response("gone")
    assert "There is no approval 999999" in answer.body["text"]


async def test_the_owner_gets_no_card_and_is_refused_on_the_next_in_lines(
    app: RunningApp,
) -> None:
    """Lisa owns this one: the manager avatar hands the $500K deal to the CFO, that is her,
    so it goes on to her backup, the CEO; her click on his card is refused."""
    await submit(app, owner=LISA)
    card = await card_for(app.slack, DANIEL)
    assert "Lisa Wong owns this deal" in card.visible_text

    reply = await app.requests.click(card, CardAction.APPROVE, user=LISA)

    [notice] = await app.slack.wait_for_response(hook_name(reply))
    assert "You own D-1001, so you can't decide its approvals" in notice.body["text"]
    await settled(app)
    assert app.slack.message(card.channel, card.ts).button_texts == card.button_texts
    assert [m for m in app.slack.dm(LISA) if m.button_texts] == []
    [refused] = await audit_actions(app, "decision_refused")
    assert (refused["actor"], refused["why"]) == (LISA, "owns the deal")
