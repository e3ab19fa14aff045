"""What SlackRequests puts on the wire: Slack's encodings, keys and signatures, checked with
slack_sdk's own SignatureVerifier; and the project's payload templates."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.signature import Clock, SignatureVerifier

from sandbox.blockkit import block_kit_problems
from sandbox.requests import PAYLOADS, SlackRequests, load_payload
from tests.support.local_server import serve

SECRET = "dd-test-signing-secret-0123456789"


class Received:
    def __init__(self) -> None:
        self.headers: dict[str, str] = {}
        self.body = ""

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body, keep_blank_values=True).items()}

    @property
    def payload(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.form["payload"])
        return parsed

    def signature_valid(self) -> bool:
        verifier = SignatureVerifier(SECRET)
        return bool(
            verifier.is_valid(
                self.body,
                self.headers.get("X-Slack-Request-Timestamp", ""),
                self.headers.get("X-Slack-Signature", ""),
            )
        )


@pytest.fixture
async def received(http: aiohttp.ClientSession) -> AsyncIterator[tuple[Received, SlackRequests]]:
    seen = Received()

    async def capture(request: web.Request) -> web.Response:
        seen.headers = dict(request.headers)
        seen.body = await request.text()
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/slack/events", capture)
    async with serve(app) as url:
        yield seen, SlackRequests(http, f"{url}/slack/events", SECRET)


async def test_a_slash_command_is_form_encoded_and_validly_signed(
    received: tuple[Received, SlackRequests],
) -> None:
    seen, requests = received

    reply = await requests.command("/deal", "delegate <@U0MARCUS> until 2026-12-01", user="U0LISA")

    assert reply.body == {"ok": True}
    assert seen.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert seen.signature_valid()
    assert seen.form["text"] == "delegate <@U0MARCUS> until 2026-12-01"
    assert seen.form.keys() >= {"command", "user_id", "response_url", "trigger_id", "team_id"}
    assert seen.form["response_url"].startswith("http://127.0.0.1:9/")  # never the internet


async def test_a_block_action_has_every_top_level_key_of_a_real_one(
    received: tuple[Received, SlackRequests],
) -> None:
    seen, requests = received

    await requests.block_action(
        action_id="approval_reject",
        value="17",
        user="U0LISA",
        channel="DU0LISA",
        message_ts="1700000000.000100",
        response_url="http://127.0.0.1:9/hooks/x",
        block_id="approval_actions",
    )

    payload = seen.payload
    assert payload.keys() >= {
        "type", "user", "api_app_id", "container", "trigger_id", "team", "enterprise",
        "is_enterprise_install", "channel", "message", "state", "response_url", "actions",
    }  # fmt: skip
    assert payload["container"]["message_ts"] == payload["message"]["ts"] == "1700000000.000100"
    assert payload["actions"][0]["action_id"] == "approval_reject"
    assert seen.signature_valid()


async def test_an_event_is_a_json_event_callback_envelope(
    received: tuple[Received, SlackRequests],
) -> None:
    seen, requests = received

    await requests.app_home_opened("U0LISA")

    envelope = json.loads(seen.body)
    assert seen.headers["Content-Type"] == "application/json"
    assert envelope["type"] == "event_callback"
    assert envelope.keys() >= {"event_id", "event_time", "authorizations", "team_id", "api_app_id"}
    assert envelope["event"]["user"] == "U0LISA"
    assert "X-Slack-Retry-Num" not in seen.headers
    assert seen.signature_valid()


async def test_each_refused_variant_is_wrong_in_exactly_its_own_way(
    received: tuple[Received, SlackRequests],
) -> None:
    seen, requests = received
    now = time.time()

    await requests.unsigned().command("/deal", "help", user="U0LISA")
    assert "X-Slack-Signature" not in seen.headers
    assert "X-Slack-Request-Timestamp" not in seen.headers

    await requests.stale().command("/deal", "help", user="U0LISA")
    assert now - int(seen.headers["X-Slack-Request-Timestamp"]) > 5 * 60
    assert seen.signature_valid() is False  # SignatureVerifier refuses stale timestamps
    fresh = SignatureVerifier(
        SECRET, clock=_FrozenClock(int(seen.headers["X-Slack-Request-Timestamp"]))
    )
    assert fresh.is_valid(
        seen.body, seen.headers["X-Slack-Request-Timestamp"], seen.headers["X-Slack-Signature"]
    )  # correctly signed: only the age is wrong

    await requests.bad_signature().command("/deal", "help", user="U0LISA")
    assert abs(now - int(seen.headers["X-Slack-Request-Timestamp"])) < 60
    assert seen.signature_valid() is False


class _FrozenClock(Clock):
    def __init__(self, at: int) -> None:
        self.at = at

    def now(self) -> float:
        return float(self.at)


TEMPLATES = sorted(path.stem for path in PAYLOADS.glob("*.json"))


@pytest.mark.parametrize("name", TEMPLATES)
def test_each_payload_template_has_the_shape_slack_sends(name: str) -> None:
    payload = load_payload(name)

    expected = {
        "slash_command": {"command", "text", "user_id", "channel_id", "team_id", "response_url"},
        "block_actions": {"type", "user", "container", "message", "actions", "response_url"},
        "view_submission": {"type", "user", "view", "trigger_id", "response_urls"},
        "app_home_opened": {"type", "event", "event_id", "event_time", "authorizations"},
        "url_verification": {"type", "challenge", "token"},
    }[name]
    assert payload.keys() >= expected
    if name == "block_actions":
        assert block_kit_problems("message", payload["message"]) == []
    if name == "view_submission":
        assert block_kit_problems("modal", payload["view"]) == []
