"""Dates as Slack date tokens, time left, people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.cards.home import build_home
from bot.cards.reminder import build_reminder_reply
from bot.read_models.snapshots import HomeData
from bot.text.mrkdwn import ON_DATE, slack_date, time_left, who, who_named
from tests.cards.fixtures import LISA, NOW, cfo_approval
from tests.cards.surfaces import all_surfaces, build_world
from tests.cards.walk import all_text

DUE = NOW + timedelta(hours=2)
DUE_TOKEN = (
    f"<!date^{int(DUE.timestamp())}^{{date_short_pretty}} at {{time}}|Nov 21, 2026 at 15:00 UTC>"
)


def test_a_date_token_carries_the_epoch_and_a_utc_fallback() -> None:
    assert int(DUE.timestamp()) == 1795273200
    assert slack_date(DUE) == DUE_TOKEN
    assert slack_date(DUE, ON_DATE) == (
        "<!date^1795273200^{date_short} at {time}|Nov 21, 2026 at 15:00 UTC>"
    )


def test_a_date_in_another_zone_or_naive_is_the_same_instant() -> None:
    new_york = DUE.astimezone(timezone(timedelta(hours=-5)))
    assert slack_date(new_york) == DUE_TOKEN
    assert slack_date(DUE.replace(tzinfo=None)) == DUE_TOKEN


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (NOW + timedelta(hours=1, minutes=20), "due in 1h 20m"),
        (NOW + timedelta(minutes=30), "due in 30m"),
        (NOW, "due now"),
        (NOW - timedelta(hours=3), "overdue by 3h"),
        (NOW - timedelta(days=2, hours=1), "overdue by 2d 1h"),
    ],
)
def test_time_left(due: datetime, expected: str) -> None:
    assert time_left(due, NOW) == expected


def test_people_are_mentions_and_avatars_are_named() -> None:
    assert who(LISA, "Lisa Wong") == "<@U0LISA>"
    assert who("avatar:sdr", "Sarah Chen") == "Sarah Chen (avatar)"
    assert who_named("U0DANIEL", "Daniel Kim") == "<@U0DANIEL> (Daniel Kim)"
    assert who("avatar:x", "A <b>") == "A &lt;b&gt; (avatar)"


@pytest.mark.parametrize(
    "name", ["approval_card", "deal_parent_in_review", "thread_assigned", "status", "inbox"]
)
def test_deadlines_render_as_date_tokens_with_the_right_epoch(name: str) -> None:
    payload = all_surfaces(build_world())[name]().payload
    assert DUE_TOKEN in all_text(payload)


def test_home_shows_each_deadline_as_a_date_token() -> None:
    view = build_home(
        HomeData(user=LISA, now=NOW, waiting=[(build_world().pending, cfo_approval())])
    ).to_dict()
    assert DUE_TOKEN in all_text(view)


def test_the_reminder_names_the_deadline_and_the_time_left() -> None:
    reply = build_reminder_reply(cfo_approval(), NOW + timedelta(minutes=90))
    assert reply.text == f"⏰ <@U0LISA>, this approval is due {DUE_TOKEN} (in 30m)."
    late = build_reminder_reply(cfo_approval(), DUE + timedelta(minutes=5))
    assert late.text == f"⏰ <@U0LISA>, this approval was due {DUE_TOKEN} (overdue by 5m)."


def test_now_fixture_is_utc() -> None:
    assert NOW.tzinfo is UTC
