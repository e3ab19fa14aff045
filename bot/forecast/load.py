"""The forecast read from the store: the history its speeds come from, and every deal in
review with what is left of its route, each under the policy version it was routed by."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.deps import Absences
from bot.core.policy_book import PolicyBook
from bot.forecast.desk import Forecast, forecast_desk
from bot.forecast.route import Held, Need, OpenDeal, StageAhead
from bot.forecast.simulate import RUNS, Simulator
from bot.forecast.speeds import SpeedBook
from bot.reports.history import load_history
from bot.reports.slo import Window
from bot.workflow.submit import route
from bot.workflow.terms import terms_of
from policies.deal import DealTerms
from policies.model import Policy
from policies.quarters import Quarter
from policies.routing import Plan
from policies.vocabulary import AVATAR_PREFIX, ApprovalStatus, deal_ref
from store import report_reads

HISTORY = timedelta(days=180)
"""How far back decisions count towards each approver's speed."""


async def load_forecast(
    session: AsyncSession,
    policies: PolicyBook,
    as_of: datetime,
    quarter: Quarter | None = None,
    *,
    runs: int = RUNS,
    seed: int = 0,
    absences: Absences | None = None,
) -> Forecast:
    """The forecast for ``quarter`` (default: the one ``as_of`` falls in); with
    ``absences``, whoever's Slack status says they are away is simulated as the engine
    treats them (their approvals wait for them, or go to a stand-in)."""
    policy = policies.current.policy
    if quarter is None:
        quarter = policy.fiscal_calendar.quarter_of(as_of.astimezone(policy.zone).date())
    closes_at = quarter.closes_at(policy.zone)
    history = await load_history(session, policies, Window(as_of - HISTORY, as_of))
    speeds = SpeedBook.of(history.approvals, as_of)
    deals = await load_open_deals(session, policies, as_of)
    away = await absences.absences(people_on(deals), policy) if absences is not None else {}
    simulator = Simulator(speeds, as_of, closes_at, runs=runs, seed=seed, away=away)
    return forecast_desk(simulator, quarter, closes_at, deals)


def people_on(deals: list[OpenDeal]) -> set[str]:
    """The Slack users the deals wait on or will: holders, and the approvers (with their
    backups) of every need still ahead."""
    found: set[str] = set()
    for deal in deals:
        found.update(held.assignee for held in deal.held.values())
        policy = deal.policy
        for stage in deal.stages:
            for need in stage.needs:
                for slot in need.slots:
                    for approver_id in (slot, *policy.backup_chain(slot)):
                        approver = policy.approvers.get(approver_id)
                        if approver is not None and approver.slack_user is not None:
                            found.add(approver.slack_user)
    return {user for user in found if not user.startswith(AVATAR_PREFIX)}


async def load_open_deals(
    session: AsyncSession, policies: PolicyBook, moment: datetime
) -> list[OpenDeal]:
    """Every deal in review at ``moment``, its route from the stage then under review on,
    as the approvals on record say it stood: an approval was open at ``moment`` when it
    had been assigned and not yet ended (decided, moved on, cancelled). ``moment`` may be
    now or any time before (the backtest)."""
    deals, rows, revisions = await report_reads.list_open_at(session, moment)
    by_deal: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_deal[row.deal_id].append(row)
    terms = {(row.deal_id, row.revision): row.terms for row in revisions}
    found = []
    for deal in deals:
        policy = await policies.get(session, deal.policy_version)
        opened = _open_deal(deal, by_deal.get(deal.id, []), terms, policy, moment)
        if opened is not None:
            found.append(opened)
    return found


def _open_deal(
    deal: Any,
    rows: list[Any],
    terms: dict[tuple[int, int], dict[str, Any]],
    policy: Policy,
    moment: datetime,
) -> OpenDeal | None:
    if not rows:
        return None
    revision = max(row.revision for row in rows)
    current = [row for row in rows if row.revision == revision]
    waiting = [row for row in current if row.decided_at is None or row.decided_at > moment]
    if not waiting:
        return None  # between stages for an instant, or sent back to its owner
    stage_index = min(row.stage_index for row in waiting)
    dealt = _terms(deal, terms.get((deal.id, revision)))
    plan = Plan.from_json(deal.plan) if revision == deal.revision else route(policy, dealt)
    stage = [row for row in current if row.stage_index == stage_index]
    held = {
        row.slot: Held(
            approval_id=row.id,
            slot=row.slot,
            approver=row.approver,
            assignee=row.assignee,
            assigned_at=row.assigned_at,
            due_at=row.due_at,
            held_by=frozenset(other.approver for other in stage if other.slot == row.slot),
            escalated_at=row.escalated_at
            if row.escalated_at is not None and row.escalated_at <= moment
            else None,
        )
        for row in waiting
        if row.stage_index == stage_index
    }
    approved = frozenset(
        row.slot
        for row in stage
        if row.status == ApprovalStatus.APPROVED
        and row.decided_at is not None
        and row.decided_at <= moment
    )
    stages = tuple(
        StageAhead(planned.index, planned.name, Need.of_stage(planned))
        for planned in plan.stages[stage_index:]
        if not planned.skipped
    )
    if not stages or stages[0].index != stage_index:
        return None  # its approvals do not match its plan: nothing to simulate
    return OpenDeal(
        id=deal.id,
        ref=deal_ref(deal.id),
        company=dealt.company,
        acv=dealt.acv,
        owner=dealt.owner,
        terms=dealt,
        policy=policy,
        stages=stages,
        held=held,
        approved=approved,
    )


def _terms(deal: Any, stored: dict[str, Any] | None) -> DealTerms:
    """The terms of the revision then under review (the deal's own when none is stored)."""
    if stored is None:
        return terms_of(deal)
    values = {name: getattr(deal, name) for name in DealTerms.model_fields}
    values.update({name: value for name, value in stored.items() if name in values})
    for name in ("acv", "discount"):
        values[name] = Decimal(str(values[name]))
    return DealTerms.model_construct(**values)
