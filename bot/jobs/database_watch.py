"""After a write failed, find out when writes work again without waiting for the next
deal or click: a write that changes nothing, every couple of seconds, until one goes
through (then ``/healthz`` says ok and the log says the database is back)."""

from __future__ import annotations

import asyncio
import contextlib

from store.availability import is_unavailable
from store.db import Database

EVERY = 2.0
"""Seconds between two probes while writes fail."""


async def watch_database(db: Database, stop: asyncio.Event, *, every: float = EVERY) -> None:
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
        if stop.is_set() or not db.availability.writes_failing:
            continue
        try:
            await db.probe_writes()
        except Exception as error:  # noted (and logged once a minute) by store.availability
            if not is_unavailable(error):
                raise
