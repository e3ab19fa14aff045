"""Signed requests as Slack sends them are accepted by a real Bolt app; unsigned, stale
and badly signed ones are refused with 401 and reach no listener."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.requests import SlackRequests
from tests.support.fake_slack import FakeSlack
from tests.support.local_server import serve

SECRET = "dd-test-signing-secret-0123456789"
CARD: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*TechCorp* needs your approval"}},
    {
        "type": "actions",
        "block_id": "approval_actions",
        "elements": [
            {
                "type": "button",
                "action_id": "approval_approve",
                "text": {"type": "plain_text", "text": "Approve"},
                "value": "17",
            }
        ],
    },
]
REASON_MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "approval_reason",
    "private_metadata": '{"approval_id": 17}',
    "title": {"type": "plain_text", "text": "Reject D-1001"},
    "submit": {"type": "plain_text", "text": "Reject"},
    "blocks": [
        {
            "type": "input",
            "block_id": "reason",
            "label": {"type": "plain_text", "text": "Why?"},
            "element": {"type": "plain_text_input", "action_id": "reason_input"},
        }
    ],
}
TRIGGER = "6120458731001.6011234567890.c4ca4238a0b923820dcc509a6f75849b"


def build_app(slack: FakeSlack, seen: list[dict[str, Any]]) -> web.Application:
    """A minimal Bolt app: one listener per kind of request, served by aiohttp."""
    bolt = AsyncApp(
        token="xoxb-test",
        signing_secret=SECRET,
        client=AsyncWebClient(base_url=slack.api_url, token="xoxb-test"),
    )

    @bolt.action("approval_approve")
    async def approve(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        seen.append(body)
        decided = [{"type": "section", "text": {"type": "mrkdwn", "text": "Approved"}}]
        await client.chat_update(
            channel=body["channel"]["id"], ts=body["message"]["ts"], text="Approved", blocks=decided
        )

    @bolt.command("/deal")
    async def deal(ack: AsyncAck, command: dict[str, Any]) -> None:
        seen.append(command)
        await ack(f"status of {command['text'].split()[-1]} for <@{command['user_id']}>")

    @bolt.view("approval_reason")
    async def reason(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        seen.append(body)
        typed = view["state"]["values"]["reason"]["reason_input"]["value"]
        if not typed.strip():
            await ack(response_action="errors", errors={"reason": "Say why."})
        else:
            await ack()

    @bolt.event("app_home_opened")
    async def home(
        event: dict[str, Any], client: AsyncWebClient, body: dict[str, Any], request: Any
    ) -> None:
        retry_num = request.headers.get("x-slack-retry-num", [None])[0]
        seen.append({**body, "retry_num": retry_num})
        inbox = {"type": "home", "blocks": CARD[:1]}
        await client.views_publish(user_id=event["user"], view=inbox)

    async def endpoint(request: web.Request) -> web.Response:
        response = await bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    app = web.Application()
    app.router.add_post("/slack/events", endpoint)
    return app


@pytest.fixture
def seen() -> list[dict[str, Any]]:
    """The bodies the Bolt listeners were given."""
    return []


@pytest.fixture
async def requests(
    slack: FakeSlack, http: aiohttp.ClientSession, seen: list[dict[str, Any]]
) -> AsyncIterator[SlackRequests]:
    async with serve(build_app(slack, seen)) as url:
        yield SlackRequests(http, f"{url}/slack/events", SECRET, response_urls=slack.response_url)


async def test_a_signed_slash_command_reaches_its_listener(
    requests: SlackRequests, seen: list[dict[str, Any]]
) -> None:
    reply = await requests.command("/deal", "status D-1001", user="U0SARAH")

    assert reply.status == 200
    assert reply.text == "status of D-1001 for <@U0SARAH>"
    (command,) = seen
    assert command["user_id"] == "U0SARAH"
    assert command["response_url"] == reply.response_url
    assert {"trigger_id", "channel_id", "team_id", "api_app_id"} <= command.keys()


VARIANTS = ["unsigned", "stale", "bad_signature"]


@pytest.mark.parametrize("variant", VARIANTS)
async def test_unsigned_stale_or_badly_signed_requests_are_refused_with_401(
    requests: SlackRequests, slack: FakeSlack, seen: list[dict[str, Any]], variant: str
) -> None:
    posted = await AsyncWebClient(token="xoxb-test", base_url=slack.api_url).chat_postMessage(
        channel="U0LISA", text="Approval needed", blocks=CARD
    )
    forged: SlackRequests = getattr(requests, variant)()

    replies = [
        await forged.command("/deal", "status D-1001", user="U0SARAH"),
        await forged.click(slack.dm("U0LISA")[0], "approval_approve", user="U0LISA"),
        await forged.app_home_opened("U0LISA"),
        await forged.url_verification("challenge-1"),
    ]

    assert [r.status for r in replies] == [401] * 4
    assert seen == []
    assert slack.message(posted["channel"], posted["ts"]).button_texts == ["Approve"]
    assert slack.calls_to("views.publish") == []


async def test_a_click_on_a_card_reaches_the_listener_which_updates_the_card(
    requests: SlackRequests, slack: FakeSlack, seen: list[dict[str, Any]]
) -> None:
    posted = await AsyncWebClient(token="xoxb-test", base_url=slack.api_url).chat_postMessage(
        channel="U0LISA", text="Approval needed", blocks=CARD
    )

    reply = await requests.click(slack.dm("U0LISA")[0], "approval_approve", user="U0LISA")

    assert reply.status == 200
    (body,) = seen
    assert body["actions"][0]["value"] == "17"
    assert body["user"]["id"] == "U0LISA"
    assert body["container"]["message_ts"] == posted["ts"]
    await slack.wait_for("chat.update")
    assert slack.message(posted["channel"], posted["ts"]).visible_text == "Approved"
    assert slack.calls_to("auth.test")  # Bolt checked its token against the fake


async def test_a_button_that_is_not_on_the_card_cannot_be_clicked(
    requests: SlackRequests, slack: FakeSlack
) -> None:
    await AsyncWebClient(token="xoxb-test", base_url=slack.api_url).chat_postMessage(
        channel="U0LISA", text="Approved", blocks=CARD[:1]
    )

    with pytest.raises(AssertionError, match="no element approval_approve"):
        await requests.click(slack.dm("U0LISA")[0], "approval_approve", user="U0LISA")


async def test_submitting_an_opened_modal(
    requests: SlackRequests, slack: FakeSlack, seen: list[dict[str, Any]]
) -> None:
    client = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    await client.views_open(trigger_id=TRIGGER, view=REASON_MODAL)
    (modal,) = slack.opened_views

    blank = await requests.submit_view(modal, {"reason_input": "   "}, user="U0LISA")
    given = await requests.submit_view(modal, {"reason_input": "Too deep"}, user="U0LISA")

    assert (blank.status, blank.body) == (
        200,
        {"response_action": "errors", "errors": {"reason": "Say why."}},
    )
    assert (given.status, given.text) == (200, "")
    assert seen[1]["view"]["private_metadata"] == '{"approval_id": 17}'
    assert seen[1]["view"]["id"] == modal["id"]
    with pytest.raises(AssertionError, match="required input 'reason_input' left empty"):
        await requests.submit_view(modal, {}, user="U0LISA")
    with pytest.raises(AssertionError, match="no input"):
        await requests.submit_view(modal, {"reason_input": "x", "comment": "y"}, user="U0LISA")


async def test_view_submission_from_explicit_values(
    requests: SlackRequests, seen: list[dict[str, Any]]
) -> None:
    values = {"reason": {"reason_input": {"type": "plain_text_input", "value": "Margin"}}}

    reply = await requests.view_submission(
        "approval_reason", values, '{"approval_id": 17}', user="U0LISA", view_id="V0TEST"
    )

    assert reply.status == 200
    assert seen[0]["view"]["state"]["values"] == values
    assert seen[0]["user"]["id"] == "U0LISA"


async def test_an_event_retry_carries_slacks_retry_headers(
    requests: SlackRequests, slack: FakeSlack, seen: list[dict[str, Any]]
) -> None:
    event = {"type": "app_home_opened", "user": "U0LISA", "channel": "DU0LISA", "tab": "home"}

    first = await requests.event(event, event_id="Ev0RETRY1")
    retry = await requests.event(
        event, event_id="Ev0RETRY1", retry_num=1, retry_reason="http_timeout"
    )

    assert (first.status, retry.status) == (200, 200)
    await slack.wait_for("views.publish", count=2)
    assert [(body["event_id"], body["retry_num"]) for body in seen] == [
        ("Ev0RETRY1", None),
        ("Ev0RETRY1", "1"),
    ]
    assert slack.home("U0LISA")["blocks"] == CARD[:1]


async def test_url_verification_is_answered_with_the_challenge(requests: SlackRequests) -> None:
    reply = await requests.url_verification("dd-challenge-42")

    assert (reply.status, reply.body) == (200, {"challenge": "dd-challenge-42"})
