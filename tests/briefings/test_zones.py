"""Time zones come from Slack profiles (users.info), looked up again at most daily; the
policy's zone stands in for someone whose profile has none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.briefings.morning import run_morning
from bot.core.clock import VirtualClock
from bot.core.deps import Deps
from bot.slack.gateway import Person, SlackTrouble
from store.people import get_person
from tests.briefings.world import KENJI, LISA, MARCUS, OWNER
from tests.support.deals import submit, techcorp

SUNDAY_NOON = datetime(2026, 11, 22, 17, 0, tzinfo=UTC)
MONDAY_EIGHT = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


class Profiles:
    """Slack profiles as users.info gives them; ``down`` people cannot be looked up now."""

    def __init__(self, zones: dict[str, str | None]) -> None:
        self.zones = zones
        self.down: dict[str, SlackTrouble] = {}
        self.asked: list[tuple[str, bool]] = []

    async def person(self, user: str, *, fresh: bool = False) -> Person:
        self.asked.append((user, fresh))
        if user in self.down:
            raise self.down[user]
        return Person(user=user, name=user, tz=self.zones.get(user), is_bot=False)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(SUNDAY_NOON)


async def test_zones_are_looked_up_then_kept_for_a_day(deps: Deps, clock: VirtualClock) -> None:
    await submit(deps, techcorp())  # Marcus, Kenji and Lisa decide; Sarah owns it
    profiles = Profiles({MARCUS: "America/New_York", KENJI: "Asia/Tokyo", OWNER: None})
    profiles.down[LISA] = SlackTrouble("ratelimited", retryable=True, retry_after=30)

    clock.set(MONDAY_EIGHT)
    summary = await run_morning(deps, profiles)
    # Kenji's Tokyo profile keeps him out of New York's 08:00; Sarah's profile has no zone
    # and Lisa's could not be read yet: the policy's New York stands in for both.
    assert set(summary.briefed) == {MARCUS, OWNER, LISA}
    assert {user for user, fresh in profiles.asked if fresh} == {MARCUS, KENJI, OWNER, LISA}
    async with deps.db.read() as session:
        kenji = await get_person(session, KENJI)
        lisa = await get_person(session, LISA)
    assert kenji is not None
    assert kenji.tz == "Asia/Tokyo"
    assert lisa is not None
    assert lisa.tz_checked_at is None

    profiles.asked.clear()
    del profiles.down[LISA]
    clock.advance(timedelta(minutes=1))
    await run_morning(deps, profiles)
    assert profiles.asked == [(LISA, True)]

    profiles.asked.clear()
    clock.advance(timedelta(hours=23, minutes=58))
    await run_morning(deps, profiles)
    assert profiles.asked == []  # a day has not passed since
    clock.advance(timedelta(minutes=1))  # a day after the first look-ups (Lisa's came later)
    await run_morning(deps, profiles)
    assert {user for user, _ in profiles.asked} == {MARCUS, KENJI, OWNER}


async def test_a_deleted_user_is_not_asked_about_every_minute(
    deps: Deps, clock: VirtualClock
) -> None:
    await submit(deps, techcorp(acv=100000, discount=0))
    profiles = Profiles({MARCUS: "America/New_York", OWNER: "America/New_York"})
    profiles.down[KENJI] = SlackTrouble("user_not_found", retryable=False)
    await run_morning(deps, profiles)
    profiles.asked.clear()
    clock.advance(timedelta(minutes=1))
    await run_morning(deps, profiles)
    assert profiles.asked == []
