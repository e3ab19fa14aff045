"""The evidence of an approval card: the facts it shows its reader, as plain JSON.

Stored once when the card is posted (store.evidence) and hashed; the card shows the
hash, and the decision made from it names the hash in the audit log, so an auditor can
see exactly what the approver saw when they clicked.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bot.read_models.revisions import RevisionDiff
from bot.read_models.snapshots import ApprovalSnapshot, DealSnapshot
from policies.avatars.formatting import money, percent

SHOWN_HASH = 12
"""Hex digits of the hash a card shows (the audit log keeps all 64)."""


def card_evidence(
    deal: DealSnapshot, approval: ApprovalSnapshot, changes: RevisionDiff | None
) -> dict[str, Any]:
    """What the approval card of ``approval`` shows: the deal's values at its revision, why
    it came to this person, the avatar's advice, the deadline and what changed."""
    advice = approval.recommendation
    return {
        "card": "approval",
        "deal": {
            "id": deal.ref,
            "revision": approval.revision,
            "company": deal.company,
            "acv": str(deal.acv),
            "discount": str(deal.discount),
            "term_months": deal.term_months,
            "industry": deal.industry,
            "employees": deal.employees,
            "use_case": deal.use_case,
            "budget_indicated": deal.budget_indicated,
            "custom_terms": deal.custom_terms,
            "owner": deal.owner,
        },
        "approval": {
            "id": approval.id,
            "stage": approval.stage_name,
            "approver": approval.approver,
            "shown_to": approval.assignee,
            "why": approval.reason,
            "group": approval.group,
            "due_at": approval.due_at.isoformat() if approval.due_at else None,
        },
        "recommendation": (
            {
                "outcome": advice.outcome.value,
                "reasoning": advice.reasoning,
                "confidence": advice.confidence,
            }
            if advice is not None
            else None
        ),
        "changes": (
            [
                {"field": c.field, "before": str(c.before), "after": str(c.after), "limit": c.limit}
                for c in changes.changes
            ]
            if changes is not None
            else []
        ),
    }


def saw_line(facts: Mapping[str, Any]) -> str:
    """What a decision's card showed, in one line: "TechCorp, revision 1: $500,000 ACV, 12%
    discount, 36 months · why: … · advice: approve (…) · due 2026-12-05 02:19 UTC"."""
    deal = facts.get("deal") or {}
    approval = facts.get("approval") or {}
    parts = [
        f"{deal.get('company')}, revision {deal.get('revision')}: "
        f"{money(Decimal(str(deal.get('acv', 0))))} ACV, "
        f"{percent(Decimal(str(deal.get('discount', 0))))} discount, "
        f"{deal.get('term_months')} months"
    ]
    if approval.get("why"):
        parts.append(f"why: {approval['why']}")
    advice = facts.get("recommendation")
    if advice:
        parts.append(f"advice: {advice.get('outcome')} ({advice.get('reasoning')})")
    if approval.get("due_at"):
        due = datetime.fromisoformat(str(approval["due_at"])).astimezone(UTC)
        parts.append(f"due {due:%Y-%m-%d %H:%M} UTC")
    changes = facts.get("changes") or []
    if changes:
        changed = ", ".join(f"{c['field']} {c['before']} → {c['after']}" for c in changes)
        parts.append(f"changed: {changed}")
    return " · ".join(parts)


def evidence_line(digest: str) -> str:
    return f"🔏 Evidence `{digest[:SHOWN_HASH]}`: what this card shows is on record"
