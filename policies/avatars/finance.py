"""James Rodriguez, VP Finance: approves discounts up to his authority.

Approve when ``discount ≤ limits.max_discount`` (default :data:`DEFAULT_MAX_DISCOUNT`,
in percent); a larger discount is handed to the first backup (the CFO in the seeds).
"""

from __future__ import annotations

from decimal import Decimal

from policies.avatars.decision import AvatarDecision, FactValue, Outcome
from policies.avatars.formatting import percent, plain
from policies.deal import DealTerms
from policies.model import Limits

READS = frozenset({"discount"})
"""The deal fields this avatar's rule reads: a change to any other cannot change its decision."""
DEFAULT_MAX_DISCOUNT = Decimal("15")
WITHIN_CONFIDENCE = 1.0
HAND_OVER_CONFIDENCE = 0.9


def decide_finance(deal: DealTerms, limits: Limits) -> AvatarDecision:
    """Approve within the finance discount authority, hand over above it."""
    max_discount = DEFAULT_MAX_DISCOUNT if limits.max_discount is None else limits.max_discount
    facts: dict[str, FactValue] = {
        "discount": plain(deal.discount),
        "max_discount": plain(max_discount),
    }
    discount, authority = percent(deal.discount), percent(max_discount)
    if deal.discount <= max_discount:
        reasoning = f"{discount} discount is within the {authority} authority"
        return AvatarDecision(Outcome.APPROVE, reasoning, WITHIN_CONFIDENCE, facts)
    reasoning = f"{discount} discount exceeds the {authority} finance authority"
    return AvatarDecision(Outcome.HAND_OVER, reasoning, HAND_OVER_CONFIDENCE, facts)
