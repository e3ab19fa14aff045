"""``/deal briefing on|off|time HH:MM``: someone's own briefing settings, and when the next
briefing comes."""

from __future__ import annotations

import logging
from datetime import time
from typing import Any

from bot.briefings.audience import Profiles, preferences
from bot.briefings.timing import format_time, next_briefing
from bot.cards.briefing import BriefingChange, BriefingSetting
from bot.core.deps import Deps
from bot.slack.gateway import SlackTrouble
from store.people import get_person, upsert_person

log = logging.getLogger(__name__)


async def change_briefing(
    deps: Deps,
    user: str,
    change: BriefingChange,
    at: time | None = None,
    profiles: Profiles | None = None,
) -> BriefingSetting:
    """Turn the briefing on or off, or move it to ``at`` (which also turns it on); with
    ``BriefingChange.STATUS`` change nothing. Answers with the settings now in force."""
    now = deps.clock.now()
    async with deps.db.read() as session:
        person = await get_person(session, user)
    values: dict[str, Any] = {}
    if profiles is not None and (person is None or person.tz_checked_at is None):
        values.update(await _zone(profiles, user, now))
    if change in (BriefingChange.ON, BriefingChange.OFF):
        values["briefing_enabled"] = change == BriefingChange.ON
    elif change == BriefingChange.TIME and at is not None:
        values.update(briefing_time=format_time(at), briefing_enabled=True)
    if values:
        async with deps.db.transaction() as session:
            await upsert_person(session, user, now, **values)
            person = await get_person(session, user)
    prefs = preferences(person, deps.policies.current.policy)
    return BriefingSetting(
        change=change,
        enabled=prefs.enabled,
        at=prefs.at,
        zone=prefs.zone.key,
        next_at=next_briefing(now, prefs.at, prefs.zone, prefs.last) if prefs.enabled else None,
    )


async def _zone(profiles: Profiles, user: str, now: Any) -> dict[str, Any]:
    """Their Slack time zone, when Slack answers (else the policy's stands in for now)."""
    try:
        profile = await profiles.person(user)
    except SlackTrouble as trouble:
        log.info("time zone of %s unknown for now: %s", user, trouble.error)
        return {}
    return {"tz": profile.tz, "tz_checked_at": now}
