"""A small fixed history, written row by row with known times, and its SLO figures worked
out by hand (bundled policy: cfo 2h, ceo 24h, legal 24h, counsel 24h; the sdr avatar
24h, the finance avatar 12h).

The window is the 7 days before ``now``. Inside it:

- Lisa (cfo, 2h) decides four approvals in 30m, 1h, 1h30m and 3h: three within SLA. A
  fifth times out at 2h (moved to Daniel by the scheduler): a miss, and an escalation.
- Daniel (ceo, 24h) decides the one he got in 5h.
- The sdr avatar qualifies three deals, the finance avatar approves one: at once,
  within their SLAs. The manager avatar hands one over: neither decision nor miss.
- Priya (legal, 24h) decides one in 30h: late.
- Omar (counsel, 24h) holds one that ran out of backups: escalated, still pending.
- Deal A is approved 4h after submission, deal B rejected 4 days after it; deal C was
  withdrawn (no decision).

Left out: Lisa's decision 10 days ago, a carried-over approval (decided in an earlier
revision), a cancelled row, a deal approved 8 days ago.

Lisa: decision times 1800, 3600, 5400, 10800 s. Median (3600 + 5400) / 2 = 4500 s;
p90: h = 3 × 0.9 = 2.7, 5400 + 0.7 × (10800 − 5400) = 9180 s. Within SLA 3 of 5.

Team: ten decisions, 0 ×4, 1800, 3600, 5400, 10800, 18000, 108000 s. Median
(1800 + 3600) / 2 = 2700 s; p90: h = 9 × 0.9 = 8.1, 18000 + 0.1 × 90000 = 27000 s.
Within SLA 8 of 11 (ten decisions with an SLA, one timeout). Automation 4 of 10.
Cycle time 4h and 96h: median 50h = 180000 s; p90 4h + 0.9 × 92h = 86.8h = 312480 s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bot.core.deps import Deps
from policies.vocabulary import AVATAR_PREFIX, ApprovalStatus, DealStatus
from store.models import Approval, Deal

H = timedelta(hours=1)
M = timedelta(minutes=1)


@dataclass(frozen=True)
class Expected:
    decided: int
    within: int
    counted: int
    median: int | None
    p90: int | None
    escalations: int
    sla: str | None


APPROVERS = {
    "cfo": Expected(4, 3, 5, 4500, 9180, 1, "2h"),
    "ceo": Expected(1, 1, 1, 18000, 18000, 0, "24h"),
    "sdr": Expected(3, 3, 3, 0, 0, 0, "24h"),
    "finance": Expected(1, 1, 1, 0, 0, 0, "12h"),
    "legal": Expected(1, 0, 1, 108000, 108000, 0, "24h"),
    "counsel": Expected(0, 0, 0, None, None, 1, "24h"),
}
"""Approver id → figures. The manager avatar's hand-over counts for nothing."""

STAGES = {
    # Deal approval: 1800, 3600, 5400, 10800, 18000 → median 5400; p90 h = 3.6:
    # 10800 + 0.6 × 7200 = 15120.
    "Qualification": Expected(3, 3, 3, 0, 0, 0, "24h"),
    "Deal approval": Expected(5, 4, 6, 5400, 15120, 1, "2h–24h"),
    # Reviews: 0, 108000 → median 54000, p90 97200.
    "Reviews": Expected(2, 1, 2, 54000, 97200, 1, "12h–24h"),
}

TEAM = Expected(10, 8, 11, 2700, 27000, 2, "2h–24h")
AUTOMATION = (4, 10)
CYCLE = (2, 180000, 312480)
"""Deals finished, median and p90 seconds."""


