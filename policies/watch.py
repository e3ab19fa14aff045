"""What a decided approval depends on: the deal fields whose change re-opens it.

An approval given on one revision of a deal stands on a later one only when none of
the fields it depends on changed between the two: those its stage's conditions read
(its own condition, and those deciding who is asked beside it) and those its
approvers' avatars read (an avatar that handed it over, an avatar advising on the
card). A change to anything else (the use case's wording, say) keeps it.
"""

from __future__ import annotations

from collections.abc import Iterable

from policies.avatars import AVATAR_READS
from policies.deal import CONDITION_FIELDS, DealTerms
from policies.model import Policy

EVERYTHING = frozenset(CONDITION_FIELDS)


def watched_fields(policy: Policy, stage_index: int, approvers: Iterable[str]) -> frozenset[str]:
    """The fields an approval in stage ``stage_index`` depends on, ``approvers`` being the
    policy approvers who had a hand in it (the slot's, and whoever decided it). A stage or
    approver the policy does not have: everything (it is asked again)."""
    if not 0 <= stage_index < len(policy.stages):
        return EVERYTHING
    fields: set[str] = set()
    for rule in policy.stages[stage_index].approvals:
        if rule.when is not None:
            fields |= rule.when.fields
    for approver_id in approvers:
        approver = policy.approvers.get(approver_id)
        if approver is None:
            return EVERYTHING
        if approver.avatar is not None:
            fields |= AVATAR_READS[approver.avatar]
    return frozenset(fields)


def changed_fields(before: DealTerms, after: DealTerms) -> frozenset[str]:
    """The fields conditions and avatars see whose value differs (numbers by value)."""
    old, new = before.facts(), after.facts()
    return frozenset(name for name in CONDITION_FIELDS if old[name] != new[name])
