"""Each person's briefing at their own local time, at most once a local day: across
restarts, two processes, daylight saving, and a round missed while the app was down.

Real (system) clocks under time-machine: the app asks the time as it does in production.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.briefings.morning import run_morning
from bot.briefings.settings import change_briefing
from bot.cards.briefing import BriefingChange
from bot.core.deps import Deps, open_deps
from tests.briefings.world import KENJI, MARCUS, OWNER, briefed, queued, set_zones
from tests.support.deals import submit, techcorp

NEW_YORK = ZoneInfo("America/New_York")
SUNDAY_AFTERNOON = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
MONDAY = date(2026, 11, 23)


def new_york(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), NEW_YORK).astimezone(UTC)


@pytest.fixture
def travel() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(SUNDAY_AFTERNOON, tick=False) as traveller:
        yield traveller


@asynccontextmanager
async def desk(database_url: str, policy_file: Path) -> AsyncIterator[Deps]:
    """A deal desk on the system clock (one ``serve`` process's worth of it)."""
    async with open_deps(database_url, policy_file) as deps:
        yield deps


@pytest.fixture
async def deps(
    database_url: str, policy_file: Path, travel: time_machine.Traveller
) -> AsyncIterator[Deps]:
    """A deal in review since Sunday afternoon: Marcus (New York) and Kenji (Tokyo) decide."""
    async with desk(database_url, policy_file) as opened:
        await set_zones(opened)
        await submit(opened, techcorp(acv=100000, discount=0))
        yield opened


async def round_at(deps: Deps, travel: time_machine.Traveller, moment: datetime) -> set[str]:
    travel.move_to(moment)
    return set((await run_morning(deps)).briefed)


async def test_new_york_and_tokyo_each_at_their_own_eight(
    deps: Deps, travel: time_machine.Traveller
) -> None:
    tokyo_eight = datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert await round_at(deps, travel, tokyo_eight - timedelta(minutes=1)) == set()
    assert await round_at(deps, travel, tokyo_eight) == {KENJI}
    assert await round_at(deps, travel, new_york(MONDAY, 7, 59)) == set()
    assert await round_at(deps, travel, new_york(MONDAY, 8)) == {MARCUS, OWNER}
    assert await round_at(deps, travel, new_york(MONDAY, 8, 1)) == set()
    assert await briefed(deps) == [(KENJI, MONDAY), (MARCUS, MONDAY), (OWNER, MONDAY)]
    [kenji] = [q for q in await queued(deps) if q.user == KENJI]
    assert kenji.created_at == tokyo_eight


@pytest.mark.parametrize(
    ("day", "eight_utc"),
    [
        (date(2026, 3, 8), datetime(2026, 3, 8, 12, 0, tzinfo=UTC)),  # clocks go forward
        (date(2026, 11, 1), datetime(2026, 11, 1, 13, 0, tzinfo=UTC)),  # clocks go back
    ],
)
async def test_the_day_clocks_change_sends_exactly_one(
    database_url: str, policy_file: Path, day: date, eight_utc: datetime
) -> None:
    with time_machine.travel(new_york(day - timedelta(days=1), 12), tick=False) as travel:
        async with desk(database_url, policy_file) as deps:
            await set_zones(deps)
            await submit(deps, techcorp(acv=100000, discount=0))
            start = datetime.combine(day, time(0), NEW_YORK).astimezone(UTC)
            end = datetime.combine(day + timedelta(days=1), time(0), NEW_YORK).astimezone(UTC)
            moment = start
            while moment < end:  # every ten minutes of the local day, 23 or 25 hours long
                await round_at(deps, travel, moment)
                moment += timedelta(minutes=10)
            marcus = [q for q in await queued(deps) if q.user == MARCUS]
    assert [(q.day, q.created_at) for q in marcus] == [(day, eight_utc)]


async def test_a_restart_at_eight_sends_none_twice(
    deps: Deps, database_url: str, policy_file: Path, travel: time_machine.Traveller
) -> None:
    travel.move_to(new_york(MONDAY, 8, 0, 30))
    async with desk(database_url, policy_file) as other:  # a second serve process
        first, second = await asyncio.gather(run_morning(deps), run_morning(other))
        assert set(first.briefed).isdisjoint(second.briefed)
        assert set(first.briefed) | set(second.briefed) == {MARCUS, OWNER}
        assert (await run_morning(deps)).briefed == ()
        assert (await run_morning(other)).briefed == ()
    async with desk(database_url, policy_file) as restarted:
        travel.move_to(new_york(MONDAY, 8, 1))
        assert (await run_morning(restarted)).briefed == ()
    assert sorted(await briefed(deps)) == [(MARCUS, MONDAY), (OWNER, MONDAY)]


@pytest.mark.parametrize(
    ("back_at", "sent"),
    [((9, 59), {MARCUS, OWNER}), ((10, 1), set())],
)
async def test_a_briefing_missed_while_down_goes_out_within_two_hours(
    deps: Deps, travel: time_machine.Traveller, back_at: tuple[int, int], sent: set[str]
) -> None:
    assert await round_at(deps, travel, new_york(MONDAY, *back_at)) == sent
    assert await round_at(deps, travel, new_york(MONDAY, 11)) == set()
    tuesday = MONDAY + timedelta(days=1)
    assert await round_at(deps, travel, new_york(tuesday, 8)) == {MARCUS, OWNER}


async def test_briefing_off_sends_none_and_on_brings_it_back(
    deps: Deps, travel: time_machine.Traveller
) -> None:
    off = await change_briefing(deps, MARCUS, BriefingChange.OFF)
    assert (off.enabled, off.next_at) == (False, None)
    assert await round_at(deps, travel, new_york(MONDAY, 8)) == {OWNER}
    on = await change_briefing(deps, MARCUS, BriefingChange.ON)
    assert on.next_at == new_york(MONDAY, 8, 1)  # still within the grace: within the minute
    assert await round_at(deps, travel, new_york(MONDAY, 8, 1)) == {MARCUS}


async def test_a_chosen_time_moves_the_briefing(deps: Deps, travel: time_machine.Traveller) -> None:
    travel.move_to(new_york(MONDAY, 6))
    setting = await change_briefing(deps, MARCUS, BriefingChange.TIME, time(7, 30))
    assert setting.next_at == new_york(MONDAY, 7, 30)
    assert await round_at(deps, travel, new_york(MONDAY, 7, 29)) == set()
    assert await round_at(deps, travel, new_york(MONDAY, 7, 30)) == {MARCUS}
    assert await round_at(deps, travel, new_york(MONDAY, 8)) == {OWNER}
    status = await change_briefing(deps, MARCUS, BriefingChange.STATUS)
    assert status.next_at == new_york(MONDAY + timedelta(days=1), 7, 30)
