"""Durable deadlines: ``dealdesk serve`` killed (SIGKILL) while an SLA runs and started again
after it passed moves the approval once, at start-up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from store.db import Database
from tests.api.conftest import deal
from tests.deadlines.steps import LISA, MARCUS, posts
from tests.slack.flows import cards, eventually
from tests.support.databases import sqlite_url
from tests.support.fake_slack import FakeSlack
from tests.support.serving import audit_events, drained, serving

SLA = timedelta(seconds=4)
RESTART = 30.0
"""Seconds a restarted process gets to start and do what fell due while it was down."""


@pytest.fixture
def policy(deadline_policy: Callable[..., Path]) -> Path:
    """Marcus has 4s and Lisa is his backup; no deal channel, so the outbox drains at once."""
    return deadline_policy(manager_sla="4s", cfo_sla="1h", threads=False)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database.connect(sqlite_url(tmp_path))
    yield database
    await database.dispose()


async def test_a_deadline_missed_while_down_is_kept_once_after_a_restart(
    tmp_path: Path, slack: FakeSlack, policy: Path, db: Database
) -> None:
    url = sqlite_url(tmp_path)
    async with serving(tmp_path, slack, policy, url, name="first") as first:
        created = await first.submit(deal())
        await eventually(lambda: cards(slack, MARCUS), "Marcus's card")
        await drained(db)
        [pending] = [a for a in created["approvals"] if a["status"] == "pending"]
        due = datetime.fromisoformat(pending["due_at"].replace("Z", "+00:00"))
        assert datetime.now(UTC) < due - timedelta(seconds=1), "killed too late to prove it"
        await first.kill()

    await asyncio.sleep((due - datetime.now(UTC)).total_seconds() + 0.5)  # down past the SLA
    assert await audit_events(db, "approval_reassigned") == []

    async with serving(tmp_path, slack, policy, url, name="second"):
        await eventually(lambda: cards(slack, LISA), "Lisa's card", timeout=RESTART)
        await drained(db)

    [moved] = await audit_events(db, "approval_reassigned")
    assert (moved["from_assignee"], moved["to_assignee"], moved["cause"]) == (
        MARCUS,
        LISA,
        "timeout",
    )
    assert moved["at"] >= due
    assert len(posts(slack, f"D{LISA}")) == 1
    assert len(posts(slack, f"D{MARCUS}")) == 1
    [marcus_card] = cards(slack, MARCUS)
    assert "Reassigned to <@U0LISA> (Lisa Wong): the 4s SLA passed" in marcus_card.visible_text
