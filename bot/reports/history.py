"""Loading what the SLO report is computed from (store.report_reads), SLAs resolved under
each deal's policy version."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.policy_book import PolicyBook
from bot.reports.avatars import AvatarReport, compute_avatar_report, shadowed_rows
from bot.reports.slo import ApprovalFacts, FinishedDeal, SloReport, Window, compute_slo
from policies.model import Policy
from policies.sla import approval_sla, sla_clock
from store import report_reads as reads


@dataclass(frozen=True)
class History:
    approvals: list[ApprovalFacts]
    deals: list[FinishedDeal]
    names: dict[str, str]
    """Approver id → name, today's policy first, else the version the row was routed under;
    an approver that is only an avatar is "Sarah Chen (avatar)"."""


async def load_avatar_report(
    session: AsyncSession, policies: PolicyBook, window: Window
) -> AvatarReport:
    """Each avatar against the people it shadowed, over ``window`` (bot.reports.avatars)."""
    rows = shadowed_rows(await reads.list_shadowed(session, window.since, window.until))
    names = {
        approver_id: f"{approver.name}'s avatar ({approver.avatar})"
        for approver_id, approver in policies.current.policy.approvers.items()
        if approver.avatar is not None
    }
    return compute_avatar_report(window.since, window.until, rows, names)


async def load_slo_report(session: AsyncSession, policies: PolicyBook, window: Window) -> SloReport:
    history = await load_history(session, policies, window)
    return compute_slo(window, history.approvals, history.deals, history.names)


async def load_history(session: AsyncSession, policies: PolicyBook, window: Window) -> History:
    """Rows that ended (decided or moved on) or were escalated in ``window``, and the deals
    approved or rejected in it."""
    rows = await reads.list_ended_or_escalated(session, window.since, window.until)
    versions: dict[str, Policy] = {}
    for version in {row.policy_version for row in rows}:
        versions[version] = await policies.get(session, version)
    clocks = {
        (row.policy_version, row.approver): sla_clock(versions[row.policy_version], row.approver)
        for row in rows
    }
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
                clocks[row.policy_version, row.approver],
            ),
            clock=clocks[row.policy_version, row.approver],
        )
        for row in rows
    ]
    return History(approvals, await _finished_deals(session, window), _names(policies, versions))


async def _finished_deals(session: AsyncSession, window: Window) -> list[FinishedDeal]:
    found = await reads.list_finished_deals(session, window.since, window.until)
    return [FinishedDeal(submitted, finished) for submitted, finished in found]


def _names(policies: PolicyBook, versions: dict[str, Policy]) -> dict[str, str]:
    names: dict[str, str] = {}
    for policy in [policies.current.policy, *versions.values()]:
        for approver_id, approver in policy.approvers.items():
            name = approver.name if approver.is_human else f"{approver.name} (avatar)"
            names.setdefault(approver_id, name)
    return names
