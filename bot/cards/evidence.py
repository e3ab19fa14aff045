"""The evidence of an approval card: the facts it shows its reader, as plain JSON.

Stored once with the assignment that makes the card (bot.slack.planner, store.evidence)
and hashed; the card shows the hash, and the decision made from it names the hash in the
audit log, so an auditor can see exactly what the approver saw when they clicked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bot.read_models.revisions import RevisionDiff
from policies.avatars.formatting import money, percent

SHOWN_HASH = 12
"""Hex digits of the hash a card shows (the audit log keeps all 64)."""


@dataclass(frozen=True)
class CardFacts:
    """What an approval card shows, as plain values (from the rows that make it)."""

    deal_ref: str
    revision: int
    terms: Mapping[str, Any]
    """company, acv, discount, term_months, industry, employees, use_case,
    budget_indicated, custom_terms, owner."""
    approval_id: int
    stage: str
    approver: str
    shown_to: str
    why: str
    due_at: datetime | None
    advice: Mapping[str, Any] | None
    """The avatar's decision as shown (None: no avatar, or kept off the card)."""


def card_evidence(card: CardFacts, changes: RevisionDiff | None) -> dict[str, Any]:
    """What the approval card shows: the deal's values at its revision, why it came to this
    person, the avatar's advice, the deadline and what changed."""
    advice = card.advice
    return {
        "card": "approval",
        "deal": {
            "id": card.deal_ref,
            "revision": card.revision,
            **{key: _plain(value) for key, value in card.terms.items()},
        },
        "approval": {
            "id": card.approval_id,
            "stage": card.stage,
            "approver": card.approver,
            "shown_to": card.shown_to,
            "why": card.why,
            "due_at": card.due_at.isoformat() if card.due_at else None,
        },
        "recommendation": (
            {
                "outcome": advice.get("outcome"),
                "reasoning": advice.get("reasoning"),
                "confidence": advice.get("confidence"),
            }
            if advice
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


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


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
