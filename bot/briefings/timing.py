"""When a briefing is due: a time of day in someone's own zone, with two hours' grace.

The local day and the local time come from zoneinfo, so the days clocks change still
have exactly one briefing time each. A briefing missed while the app was down still
goes out if that is at most :data:`LATE_LIMIT` after its time; later, the day is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LATE_LIMIT = timedelta(hours=2)
_HH_MM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Recipient:
    """Someone to brief, and the local day (in their zone) the briefing is for."""

    user: str
    zone: ZoneInfo
    local_date: date


def parse_time(text: str) -> time | None:
    """``07:30`` or ``7:30`` as a time of day; None when it is not one."""
    match = _HH_MM.match(text.strip())
    return time(int(match[1]), int(match[2])) if match else None


def format_time(at: time) -> str:
    return f"{at:%H:%M}"


def zone_named(name: str | None, fallback: str) -> ZoneInfo:
    """The zone called ``name``; ``fallback`` (the policy's) when it is None or unknown."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(fallback)


def local_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``at`` on ``day`` in ``zone``, in UTC (a time skipped by a clock change falls after it)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def due_day(now: datetime, at: time, zone: ZoneInfo, late: timedelta = LATE_LIMIT) -> date | None:
    """The local day whose ``at`` has come by ``now`` and is at most ``late`` ago, if any.

    Yesterday's counts too: a briefing at 23:30 may still go out at 00:15 the next day.
    """
    today = now.astimezone(zone).date()
    for day in (today, today - timedelta(days=1)):
        moment = local_moment(day, at, zone)
        if moment <= now <= moment + late:
            return day
    return None


def next_briefing(
    now: datetime, at: time, zone: ZoneInfo, last: date | None, late: timedelta = LATE_LIMIT
) -> datetime:
    """When the next briefing goes out (if there is anything to say): within the minute when
    today's is due and not sent yet, else at the next ``at`` of a day not briefed yet."""
    due = due_day(now, at, zone, late)
    if due is not None and (last is None or last < due):
        return (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    today = now.astimezone(zone).date()
    for offset in range(3):
        day = today + timedelta(days=offset)
        moment = local_moment(day, at, zone)
        if moment > now and (last is None or last < day):
            return moment
    raise AssertionError("a briefing time comes every day")  # pragma: no cover
