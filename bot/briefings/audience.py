"""Who is due a briefing now: people with something to read whose local briefing time has
come (and is at most two hours past), who have not had today's, and have not turned
briefings off. Time zones come from Slack profiles, looked up again at most daily."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.briefings.compose import DECIDED_LOOKBACK
from bot.briefings.timing import Recipient, due_day, parse_time, zone_named
from bot.slack.gateway import Person as Profile
from bot.slack.gateway import SlackTrouble
from policies.deal import SLACK_USER_ID
from policies.model import Policy
from store import briefing_reads as reads
from store.db import Database
from store.models import Person
from store.people import upsert_person

log = logging.getLogger(__name__)

ZONE_REFRESH = timedelta(days=1)
"""How often someone's Slack time zone is looked up again."""
ZONE_LOOKUPS_PER_ROUND = 50
"""users.info calls per minute at most (never-looked-up people first)."""
ZONE_LOOKUPS_AT_ONCE = 5


class Profiles(Protocol):
    """Slack profiles (the gateway's users.info)."""

    async def person(self, user: str, *, fresh: bool = False) -> Profile: ...


@dataclass(frozen=True)
class Preferences:
    """Someone's briefing settings, with the policy's defaults filled in."""

    enabled: bool
    at: time
    zone: ZoneInfo
    last: date | None
    """The local day of the last briefing claimed for them."""


def preferences(person: Person | None, policy: Policy) -> Preferences:
    if person is None:
        return Preferences(True, policy.briefing.time, policy.zone, None)
    chosen = parse_time(person.briefing_time) if person.briefing_time else None
    return Preferences(
        enabled=person.briefing_enabled,
        at=chosen or policy.briefing.time,
        zone=zone_named(person.tz, policy.timezone),
        last=person.last_briefing_on,
    )


async def list_candidates(session: AsyncSession, now: datetime) -> set[str]:
    """Everyone with something a briefing could say: pending approvals (delegates hold
    theirs), decisions in the last days, deals of their own in review or sent back."""
    users = await reads.list_candidates(session, now - DECIDED_LOOKBACK)
    return {user for user in users if SLACK_USER_ID.match(user)}


def due_recipients(
    candidates: set[str], people: dict[str, Person], policy: Policy, now: datetime
) -> list[Recipient]:
    """The candidates whose briefing is due at ``now`` and not yet claimed, by user id."""
    due = []
    for user in sorted(candidates):
        prefs = preferences(people.get(user), policy)
        if not prefs.enabled:
            continue
        day = due_day(now, prefs.at, prefs.zone)
        if day is not None and (prefs.last is None or prefs.last < day):
            due.append(Recipient(user, prefs.zone, day))
    return due


def stale_zones(candidates: set[str], people: dict[str, Person], now: datetime) -> list[str]:
    """Candidates whose time zone is unknown or older than a day, the least known first."""
    never = datetime.min.replace(tzinfo=now.tzinfo)
    stale = []
    for user in candidates:
        person = people.get(user)
        if person is not None and not person.briefing_enabled:
            continue
        checked = person.tz_checked_at if person else None
        if checked is None or checked <= now - ZONE_REFRESH:
            stale.append((checked or never, user))
    return [user for _, user in sorted(stale)[:ZONE_LOOKUPS_PER_ROUND]]


async def refresh_zones(db: Database, profiles: Profiles, users: list[str], now: datetime) -> int:
    """Look up ``users``' time zones in Slack and store them; return how many were stored.

    Slack trouble worth retrying leaves the person for the next round; a refusal for
    good (a deleted user) is remembered as checked, with the zone left as it was.
    """
    slots = asyncio.Semaphore(ZONE_LOOKUPS_AT_ONCE)

    async def look_up(user: str) -> dict[str, object] | None:
        async with slots:
            try:
                profile = await profiles.person(user, fresh=True)
            except SlackTrouble as trouble:
                if trouble.retryable:
                    log.info("time zone of %s not refreshed: %s", user, trouble.error)
                    return None
                return {"tz_checked_at": now}
            return {"tz": profile.tz, "tz_checked_at": now}

    found = dict(zip(users, await asyncio.gather(*(look_up(user) for user in users)), strict=True))
    checked = {user: values for user, values in found.items() if values is not None}
    if checked:
        async with db.transaction() as session:
            for user, values in checked.items():
                await upsert_person(session, user, now, **values)
    return len(checked)
