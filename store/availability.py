"""Whether the database answers, as the code using it finds out: every transaction and
read reports how it went (store.db), so ``/healthz``, the intake API and the click
handlers know of an outage without asking, and the log says it once a minute, not once
per request, and without a traceback (a connection refused is not a bug).

Two things are watched. *Failures*: a connection refused, a server shutting down, SQLite
saying it is locked. *Waits*: a write that has not got the database for a while (on
SQLite, another process holding the write lock makes a write wait, not fail).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger("dealdesk.database")

LOG_EVERY = 60.0
"""Seconds between two log lines about the same outage."""
STUCK_AFTER = 5.0
"""A write waiting this long for the database counts as an outage."""


class Use(StrEnum):
    READ = "reads"
    WRITE = "writes"


def is_unavailable(error: BaseException) -> bool:
    """An error that says the database is not there (or not accepting work), not that
    our code or our data is wrong."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, OperationalError):  # also "no such table": that is not an outage
        text = str(error.orig if error.orig is not None else error).lower()
        return any(word in text for word in _OUTAGE_WORDS)
    return isinstance(
        error, InterfaceError | PoolTimeout | ConnectionError | OSError
    ) or _driver_says_unavailable(error)


_OUTAGE_WORDS = (
    "locked",
    "unable to open",
    "disk i/o",
    "connect",
    "closed",
    "terminat",
    "refused",
    "shutting down",
    "timeout",
    "timed out",
)


_DRIVER_OUTAGES = frozenset(
    {
        "PostgresConnectionError",
        "ConnectionDoesNotExistError",
        "CannotConnectNowError",
        "OperatorInterventionError",
    }
)
"""asyncpg's errors for a server that is not there (any of them among the causes)."""


def _driver_says_unavailable(error: BaseException) -> bool:
    """The driver's own connection errors, alone or as the cause SQLAlchemy wrapped
    ("the database system is shutting down" arrives as a plain DBAPIError)."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if {cls.__name__ for cls in type(cause).__mro__} & _DRIVER_OUTAGES:
            return True
        if isinstance(cause, ConnectionError | OSError):
            return True
        cause = getattr(cause, "orig", None) or cause.__cause__ or cause.__context__
    return False


def one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text.split(" [SQL:", 1)[0].split(" (Background on this error", 1)[0][:300]


@dataclass
class _Outage:
    reason: str
    since: float
    failures: int = 1
    logged_at: float | None = None


@dataclass
class Availability:
    """What the last uses of the database found; one per Database."""

    clock: Callable[[], float] = time.monotonic
    _outages: dict[Use, _Outage] = field(default_factory=dict)
    _writing: dict[int, float] = field(default_factory=dict)
    _tokens: itertools.count[int] = field(default_factory=itertools.count)

    def _now(self) -> float:
        return self.clock()

    def failed(self, use: Use, error: BaseException) -> None:
        now, reason = self._now(), one_line(error)
        outage = self._outages.get(use)
        if outage is None:
            outage = self._outages[use] = _Outage(reason, now)
        else:
            outage.reason, outage.failures = reason, outage.failures + 1
        if outage.logged_at is None or now - outage.logged_at >= LOG_EVERY:
            log.error(
                "database unavailable for %s since %.0f s ago (%d failed %s): %s; "
                "dealdesk keeps trying and records nothing half-done",
                use.value,
                now - outage.since,
                outage.failures,
                "attempt" if outage.failures == 1 else "attempts",
                reason,
            )
            outage.logged_at = now

    def succeeded(self, use: Use) -> None:
        outage = self._outages.pop(use, None)
        if outage is not None:
            log.warning(
                "database available again for %s after %.1f s (%d failed attempts)",
                use.value,
                self._now() - outage.since,
                outage.failures,
            )

    def write_started(self) -> int:
        token = next(self._tokens)
        self._writing[token] = self._now()
        return token

    def write_ended(self, token: int) -> None:
        self._writing.pop(token, None)

    @property
    def writes_failing(self) -> bool:
        """A write failed and none has succeeded since (and none is under way to tell)."""
        return Use.WRITE in self._outages and not self._writing

    @property
    def stuck(self) -> str | None:
        """Why a write now would only wait: one has waited STUCK_AFTER for the database."""
        if not self._writing:
            return None
        waited = self._now() - min(self._writing.values())
        if waited < STUCK_AFTER:
            return None
        return (
            f"a write has waited {waited:.0f} s for the database (on SQLite: another "
            "process holds its write lock)"
        )

    @property
    def problem(self) -> str | None:
        """Why the database is not usable now, in one line; None when it is."""
        if (stuck := self.stuck) is not None:
            return stuck
        for use in (Use.WRITE, Use.READ):
            if (outage := self._outages.get(use)) is not None:
                return f"{use.value} fail: {outage.reason}"
        return None
