"""The database going away under a running app and coming back: another process holding
SQLite's write lock, and PostgreSQL's connections cut (a proxy in front of the server).
During it a click is answered at once, privately, as not recorded (and it is not),
``/healthz`` says 503 with the reason, the intake API 503 with Retry-After, and the log
says it once, without a traceback. After it everything resumes by itself: the click
again decides, once."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from bot.cards.ids import CardAction
from bot.core.outage import NOT_RECORDED
from tests.api.conftest import deal, with_people
from tests.postgres import postgres_url_or_skip
from tests.slack.flows import LISA, audit_actions, card_for, hook_name, journal_size, settled
from tests.support.app_server import API_TOKEN, RunningApp, running_app
from tests.support.fake_slack import FakeSlack
from tests.support.outages import SqliteWriteLock, proxied, sqlite_path

RECOVERY = 5.0
"""Seconds within which the app must notice the database is back."""


async def health(app: RunningApp) -> tuple[int, dict[str, Any]]:
    async with app.session.get(app.api("/healthz")) as response:
        return response.status, await response.json()


async def until_health(app: RunningApp, status: int, within: float) -> float:
    started = time.monotonic()
    while (await health(app))[0] != status:
        if time.monotonic() - started > within:
            raise AssertionError(f"/healthz did not answer {status} within {within} s")
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def post_deal(app: RunningApp, **changes: Any) -> tuple[int, dict[str, str], Any]:
    async with app.session.post(
        app.api("/api/deals"),
        json=deal(**changes),
        headers={"Authorization": f"Bearer {API_TOKEN}"},
    ) as response:
        return response.status, dict(response.headers), await response.json()


async def click_approve(app: RunningApp, card: Any, *, told: bool = True) -> tuple[float, str]:
    """Click Approve on Lisa's card: how long Slack waited, and what Lisa was told
    privately (``told``: wait for it)."""
    started = time.monotonic()
    reply = await app.requests.click(card, CardAction.APPROVE, user=LISA)
    waited = time.monotonic() - started
    assert reply.status == 200, reply.text
    if not told:
        return waited, ""
    [answer] = await app.slack.wait_for_response(hook_name(reply))
    return waited, answer.body["text"]


async def test_sqlite_locked_by_another_process_answers_at_once_and_loses_nothing(
    app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    assert (await post_deal(app))[0] == 201
    card = await card_for(app.slack, LISA)
    lock = SqliteWriteLock(sqlite_path(app.settings.database_url))
    await asyncio.to_thread(lock.hold)
    try:
        waited, told = await click_approve(app, card)
        assert waited < 3.0  # inside Slack's ack window
        assert told == NOT_RECORDED
        await until_health(app, 503, within=8)
        status, body = await health(app)
        assert body["status"] == "down"
        assert "write" in body["database"]
        status, headers, answer = await post_deal(app, external_id="OPP-2")
        assert (status, headers.get("Retry-After")) == (503, "30")
        assert answer["error"] == "database_unavailable"
    finally:
        await asyncio.to_thread(lock.release)
    recovered = await until_health(app, 200, within=RECOVERY)

    await click_approve(app, card, told=False)
    await settled(app)
    assert "Approved" in app.slack.message(card.channel, card.ts).visible_text
    assert await journal_size(app) == 1  # the click told "not recorded" never was
    assert len(await audit_actions(app, "approval_decided")) == 1
    assert recovered < RECOVERY
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]


@pytest.fixture
def postgres_url() -> str:
    return postgres_url_or_skip()  # cleans the database: outside the test's event loop


async def test_postgres_cut_off_answers_at_once_and_resumes_by_itself(
    postgres_url: str, policy_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with (
        proxied(postgres_url) as (cut, through),
        FakeSlack() as slack,
        running_app(through, policy_file, with_people(slack)) as app,
    ):
        assert (await post_deal(app))[0] == 201
        card = await card_for(app.slack, LISA)
        await cut.cut()

        waited, told = await click_approve(app, card)
        assert waited < 3.0
        assert told == NOT_RECORDED
        status, body = await health(app)
        assert (status, body["status"], body["error"]) == (503, "down", "database_unavailable")
        status, headers, answer = await post_deal(app, external_id="OPP-2")
        assert (status, headers.get("Retry-After")) == (503, "30")
        assert answer["error"] == "database_unavailable"

        await cut.restore()
        assert await until_health(app, 200, within=RECOVERY) < RECOVERY
        await click_approve(app, card, told=False)
        await settled(app)
        assert "Approved" in app.slack.message(card.channel, card.ts).visible_text
        assert len(await audit_actions(app, "approval_decided")) == 1
        assert (await post_deal(app, external_id="OPP-2"))[0] == 201
    database_lines = [r for r in caplog.records if r.name == "dealdesk.database"]
    assert any("database unavailable" in r.getMessage() for r in database_lines)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
