"""Through the real app: signed ``/deal briefing`` and ``/deal stalled`` requests, and the
morning round's messages as Slack receives them (a fake Slack Web API)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.briefings.morning import run_morning
from bot.cards.ids import CardAction
from bot.core.clock import VirtualClock
from bot.workflow import submit_deal
from sandbox.block_reading import visible_text
from sandbox.objects import Message
from tests.briefings.world import DEAL_CHANNEL, KENJI, LISA, MARCUS, OWNER, POLICY, ZONES
from tests.slack.flows import card_for, eventually, settled, updated
from tests.support.app_server import RunningApp, running_app
from tests.support.deals import techcorp
from tests.support.fake_slack import FakeSlack

MONDAY_EIGHT = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
"""08:00 in New York, 22:00 in Tokyo, 05:00 in Los Angeles."""
ADMIN = "U0REVOPS"
NAMES = {OWNER: "Sarah Chen", MARCUS: "Marcus Thompson", KENJI: "Kenji Sato", LISA: "Lisa Wong"}


def token(moment: datetime) -> str:
    return f"<!date^{int(moment.timestamp())}^"


@pytest.fixture
def policy_file(write_policy: Callable[[str], Path]) -> Path:
    """Marcus and Kenji get 30 days: the app's own deadline sweep, which runs whenever the
    virtual clock jumps, must not escalate the deals these tests leave idle for ten."""
    return write_policy(POLICY.replace("sla: 24h", "sla: 30d"))


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(MONDAY_EIGHT - timedelta(days=10))


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        for user, zone in ZONES.items():
            fake.add_user(user, name=NAMES[user], tz=zone)
        fake.add_user(ADMIN, name="RevOps Admin", tz="America/Chicago")  # told of escalations
        fake.add_channel(DEAL_CHANNEL)
        yield fake


@pytest.fixture
async def app(
    database_url: str, policy_file: Path, slack: FakeSlack, clock: VirtualClock
) -> AsyncIterator[RunningApp]:
    async with running_app(database_url, policy_file, slack, clock=clock) as running:
        yield running


async def submit(app: RunningApp, company: str, external_id: str, acv: int = 100000) -> int:
    terms = techcorp(company=company, acv=acv, discount=0, external_id=external_id)
    async with app.deps.unit_of_work() as uow:
        return (await submit_deal(uow, terms, OWNER)).deal_id


async def deal(app: RunningApp, text: str, user: str) -> str:
    reply = await app.requests.command("/deal", text, user=user)
    assert reply.status == 200, reply.text
    assert reply.body["response_type"] == "ephemeral"
    blocks: list[dict[str, Any]] = reply.body["blocks"]
    return visible_text(blocks)


def dm_with(slack: FakeSlack, user: str, words: str) -> Message | None:
    found = [m for m in slack.dm(user) if words in m.visible_text]
    return found[-1] if found else None


async def test_briefing_settings_answer_only_the_asker(
    app: RunningApp, clock: VirtualClock
) -> None:
    clock.set(MONDAY_EIGHT)
    kenji = await deal(app, "briefing", KENJI)
    assert "comes at 08:00 your time (Asia/Tokyo)" in kenji  # from his Slack profile
    assert token(datetime(2026, 11, 23, 23, 0, tzinfo=UTC)) in kenji  # Tuesday 08:00 Tokyo
    assert [c.params["user"] for c in app.slack.calls_to("users.info")] == [KENJI]

    moved = await deal(app, "briefing time 7:30", MARCUS)
    assert "now comes at 07:30 your time (America/New_York)" in moved
    assert token(MONDAY_EIGHT + timedelta(minutes=1)) in moved  # 07:30 passed, not yet sent

    assert "is off" in await deal(app, "briefing off", MARCUS)
    assert "is on, at 07:30 your time" in await deal(app, "briefing on", MARCUS)
    assert "Give the time as HH:MM" in await deal(app, "briefing time 25:00", MARCUS)
    assert "Say `/deal briefing on`" in await deal(app, "briefing soon", MARCUS)

    refused = await app.requests.unsigned().command("/deal", "briefing off", user=MARCUS)
    assert refused.status == 401
    assert "comes at 07:30 your time" in await deal(app, "briefing", MARCUS)  # still on


async def test_each_person_gets_theirs_at_their_eight_and_can_decide_from_it(
    app: RunningApp, clock: VirtualClock
) -> None:
    clock.set(MONDAY_EIGHT - timedelta(hours=1))
    await submit(app, "<!channel> Corp", "OPP-1", acv=300000)  # Lisa's 2h SLA: due 14:00
    await card_for(app.slack, LISA)
    clock.set(MONDAY_EIGHT)

    first = await run_morning(app.deps, app.runtime.deps.gateway)
    assert set(first.briefed) == {MARCUS, OWNER}  # Tokyo is at 22:00, Los Angeles at 05:00
    assert first.digest == DEAL_CHANNEL
    await settled(app)
    marcus = dm_with(app.slack, MARCUS, "Good morning!")
    assert marcus is not None
    assert "*📅 Coming up*\n• *&lt;!channel&gt; Corp* (D-1001)" in marcus.visible_text
    owner = dm_with(app.slack, OWNER, "Good morning!")
    assert owner is not None
    assert "waiting on <@U0MARCUS>, <@U0KENJI>, <@U0LISA>" in owner.visible_text
    digests = [m for m in app.slack.messages(DEAL_CHANNEL) if "Deal desk digest" in m.text]
    assert len(digests) == 1

    clock.set(MONDAY_EIGHT + timedelta(hours=3))  # 08:00 in Los Angeles
    assert (await run_morning(app.deps, app.runtime.deps.gateway)).briefed == (LISA,)
    await settled(app)
    lisa = dm_with(app.slack, LISA, "Good morning!")
    assert lisa is not None
    assert "*🔴 Overdue (1)*" in lisa.visible_text
    assert "&lt;!channel&gt; Corp" in lisa.visible_text

    card = await card_for(app.slack, LISA)
    await app.requests.click(lisa, CardAction.APPROVE, user=LISA)
    decided = await updated(app.slack, card)
    assert "Approved by <@U0LISA>" in decided.visible_text
    briefing = await updated(app.slack, lisa)  # decided there, its buttons go too
    assert briefing.button_texts == []
    assert "Approved by <@U0LISA>" in briefing.visible_text
    assert (await run_morning(app.deps, app.runtime.deps.gateway)).briefed == ()
    await settled(app)
    assert len([m for m in app.slack.dm(LISA) if "Good morning!" in m.visible_text]) == 1


async def test_stalled_deals_are_listed_and_their_owner_nudged(
    app: RunningApp, clock: VirtualClock
) -> None:
    await submit(app, "First", "OPP-1")
    clock.advance(timedelta(days=1))
    await submit(app, "Second", "OPP-2")
    clock.set(MONDAY_EIGHT)
    await submit(app, "Fresh", "OPP-3")

    text = await deal(app, "stalled", KENJI)
    assert "*⏸️ Stalled deals (2)*" in text
    assert text.index("*First* (D-1001)") < text.index("*Second* (D-1002)")
    assert "idle *10d*" in text
    assert "Deal approval: waiting on <@U0MARCUS>, <@U0KENJI> · owner <@U0SARAH>" in text
    assert "Fresh" not in text

    assert (await run_morning(app.deps, app.runtime.deps.gateway)).nudged == (1, 2)
    await settled(app)
    nudged = await eventually(
        lambda: [m for m in app.slack.dm(OWNER) if "has had no activity" in m.visible_text],
        "the owner's nudges",
    )
    assert sorted(m.text for m in nudged) == [
        "⏸️ First (D-1001) has had no activity for 10d.",
        "⏸️ Second (D-1002) has had no activity for 9d.",
    ]
    assert (await run_morning(app.deps, app.runtime.deps.gateway)).nudged == ()
