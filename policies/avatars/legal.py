"""Priya Patel, Senior Legal Counsel: picks the contract type.

- custom terms requested → ``custom``: handed over, a lawyer must review them;
- otherwise ACV at or above the MSA threshold → ``msa``: approved under the master
  services agreement;
- otherwise → ``standard``: approved on the standard contract.

The MSA threshold is :data:`DEFAULT_MSA_ACV` unless the approver's
``limits.strategic_acv`` is set: a deal large enough to be strategic is large enough
for an MSA. The facts call it ``msa_acv``.
"""

from __future__ import annotations

from decimal import Decimal

from policies.avatars.decision import AvatarDecision, FactValue, Outcome
from policies.avatars.formatting import money, plain
from policies.deal import DealTerms
from policies.model import Limits

READS = frozenset({"acv", "custom_terms"})
"""The deal fields this avatar's rule reads: a change to any other cannot change its decision."""
DEFAULT_MSA_ACV = Decimal("500000")
APPROVE_CONFIDENCE = 0.95
HAND_OVER_CONFIDENCE = 0.9

STANDARD = "standard"
MSA = "msa"
CUSTOM = "custom"


def decide_legal(deal: DealTerms, limits: Limits) -> AvatarDecision:
    """Approve standard and MSA contracts; hand custom terms to a lawyer."""
    msa_acv = DEFAULT_MSA_ACV if limits.strategic_acv is None else limits.strategic_acv
    acv, threshold = money(deal.acv), money(msa_acv)
    if deal.custom_terms:
        contract_type = CUSTOM
        outcome, confidence = Outcome.HAND_OVER, HAND_OVER_CONFIDENCE
        reasoning = "custom terms need a lawyer's review"
    elif deal.acv >= msa_acv:
        contract_type = MSA
        outcome, confidence = Outcome.APPROVE, APPROVE_CONFIDENCE
        reasoning = f"MSA: ACV {acv} is {threshold} or more, master services agreement applies"
    else:
        contract_type = STANDARD
        outcome, confidence = Outcome.APPROVE, APPROVE_CONFIDENCE
        reasoning = f"standard contract: ACV {acv} is below {threshold} and no custom terms"
    facts: dict[str, FactValue] = {
        "acv": plain(deal.acv),
        "msa_acv": plain(msa_acv),
        "custom_terms": deal.custom_terms,
        "contract_type": contract_type,
    }
    return AvatarDecision(outcome, reasoning, confidence, facts)
