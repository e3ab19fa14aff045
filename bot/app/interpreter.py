"""How ``dealdesk serve`` sets up the Python interpreter: the GIL's switch interval and the
cyclic garbage collector's thresholds, both measured against this workload.

Benches that run serve's code in their own process (bench/briefings.py composes every
briefing in process) set it up the same way, so that they measure what serve does.
"""

from __future__ import annotations

import gc
import sys

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


def tune() -> None:
    """Set the switch interval and the collector's thresholds for this process."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    gc.set_threshold(*GC_THRESHOLDS)


def started() -> None:
    """Once start-up has loaded what the process keeps for its lifetime (the modules, the
    policy), leave those objects out of every later collection (``gc.freeze``): a
    10,000-approver policy is hundreds of thousands of objects no collection can free.
    No collection first: it would cost start-up a full pass for the little it frees."""
    gc.freeze()