async def seed_history(deps: Deps, now: datetime) -> None:
    version = deps.policies.current.version
    t0 = now - timedelta(days=3)
    async with deps.db.transaction() as session:
        deals = {
            name: deal_row(version, company, status, submitted, finished)
            for name, company, status, submitted, finished in (
                ("A", "Acme", DealStatus.APPROVED, t0, t0 + 4 * H),
                ("B", "Globex", DealStatus.REJECTED, now - timedelta(days=5), now - 24 * H),
                ("C", "Initech", DealStatus.WITHDRAWN, t0, t0 + 2 * H),
                ("D", "Umbrella", DealStatus.APPROVED, now - timedelta(days=9), now - 8 * 24 * H),
                ("E", "Hooli", DealStatus.IN_REVIEW, t0, None),
            )
        }
        session.add_all(deals.values())
        await session.flush()
        e = deals["E"].id
        rows = [
            # Lisa: four decisions, one of them late; one timed out.
            *(
                _person(e, 1, "Deal approval", "cfo", "U0LISA", t0 + n * H, 2 * H, took)
                for n, took in enumerate((30 * M, H, 90 * M, 3 * H))
            ),
            _person(
                e, 1, "Deal approval", "cfo", "U0LISA", t0 + 10 * H, 2 * H, 2 * H,
                status=ApprovalStatus.REASSIGNED, by="system",
            ),
            _person(e, 1, "Deal approval", "ceo", "U0DANIEL", t0 + 12 * H, 24 * H, 5 * H),
            # Avatars.
            *(_avatar(e, 0, "Qualification", "sdr", t0 + n * H) for n in range(3)),
            _avatar(e, 2, "Reviews", "finance", t0 + 5 * H),
            _avatar(e, 1, "Deal approval", "manager", t0 + 6 * H, ApprovalStatus.REASSIGNED),
            # Priya late; Omar escalated and still pending.
            _person(e, 2, "Reviews", "legal", "U0PRIYA", now - 40 * H, 24 * H, 30 * H),
            _person(
                e, 2, "Reviews", "counsel", "U0OMAR", now - 30 * H, 24 * H, None,
                status=ApprovalStatus.PENDING, escalated=now - 6 * H,
            ),
            # Outside the window, or not a decision of this window.
            _person(e, 1, "Deal approval", "cfo", "U0LISA", now - 10 * 24 * H, 2 * H, H),
            _person(
                e, 2, "Reviews", "legal", "U0PRIYA", t0, 24 * H, -24 * H,
            ),  # carried over: decided before this row was assigned
            _person(
                e, 2, "Reviews", "legal", "U0PRIYA", t0, 24 * H, H,
                status=ApprovalStatus.CANCELLED, by="U0SARAH",
            ),
        ]  # fmt: skip
        session.add_all(rows)


def deal_row(
    version: str,
    company: str,
    status: DealStatus,
    submitted: datetime,
    finished: datetime | None,
    **values: Any,
) -> Deal:
    """A stored deal of the history's shape; ``values`` override its columns."""
    columns: dict[str, Any] = dict(
        company=company,
        acv=Decimal(100000),
        discount=Decimal(5),
        term_months=12,
        industry="Technology",
        employees=500,
        use_case="",
        budget_indicated=True,
        custom_terms=False,
        owner="U0SARAH",
        status=status,
        policy_version=version,
        plan=[],
        stage_index=None,
        submitted_at=submitted,
        updated_at=finished or submitted,
        finished_at=finished,
    )
    return Deal(**{**columns, **values})


def _row(deal_id: int, stage_index: int, stage: str, approver: str, **values: Any) -> Approval:
    return Approval(
        deal_id=deal_id,
        revision=1,
        stage_index=stage_index,
        stage_name=stage,
        slot=approver,
        approver=approver,
        reason="always required",
        **values,
    )


def _person(
    deal_id: int,
    stage_index: int,
    stage: str,
    approver: str,
    user: str,
    assigned: datetime,
    sla: timedelta,
    took: timedelta | None,
    *,
    status: ApprovalStatus = ApprovalStatus.APPROVED,
    by: str | None = None,
    escalated: datetime | None = None,
) -> Approval:
    return _row(
        deal_id,
        stage_index,
        stage,
        approver,
        assignee=user,
        status=status,
        assigned_at=assigned,
        due_at=assigned + sla,
        decided_at=assigned + took if took is not None else None,
        decided_by=(by or user) if took is not None else None,
        escalated_at=escalated,
    )


def _avatar(
    deal_id: int,
    stage_index: int,
    stage: str,
    approver: str,
    at: datetime,
    status: ApprovalStatus = ApprovalStatus.APPROVED,
) -> Approval:
    avatar = AVATAR_PREFIX + approver
    return _row(
        deal_id,
        stage_index,
        stage,
        approver,
        assignee=avatar,
        status=status,
        assigned_at=at,
        due_at=None,
        decided_at=at,
        decided_by=avatar,
    )
