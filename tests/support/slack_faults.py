"""Faults that ``FakeSlack`` injects for resilience tests, like the ones real Slack has.

HTTP 5xx (an HTML error page, as Slack's edge serves), HTTP 429 with ``Retry-After``,
an ``ok: false`` answer, a dropped connection (before Slack acts, or after: the answer
lost), an outage of every method for a while,
and latency per method.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web


@dataclass
class Fault:
    kind: Literal["status", "ratelimit", "error", "drop", "lost"]
    """``drop``: the connection closes before Slack acts; ``lost``: Slack acts (a post is
    posted), then the connection closes before the answer arrives."""
    remaining: int
    status: int = 500
    retry_after: int = 1
    error: str = ""

    @property
    def label(self) -> str:
        if self.kind == "ratelimit":
            return "ratelimited"
        if self.kind == "error":
            return f"error {self.error}"
        if self.kind in ("drop", "lost"):
            return self.kind
        return f"http {self.status}"

    def response(self) -> tuple[int, dict[str, Any], web.Response]:
        """(HTTP status, JSON body or {}, the response to send)."""
        if self.kind == "ratelimit":
            body = {"ok": False, "error": "ratelimited"}
            headers = {"Retry-After": str(self.retry_after)}
            return 429, body, web.json_response(body, status=429, headers=headers)
        if self.kind == "error":
            body = {"ok": False, "error": self.error}
            return 200, body, web.json_response(body)
        page = f"<html><body><h1>{self.status}</h1>Slack is having trouble.</body></html>"
        return (
            self.status,
            {},
            web.Response(status=self.status, text=page, content_type="text/html"),
        )


class Faults:
    """Queued faults per method (``"*"``: any method), an outage window, latencies."""

    def __init__(self, latency: float = 0.0) -> None:
        self.queued: dict[str, list[Fault]] = {}
        self.latency: dict[str, float] = {"*": latency}
        self.outage_until = 0.0

    def add(self, method: str, fault: Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("times must be at least 1")
        self.queued.setdefault(method, []).append(fault)

    def outage(self, seconds: float) -> None:
        self.outage_until = time.monotonic() + seconds

    def clear(self) -> None:
        self.queued.clear()
        self.outage_until = 0.0

    def take(self, method: str) -> Fault | None:
        """The fault the next call of ``method`` meets, if any (each counts down once)."""
        if time.monotonic() < self.outage_until:
            return Fault("status", 1, status=503)
        for key in (method, "*"):
            queue = self.queued.get(key)
            if queue:
                fault = queue[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.pop(0)
                return fault
        return None

    async def delay(self, method: str) -> None:
        seconds = self.latency.get(method, self.latency["*"])
        if seconds > 0:
            await asyncio.sleep(seconds)
