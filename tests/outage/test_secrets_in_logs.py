"""No secret reaches a log: the app driven through a deal, a click, commands and Slack
refusing the token, every logger at DEBUG, and not one line holds the bot token, the
signing secret or the intake API token."""

from __future__ import annotations

import logging

import pytest

from bot.cards.ids import CardAction
from tests.outage.test_database_outage import post_deal
from tests.slack.flows import ADMIN, LISA, card_for, settled
from tests.support.app_server import RunningApp


async def test_no_log_line_holds_a_configured_secret(
    app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert (await post_deal(app))[0] == 201
    card = await card_for(app.slack, LISA)
    await app.requests.click(card, CardAction.APPROVE, user=LISA)
    await app.requests.command("/deal", "status D-1001", user=ADMIN)
    await settled(app)
    app.slack.token = "xoxb-rotated"
    await post_deal(app, external_id="OPP-3", company="Refused Co")
    await app.requests.command("/deal", "inbox", user=LISA)

    settings = app.settings
    secrets = {
        "bot token": settings.slack_bot_token,
        "signing secret": settings.slack_signing_secret,
        "API token": settings.dealdesk_api_token,
    }
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert len(caplog.records) > 50  # the debug logs really were on
    for name, secret in secrets.items():
        assert secret is not None
        assert secret.get_secret_value() not in logged, f"the {name} is in the log"
