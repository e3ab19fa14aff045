"""What time it is.

Everything asks the clock in Deps, so tests and the simulator run in virtual time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class VirtualClock:
    """A clock that moves only when told to (the simulator, tests)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("VirtualClock needs an aware start time")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        if moment < self._now:
            raise ValueError("a virtual clock does not go backwards")
        self._now = moment.astimezone(UTC)


class ShiftedClock:
    """Real time, moved forward on demand (the sandbox's clock control): time keeps running,
    ``advance`` jumps ahead, and it never goes back."""

    def __init__(self) -> None:
        self._ahead = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._ahead

    @property
    def ahead(self) -> timedelta:
        """How far ahead of real time it is."""
        return self._ahead

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("the clock does not go backwards")
        self._ahead += delta
