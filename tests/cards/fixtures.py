"""Snapshots for card tests: TechCorp (D-1001) as CONTRACT.md describes it, at a fixed moment."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bot.read_models.snapshots import ApprovalSnapshot, DealSnapshot
from policies.avatars.decision import AvatarDecision, Outcome

NOW = datetime(2026, 11, 21, 13, 0, tzinfo=UTC)
"""A Saturday 13:00 UTC; Lisa's approval is due at 15:00 UTC."""

OWNER = "U0SARAH"
LISA = "U0LISA"
DANIEL = "U0DANIEL"
PRIYA = "U0PRIYA"
ADMIN = "U0REVOPS"

STAGES = ("Qualification", "Deal approval", "Reviews")

SDR_REASONING = (
    "qualified: score 95/100 (threshold 60): size 30/30, industry 25/25, use case 20/25, "
    "budget 20/20"
)
CFO_REASONING = "strategic deal (ACV $500,000 ≥ $250,000); 12% discount within the 15% authority"


def sdr_approval(**changes: Any) -> ApprovalSnapshot:
    """Sarah Chen's avatar qualified the deal an hour ago."""
    base = ApprovalSnapshot(
        id=1,
        deal_id=1,
        revision=1,
        stage_index=0,
        stage_name="Qualification",
        slot="sdr",
        approver="sdr",
        approver_name="Sarah Chen",
        approver_title="Senior Sales Development Representative",
        assignee="avatar:sdr",
        status="approved",
        reason="always required",
        assigned_at=NOW - timedelta(hours=1),
        due_at=None,
        sla=None,
        reminded_at=None,
        escalated_at=None,
        decided_by="avatar:sdr",
        decided_at=NOW - timedelta(hours=1),
        comment=SDR_REASONING,
        recommendation=AvatarDecision(Outcome.APPROVE, SDR_REASONING, 0.95),
    )
    return replace(base, **changes)


def cfo_approval(**changes: Any) -> ApprovalSnapshot:
    """Lisa Wong's approval, assigned now, due in 2h, with her avatar's recommendation."""
    base = ApprovalSnapshot(
        id=2,
        deal_id=1,
        revision=1,
        stage_index=1,
        stage_name="Deal approval",
        slot="cfo",
        approver="cfo",
        approver_name="Lisa Wong",
        approver_title="Chief Financial Officer",
        assignee=LISA,
        status="pending",
        reason="acv > 250000 or discount > 15",
        assigned_at=NOW,
        due_at=NOW + timedelta(hours=2),
        sla=timedelta(hours=2),
        reminded_at=None,
        escalated_at=None,
        decided_by=None,
        decided_at=None,
        comment=None,
        recommendation=AvatarDecision(
            Outcome.APPROVE,
            CFO_REASONING,
            0.95,
            {"acv": "500000", "discount": "12", "max_discount": "15"},
        ),
        remind_at=NOW + timedelta(hours=1, minutes=30),
        next_in_line="Daniel Kim (Chief Executive Officer)",
        escalates_to="C0ESCALATE",
    )
    return replace(base, **changes)


def legal_approval(**changes: Any) -> ApprovalSnapshot:
    base = cfo_approval(
        id=3,
        stage_index=2,
        stage_name="Reviews",
        slot="legal",
        approver="legal",
        approver_name="Priya Patel",
        approver_title="General Counsel",
        assignee=PRIYA,
        reason="always required",
        recommendation=None,
    )
    return replace(base, **changes)


def techcorp(*approvals: ApprovalSnapshot, **changes: Any) -> DealSnapshot:
    """TechCorp in the Deal approval stage (Lisa pending), unless told otherwise."""
    base = DealSnapshot(
        id=1,
        ref="D-1001",
        external_id="OPP-0042",
        company="TechCorp",
        acv=Decimal(500000),
        discount=Decimal(12),
        term_months=36,
        industry="Technology",
        employees=5000,
        use_case="Consolidate regional CRMs onto one platform",
        budget_indicated=True,
        custom_terms=False,
        owner=OWNER,
        status="in_review",
        revision=1,
        stage_index=1,
        stage_names=STAGES,
        policy_version="3f2a9c1be0d4",
        submitted_at=NOW - timedelta(hours=1),
        updated_at=NOW,
        finished_at=None,
        approvals=approvals or (sdr_approval(), cfo_approval()),
    )
    return replace(base, **changes)


def decided(status: str, comment: str | None, **changes: Any) -> ApprovalSnapshot:
    """Lisa's approval, decided by her 30 minutes after it was assigned."""
    return cfo_approval(
        **{
            "status": status,
            "decided_by": LISA,
            "decided_at": NOW + timedelta(minutes=30),
            "comment": comment,
            **changes,
        }
    )


APPROVED_COMMENT = "Strategic account; the discount is fine."
REJECTED_COMMENT = "Discount too deep for a 36-month term."
CHANGES_COMMENT = "Please bring the term down to 24 months."
TIMEOUT_WHY = "Lisa Wong did not answer within the 2h SLA"


def reassigned_cfo() -> ApprovalSnapshot:
    return cfo_approval(
        status="reassigned",
        decided_by="system",
        decided_at=NOW + timedelta(hours=2),
        comment=TIMEOUT_WHY,
        successor_assignee=DANIEL,
        successor_name="Daniel Kim",
    )


def cancelled_legal() -> ApprovalSnapshot:
    """Priya's review, cancelled because Lisa rejected the deal."""
    return legal_approval(
        stage_index=1,
        status="cancelled",
        decided_by=LISA,
        decided_at=NOW + timedelta(minutes=30),
        comment="the deal was rejected",
    )


def rejected_deal() -> DealSnapshot:
    lisa = decided("rejected", REJECTED_COMMENT)
    return techcorp(
        sdr_approval(),
        lisa,
        cancelled_legal(),
        status="rejected",
        stage_index=None,
        finished_at=NOW + timedelta(minutes=30),
    )


def approved_deal() -> DealSnapshot:
    return techcorp(
        sdr_approval(),
        decided("approved", APPROVED_COMMENT),
        legal_approval(
            status="approved",
            decided_by=PRIYA,
            decided_at=NOW + timedelta(hours=1),
            comment="Standard MSA.",
        ),
        status="approved",
        stage_index=None,
        finished_at=NOW + timedelta(hours=1),
    )


def sent_back_deal() -> DealSnapshot:
    return techcorp(
        sdr_approval(),
        decided("changes_requested", CHANGES_COMMENT),
        status="changes_requested",
        stage_index=None,
    )


def audit_events(count: int, comment: str = APPROVED_COMMENT) -> list[dict[str, Any]]:
    """``count`` audit export rows for D-1001, oldest first, one minute apart."""
    kinds: list[tuple[str, str, dict[str, Any]]] = [
        ("U0SARAH", "deal_submitted", {"revision": 1, "company": "TechCorp"}),
        (
            "system",
            "approval_assigned",
            {"approver": "cfo", "assignee": LISA, "reason": "acv > 250000 or discount > 15"},
        ),
        (LISA, "approval_decided", {"decision": "approved", "comment": comment}),
    ]
    events = []
    for seq in range(1, count + 1):
        actor, action, details = kinds[(seq - 1) % len(kinds)]
        events.append(
            {
                "seq": seq,
                "at": (NOW + timedelta(minutes=seq)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "deal_id": "D-1001",
                "actor": actor,
                "action": action,
                "details": json.dumps(details, sort_keys=True),
                "policy_version": "3f2a9c1be0d4",
                "prev_hash": f"{seq - 1:064x}",
                "hash": f"{seq:064x}",
            }
        )
    return events
