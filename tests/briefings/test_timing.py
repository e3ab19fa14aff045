"""When a briefing is due: each person's own 08:00, two hours' grace, daylight saving."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.briefings.timing import due_day, next_briefing, parse_time, zone_named

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
EIGHT = time(8, 0)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "zone", "expected"),
    [
        (utc(2026, 11, 23, 12, 59), NEW_YORK, None),  # 07:59 in New York
        (utc(2026, 11, 23, 13, 0), NEW_YORK, date(2026, 11, 23)),  # 08:00 sharp
        (utc(2026, 11, 23, 14, 59), NEW_YORK, date(2026, 11, 23)),  # 09:59: still goes out
        (utc(2026, 11, 23, 15, 0), NEW_YORK, date(2026, 11, 23)),  # 10:00: two hours late
        (utc(2026, 11, 23, 15, 1), NEW_YORK, None),  # 10:01: skipped for the day
        (utc(2026, 11, 22, 22, 59), TOKYO, None),  # 07:59 on Monday in Tokyo
        (utc(2026, 11, 22, 23, 0), TOKYO, date(2026, 11, 23)),  # 08:00 on Monday in Tokyo
        (utc(2026, 11, 23, 13, 0), TOKYO, None),  # New York's 08:00 is 22:00 in Tokyo
    ],
)
def test_due_at_their_own_eight_with_two_hours_grace(
    now: datetime, zone: ZoneInfo, expected: date | None
) -> None:
    assert due_day(now, EIGHT, zone) == expected


@pytest.mark.parametrize(
    ("day", "eight_utc"),
    [
        (date(2026, 3, 7), utc(2026, 3, 7, 13, 0)),  # EST, the day before clocks go forward
        (date(2026, 3, 8), utc(2026, 3, 8, 12, 0)),  # EDT from 02:00 that morning
        (date(2026, 10, 31), utc(2026, 10, 31, 12, 0)),
        (date(2026, 11, 1), utc(2026, 11, 1, 13, 0)),  # EST again from 02:00
    ],
)
def test_the_days_clocks_change_have_one_eight_oclock(day: date, eight_utc: datetime) -> None:
    start = datetime.combine(day, time(0), NEW_YORK).astimezone(UTC)
    minutes = [start + timedelta(minutes=m) for m in range(26 * 60)]
    due = [moment for moment in minutes if due_day(moment, EIGHT, NEW_YORK, timedelta(0)) == day]
    assert due == [eight_utc]


def test_a_late_evening_time_is_still_due_just_after_midnight() -> None:
    at = time(23, 30)
    assert due_day(utc(2026, 11, 24, 5, 15), at, NEW_YORK) == date(2026, 11, 23)  # 00:15


def test_a_time_skipped_by_the_clock_change_comes_once_just_after_it() -> None:
    at = time(2, 30)  # does not exist in New York on 2026-03-08
    minutes = [utc(2026, 3, 8, 0, 0) + timedelta(minutes=m) for m in range(24 * 60)]
    due = [moment for moment in minutes if due_day(moment, at, NEW_YORK, timedelta(0))]
    assert due == [utc(2026, 3, 8, 7, 30)]  # 03:30 EDT


@pytest.mark.parametrize(
    ("now", "last", "expected"),
    [
        (utc(2026, 11, 23, 11, 0), None, utc(2026, 11, 23, 13, 0)),  # 06:00: today at 08:00
        (utc(2026, 11, 23, 13, 0, 30), None, utc(2026, 11, 23, 13, 1)),  # due: within the minute
        (utc(2026, 11, 23, 13, 30), date(2026, 11, 23), utc(2026, 11, 24, 13, 0)),  # had it
        (utc(2026, 11, 23, 16, 0), None, utc(2026, 11, 24, 13, 0)),  # 11:00: too late today
    ],
)
def test_next_briefing(now: datetime, last: date | None, expected: datetime) -> None:
    assert next_briefing(now, EIGHT, NEW_YORK, last) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07:30", time(7, 30)),
        ("7:30", time(7, 30)),
        (" 23:59 ", time(23, 59)),
        ("00:00", time(0, 0)),
        ("24:00", None),
        ("7.30", None),
        ("07:60", None),
        ("730", None),
        ("", None),
        ("seven", None),
    ],
)
def test_parse_time(text: str, expected: time | None) -> None:
    assert parse_time(text) == expected


def test_an_unknown_or_missing_zone_falls_back_to_the_policy_zone() -> None:
    assert zone_named("Asia/Tokyo", "America/New_York") == TOKYO
    assert zone_named(None, "America/New_York") == NEW_YORK
    assert zone_named("Mars/Olympus_Mons", "America/New_York") == NEW_YORK
