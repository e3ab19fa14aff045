"""Durations as written in policies and scenarios: ``90s``, ``30m``, ``24h``, ``2d``, ``1h30m``."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

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
