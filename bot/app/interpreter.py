"""How ``dealdesk serve`` sets up the Python interpreter: the GIL's switch interval and the
cyclic garbage collector's thresholds, both measured against this workload, and how it
keeps the C heap from growing with its age.

Benches that run serve's code in their own process (bench/briefings.py composes every
briefing in process) set it up the same way, so that they measure what serve does.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import sys
from functools import cache

SWITCH_INTERVAL = 0.0005
"""Seconds a thread may hold the GIL while another waits for it (Python's default: 5 ms).
Every SQLite statement is a round trip to aiosqlite's thread and back; while the event
loop is busy, the default made each leg wait up to 5 ms, and a burst of work spent
half its time waiting (bench/deadlines.py: 6,000 timeouts in a minute, p50 lateness
7.9 s at 5 ms, 1.5 s at 0.5 ms)."""

GC_THRESHOLDS = (50_000, 10, 10)
"""Container allocations between young collections, and young collections between older
ones (Python's defaults: 700, 10, 10). Reading tens of thousands of rows creates objects
that live until the batch is done and are then freed by reference counting; with the
defaults the collector scanned them again and again and found nothing to free
(a morning round of 2,200 briefings: 12 full collections freed 825 objects, and took
40% of the 6.2 s the round took; 3.9 s with these)."""


MALLOC_ARENAS = 2
"""Heaps glibc's malloc may keep (its default: eight per core). Each aiosqlite connection
is a thread, and a thread that allocates was given a heap of its own, whose free space
the others could not reuse: in half an hour of ``bench.soak`` the free space held by
the heaps grew from 3 to 16 MB; with two heaps and a trim every minute it stayed
between 3 and 7 MB, and the address space was 300 MB instead of 860 MB."""

TRIM_EVERY = 60.0
"""Seconds between handing the heaps' free pages back to the system (``malloc_trim``).
glibc returns memory on its own only from the top of a heap; what a request freed below
a buffer still in use stays resident until trimmed."""

_M_ARENA_MAX = -8  # from glibc's malloc.h


def tune() -> None:
    """Set the switch interval, the collector's thresholds and malloc's heaps for this
    process (before its threads start: a thread's heap is chosen when it first allocates)."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    gc.set_threshold(*GC_THRESHOLDS)
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_ARENA_MAX, MALLOC_ARENAS)


def started() -> None:
    """Once start-up has loaded what the process keeps for its lifetime (the modules, the
    policy), leave those objects out of every later collection (``gc.freeze``): a
    10,000-approver policy is hundreds of thousands of objects no collection can free.
    No collection first: it would cost start-up a full pass for the little it frees."""
    gc.freeze()


def release_memory() -> None:
    """Give the pages of malloc's free space back to the system (glibc only)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


async def trim_memory(stop: asyncio.Event, every: float = TRIM_EVERY) -> None:
    """Release free heap pages every ``every`` seconds until ``stop``: a worker of serve."""
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), every)
        except TimeoutError:
            release_memory()


@cache
def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (musl and macOS have neither call), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)  # the process's own symbols, the C library's among them
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    except (OSError, AttributeError):
        return None
    return libc
