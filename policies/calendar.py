"""Working calendars: when people work, so that business-time SLAs (``8bh``, ``2bd``) count
only working time.

A calendar names its time zone, its working hours per weekday and its holidays: a country
(and subdivision) from the ``holidays`` package, plus listed dates. All arithmetic is done
in the calendar's time zone and returns UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

if TYPE_CHECKING:
    from holidays import HolidayBase

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEARCH_DAYS = 3 * 366
"""How far ahead working time is looked for before a calendar counts as never open."""

Interval = tuple[time, time]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Holidays(_Strict):
    country: Annotated[str, Field(min_length=2, max_length=3)] | None = None
    """ISO code the ``holidays`` package knows, such as US, GB, DE."""
    subdivision: str | None = None
    """A state or region of the country, such as NY."""
    dates: list[date] = []

    @model_validator(mode="after")
    def _known(self) -> Holidays:
        if self.subdivision is not None and self.country is None:
            raise ValueError(
                "a subdivision needs its country, as in {country: US, subdivision: NY}"
            )
        if self.country is not None:
            try:
                _public_holidays(self.country, self.subdivision)
            except NotImplementedError as error:
                raise ValueError(f"{error}; use an ISO code such as US, GB or DE") from None
        return self


class Calendar(_Strict):
    """When an approver works: ``hours`` per weekday (``"09:00-17:00"``, or a list of such
    ranges), in ``timezone``, except on ``holidays``."""

    timezone: str
    hours: dict[Weekday, list[Interval]]
    holidays: Holidays = Holidays()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a time zone; use an IANA name such as America/New_York"
            ) from None
        return value

    @field_validator("hours", mode="before")
    @classmethod
    def _ranges(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {day: _parse_ranges(day, ranges) for day, ranges in value.items()}

    @model_validator(mode="after")
    def _some_hours(self) -> Calendar:
        if not any(self.hours.values()):
            raise ValueError("a calendar needs working hours on at least one weekday")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_holiday(self, day: date) -> bool:
        if day in self.holidays.dates:
            return True
        country = self.holidays.country
        return country is not None and day in _public_holidays(country, self.holidays.subdivision)

    def open_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's working intervals, as aware datetimes (none on a holiday)."""
        if self.is_holiday(day):
            return []
        zone = self.zone
        return [
            (datetime.combine(day, start, zone), datetime.combine(day, end, zone))
            for start, end in self.hours.get(WEEKDAYS[day.weekday()], [])
        ]

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The moment ``amount`` of working time after ``start``."""
        left = amount
        moment = start.astimezone(self.zone)
        for opened, closed in self._intervals_from(moment.date()):
            if closed <= moment:
                continue
            begin = max(opened, moment)
            if begin + left <= closed:
                return (begin + left).astimezone(UTC)
            left -= closed - begin
        raise ValueError("the calendar has no working time ahead")

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        total = timedelta()
        for opened, closed in self._intervals_from(start.astimezone(self.zone).date()):
            if opened >= end:
                break
            begin, finish = max(opened, start), min(closed, end)
            if finish > begin:
                total += finish - begin
        return total

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same local time ``days`` working days later (a day with working hours that
        is not a holiday), from the next opening when ``start`` is outside working hours."""
        local = start.astimezone(self.zone)
        opening = self.add_working_time(start, timedelta(0)).astimezone(self.zone)
        if opening > local:
            local = opening
        day, counted = local.date(), 0
        for _ in range(SEARCH_DAYS):
            day += timedelta(days=1)
            if self.open_on(day):
                counted += 1
                if counted == days:
                    return datetime.combine(day, local.time(), self.zone).astimezone(UTC)
        raise ValueError("the calendar has no working days ahead")

    def subtract_working_time(self, end: datetime, amount: timedelta) -> datetime:
        """The moment ``amount`` of working time before ``end``."""
        left = amount
        moment = end.astimezone(self.zone)
        for opened, closed in self._intervals_back_from(moment.date()):
            if opened >= moment:
                continue
            finish = min(closed, moment)
            if finish - left >= opened:
                return (finish - left).astimezone(UTC)
            left -= finish - opened
        raise ValueError("the calendar has no working time before that")

    def subtract_working_days(self, end: datetime, days: int) -> datetime:
        """The same local time ``days`` working days before ``end``."""
        local = end.astimezone(self.zone)
        day, counted = local.date(), 0
        for _ in range(SEARCH_DAYS):
            day -= timedelta(days=1)
            if self.open_on(day):
                counted += 1
                if counted == days:
                    return datetime.combine(day, local.time(), self.zone).astimezone(UTC)
        raise ValueError("the calendar has no working days before that")

    def _intervals_back_from(self, last: date) -> Iterator[tuple[datetime, datetime]]:
        for offset in range(SEARCH_DAYS):
            yield from reversed(self.open_on(last - timedelta(days=offset)))

    def _intervals_from(self, first: date) -> Iterator[tuple[datetime, datetime]]:
        for offset in range(SEARCH_DAYS):
            yield from self.open_on(first + timedelta(days=offset))


@cache
def _public_holidays(country: str, subdivision: str | None) -> HolidayBase:
    # Imported here: the holiday tables cost 3 MB and 20 ms, paid only by a policy with
    # a country's holidays.
    import holidays

    return holidays.country_holidays(country, subdiv=subdivision)


def _parse_ranges(day: object, ranges: Any) -> list[Interval]:
    written = [ranges] if isinstance(ranges, str) else ranges
    if not isinstance(written, list):
        raise ValueError(f'hours for {day} are ranges such as "09:00-17:00", not {ranges!r}')
    parsed = sorted(_parse_range(day, text) for text in written)
    for (_, end), (start, _) in pairwise(parsed):
        if start < end:
            raise ValueError(f"hours for {day} overlap: {ranges!r}; list each range once")
    return parsed


def _parse_range(day: object, text: object) -> Interval:
    try:
        first, second = str(text).split("-")
        start, end = time.fromisoformat(first.strip()), time.fromisoformat(second.strip())
    except ValueError:
        raise ValueError(
            f'{text!r} for {day} is not a range of hours; write it as "09:00-17:00"'
        ) from None
    if end <= start:
        raise ValueError(f"{text!r} for {day} ends before it starts")
    return start, end
