"""Slack's requests come first: background work waits for a quiet moment.

Slack needs an answer to every request within 3 seconds; applying a decision or
delivering a card may take a moment longer without anyone noticing. So the workers
(the decision inbox, the outbox delivery) ask ``await traffic.quiet()`` before each
batch: it returns at once when no request from Slack is being answered, and otherwise
when the last one is answered, or after ``MAX_DEFER`` at the latest, so that under a
sustained burst the workers still make progress. The SLA scheduler never waits.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

MAX_DEFER = 1.0
"""Seconds background work may be held back while Slack's requests keep coming."""
SMALL_BATCH = 5
"""How much background work to do at a time while Slack's requests keep coming."""


class Traffic:
    def __init__(self, max_defer: float = MAX_DEFER) -> None:
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._max_defer = max_defer

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @contextlib.contextmanager
    def request(self) -> Iterator[None]:
        """Count a request from Slack while it is being answered."""
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def quiet(self, batch: int) -> int:
        """Wait until no request is being answered, or MAX_DEFER, whichever comes first;
        return how much work to take now: ``batch`` when it is quiet, less when it is not."""
        if self._in_flight == 0:
            return batch
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), self._max_defer)
        return batch if self._in_flight == 0 else min(batch, SMALL_BATCH)
