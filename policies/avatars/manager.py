"""Marcus Thompson, Regional Sales Manager: approves deals up to his ACV authority.

Approve when ``acv ≤ limits.max_acv`` (default :data:`DEFAULT_MAX_ACV`); anything larger
is handed to the first backup (the CFO in the seeds).
"""

from __future__ import annotations

from decimal import Decimal

from policies.avatars.decision import AvatarDecision, FactValue, Outcome
from policies.avatars.formatting import money, plain
from policies.deal import DealTerms
from policies.model import Limits

READS = frozenset({"acv"})
"""The deal fields this avatar's rule reads: a change to any other cannot change its decision."""
DEFAULT_MAX_ACV = Decimal("250000")
WITHIN_CONFIDENCE = 1.0
HAND_OVER_CONFIDENCE = 0.9


def decide_manager(deal: DealTerms, limits: Limits) -> AvatarDecision:
    """Approve within the manager's ACV authority, hand over above it."""
    max_acv = DEFAULT_MAX_ACV if limits.max_acv is None else limits.max_acv
    facts: dict[str, FactValue] = {"acv": plain(deal.acv), "max_acv": plain(max_acv)}
    if deal.acv <= max_acv:
        reasoning = f"ACV {money(deal.acv)} is within the {money(max_acv)} manager authority"
        return AvatarDecision(Outcome.APPROVE, reasoning, WITHIN_CONFIDENCE, facts)
    reasoning = f"ACV {money(deal.acv)} exceeds the {money(max_acv)} manager authority"
    return AvatarDecision(Outcome.HAND_OVER, reasoning, HAND_OVER_CONFIDENCE, facts)
