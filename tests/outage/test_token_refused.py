"""Slack refusing the bot token (revoked, or the app reinstalled with a new one): the
outbox stops calling Slack (one try a minute, no retry storm), keeps every message,
``/healthz`` says degraded with what to do, the log says it once; with the new token
(SIGHUP re-reads it) everything queued goes out, once."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from tests.api.conftest import deal, with_people
from tests.outage.test_database_outage import health, post_deal
from tests.slack.flows import LISA, card_for, cards, eventually, settled
from tests.support.app_server import RunningApp
from tests.support.fake_slack import FakeSlack
from tests.support.serving import Serve, serving


async def test_a_refused_token_holds_everything_until_a_new_one_comes(
    app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    assert (await post_deal(app))[0] == 201
    await card_for(app.slack, LISA)
    app.slack.token = "xoxb-rotated"  # the app was reinstalled: the old token is refused

    for number in range(3):
        status, _, _ = await post_deal(app, external_id=f"OPP-{number}", company=f"Co {number}")
        assert status == 201
    await eventually(lambda: app.runtime.deps.gateway.token.refused, "the refusal noticed")
    before = len(app.slack.calls)
    await asyncio.sleep(2.0)
    status, body = await health(app)

    assert len(app.slack.calls) - before <= 1  # one try a minute, not a storm
    assert (status, body["status"]) == (200, "degraded")
    assert "Slack refuses the bot token (invalid_auth)" in body["message"]
    assert "SLACK_BOT_TOKEN" in body["message"]
    refusals = [r for r in caplog.records if r.name == "dealdesk.slack" and r.levelno >= 40]
    assert len(refusals) == 1
    assert not [r for r in caplog.records if r.exc_info]

    assert await app.runtime.use_token("xoxb-rotated")
    await card_for(app.slack, LISA, count=4)
    await settled(app)
    assert len(cards(app.slack, LISA)) == 4  # each held card went out, once
    status, body = await health(app)
    assert (status, body["status"]) == (200, "ok")


async def test_a_deal_channel_the_bot_is_not_in_is_reported_once_and_deals_go_on(
    app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    """Every post to the deal channel is refused (``not_in_channel``): the deals proceed
    (cards are DMs), and the log reports it once, not once per post."""
    app.slack.workspace.left.add("C0DEALDESK")  # the channel exists; the bot left it
    for number in range(3):
        status, _, _ = await post_deal(app, external_id=f"OPP-{number}", company=f"Co {number}")
        assert status == 201
    await card_for(app.slack, LISA, count=3)

    def refusals() -> list[str]:
        return [r.getMessage() for r in caplog.records if "refused for good" in r.getMessage()]

    await eventually(refusals, "the refusal logged")

    def channel_posts() -> bool:
        posts = app.slack.calls_to("chat.postMessage")
        return len([c for c in posts if c.params.get("channel") == "C0DEALDESK"]) >= 3

    await eventually(channel_posts, "a post to the deal channel per deal")
    [refused] = refusals()
    assert "not_in_channel" in refused


async def test_sighup_rereads_a_new_token_from_dotenv_in_a_running_serve(
    tmp_path: Path,
) -> None:
    """The app reinstalled, the new token written to ``.env``, ``kill -HUP``: a real
    ``dealdesk serve`` sends what it held, once, without a restart."""
    async with FakeSlack() as slack:
        slack.token = "xoxb-before"
        dotenv = {"SLACK_BOT_TOKEN": "xoxb-before"}
        async with serving(tmp_path, with_people(slack), dotenv=dotenv) as serve:
            await serve.submit(deal(external_id="OPP-1"))
            await card_for(slack, LISA)
            slack.token = "xoxb-after"  # reinstalled: the old token is refused from now on
            await serve.submit(deal(external_id="OPP-2", company="Held Co"))
            await _until_health(serve, "degraded")

            (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-after\n", encoding="utf-8")
            serve.process.send_signal(signal.SIGHUP)
            await card_for(slack, LISA, count=2)
            await _until_health(serve, "ok")
        assert len(cards(slack, LISA)) == 2
    log = (tmp_path / "serve.log").read_text(encoding="utf-8")
    assert "xoxb-after" not in log
    assert "xoxb-before" not in log


async def _until_health(serve: Serve, wanted: str) -> None:
    for _ in range(200):
        async with serve.session.get(f"{serve.url}/healthz") as response:
            if (await response.json())["status"] == wanted:
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"/healthz never said {wanted}")
