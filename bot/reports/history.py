"""Loading what the SLO report is computed from: one query for approval rows, one for
finished deals, only the columns needed, SLAs resolved under each deal's policy version."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.policy_book import PolicyBook
from bot.reports.slo import ApprovalFacts, FinishedDeal, SloReport, Window, compute_slo
from policies.model import Policy
from policies.sla import approval_sla
from policies.vocabulary import DECISIONS, ApprovalStatus, DealStatus
from store.models import Approval, Deal

ENDINGS = (*DECISIONS, ApprovalStatus.REASSIGNED)
"""Statuses a row can end in and count: a decision, or a timeout."""
DECIDED_DEALS = (DealStatus.APPROVED, DealStatus.REJECTED)


@dataclass(frozen=True)
class History:
    approvals: list[ApprovalFacts]
    deals: list[FinishedDeal]
    names: dict[str, str]
    """Approver id → name, today's policy first, else the version the row was routed under;
    an approver that is only an avatar is "Sarah Chen (avatar)"."""


async def load_slo_report(session: AsyncSession, policies: PolicyBook, window: Window) -> SloReport:
    history = await load_history(session, policies, window)
    return compute_slo(window, history.approvals, history.deals, history.names)


async def load_history(session: AsyncSession, policies: PolicyBook, window: Window) -> History:
    """Rows that ended (decided or moved on) or were escalated in ``window``, and the deals
    approved or rejected in it."""
    a = Approval
    ended = and_(a.status.in_(ENDINGS), a.decided_at >= window.since, a.decided_at < window.until)
    escalated = and_(a.escalated_at >= window.since, a.escalated_at < window.until)
    query = (
        select(
            a.stage_name,
            a.stage_index,
            a.approver,
            a.status,
            a.assigned_at,
            a.due_at,
            a.decided_at,
            a.decided_by,
            a.escalated_at,
            Deal.policy_version,
        )
        .join(Deal, Deal.id == a.deal_id)
        .where(or_(ended, escalated))
    )
    rows = (await session.execute(query)).all()
    versions: dict[str, Policy] = {}
    for version in {row.policy_version for row in rows}:
        versions[version] = await policies.get(session, version)
    approvals = [
        ApprovalFacts(
            stage=row.stage_name,
            stage_index=row.stage_index,
            approver=row.approver,
            status=row.status,
            assigned_at=row.assigned_at,
            due_at=row.due_at,
            decided_at=row.decided_at,
            decided_by=row.decided_by,
            escalated_at=row.escalated_at,
            sla=approval_sla(
                row.assigned_at,
                row.due_at,
                versions[row.policy_version].approvers.get(row.approver),
            ),
        )
        for row in rows
    ]
    return History(approvals, await _finished_deals(session, window), _names(policies, versions))


async def _finished_deals(session: AsyncSession, window: Window) -> list[FinishedDeal]:
    query = select(Deal.submitted_at, Deal.finished_at).where(
        Deal.status.in_(DECIDED_DEALS),
        Deal.finished_at >= window.since,
        Deal.finished_at < window.until,
    )
    return [
        FinishedDeal(submitted, finished)
        for submitted, finished in (await session.execute(query)).all()
        if finished is not None
    ]


def _names(policies: PolicyBook, versions: dict[str, Policy]) -> dict[str, str]:
    names: dict[str, str] = {}
    for policy in [policies.current.policy, *versions.values()]:
        for approver_id, approver in policy.approvers.items():
            name = approver.name if approver.is_human else f"{approver.name} (avatar)"
            names.setdefault(approver_id, name)
    return names
