"""Lisa Wong, Chief Financial Officer: approves discounts within her authority and
strategic deals.

Approve when ``discount ≤ limits.max_discount`` (default :data:`DEFAULT_MAX_DISCOUNT`)
or ``acv ≥ limits.strategic_acv`` (default :data:`DEFAULT_STRATEGIC_ACV`): a strategic
deal may carry a larger discount. Anything else is handed to the first backup.
Confidence is 1.0 when both rules hold, 0.9 when one does, 0.9 for a hand-over.
"""

from __future__ import annotations

from decimal import Decimal

from policies.avatars.decision import AvatarDecision, FactValue, Outcome
from policies.avatars.formatting import money, percent, plain
from policies.deal import DealTerms
from policies.model import Limits

READS = frozenset({"acv", "discount"})
"""The deal fields this avatar's rule reads: a change to any other cannot change its decision."""
DEFAULT_MAX_DISCOUNT = Decimal("25")
DEFAULT_STRATEGIC_ACV = Decimal("500000")
BOTH_RULES_CONFIDENCE = 1.0
ONE_RULE_CONFIDENCE = 0.9
HAND_OVER_CONFIDENCE = 0.9


def decide_cfo(deal: DealTerms, limits: Limits) -> AvatarDecision:
    """Approve a discount within authority or a strategic deal; hand over the rest."""
    max_discount = DEFAULT_MAX_DISCOUNT if limits.max_discount is None else limits.max_discount
    strategic_acv = DEFAULT_STRATEGIC_ACV if limits.strategic_acv is None else limits.strategic_acv
    within = deal.discount <= max_discount
    strategic = deal.acv >= strategic_acv
    facts: dict[str, FactValue] = {
        "acv": plain(deal.acv),
        "discount": plain(deal.discount),
        "max_discount": plain(max_discount),
        "strategic_acv": plain(strategic_acv),
        "discount_within_authority": within,
        "strategic": strategic,
    }
    discount, authority = percent(deal.discount), percent(max_discount)
    acv, threshold = money(deal.acv), money(strategic_acv)
    if strategic and within:
        reasoning = (
            f"strategic deal (ACV {acv} ≥ {threshold}); "
            f"{discount} discount within the {authority} authority"
        )
        return AvatarDecision(Outcome.APPROVE, reasoning, BOTH_RULES_CONFIDENCE, facts)
    if strategic:
        reasoning = (
            f"strategic deal (ACV {acv} ≥ {threshold}); "
            f"{discount} discount is above the {authority} authority, allowed for a strategic deal"
        )
        return AvatarDecision(Outcome.APPROVE, reasoning, ONE_RULE_CONFIDENCE, facts)
    if within:
        reasoning = (
            f"{discount} discount within the {authority} authority; "
            f"the deal is not strategic (ACV {acv} below {threshold})"
        )
        return AvatarDecision(Outcome.APPROVE, reasoning, ONE_RULE_CONFIDENCE, facts)
    reasoning = (
        f"{discount} discount exceeds the {authority} CFO authority "
        f"and the deal is not strategic (ACV {acv} below {threshold})"
    )
    return AvatarDecision(Outcome.HAND_OVER, reasoning, HAND_OVER_CONFIDENCE, facts)
