"""The forecast read from the store: the history its speeds come from, and every deal in
review with what is left of its route, each under the policy version it was routed by."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.policy_book import PolicyBook
from bot.forecast.desk import Forecast, forecast_desk
from bot.forecast.route import Held, Need, OpenDeal, StageAhead
from bot.forecast.simulate import RUNS, Simulator
from bot.forecast.speeds import SpeedBook
from bot.reports.history import load_history
from bot.reports.slo import Window
from bot.workflow.terms import terms_of
from policies.model import Policy
from policies.quarters import Quarter
from policies.routing import Plan
from policies.vocabulary import ApprovalStatus, deal_ref
from store import briefing_reads, report_reads

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
) -> Forecast:
    """The forecast for ``quarter`` (default: the one ``as_of`` falls in)."""
    policy = policies.current.policy
    if quarter is None:
        quarter = policy.fiscal_calendar.quarter_of(as_of.astimezone(policy.zone).date())
    closes_at = quarter.closes_at(policy.zone)
    history = await load_history(session, policies, Window(as_of - HISTORY, as_of))
    simulator = Simulator(SpeedBook.of(history.approvals), as_of, closes_at, runs=runs, seed=seed)
    deals = await load_open_deals(session, policies)
    return forecast_desk(simulator, quarter, closes_at, deals)


async def load_open_deals(session: AsyncSession, policies: PolicyBook) -> list[OpenDeal]:
    """Every deal in review, its route from the stage under review on."""
    ids = await report_reads.list_in_review(session)
    deals = []
    for deal, rows in await briefing_reads.list_current(session, ids):
        if deal.stage_index is None:
            continue
        policy = await policies.get(session, deal.policy_version)
        deals.append(_open_deal(deal, rows, policy))
    return deals


def _open_deal(deal: Any, rows: list[Any], policy: Policy) -> OpenDeal:
    plan = Plan.from_json(deal.plan)
    stages = tuple(
        StageAhead(stage.index, stage.name, Need.of_stage(stage))
        for stage in plan.stages[deal.stage_index :]
        if not stage.skipped
    )
    current = [row for row in rows if row.stage_index == deal.stage_index]
    held = {
        row.slot: Held(
            approval_id=row.id,
            slot=row.slot,
            approver=row.approver,
            assignee=row.assignee,
            assigned_at=row.assigned_at,
            due_at=row.due_at,
            held_by=frozenset(other.approver for other in current if other.slot == row.slot),
        )
        for row in current
        if row.status == ApprovalStatus.PENDING
    }
    approved = frozenset(row.slot for row in current if row.status == ApprovalStatus.APPROVED)
    return OpenDeal(
        id=deal.id,
        ref=deal_ref(deal.id),
        company=deal.company,
        acv=deal.acv,
        owner=deal.owner,
        terms=terms_of(deal),
        policy=policy,
        stages=stages,
        held=held,
        approved=approved,
    )
