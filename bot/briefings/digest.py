"""The deal channel's digest: once per local day (the policy's zone) at the briefing time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.briefings.compose import load_current_deals
from bot.briefings.posts import post_row
from bot.briefings.timing import due_day, local_moment
from bot.cards.digest import Digest, build_digest_message
from bot.core.deps import Absences, Deps
from bot.core.policy_book import PolicyBook
from bot.forecast.desk import Forecast
from bot.forecast.load import load_forecast
from bot.outbox.work import Work
from bot.reports.history import load_slo_report
from bot.reports.slo import Window
from policies.model import Policy
from store import briefing_reads as reads
from store import briefings as claims
from store import outbox

WINDOW = timedelta(days=7)
"""The SLO and automation figures look back this far."""
SHOWN = 10
"""Entries per list."""
FORECAST_FROM = timedelta(weeks=3)
"""The digest carries the quarter-end forecast this close to the quarter's end."""


async def post_digest(deps: Deps, now: datetime) -> str | None:
    """Queue today's digest if it is due and nobody has; return the channel when queued."""
    policy = deps.policies.current.policy
    channel = policy.deal_channel
    day = due_day(now, policy.briefing.time, policy.zone)
    if channel is None or day is None:
        return None
    async with deps.db.read() as session:
        if await claims.digest_ran(session, channel, day):
            return None
        digest = await load_digest(session, deps.policies, policy, day, now, deps.absences)
    rows = []
    if not digest.is_empty:
        subject = f"digest:{channel}:{day.isoformat()}"
        message = build_digest_message(digest)
        rows.append(post_row(Work.DIGEST, subject, subject, message, now, channel=channel))
    async with deps.db.transaction() as session:
        if not await claims.claim_digest(session, channel, day, now):
            return None
        await outbox.add_many(session, rows)
    return channel if rows else None


async def load_digest(
    session: AsyncSession,
    policies: PolicyBook,
    policy: Policy,
    day: date,
    now: datetime,
    absences: Absences | None = None,
) -> Digest:
    acvs = await reads.list_in_review_acvs(session)
    day_ends = local_moment(day + timedelta(days=1), time(0), policy.zone)
    due = await reads.list_due_before(session, day_ends)
    overdue = [row for row in due if row.due_at <= now]
    today = [row for row in due if row.due_at > now]
    idle_since = policy.stalled_since(now)
    stalled_ids = await claims.list_stalled(session, idle_since, SHOWN)
    shown = [*overdue[:SHOWN], *today[:SHOWN]]
    deals = await load_current_deals(
        session, [row.deal_id for row in shown] + stalled_ids, policies
    )
    items = {a.id: (deal, a) for deal in deals.values() for a in deal.approvals}
    # The same figures as /deal report slo 7d: a timeout counts against the SLA.
    team = (await load_slo_report(session, policies, Window.ending(now, WINDOW))).team
    return Digest(
        local_date=day,
        now=now,
        in_review=len(acvs),
        in_review_acv=sum(acvs, Decimal(0)),
        overdue=[items[row.id] for row in overdue[:SHOWN] if row.id in items],
        overdue_total=len(overdue),
        due_today=[items[row.id] for row in today[:SHOWN] if row.id in items],
        due_today_total=len(today),
        stalled=[deals[deal_id] for deal_id in stalled_ids if deal_id in deals],
        stalled_total=await claims.count_stalled(session, idle_since),
        stalled_after=policy.stalled_after,
        decisions=team.overall.decided,
        decided_by_avatars=team.avatar_decisions,
        with_sla=team.overall.sla_counted,
        within_sla=team.overall.within_sla,
        forecast=await _quarter_end_forecast(session, policies, policy, day, now, absences),
    )


async def _quarter_end_forecast(
    session: AsyncSession,
    policies: PolicyBook,
    policy: Policy,
    day: date,
    now: datetime,
    absences: Absences | None,
) -> Forecast | None:
    """The forecast for the quarter ``day`` is in, in its last three weeks; else None."""
    quarter = policy.fiscal_calendar.quarter_of(day)
    if quarter.closes_at(policy.zone) - now > FORECAST_FROM:
        return None
    return await load_forecast(session, policies, now, quarter, absences=absences)
