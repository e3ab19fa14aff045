"""Slack trouble while cards are due: 500s, 429s with Retry-After and an outage delay cards
and lose none; each arrives once, and the SLA clock does not wait for Slack."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.outbox.work import POST_INTERVAL
from tests.deadlines.steps import LISA, MARCUS, approvals, arrived, events, posts, submit_deals
from tests.slack.flows import cards, eventually, settled
from tests.support.app_server import RunningApp, running_app
from tests.support.databases import sqlite_url
from tests.support.fake_slack import Call, FakeSlack

DEALS = 3
PRECISION = timedelta(seconds=2)
OUTAGE = 2.5
RECOVERY = 20.0
"""Seconds for the outbox to get everything through once Slack is back (backoff 1, 2, 4 s…)."""


@pytest.fixture
async def app(
    tmp_path: Path, deadline_policy: Callable[..., Path], slack: FakeSlack
) -> AsyncIterator[RunningApp]:
    """Marcus has 3s; Lisa, his backup, an hour. Slack's trouble is the subject, not the
    database (SQLite), nor deal threads (none: fewer posts to wait for)."""
    policy = deadline_policy(cfo_sla="1h", threads=False)
    url = sqlite_url(tmp_path)
    async with running_app(url, policy, slack, post_interval=POST_INTERVAL) as running:
        yield running


def top_level(calls: list[Call]) -> list[Call]:
    return [call for call in calls if not call.params.get("thread_ts")]


def card_value(blocks: list[dict[str, object]]) -> str:
    return next(
        str(element["value"])
        for block in blocks
        for element in block.get("elements", [])  # type: ignore[attr-defined]
        if isinstance(element, dict) and "value" in element
    )


async def test_cards_due_during_slack_trouble_each_arrive_once(app: RunningApp) -> None:
    slack = app.slack
    slack.rate_limit("chat.postMessage", retry_after=1, times=1)
    slack.fail("chat.postMessage", status=500, times=1)
    slack.drop("conversations.open", times=1)
    deals = await submit_deals(app, DEALS)
    await eventually(lambda: len(cards(slack, MARCUS)) == DEALS, "Marcus's cards")
    due = min(row.due_at for row in await approvals(app) if row.due_at is not None)
    await asyncio.sleep((due - datetime.now(UTC)).total_seconds() - 0.3)

    slack.outage(OUTAGE)  # Slack is down as the cards for the backup fall due

    await eventually(
        lambda: len(cards(slack, LISA)) == DEALS, "every card for Lisa", timeout=RECOVERY
    )
    await eventually(
        lambda: all(not card.button_texts for card in cards(slack, MARCUS)),
        "Marcus's cards updated",
        timeout=RECOVERY,
    )
    await settled(app)
    assert sorted(card_value(card.blocks) for card in cards(slack, LISA)) == sorted(
        str(row.id) for row in await approvals(app) if row.assignee == LISA
    )
    for person in (MARCUS, LISA):  # each card posted once: nothing lost, nothing twice
        assert len(top_level(posts(slack, f"D{person}"))) == DEALS
    faults = {call.fault for call in slack.calls if not call.ok}
    assert faults == {"ratelimited", "http 500", "drop", "http 503"}
    reassigned = await events(app, "approval_reassigned")
    assert len(reassigned) == DEALS
    for event in reassigned:  # Slack's trouble does not hold up the SLA clock
        [row] = [r for r in await approvals(app) if r.id == event.details["approval_id"]]
        assert row.due_at is not None
        assert row.due_at <= event.at < row.due_at + PRECISION
    assert {d.deal_id for d in deals} == {r.deal_id for r in await approvals(app)}


async def test_a_429_is_retried_no_sooner_than_retry_after(app: RunningApp) -> None:
    slack = app.slack
    slack.rate_limit("chat.postMessage", retry_after=2, times=1)

    await submit_deals(app, 1)
    await eventually(lambda: cards(slack, MARCUS), "Marcus's card")

    [limited] = [c for c in slack.calls_to("chat.postMessage") if c.fault == "ratelimited"]
    assert limited.params["channel"] == f"D{MARCUS}"
    [card] = top_level(posts(slack, f"D{MARCUS}"))
    assert arrived(card) - arrived(limited) >= timedelta(seconds=2)
