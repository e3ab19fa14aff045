"""One SQLite writer at a time, with urgent writes first.

SQLite lets one connection write at a time. dealdesk funnels every write through a
single connection, and this gate decides who goes next: an urgent writer (journaling
a click that Slack is waiting on) goes before background work (applying decisions,
delivering messages), so the answer to Slack never queues behind the workers.
"""

from __future__ import annotations

import asyncio
from collections import deque


class WriteGate:
    def __init__(self) -> None:
        self._busy = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._background: deque[asyncio.Future[None]] = deque()

    async def acquire(self, *, urgent: bool) -> None:
        if not self._busy and not self._urgent and not self._background:
            self._busy = True
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._urgent if urgent else self._background).append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # we were handed the gate as we were cancelled: pass it on
            else:
                (self._urgent if urgent else self._background).remove(waiter)
            raise

    def release(self) -> None:
        for queue in (self._urgent, self._background):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self._busy = False
