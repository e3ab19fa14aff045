"""``/deal delegate``: pending approvals move to the delegate, new ones follow while it lasts,
both people are told, it ends with ``off`` or by itself, and bad requests are refused."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.workflow.delegation import start_delegation
from policies.vocabulary import ApprovalStatus
from sandbox.objects import Message
from store.models import Delegation
from tests.deadlines.steps import BOT, MARCUS, TOM, approvals, events, submit_deals
from tests.slack.flows import cards, eventually, settled, submit
from tests.support.app_server import RunningApp, running_app
from tests.support.fake_slack import FakeSlack

MARCUS_ZONE = ZoneInfo("America/Chicago")
PRECISION = timedelta(seconds=2)


@pytest.fixture
async def app(
    database_url: str, deadline_policy: Callable[..., Path], slack: FakeSlack
) -> AsyncIterator[RunningApp]:
    """SLAs of an hour: nothing times out while people delegate."""
    policy = deadline_policy(manager_sla="1h", cfo_sla="1h")
    async with running_app(database_url, policy, slack) as running:
        yield running


async def delegate(app: RunningApp, text: str, user: str = MARCUS) -> str:
    """Run ``/deal delegate …`` as ``user``; the reply only they see."""
    reply = await app.requests.command("/deal", f"delegate {text}".strip(), user=user)
    assert reply.status == 200
    assert reply.body["response_type"] == "ephemeral"
    return str(reply.body["text"])


def notices(slack: FakeSlack, user: str) -> list[Message]:
    """What ``user`` was told in their DM besides approval cards, oldest first."""
    return [m for m in slack.dm(user) if m not in cards(slack, user)]


async def delegations(app: RunningApp) -> list[Delegation]:
    async with app.deps.db.read() as session:
        return list((await session.execute(select(Delegation).order_by(Delegation.id))).scalars())


async def test_delegate_moves_what_is_pending_routes_new_ones_and_turns_off(
    app: RunningApp,
) -> None:
    slack = app.slack
    await submit_deals(app, 2)
    await eventually(lambda: len(cards(slack, MARCUS)) == 2, "Marcus's two cards")
    last_day = datetime.now(MARCUS_ZONE).date() + timedelta(days=3)

    text = await delegate(app, f"<@{TOM}|tom> until {last_day.isoformat()}")

    day = f"{last_day:%a, %b} {last_day.day}"
    assert text.startswith(f"🤝 Your approvals go to <@{TOM}> until {day}")
    assert "2 pending approvals moved" in text
    [stored] = await delegations(app)
    midnight = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=MARCUS_ZONE)
    assert (stored.delegator, stored.delegate) == (MARCUS, TOM)
    assert stored.ends_at == midnight.astimezone(UTC)
    await eventually(lambda: len(cards(slack, TOM)) == 2, "the two cards in Tom's DM")
    await settled(app)
    [told_marcus] = notices(slack, MARCUS)
    [told_tom] = notices(slack, TOM)
    assert f"Your deal approvals go to <@{TOM}>" in told_marcus.text
    assert f"<@{MARCUS}> handed their deal approvals to you" in told_tom.text
    assert "2 pending approvals moved over" in told_tom.text
    for old in cards(slack, MARCUS):
        assert old.button_texts == []
        assert f"Reassigned to <@{TOM}>: Marcus Thompson delegated it" in old.visible_text
    moved = await events(app, "approval_reassigned")
    assert [(e.actor, e.details["cause"], e.details["to_assignee"]) for e in moved] == [
        (MARCUS, "delegation", TOM)
    ] * 2
    [started] = await events(app, "delegation_started")
    assert (started.actor, started.details["delegate"]) == (MARCUS, TOM)

    # A new deal goes to Tom while it lasts.
    routed = await submit(app, external_id="OPP-NEW1")
    await eventually(lambda: len(cards(slack, TOM)) == 3, "the new deal's card for Tom")
    [row] = [a for a in await approvals(app, routed.deal_id) if a.status == ApprovalStatus.PENDING]
    assert row.assignee == TOM
    assert "delegated by Marcus Thompson" in row.reason

    text = await delegate(app, "off")

    assert text.startswith(f"✅ Your delegation to <@{TOM}> is off")
    [ended] = await events(app, "delegation_ended")
    assert (ended.actor, ended.details["why"]) == (MARCUS, "turned off")
    await submit(app, external_id="OPP-NEW2")
    await eventually(lambda: len(cards(slack, MARCUS)) == 3, "the next deal's card for Marcus")
    await settled(app)
    assert len(cards(slack, TOM)) == 3
    assert "has ended" in notices(slack, MARCUS)[-1].text
    assert "has ended" in notices(slack, TOM)[-1].text
    assert await delegate(app, "off") == "You have no delegation on, so nothing changed."


async def test_a_delegation_without_an_end_lasts_until_turned_off(app: RunningApp) -> None:
    text = await delegate(app, f"<@{TOM}>")

    assert "until you turn it off with `/deal delegate off`; nothing was pending" in text
    [stored] = await delegations(app)
    assert (stored.delegate, stored.ends_at) == (TOM, None)


def _yesterday() -> str:
    return (datetime.now(MARCUS_ZONE).date() - timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (f"<@{MARCUS}|marcus>", "You can't delegate to yourself"),
        (f"<@{BOT}|helpbot>", "That's a bot"),
        (f"<@{TOM}|tom> until 2026-13-40", "write it as YYYY-MM-DD"),
        (f"<@{TOM}|tom> until 12/04/2026", "write it as YYYY-MM-DD"),
        (f"<@{TOM}|tom> until yesterday", "write it as YYYY-MM-DD"),
        ("PAST", "That date has passed"),
        ("@tom", "Whom should your approvals go to?"),
        ("", "Whom should your approvals go to?"),
        (f"<@{TOM}> from 2026-12-04", "I couldn't read that"),
        ("<@U0NOBODY>", "I can't find U0NOBODY"),
    ],
    ids=[
        "self",
        "bot",
        "bad-date",
        "us-date",
        "words",
        "past",
        "no-mention",
        "nothing",
        "no-until",
        "stranger",
    ],
)
async def test_a_bad_delegation_is_refused_with_the_reason(
    app: RunningApp, text: str, says: str
) -> None:
    text = f"<@{TOM}|tom> until {_yesterday()}" if text == "PAST" else text

    reply = await delegate(app, text)

    assert reply.startswith("⚠️")
    assert says in reply
    assert await delegations(app) == []
    assert await events(app, "delegation_started") == []


async def test_a_delegation_in_a_circle_is_refused(app: RunningApp) -> None:
    await delegate(app, f"<@{MARCUS}|marcus>", user=TOM)

    reply = await delegate(app, f"<@{TOM}|tom>")

    assert reply.startswith("⚠️")
    assert "would send approvals in a circle" in reply
    assert [(d.delegator, d.delegate) for d in await delegations(app)] == [(TOM, MARCUS)]


async def test_a_delegation_ends_by_itself_and_both_are_told(app: RunningApp) -> None:
    slack = app.slack
    async with app.deps.unit_of_work() as uow:
        started = await start_delegation(uow, MARCUS, TOM, uow.now + timedelta(seconds=2))
    assert started.ends_at is not None
    await eventually(lambda: notices(slack, TOM), "Tom told it started")

    [ended] = await eventually(
        lambda: [n for n in notices(slack, TOM) if "has ended" in n.text],
        "Tom told it ended",
    )

    [event] = await events(app, "delegation_ended")
    assert (event.actor, event.details["why"]) == ("system", "its end date passed")
    assert started.ends_at <= event.at < started.ends_at + PRECISION
    assert f"<@{MARCUS}>'s delegation to you has ended" in ended.text
    await eventually(
        lambda: [n for n in notices(slack, MARCUS) if "has ended" in n.text],
        "Marcus told it ended",
    )
    [stored] = await delegations(app)
    assert stored.ended_at == stored.ends_at
    deal = await submit(app)
    await eventually(lambda: cards(slack, MARCUS), "the next deal's card for Marcus")
    assert [a.assignee for a in await approvals(app, deal.deal_id)][-1] == MARCUS
