"""Injected Slack trouble behaves like the real thing and is recorded, so resilience tests
can tell "retried and delivered once" from "lost" and from "sent twice"."""

from __future__ import annotations

import asyncio
import time

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.support.fake_slack import RESPONSE_URL, FakeSlack

QUICK = FixedValueRetryIntervalCalculator(fixed_internal=0.01)


async def test_a_429_is_retried_after_retry_after_and_delivered_exactly_once(
    slack: FakeSlack,
) -> None:
    slack.rate_limit("chat.postMessage", retry_after=1, times=1)
    client = AsyncWebClient(
        token="xoxb-test",
        base_url=slack.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )

    await client.chat_postMessage(channel="U0LISA", text="TechCorp needs you")

    limited, accepted = slack.calls_to("chat.postMessage")
    assert (limited.status, limited.error, limited.fault) == (429, "ratelimited", "ratelimited")
    assert accepted.ok
    assert accepted.at - limited.at >= 1.0  # the client waited for Retry-After
    assert len(slack.delivered("chat.postMessage")) == 1
    assert [m.text for m in slack.dm("U0LISA")] == ["TechCorp needs you"]


async def test_a_429_without_a_retry_handler_reaches_the_caller_with_retry_after(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    slack.rate_limit("chat.update", retry_after=7)

    with pytest.raises(SlackApiError) as raised:
        await client.chat_update(channel="DU0LISA", ts="1700000000.000100", text="x")

    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"
    assert slack.delivered("chat.update") == []


async def test_5xx_fails_the_given_number_of_times_then_recovers(slack: FakeSlack) -> None:
    slack.fail("chat.postMessage", status=503, times=2)
    client = AsyncWebClient(
        token="xoxb-test",
        base_url=slack.api_url,
        retry_handlers=[AsyncServerErrorRetryHandler(max_retry_count=2, interval_calculator=QUICK)],
    )

    await client.chat_postMessage(channel="U0LISA", text="hi")

    assert [c.status for c in slack.calls_to("chat.postMessage")] == [503, 503, 200]
    assert len(slack.delivered("chat.postMessage")) == 1
    assert len(slack.dm("U0LISA")) == 1


async def test_5xx_without_retries_loses_nothing_silently(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    slack.fail("chat.postMessage")

    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="U0LISA", text="hi")

    assert raised.value.response.status_code == 500
    assert slack.dm("U0LISA") == []
    assert slack.last("chat.postMessage").error == "http 500"


async def test_an_injected_error_answers_ok_false_once(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    slack.error("users.info", error="user_not_visible")

    with pytest.raises(SlackApiError) as raised:
        await client.users_info(user="U0LISA")
    again = await client.users_info(user="U0LISA")

    assert raised.value.response["error"] == "user_not_visible"
    assert again["user"]["id"] == "U0LISA"


async def test_a_wildcard_fault_hits_whichever_method_comes_next(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    slack.error("*", error="fatal_error", times=2)

    with pytest.raises(SlackApiError):
        await client.auth_test()
    with pytest.raises(SlackApiError):
        await client.users_info(user="U0LISA")
    assert (await client.auth_test())["ok"] is True


async def test_an_outage_answers_503_everywhere_until_it_ends(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    slack.outage(0.3)

    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="U0LISA", text="x")
    assert raised.value.response.status_code == 503
    assert slack.delivered("chat.postMessage") == []
    hook = await AsyncWebhookClient(slack.response_url("during")).send(text="x")
    assert hook.status_code == 503

    await asyncio.sleep(0.3)
    assert (await client.auth_test())["ok"] is True


async def test_a_dropped_connection_is_a_network_error_the_client_retries(
    slack: FakeSlack,
) -> None:
    slack.drop("chat.postMessage")
    client = AsyncWebClient(
        token="xoxb-test",
        base_url=slack.api_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=1, interval_calculator=QUICK)
        ],
    )

    await client.chat_postMessage(channel="U0LISA", text="hi")

    assert [c.fault for c in slack.calls_to("chat.postMessage")] == ["drop", None]
    assert len(slack.dm("U0LISA")) == 1


async def test_latency_applies_to_the_method_it_was_set_for(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    slack.set_latency(0.2, "users.info")

    started = time.monotonic()
    await client.auth_test()
    fast = time.monotonic() - started
    await client.users_info(user="U0LISA")
    slow = time.monotonic() - started - fast

    assert slow >= 0.2 > fast


async def test_response_urls_take_faults_too(slack: FakeSlack) -> None:
    slack.fail(RESPONSE_URL, status=502)
    url = slack.response_url("command")

    failed = await AsyncWebhookClient(url).send(text="Deal D-1001 is in review")
    delivered = await AsyncWebhookClient(url).send(text="Deal D-1001 is in review")

    assert (failed.status_code, delivered.status_code) == (502, 200)
    assert [r.error for r in slack.responses] == ["http 502", None]
