"""What a briefing says for a week of seeded deals, read as the person reads it."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.briefings.compose import compose_briefings
from bot.briefings.timing import Recipient
from bot.cards.blocks import SlackMessage
from bot.cards.ids import CARD_DECISIONS
from bot.core.clock import VirtualClock
from bot.core.deps import Deps
from sandbox.block_reading import buttons, visible_text
from sandbox.blockkit import block_kit_problems
from tests.briefings.seed import MONDAY_EIGHT, START, seed_week
from tests.briefings.world import KENJI, LISA, MARCUS, OWNER

MONDAY = date(2026, 11, 23)
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
async def briefings(deps: Deps, clock: VirtualClock) -> dict[str, SlackMessage]:
    await seed_week(deps, clock)
    people = [
        Recipient(MARCUS, NEW_YORK, MONDAY),
        Recipient(KENJI, TOKYO, MONDAY),
        Recipient(LISA, ZoneInfo("America/Los_Angeles"), MONDAY),
        Recipient(OWNER, NEW_YORK, MONDAY),
        Recipient("U0NOBODY", NEW_YORK, MONDAY),
    ]
    async with deps.db.read() as session:
        return await compose_briefings(session, deps.policies, people, MONDAY_EIGHT)


def read(message: SlackMessage) -> str:
    return visible_text(message.to_dict()["blocks"])


def in_order(text: str, *parts: str) -> bool:
    """Every part appears in ``text``, in this order (else the first one that does not)."""
    at = 0
    for part in parts:
        found = text.find(part, at)
        assert found != -1, f"{part!r} not found after position {at} in:\n{text}"
        at = found + len(part)
    return True


def test_nobody_gets_an_empty_briefing(briefings: dict[str, SlackMessage]) -> None:
    assert set(briefings) == {MARCUS, KENJI, LISA, OWNER}


def test_an_approver_reads_overdue_first_then_due_today_then_the_rest(
    briefings: dict[str, SlackMessage],
) -> None:
    text = read(briefings[MARCUS])
    assert in_order(
        text,
        "Good morning!",
        "Monday, November 23",
        "4 approvals wait for you, *2 overdue*",
        "*🔴 Overdue (2)*",
        "*Old Corp* · $100,000 · 0% off · D-1001",
        "🔴 Overdue by 8d 23h",
        "*&lt;!channel&gt; Corp* · $300,000 · 0% off · D-1003",
        "🔴 Overdue by 1h",
        "*⏰ Due today (1)*",
        "*Today Inc* · $100,000 · 0% off · D-1005",
        "*📅 Coming up*\n• *Later LLC* (D-1006) · Deal approval · due",
        "*🗂️ What you decided yesterday*",
        "• ✅ Approved *Done Deal* (D-1002)",
        "• ↩️ Sent back *Sent Back Co* (D-1004)",
        "*⏸️ Stalled: no activity for 7d or more*\n• *Old Corp* (D-1001) · idle 9d 23h",
        "`/deal briefing off`",
    )
    assert "Your deals" not in text  # Marcus owns none: the section is left out


def test_each_overdue_or_due_today_approval_has_the_cards_buttons(
    briefings: dict[str, SlackMessage],
) -> None:
    blocks = briefings[MARCUS].to_dict()["blocks"]
    shown = buttons(blocks)
    assert [b["action_id"] for b in shown] == [
        str(action) for _ in range(3) for action in CARD_DECISIONS
    ]
    assert [b["text"]["text"] for b in shown[:3]] == ["Approve", "Reject", "Request changes"]
    assert len({b["value"] for b in shown}) == 3  # one approval id per item
    assert block_kit_problems("message", blocks) == []


def test_yesterday_is_the_readers_own_yesterday(briefings: dict[str, SlackMessage]) -> None:
    """Kenji approved Done Deal on Saturday 16:00 UTC: Sunday 01:00 in Tokyo."""
    kenji = read(briefings[KENJI])
    assert "• ✅ Approved *Done Deal* (D-1002)" in kenji
    assert "Due today" not in kenji  # Today Inc is due at 05:00 on his Tuesday
    assert in_order(kenji, "*🔴 Overdue (2)*", "*📅 Coming up*", "Today Inc", "Later LLC")


def test_an_owner_reads_where_each_deal_waits_and_on_whom(
    briefings: dict[str, SlackMessage],
) -> None:
    text = read(briefings[OWNER])
    assert "wait for you" not in text
    assert in_order(
        text,
        "*📂 Your deals*",
        "• *&lt;!channel&gt; Corp* (D-1003) · Deal approval, waiting on <@U0MARCUS>, "
        "<@U0KENJI>, <@U0LISA>",
        "• *Sent Back Co* (D-1004) · ↩️ sent back to you for changes",
        "• *Today Inc* (D-1005) · Deal approval, waiting on <@U0MARCUS>, <@U0KENJI>",
        "• *Later LLC* (D-1006)",
        "*⏸️ Stalled",
        "• *Old Corp* (D-1001) · idle 9d 23h · waiting on <@U0MARCUS>, <@U0KENJI>",
    )
    assert "Done Deal" not in text  # approved: nothing to wait for
    assert text.count("Old Corp") == 1  # stalled, so not listed again among "Your deals"


def test_no_company_name_can_ping_anyone(briefings: dict[str, SlackMessage]) -> None:
    for message in briefings.values():
        payload = message.to_dict()
        assert "<!channel>" not in str(payload)
    assert "*&lt;!channel&gt; Corp* · $300,000" in read(briefings[LISA])


async def test_decisions_of_the_day_before_yesterday_are_left_out(
    deps: Deps, clock: VirtualClock, briefings: dict[str, SlackMessage]
) -> None:
    clock.advance(timedelta(days=1))
    tuesday = Recipient(MARCUS, NEW_YORK, MONDAY + timedelta(days=1))
    async with deps.db.read() as session:
        later = await compose_briefings(session, deps.policies, [tuesday], clock.now())
    assert "What you decided yesterday" not in read(later[MARCUS])


def test_the_fallback_text_sums_it_up(briefings: dict[str, SlackMessage]) -> None:
    assert briefings[MARCUS].text == (
        "☀️ Your deal desk briefing for Monday: 4 approvals waiting for you (2 overdue). "
        "You decided 2 yesterday. 1 stalled deal."
    )
