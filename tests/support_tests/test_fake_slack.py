"""FakeSlack answers like Slack, refuses what Slack refuses, and keeps Slack's state.

Driven by slack_sdk's AsyncWebClient pointed at ``slack.api_url``: how dealdesk calls it.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from sandbox.objects import BOT_USER_ID, TEAM_ID
from tests.support.fake_slack import FakeSlack

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
DECIDED: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "Approved by Lisa Wong"}}
]
NEVER = "1699999999.000100"
TS = re.compile(r"^\d{10}\.\d{6}$")


async def slack_error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as raised:
        await call
    return raised.value


async def error_of(call: Any) -> str:
    return str((await slack_error(call)).response["error"])


async def test_auth_test_answers_as_the_bot(client: AsyncWebClient) -> None:
    answer = await client.auth_test()

    assert answer["ok"] is True
    assert (answer["user_id"], answer["team_id"]) == (BOT_USER_ID, TEAM_ID)


async def test_a_wrong_token_is_invalid_auth_and_no_token_is_not_authed(slack: FakeSlack) -> None:
    wrong = AsyncWebClient(token="xoxb-someone-else", base_url=slack.api_url)
    anonymous = AsyncWebClient(base_url=slack.api_url)

    assert await error_of(wrong.chat_postMessage(channel="U0LISA", text="hi")) == "invalid_auth"
    assert await error_of(anonymous.auth_test()) == "not_authed"
    assert slack.dm("U0LISA") == []
    assert slack.delivered("chat.postMessage") == []
    assert len(slack.calls_to("chat.postMessage")) == 1


async def test_a_post_to_a_user_lands_in_their_dm_and_is_recorded(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    first = await client.chat_postMessage(channel="U0LISA", text="TechCorp needs you", blocks=CARD)
    second = await client.chat_postMessage(channel="U0LISA", text="And Acme")

    assert first["channel"] == "DU0LISA"
    assert TS.match(first["ts"])
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"] == CARD
    assert first["message"]["text"] == "TechCorp needs you"
    call = slack.last("chat.postMessage")
    assert call.params == {"channel": "U0LISA", "text": "And Acme"}
    assert call.headers["Authorization"] == "Bearer xoxb-test"
    card = slack.message("DU0LISA", first["ts"])
    assert card.button_texts == ["Approve"]
    assert "TechCorp" in card.visible_text
    assert [m.ts for m in slack.dm("U0LISA")] == [first["ts"], second["ts"]]


async def test_an_update_replaces_the_message_and_keeps_every_version(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel="U0LISA", text="Approval needed", blocks=CARD)

    updated = await client.chat_update(
        channel=posted["channel"], ts=posted["ts"], text="Approved", blocks=DECIDED
    )

    assert updated["ts"] == posted["ts"]
    now = slack.message(posted["channel"], posted["ts"])
    assert now.button_texts == []
    assert now.visible_text == "Approved by Lisa Wong"
    assert [v.text for v in slack.versions(posted["channel"], posted["ts"])] == [
        "Approval needed",
        "Approved",
    ]


async def test_refusals_for_what_slack_never_issued_or_does_not_know(
    client: AsyncWebClient,
) -> None:
    posted = await client.chat_postMessage(channel="U0LISA", text="hi")

    update = client.chat_update(channel="DU0LISA", ts=NEVER, text="x")
    assert await error_of(update) == "message_not_found"
    elsewhere = client.chat_postMessage(channel="C0NOWHERE", text="x")
    assert await error_of(elsewhere) == "channel_not_found"
    assert await error_of(client.users_info(user="U0NOBODY")) == "user_not_found"
    reply = client.chat_postMessage(channel="U0LISA", text="x", thread_ts=NEVER)
    assert await error_of(reply) == "thread_not_found"
    # chat.update wants the channel the message is in, not the user it was sent to
    update_by_user = client.chat_update(channel="U0LISA", ts=posted["ts"], text="x")
    assert await error_of(update_by_user) == "channel_not_found"


async def test_a_message_without_text_or_blocks_is_no_text(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    error = await slack_error(client.api_call("chat.postMessage", json={"channel": "U0LISA"}))

    assert error.response["error"] == "no_text"
    assert slack.dm("U0LISA") == []


async def test_blocks_over_the_limits_are_invalid_blocks_and_nothing_is_posted(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    too_many = [{"type": "divider"}] * 51
    cases: list[tuple[list[dict[str, Any]], str]] = [
        (too_long, "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"),
        (too_many, "no more than 50 items allowed [json-pointer:/blocks]"),
    ]
    for blocks, expected in cases:
        error = await slack_error(
            client.chat_postMessage(channel="U0LISA", text="t", blocks=blocks)
        )
        assert error.response["error"] == "invalid_blocks"
        assert error.response["errors"] == [expected]
    assert slack.dm("U0LISA") == []
    assert slack.delivered("chat.postMessage") == []


async def test_form_encoded_calls_with_blocks_as_a_json_string_are_understood(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    data = {"channel": "C0DEALDESK", "text": "Deal D-1001", "blocks": json.dumps(CARD)}
    posted = await client.api_call("chat.postMessage", data=data)

    assert slack.last("chat.postMessage").params["blocks"] == CARD
    assert slack.message("C0DEALDESK", posted["ts"]).blocks == CARD
    bad = {"channel": "C0DEALDESK", "text": "x", "blocks": '"[{not json'}
    error = await slack_error(client.api_call("chat.postMessage", data=bad))
    assert error.response["error"] == "invalid_blocks_format"


async def test_users_info_gives_the_profile_with_its_time_zone(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    slack.add_user("U0AVATAR", name="Finance Avatar", tz=None, is_bot=True)

    lisa = (await client.users_info(user="U0LISA"))["user"]
    bot = (await client.users_info(user="U0AVATAR"))["user"]

    assert lisa["real_name"] == "Lisa Wong"
    assert lisa["is_bot"] is False
    assert lisa["tz"] == "America/Los_Angeles"
    assert lisa["tz_offset"] in (-28800, -25200)
    assert bot["is_bot"] is True
    assert "tz" not in bot


async def test_conversations_open_gives_one_stable_dm_per_user(client: AsyncWebClient) -> None:
    first = await client.conversations_open(users="U0LISA")
    again = await client.conversations_open(users="U0LISA")

    assert first["channel"]["id"] == again["channel"]["id"] == "DU0LISA"
    assert again["already_open"] is True
    posted = await client.chat_postMessage(channel=first["channel"]["id"], text="hi")
    assert posted["channel"] == "DU0LISA"


async def test_thread_replies_are_kept_apart_from_the_channel(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    parent = await client.chat_postMessage(channel="C0DEALDESK", text="D-1001 TechCorp")
    reply = await client.chat_postMessage(
        channel="C0DEALDESK", text="Lisa approved", thread_ts=parent["ts"]
    )

    assert [m.ts for m in slack.messages("C0DEALDESK")] == [parent["ts"]]
    assert [m.text for m in slack.thread("C0DEALDESK", parent["ts"])] == ["Lisa approved"]
    assert reply["message"]["thread_ts"] == parent["ts"]


async def test_ephemeral_messages_are_for_one_user(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    answer = await client.chat_postEphemeral(
        channel="C0DEALDESK", user="U0SARAH", text="Only Lisa can decide this"
    )

    assert TS.match(answer["message_ts"])
    assert [e.text for e in slack.ephemerals_for("U0SARAH")] == ["Only Lisa can decide this"]
    assert slack.ephemerals_for("U0LISA") == []
    assert slack.messages("C0DEALDESK") == []


HOME = {
    "type": "home",
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Inbox"}}],
}
MODAL = {
    "type": "modal",
    "callback_id": "approval_reason",
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


async def test_views_publish_keeps_the_current_home_per_user(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    first = await client.views_publish(user_id="U0LISA", view=HOME)
    newer = {
        **HOME,
        "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "Empty"}}],
    }
    await client.views_publish(user_id="U0LISA", view=newer, hash=first["view"]["hash"])

    assert slack.home("U0LISA")["blocks"] == newer["blocks"]
    assert slack.home("U0LISA")["id"] == first["view"]["id"]
    stale = client.views_publish(user_id="U0LISA", view=HOME, hash=first["view"]["hash"])
    assert await error_of(stale) == "hash_conflict"
    stranger = client.views_publish(user_id="U0NOBODY", view=HOME)
    assert await error_of(stranger) == "invalid_arguments"
    with pytest.raises(AssertionError, match="no Home view published for U0SARAH"):
        slack.home("U0SARAH")


async def test_views_open_update_and_push(slack: FakeSlack, client: AsyncWebClient) -> None:
    opened = (await client.views_open(trigger_id=TRIGGER, view=MODAL))["view"]
    titled = {**MODAL, "title": {"type": "plain_text", "text": "Reject TechCorp"}}
    await client.views_update(view_id=opened["id"], view=titled)
    await client.views_push(trigger_id=TRIGGER, view=MODAL)

    assert opened["callback_id"] == "approval_reason"
    assert opened["state"] == {"values": {}}
    assert [v["title"]["text"] for v in slack.opened_views] == ["Reject TechCorp", "Reject D-1001"]
    missing = client.views_update(view_id="V0GONE", view=MODAL)
    assert await error_of(missing) == "not_found"


async def test_views_are_refused_like_slack_refuses_them(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    long_title = {**MODAL, "title": {"type": "plain_text", "text": "Reject TechCorp Holdings Inc"}}

    bad_trigger = await slack_error(client.views_open(trigger_id="not-a-trigger", view=MODAL))
    too_long = await slack_error(client.views_open(trigger_id=TRIGGER, view=long_title))

    assert bad_trigger.response["error"] == "invalid_arguments"
    assert bad_trigger.response["response_metadata"]["messages"] == ["invalid `trigger_id`"]
    assert too_long.response["error"] == "invalid_arguments"
    assert too_long.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    assert slack.opened_views == []


async def test_an_unknown_method_is_unknown_method(client: AsyncWebClient) -> None:
    error = await slack_error(client.api_call("chat.meMessage", json={"channel": "C0DEALDESK"}))

    assert error.response["error"] == "unknown_method"


async def test_wait_for_returns_once_the_call_arrives(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    async def later() -> None:
        await asyncio.sleep(0.05)
        await client.chat_postMessage(channel="U0LISA", text="late")

    task = asyncio.create_task(later())
    calls = await slack.wait_for("chat.postMessage", where=lambda c: c.params["text"] == "late")
    await task

    assert [c.params["text"] for c in calls] == ["late"]


async def test_wait_for_times_out_naming_what_was_received(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    await client.chat_postMessage(channel="U0LISA", text="the only one")

    with pytest.raises(AssertionError) as raised:
        await slack.wait_for("chat.update", timeout=0.05)

    assert "expected 1 call(s) to chat.update" in str(raised.value)
    assert "chat.postMessage → ok" in str(raised.value)
    assert "the only one" in str(raised.value)


async def test_response_url_replace_original_updates_the_clicked_message(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel="U0LISA", text="Approval needed", blocks=CARD)
    url = slack.response_url("click", channel=posted["channel"], ts=posted["ts"])

    sent = await AsyncWebhookClient(url).send(
        text="Approved", blocks=DECIDED, replace_original=True
    )

    assert sent.status_code == 200
    assert slack.message(posted["channel"], posted["ts"]).button_texts == []
    (response,) = await slack.wait_for_response("click")
    assert response.body["replace_original"] is True
    assert response.error is None


async def test_response_url_refusals(slack: FakeSlack, client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel="U0LISA", text="Approval needed", blocks=CARD)
    url = slack.response_url("click", channel=posted["channel"], ts=posted["ts"])
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]

    refused = await AsyncWebhookClient(url).send(text="x", blocks=too_long, replace_original=True)
    unknown = await AsyncWebhookClient(url.replace("click", "never-issued")).send(text="x")

    assert (refused.status_code, refused.body) == (400, "invalid_blocks")
    assert unknown.status_code == 404
    assert slack.message(posted["channel"], posted["ts"]).button_texts == ["Approve"]
