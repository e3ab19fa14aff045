"""Who is out of office now, for many people at once (the forecast asks for everyone on
the routes ahead): each person's Slack status read through the status book, a few at a
time, judged by the policy's ``out_of_office`` rules as a card's away check judges it."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import datetime

from bot.availability.statuses import StatusBook
from bot.briefings.timing import zone_named
from bot.core.clock import Clock
from policies.away import away
from policies.model import Policy

AT_ONCE = 8
"""Status lookups in flight together (``users.info`` is rate-limited per workspace)."""


class SlackAbsences:
    def __init__(self, statuses: StatusBook, clock: Clock) -> None:
        self._statuses = statuses
        self._clock = clock

    async def absences(self, users: Collection[str], policy: Policy) -> dict[str, datetime | None]:
        rules = policy.out_of_office
        if not rules.enabled or not users:
            return {}
        now = self._clock.now()
        gate = asyncio.Semaphore(AT_ONCE)

        async def back_at(user: str) -> tuple[str, bool, datetime | None]:
            async with gate:
                presence = await self._statuses.presence(user)
            if presence is None:
                return user, False, None
            out = away(presence.status, rules, now, zone_named(presence.person.tz, policy.timezone))
            return user, out is not None, out.status.expires_at if out is not None else None

        found = await asyncio.gather(*(back_at(user) for user in sorted(users)))
        return {user: back for user, is_away, back in found if is_away}
