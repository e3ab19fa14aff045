"""A small policy and hand-made histories for the forecast's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.forecast.route import Held, Need, OpenDeal, StageAhead
from bot.reports.slo import ApprovalFacts
from policies.deal import DealTerms
from policies.loader import load_policy_text
from policies.model import Policy
from policies.sla import WALL_CLOCK, SlaClock

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
"""A Friday, 15:00 in London."""
OWNER = "U0SARAH"

POLICY = """
name: Forecast test
timezone: Europe/London
calendars:
  london:
    timezone: Europe/London
    hours:
      {mon: 09:00-17:00, tue: 09:00-17:00, wed: 09:00-17:00, thu: 09:00-17:00, fri: 09:00-17:00}
approvers:
  mgr: {name: Mia Manager, slack_user: U0MIA, sla: 1h, backups: [vp]}
  vp: {name: Victor VP, slack_user: U0VICTOR, sla: 24h}
  cfo: {name: Lisa Wong, slack_user: U0LISA, sla: 4h}
  legal: {name: Leo Legal, slack_user: U0LEO, sla: 24h}
  lead_a: {name: Ana, slack_user: U0ANA, sla: 24h}
  lead_b: {name: Ben, slack_user: U0BEN, sla: 24h}
  lead_c: {name: Cai, slack_user: U0CAI, sla: 24h}
  ops: {name: Olga Ops, slack_user: U0OLGA, sla: 8bh, calendar: london}
  finance: {name: Finance avatar, avatar: finance, limits: {max_discount: 15}}
stages:
  - name: Deal approval
    approvals: [{approver: mgr}]
  - name: Reviews
    approvals: [{approver: legal}]
"""


def policy() -> Policy:
    return load_policy_text(POLICY).policy


def terms(**changes: object) -> DealTerms:
    values: dict[str, object] = {
        "company": "TechCorp",
        "acv": Decimal("100000"),
        "discount": Decimal("10"),
        "term_months": 12,
        "industry": "Software",
        "employees": 500,
        "use_case": "Sales analytics",
        "budget_indicated": True,
        "custom_terms": False,
        "owner": OWNER,
    }
    return DealTerms.model_validate({**values, **changes})


def decisions(
    approver: str, hours: list[float], *, stage: str = "Deal approval", clock: SlaClock = WALL_CLOCK
) -> list[ApprovalFacts]:
    """Approvals of ``approver`` approved after each of ``hours``, in ``clock``'s time."""
    rows = []
    for n, taken in enumerate(hours):
        assigned = NOW - timedelta(days=30 + n)
        decided = assigned + timedelta(hours=taken)
        if clock.calendar is not None:
            decided = clock.calendar.add_working_time(assigned, timedelta(hours=taken))
        rows.append(_row(approver, stage, "approved", assigned, decided, clock))
    return rows


def timeouts(approver: str, count: int, *, stage: str = "Deal approval") -> list[ApprovalFacts]:
    """Approvals of ``approver`` that moved on at their 1 h deadline."""
    rows = []
    for n in range(count):
        assigned = NOW - timedelta(days=30 + n)
        rows.append(_row(approver, stage, "reassigned", assigned, assigned + timedelta(hours=1)))
    return rows


def _row(
    approver: str,
    stage: str,
    status: str,
    assigned: datetime,
    ended: datetime,
    clock: SlaClock = WALL_CLOCK,
) -> ApprovalFacts:
    return ApprovalFacts(
        stage=stage,
        stage_index=0,
        approver=approver,
        status=status,
        assigned_at=assigned,
        due_at=assigned + timedelta(hours=1),
        decided_at=ended,
        decided_by=f"U0{approver.upper()}" if status == "approved" else None,
        escalated_at=None,
        sla=timedelta(hours=1),
        clock=clock,
    )


def held(
    slot: str,
    approver: str | None = None,
    *,
    approval_id: int = 1,
    since: datetime = NOW,
    sla: float = 1.0,
) -> Held:
    """A pending approval of ``slot`` held by ``approver`` (the slot's own approver)."""
    who = approver or slot
    return Held(
        approval_id=approval_id,
        slot=slot,
        approver=who,
        assignee=f"U0{who.upper()}",
        assigned_at=since,
        due_at=since + timedelta(hours=sla),
        held_by=frozenset({slot, who}),
    )


def open_deal(
    stages: list[StageAhead],
    holding: list[Held],
    *,
    approved: frozenset[str] = frozenset(),
    deal_id: int = 1,
    acv: str = "100000",
) -> OpenDeal:
    return OpenDeal(
        id=deal_id,
        ref=f"D-{1000 + deal_id}",
        company="TechCorp",
        acv=Decimal(acv),
        owner=OWNER,
        terms=terms(acv=Decimal(acv)),
        policy=policy(),
        stages=tuple(stages),
        held={item.slot: item for item in holding},
        approved=approved,
    )


def stage(index: int, name: str, *needs: Need) -> StageAhead:
    return StageAhead(index, name, needs)
