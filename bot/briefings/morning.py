"""The morning round, run every minute: briefings that are due, the digest, stalled nudges.

Each briefing is claimed (``people.last_briefing_on``) in the same transaction that
queues its rendered message in the outbox: a claimed briefing is always sent, and a
restart or a second ``serve`` process finds it claimed and sends nothing. Messages are
composed in bulk from a read snapshot just before their claim.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from bot.briefings.audience import (
    Profiles,
    due_recipients,
    list_candidates,
    refresh_zones,
    stale_zones,
)
from bot.briefings.compose import compose_briefings
from bot.briefings.digest import post_digest
from bot.briefings.posts import post_row
from bot.briefings.stalled import nudge_stalled
from bot.briefings.timing import Recipient
from bot.core.deps import Deps
from bot.core.outage import log_failure
from bot.outbox.work import Work
from store import briefings as claims
from store import outbox

log = logging.getLogger(__name__)

BATCH = 200
"""Briefings composed and claimed per transaction: short write transactions."""

T = TypeVar("T")


@dataclass(frozen=True)
class MorningSummary:
    briefed: tuple[str, ...] = ()
    """People whose briefing was claimed and queued now."""
    digest: str | None = None
    """The channel whose digest was queued now."""
    nudged: tuple[int, ...] = ()
    """Stalled deals whose owner was nudged now."""


async def run_morning(deps: Deps, profiles: Profiles | None = None) -> MorningSummary:
    """Do what is due at the clock's time; a failing part is logged and the rest still run
    (the next minute tries again, within the two hours' grace)."""
    now = deps.clock.now()
    briefed = await _attempt("briefings", send_briefings(deps, now, profiles), [])
    digest = await _attempt("the digest", post_digest(deps, now), None)
    nudged = await _attempt("stalled-deal nudges", nudge_stalled(deps, now), [])
    if briefed or digest or nudged:
        log.info(
            "morning round: %d briefings, digest %s, %d stalled nudges",
            len(briefed),
            digest or "not due",
            len(nudged),
        )
    return MorningSummary(tuple(briefed), digest, tuple(nudged))


async def send_briefings(deps: Deps, now: datetime, profiles: Profiles | None = None) -> list[str]:
    """Claim and queue every briefing due at ``now``; return who was briefed."""
    policy = deps.policies.current.policy
    async with deps.db.read() as session:
        candidates = await list_candidates(session, now)
        people = await claims.list_people(session)
    stale = stale_zones(candidates, people, now) if profiles is not None else []
    if profiles is not None and stale and await refresh_zones(deps.db, profiles, stale, now):
        async with deps.db.read() as session:
            people = await claims.list_people(session)
    due = due_recipients(candidates, people, policy, now)
    briefed: list[str] = []
    for start in range(0, len(due), BATCH):
        briefed += await brief(deps, due[start : start + BATCH], now)
    return briefed


async def brief(deps: Deps, recipients: Sequence[Recipient], now: datetime) -> list[str]:
    """Compose ``recipients``' briefings, then claim and queue them in one transaction."""
    async with deps.db.read() as session:
        messages = await compose_briefings(session, deps.policies, recipients, now)
    by_day: dict[date, list[str]] = defaultdict(list)
    for person in recipients:
        if person.user in messages:
            by_day[person.local_date].append(person.user)
    if not by_day:
        return []
    async with deps.db.transaction() as session:
        claimed: set[str] = set()
        for day, users in by_day.items():
            claimed |= await claims.claim_briefings(session, users, day, now)
        rows = []
        for person in recipients:
            if person.user in claimed:
                subject = f"briefing:{person.user}:{person.local_date.isoformat()}"
                message = messages[person.user]
                rows.append(
                    post_row(Work.BRIEFING, subject, subject, message, now, user=person.user)
                )
        await outbox.add_many(session, rows)
    return sorted(claimed)


async def _attempt(what: str, step: Awaitable[T], failed: T) -> T:
    try:
        return await step
    except Exception:
        log_failure(log, "morning round: %s failed; the next minute tries again", what)
        return failed
