"""Durations as written in policies and scenarios: ``90s``, ``30m``, ``24h``, ``2d``, ``1h30m``;
and SLAs, which may also count business time: ``8bh``, ``2bd``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Annotated, Any, Protocol

from pydantic import BeforeValidator, PlainSerializer, PlainValidator

_PART = re.compile(r"(\d+)([smhdw])")
_WHOLE = re.compile(r"(?:\d+[smhdw])+")
MAX_SECONDS = 3650 * 86400
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """Parse ``90s``/``30m``/``24h``/``2d``/``1w`` or a sum such as ``1h30m``."""
    compact = text.strip().lower().replace(" ", "")
    if not _WHOLE.fullmatch(compact):
        raise ValueError(
            f"{text!r} is not a duration; write a number and a unit, such as 90s, 30m, 24h or 2d"
        )
    seconds = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _PART.findall(compact))
    if seconds <= 0:
        raise ValueError(f"{text!r} is not a positive duration")
    if seconds > MAX_SECONDS:
        raise ValueError(f"{text!r} is longer than ten years; write a shorter duration")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """A duration as an admin writes it: ``24h``, ``36h``, ``2d``, ``1h30m``, ``45s``.

    Days are used from two days up, so a one-day SLA reads ``24h``.
    """
    seconds = int(value.total_seconds())
    if seconds == 0:
        return "0s"
    parts = []
    units = ("d", "h", "m", "s") if seconds >= 2 * 86400 else ("h", "m", "s")
    for unit in units:
        count, seconds = divmod(seconds, _UNIT_SECONDS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def humanize(value: timedelta) -> str:
    """A reader-friendly rough duration: ``2h 5m``, ``3d 4h``, ``40s``."""
    seconds = int(abs(value.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


def _coerce(value: Any) -> Any:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(
            f"{value!r} has no unit; write it as {int(value)}s, {int(value)}m or {int(value)}h"
        )
    if isinstance(value, str):
        return parse_duration(value)
    raise ValueError("expected a duration such as 90s, 30m, 24h or 2d")


Duration = Annotated[
    timedelta,
    BeforeValidator(_coerce),
    PlainSerializer(format_duration, return_type=str),
]
"""A pydantic field type for policy durations."""


_BUSINESS = re.compile(r"(\d+)(bh|bd)")


@dataclass(frozen=True)
class Span:
    """An SLA: wall-clock time (``24h``), working hours (``8bh``) or working days (``2bd``)
    in the approver's calendar (policies.calendar)."""

    wall: timedelta | None = None
    working: timedelta | None = None
    """Business hours: only working time counts."""
    days: int | None = None
    """Business days: the same local time that many working days later."""

    @property
    def is_business(self) -> bool:
        return self.wall is None

    @property
    def approx(self) -> timedelta:
        """Roughly how long, for display and for rules that need one number."""
        if self.wall is not None:
            return self.wall
        if self.working is not None:
            return self.working
        return timedelta(days=self.days or 0)

    def until(self, start: datetime, calendar: WorkingCalendar | None) -> datetime:
        """When a span starting at ``start`` ends."""
        if self.wall is not None:
            return start + self.wall
        if calendar is None:
            raise ValueError(f"{self} counts business time: the approver needs a calendar")
        if self.working is not None:
            return calendar.add_working_time(start, self.working)
        return calendar.add_working_days(start, self.days or 0)

    def before(self, end: datetime, calendar: WorkingCalendar | None) -> datetime:
        """When a span ending at ``end`` began (how far back "idle for 5bd" reaches)."""
        if self.wall is not None:
            return end - self.wall
        if calendar is None:
            raise ValueError(f"{self} counts business time: it needs a calendar")
        if self.working is not None:
            return calendar.subtract_working_time(end, self.working)
        return calendar.subtract_working_days(end, self.days or 0)

    def share(self, start: datetime, calendar: WorkingCalendar | None, fraction: float) -> datetime:
        """When ``fraction`` of the span starting at ``start`` has passed (the reminder)."""
        if self.wall is not None:
            return start + self.wall * fraction
        assert calendar is not None  # until() would have said so
        total = calendar.working_time_between(start, self.until(start, calendar))
        return calendar.add_working_time(start, total * fraction)

    def scaled(self, factor: float) -> Span:
        """``factor`` of this span, in the same kind of time (working days become hours)."""
        if self.wall is not None:
            return Span(wall=self.wall * factor)
        if self.working is not None:
            return Span(working=self.working * factor)
        return Span(working=timedelta(hours=8) * (self.days or 0) * factor)

    def __str__(self) -> str:
        if self.wall is not None:
            return format_duration(self.wall)
        if self.working is not None:
            return (
                format_duration(self.working).replace("h", "bh", 1)
                if _whole_hours(self.working)
                else f"{format_duration(self.working)} of working time"
            )
        return f"{self.days}bd"


class WorkingCalendar(Protocol):
    def add_working_time(self, start: datetime, amount: timedelta) -> datetime: ...
    def add_working_days(self, start: datetime, days: int) -> datetime: ...
    def subtract_working_time(self, end: datetime, amount: timedelta) -> datetime: ...
    def subtract_working_days(self, end: datetime, days: int) -> datetime: ...
    def working_time_between(self, start: datetime, end: datetime) -> timedelta: ...


@lru_cache(maxsize=1024)
def parse_span(text: str) -> Span:
    """``24h``, ``1h30m`` (wall-clock), ``8bh`` (business hours) or ``2bd`` (business days).

    Remembered (a Span is frozen): a policy of 10,000 approvers writes ``sla: 24h``
    10,000 times, and they share one."""
    compact = text.strip().lower().replace(" ", "")
    found = _BUSINESS.fullmatch(compact)
    if found is None:
        return Span(wall=parse_duration(text))
    amount, unit = int(found[1]), found[2]
    if amount <= 0:
        raise ValueError(f"{text!r} is not a positive duration")
    return Span(working=timedelta(hours=amount)) if unit == "bh" else Span(days=amount)


def _whole_hours(value: timedelta) -> bool:
    return value.total_seconds() % 3600 == 0


def _coerce_span(value: Any) -> Span:
    if isinstance(value, Span):
        return value
    if isinstance(value, timedelta):
        return Span(wall=value)
    if isinstance(value, str):
        try:
            return parse_span(value)
        except ValueError as error:
            raise (
                ValueError(f"{error}; business time is written 8bh (hours) or 2bd (days)")
                if "is not a duration" in str(error)
                else error
            ) from None
    return Span(wall=_coerce(value))


Sla = Annotated[Span, PlainValidator(_coerce_span), PlainSerializer(str, return_type=str)]
"""A pydantic field type for SLAs: wall-clock or business time."""
