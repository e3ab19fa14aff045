"""Durable deadlines: ``dealdesk serve`` killed (SIGKILL) while an SLA runs and started again
after it passed moves the approval once, at start-up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.deps import open_deps
from bot.workflow.snooze import snooze
from store.db import Database
from tests.api.conftest import deal
from tests.deadlines.steps import LISA, MARCUS, posts
from tests.slack.flows import cards, eventually
from tests.support.databases import sqlite_url
from tests.support.fake_slack import FakeSlack
from tests.support.serving import audit_events, drained, serving

pytestmark = pytest.mark.slow

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
    assert (
        "Reassigned to <@U0LISA> (Lisa Wong): Marcus Thompson did not answer within the 4s SLA"
        in marcus_card.visible_text
    )


async def test_im_on_it_moves_the_timeout_and_a_restart_keeps_the_new_time(
    tmp_path: Path, slack: FakeSlack, deadline_policy: Callable[..., Path], db: Database
) -> None:
    """Marcus (4s SLA, `snooze: 6s`) says he is on it: his approval moves at 10s, not at
    4s, even though the process that scheduled the 4s timeout was killed meanwhile."""
    policy = deadline_policy(manager_sla="4s", cfo_sla="1h", threads=False)
    policy.write_text(
        policy.read_text(encoding="utf-8").replace(
            "backups: [cfo]", "snooze: 6s\n    backups: [cfo]"
        ),
        encoding="utf-8",
    )
    url = sqlite_url(tmp_path)
    async with serving(tmp_path, slack, policy, url, name="first") as first:
        created = await first.submit(deal())
        await eventually(lambda: cards(slack, MARCUS), "Marcus's card")
        [pending] = [a for a in created["approvals"] if a["status"] == "pending"]
        async with open_deps(url, policy, migrate=False) as deps, deps.unit_of_work() as uow:
            snoozed = await snooze(uow, pending["id"], MARCUS)
        was_due = datetime.fromisoformat(pending["due_at"].replace("Z", "+00:00"))
        assert abs(snoozed.due_at - (was_due + timedelta(seconds=6))) < timedelta(seconds=1)
        await first.kill()

    await asyncio.sleep((was_due - datetime.now(UTC)).total_seconds() + 0.5)  # past the old time
    async with serving(tmp_path, slack, policy, url, name="second"):
        await asyncio.sleep(0.5)
        assert datetime.now(UTC) < snoozed.due_at, "the restart took too long to prove it"
        assert await audit_events(db, "approval_reassigned") == []
        await eventually(lambda: cards(slack, LISA), "Lisa's card", timeout=RESTART)

    [moved] = await audit_events(db, "approval_reassigned")
    assert moved["at"] >= snoozed.due_at
    [pushed] = await audit_events(db, "approval_snoozed")
    assert (pushed["actor"], pushed["pushed_back"]) == (MARCUS, "6s")
