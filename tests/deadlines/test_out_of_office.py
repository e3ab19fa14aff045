"""Out of office read from Slack, against the running app: an approver whose status says
"Vacation" gets no card, their backup does, with the reason; a status set later is seen
at reminder time; one back soon keeps the card; with nobody left the admins are asked;
and a status Slack will not give right now never holds a card up."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.workflow.snooze import snooze
from policies.vocabulary import ApprovalStatus
from tests.deadlines.steps import LISA, MARCUS, approvals, events, holding, posts
from tests.slack.flows import (
    DEAL_CHANNEL,
    ESCALATION_CHANNEL,
    card_for,
    cards,
    eventually,
    settled,
    submit,
)
from tests.support.app_server import RunningApp, running_app
from tests.support.fake_slack import FakeSlack

CHICAGO = ZoneInfo("America/Chicago")  # Marcus's Slack time zone


def in_days(days: int) -> datetime:
    """Midnight in Chicago ``days`` from now: "until <weekday> <day> <month>"."""
    day = datetime.now(CHICAGO).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, tzinfo=CHICAGO)


def until_words(moment: datetime) -> str:
    local = moment.astimezone(CHICAGO)
    return f"until {local:%a} {local.day} {local:%b}"


StartApp = Callable[..., Awaitable[RunningApp]]


@pytest.fixture
async def app_with(
    database_url: str, deadline_policy: Callable[..., Path], slack: FakeSlack
) -> AsyncIterator[StartApp]:
    """Start the app with the deadline matrix plus ``extra`` policy lines."""
    async with AsyncExitStack() as stack:

        async def start(extra: str = "", **slas: str) -> RunningApp:
            path = deadline_policy(**slas)
            path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
            return await stack.enter_async_context(running_app(database_url, path, slack))

        yield start


async def test_an_approver_on_vacation_gets_no_card_their_backup_does_with_the_reason(
    app: RunningApp,
) -> None:
    slack = app.slack
    back = in_days(3)
    slack.set_status(MARCUS, "Vacation", ":palm_tree:", expires_at=back)
    deal = await submit(app)

    lisa_card = await card_for(slack, LISA)
    reason = f"Marcus Thompson's Slack status: Vacation {until_words(back)}"
    assert reason in lisa_card.visible_text
    await settled(app)
    assert cards(slack, MARCUS) == []
    [moved] = await events(app, "approval_reassigned")
    assert moved.details["cause"] == "out_of_office"
    assert (moved.details["from_assignee"], moved.details["to_assignee"]) == (MARCUS, LISA)
    assert moved.details["why"] == reason
    lisa = await holding(app, deal.deal_id, LISA)
    assert lisa.reason == reason
    assert lisa.due_at is not None  # her own SLA, from now
    thread = [c.params["text"] for c in posts(slack, DEAL_CHANNEL) if c.params.get("thread_ts")]
    assert any("Vacation" in text and "Lisa Wong" in text for text in thread), thread


async def test_a_status_set_after_the_card_is_seen_at_reminder_time(app: RunningApp) -> None:
    slack = app.slack
    deal = await submit(app)
    marcus_card = await card_for(slack, MARCUS)
    slack.set_status(MARCUS, "Out of office", ":no_entry:")

    lisa_card = await card_for(slack, LISA)
    assert "Marcus Thompson's Slack status: Out of office" in lisa_card.visible_text
    await settled(app)
    reminders = posts(slack, marcus_card.channel, thread_ts=marcus_card.ts)
    assert reminders == []  # he is away: no reminder, the approval moved instead
    assert [e for e in await events(app, "reminder_sent") if e.details["assignee"] == MARCUS] == []
    [moved] = await events(app, "approval_reassigned")
    assert moved.details["cause"] == "out_of_office"
    first = await holding(app, deal.deal_id, MARCUS)
    assert first.status == ApprovalStatus.REASSIGNED
    await eventually(
        lambda: "Lisa Wong" in slack.message(marcus_card.channel, marcus_card.ts).visible_text,
        "Marcus's card saying where it went",
    )


async def test_a_status_that_ends_before_the_deadline_waits(
    app_with: StartApp, slack: FakeSlack
) -> None:
    app = await app_with("out_of_office: {wait_if_back_within: 4h}\n", manager_sla="24h")
    back = datetime.now(UTC) + timedelta(hours=1)
    slack.set_status(MARCUS, "OOO - dentist", "", expires_at=back)
    deal = await submit(app)

    await card_for(slack, MARCUS)
    await settled(app)
    assert cards(slack, LISA) == []
    [waited] = await events(app, "approval_waits_for_holder")
    assert waited.details["assignee"] == MARCUS
    assert waited.details["why"].startswith("Marcus Thompson's Slack status: OOO - dentist until")
    row = await holding(app, deal.deal_id, MARCUS)
    assert row.status == ApprovalStatus.PENDING
    assert row.away_waited_at is not None


async def test_a_status_back_after_the_wait_still_hands_over(
    app_with: StartApp, slack: FakeSlack
) -> None:
    app = await app_with("out_of_office: {wait_if_back_within: 4h}\n", manager_sla="24h")
    slack.set_status(MARCUS, "OOO", "", expires_at=datetime.now(UTC) + timedelta(hours=6))
    await submit(app)

    await card_for(slack, LISA)
    await settled(app)
    assert cards(slack, MARCUS) == []
    assert await events(app, "approval_waits_for_holder") == []


async def test_with_nobody_left_the_away_holder_keeps_it_and_the_admins_are_asked(
    app: RunningApp,
) -> None:
    slack = app.slack
    slack.set_status(MARCUS, "Vacation", ":palm_tree:", expires_at=in_days(5))
    slack.set_status(LISA, "", ":airplane:", expires_at=in_days(2))
    deal = await submit(app)

    lisa_card = await card_for(slack, LISA)  # she may still look; nobody else can decide it
    assert "Marcus Thompson's Slack status: Vacation" in lisa_card.visible_text
    [escalated] = await eventually(
        lambda: posts(slack, ESCALATION_CHANNEL) or None, "the escalation to the admins"
    )
    [event] = await events(app, "approval_escalated")
    assert "Lisa Wong's Slack status: :airplane: until" in event.details["why"]
    lisa = await holding(app, deal.deal_id, LISA)
    assert lisa.status == ApprovalStatus.PENDING
    assert lisa.escalated_at is not None
    assert escalated.params["channel"] == ESCALATION_CHANNEL


async def test_a_policy_without_out_of_office_statuses_does_not_ask_slack(
    app_with: StartApp, slack: FakeSlack
) -> None:
    app = await app_with("out_of_office: {status_text: [], status_emoji: []}\n")
    slack.set_status(MARCUS, "Vacation", ":palm_tree:")
    await submit(app)

    await card_for(slack, MARCUS)
    await settled(app)
    assert slack.calls_to("users.info") == []


async def test_when_slack_will_not_say_the_card_goes_out_as_usual(
    app_with: StartApp, slack: FakeSlack
) -> None:
    app = await app_with(manager_sla="1h")
    slack.set_status(MARCUS, "Vacation", ":palm_tree:", expires_at=in_days(3))
    slack.rate_limit("users.info", retry_after=30)
    deal = await submit(app)

    await card_for(slack, MARCUS)
    await settled(app)
    assert [row.assignee for row in await approvals(app, deal.deal_id) if not row.is_avatar] == [
        MARCUS
    ]
    assert len(slack.calls_to("users.info")) == 1  # and it waits as Slack asked


async def test_someone_who_said_they_are_on_it_keeps_it_whatever_their_status(
    app: RunningApp,
) -> None:
    slack = app.slack
    deal = await submit(app)
    marcus_card = await card_for(slack, MARCUS)
    row = await holding(app, deal.deal_id, MARCUS)
    async with app.deps.unit_of_work() as uow:
        await snooze(uow, row.id, MARCUS)  # "I'm on it" (the button's workflow step)
    slack.set_status(MARCUS, "Out of office")

    [reminder] = await slack.wait_for(
        "chat.postMessage",
        where=lambda c: c.params.get("thread_ts") == marcus_card.ts,
        timeout=10,
    )
    assert f"<@{MARCUS}>" in reminder.params["text"]
    assert [e.details["cause"] for e in await events(app, "approval_reassigned")] in (
        [],
        ["timeout"],
    )
