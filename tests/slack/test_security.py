"""Requests Slack did not sign (or signed too long ago) are refused and do nothing."""

from __future__ import annotations

import pytest

from bot.cards.ids import CardAction, ModalCallback, ReasonInput
from sandbox.requests import SlackRequests
from tests.slack.flows import LISA, OWNER, card_for, journal_size, submit
from tests.support.app_server import RunningApp

MODES = ["unsigned", "stale", "bad_signature"]


def refusing(app: RunningApp, mode: str) -> SlackRequests:
    requests: SlackRequests = getattr(app.requests, mode)()
    return requests


@pytest.mark.parametrize("mode", MODES)
async def test_unsigned_commands_and_events_are_refused(app: RunningApp, mode: str) -> None:
    requests = refusing(app, mode)

    command = await requests.command("/deal", "new", user=OWNER)
    event = await requests.app_home_opened(OWNER)

    assert (command.status, event.status) == (401, 401)
    assert app.slack.calls == []


@pytest.mark.parametrize("mode", MODES)
async def test_an_unsigned_click_decides_nothing(app: RunningApp, mode: str) -> None:
    await submit(app)
    card = await card_for(app.slack, LISA)

    requests = refusing(app, mode)
    reply = await requests.click(card, CardAction.APPROVE, user=LISA)
    submitted = await requests.view_submission(
        ModalCallback.REASON,
        {ReasonInput.BLOCK: {ReasonInput.ACTION: {"type": "plain_text_input", "value": "No"}}},
        '{"approval_id": 1, "decision": "reject"}',
        user=LISA,
    )

    assert (reply.status, submitted.status) == (401, 401)
    assert await journal_size(app) == 0
    assert len(app.slack.versions(card.channel, card.ts)) == 1
