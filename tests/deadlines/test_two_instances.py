"""Two ``dealdesk serve`` processes on one PostgreSQL database: a batch of approvals falls
due together, and each is reminded once and moved once, each card sent once."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from store.db import Database
from tests.api.conftest import deal
from tests.postgres import postgres_url_or_skip
from tests.slack.flows import eventually
from tests.support.fake_slack import Call, FakeSlack
from tests.support.serving import audit_events, drained, serving

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

DEALS = 2
PER_DEAL = 10
APPROVALS = DEALS * PER_DEAL
APPROVERS = [f"U0AP{n}" for n in range(APPROVALS)]
BACKUPS = [f"U0BK{n}" for n in range(APPROVALS)]
ACV = (500000, 50000)
"""Deal 0 goes to the first ten people, deal 1 to the other ten."""
PRECISION = timedelta(seconds=2)
SETTLE = 30.0


def policy_text() -> str:
    """One stage of ten people deciding each deal in parallel, each with 3s and a backup of
    their own (with an hour): the batch of twenty approvals falls due together, and each
    person gets one card (Slack's pacing of one post per second per channel holds nobody
    up)."""
    approvers = "".join(
        f"  p{n}:\n    name: Person {n}\n    slack_user: {user}\n    sla: 3s\n"
        f"    backups: [b{n}]\n  b{n}:\n    name: Backup {n}\n    slack_user: {backup}\n"
        "    sla: 1h\n"
        for n, (user, backup) in enumerate(zip(APPROVERS, BACKUPS, strict=True))
    )
    slots = "".join(
        f"      - approver: p{n}\n        when: acv {'>' if n < PER_DEAL else '<='} 100000\n"
        for n in range(APPROVALS)
    )
    return (
        "name: Two instances\ntimezone: America/New_York\nadmins: [U0REVOPS]\n"
        f"approvers:\n{approvers}stages:\n  - name: Deal approval\n    approvals:\n{slots}"
    )


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yml"
    path.write_text(policy_text(), encoding="utf-8")
    return path


@pytest.fixture
def database_url() -> str:
    """An empty PostgreSQL database (skipped, or failed under DEALDESK_REQUIRE_POSTGRES=1,
    when there is none)."""
    return postgres_url_or_skip()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database.connect(database_url)
    yield database
    await database.dispose()


def top_level(calls: list[Call], users: list[str]) -> list[Call]:
    channels = {f"D{user}" for user in users}
    return [c for c in calls if c.params["channel"] in channels and not c.params.get("thread_ts")]


async def test_two_instances_remind_and_move_each_approval_once(
    tmp_path: Path, slack: FakeSlack, policy: Path, database_url: str, db: Database
) -> None:
    for user in [*APPROVERS, *BACKUPS]:
        slack.add_user(user, name=user)
    async with (
        serving(tmp_path, slack, policy, database_url, name="one") as one,
        serving(tmp_path, slack, policy, database_url, name="two") as two,
    ):
        for n, instance in enumerate((one, two)):
            await instance.submit(deal(external_id=f"OPP-2I-{n}", acv=ACV[n], discount=0))
        await eventually(
            lambda: len(top_level(slack.delivered("chat.postMessage"), BACKUPS)) >= APPROVALS,
            "every backup's card",
            SETTLE,
        )
        await drained(db)

    reminded = await audit_events(db, "reminder_sent")
    moved = await audit_events(db, "approval_reassigned")
    assert sorted(Counter(e["approval_id"] for e in reminded).values()) == [1] * APPROVALS
    assert sorted(Counter(e["approval_id"] for e in moved).values()) == [1] * APPROVALS
    assigned = {e["approval_id"]: e for e in await audit_events(db, "approval_assigned")}
    for event in moved:  # each within 2 seconds of its due time, whichever instance did it
        due = datetime.fromisoformat(assigned[event["approval_id"]]["due_at"])
        assert due <= event["at"] < due + PRECISION
    posts = slack.delivered("chat.postMessage")
    cards = top_level(posts, [*APPROVERS, *BACKUPS])
    values = Counter(_card_value(c) for c in cards)
    assert len(values) == 2 * APPROVALS
    assert set(values.values()) == {1}, "a card was sent twice"
    reminders = [c for c in posts if c.params.get("thread_ts")]
    assert len(reminders) == APPROVALS
    assert len({(c.params["channel"], c.params["thread_ts"]) for c in reminders}) == APPROVALS


def _card_value(call: Call) -> str:
    return next(
        str(element["value"])
        for block in call.params["blocks"]
        for element in block.get("elements", [])
        if isinstance(element, dict) and "value" in element
    )
