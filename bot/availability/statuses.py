"""Slack statuses, asked of ``users.info`` and kept a few minutes.

A burst of cards to one person asks Slack once. While Slack rate-limits the method, or
cannot be reached, the last known status stands (or none: then the person counts as
present, and their card goes out as usual: a card is never held up by a lookup).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from cachetools import LRUCache

from bot.core.clock import Clock
from bot.slack.gateway import Presence, SlackTrouble

log = logging.getLogger(__name__)

KEPT_FOR = timedelta(minutes=5)
"""How long a status read from Slack is trusted before it is asked again."""
PEOPLE_KEPT = 10_000
"""Statuses held (the most recently asked); past it the longest unasked is let go, and
asked again if it is needed."""


class PresenceSource(Protocol):
    async def presence(self, user: str) -> Presence: ...


@dataclass(frozen=True)
class _Kept:
    presence: Presence
    read_at: datetime


class StatusBook:
    def __init__(
        self,
        slack: PresenceSource,
        clock: Clock,
        *,
        kept_for: timedelta = KEPT_FOR,
        people_kept: int = PEOPLE_KEPT,
    ) -> None:
        self._slack = slack
        self._clock = clock
        self._kept_for = kept_for
        self._kept: LRUCache[str, _Kept] = LRUCache(maxsize=people_kept)
        self._asking: dict[str, asyncio.Future[Presence | None]] = {}
        """Lookups under way: a second card to the same person waits for the first's."""
        self._quiet_until: datetime | None = None
        """Slack asked us to wait (HTTP 429): no lookups before then."""

    async def presence(self, user: str, *, fresh: bool = False) -> Presence | None:
        """``user``'s name, time zone and status; ``fresh`` asks Slack unless it asked us
        to wait. None when nothing is known."""
        now = self._clock.now()
        kept = self._kept.get(user)
        if kept is not None and not fresh and self._still_good(kept, now):
            return kept.presence
        if self._quiet_until is not None and now < self._quiet_until:
            return kept.presence if kept else None
        asking = self._asking.get(user)
        if asking is None:
            asking = asyncio.ensure_future(self._ask(user, now))
            self._asking[user] = asking
            asking.add_done_callback(lambda _: self._asking.pop(user, None))
        return await asyncio.shield(asking)

    @property
    def held(self) -> int:
        """How many statuses are in memory (at most ``people_kept``)."""
        return len(self._kept)

    def _still_good(self, kept: _Kept, now: datetime) -> bool:
        expires = kept.presence.status.expires_at
        return now - kept.read_at < self._kept_for and (expires is None or expires > now)

    async def _ask(self, user: str, now: datetime) -> Presence | None:
        try:
            presence = await self._slack.presence(user)
        except SlackTrouble as trouble:
            if trouble.rate_limited:
                self._quiet_until = now + timedelta(seconds=trouble.retry_after or 1.0)
            log.info("Slack status of %s not read: %s", user, trouble.error)
            kept = self._kept.get(user)
            return kept.presence if kept else None
        self._kept[user] = _Kept(presence, now)
        return presence
