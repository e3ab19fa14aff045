"""Whether a sign-off given on one revision of a deal still holds on a later one.

An approval depends on some of the deal's fields: those the policy lists for it
(``watch:``), else those its stage's conditions read (its own, and those deciding who is
asked beside it) and those its approvers' avatars read. A change to any other field (the
use case's wording, say) keeps it.

A change to a field it depends on keeps it only when the change stays inside what the
approver agreed to: it crosses no threshold of the approval's own condition (the reason
they were asked is unchanged), and the new value lies within the approver's limit on
that field (policies.limits) or is no more than the value they approved.
``discount 12% → 14%`` keeps a sign-off under a 15% limit, and so does ``18% → 16%``;
``12% → 18%`` crosses it, and any change to a field the approver has no limit on asks
again (a sign-off on $300K says nothing of $9M).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from policies.avatars import AVATAR_READS
from policies.conditions import Condition
from policies.deal import CONDITION_FIELDS, DealTerms
from policies.limits import caps_of, shown_value
from policies.model import Policy

EVERYTHING = frozenset(CONDITION_FIELDS)
ASKED_AGAIN = "; asked again: "
"""Joins an approval's reason and why a new revision asks its approver again."""


def watched_fields(
    policy: Policy, stage_index: int, approvers: Iterable[str], slot: str | None = None
) -> frozenset[str]:
    """The fields an approval in stage ``stage_index`` depends on, ``approvers`` being the
    policy approvers who had a hand in it (the slot's, and whoever decided it); ``slot``'s
    own ``watch:`` list when the policy gives one. A stage or approver the policy does
    not have: everything (it is asked again)."""
    if not 0 <= stage_index < len(policy.stages):
        return EVERYTHING
    rules = policy.stages[stage_index].approvals
    listed = next((rule.watch for rule in rules if slot in rule.members), None)
    if listed is not None:
        return frozenset(listed)
    fields: set[str] = set()
    for rule in rules:
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


@dataclass(frozen=True)
class FieldChange:
    """One field an approval depends on that changed, and what that means for it."""

    field: str
    before: object
    after: object
    kept: bool
    why: str
    """``stays within the 15% limit``, ``crosses the 15% limit``, ``crosses discount > 15``,
    or ``changed`` (no limit of the approver's bounds it)."""

    def __str__(self) -> str:
        change = f"{self.field} {shown_value(self.field, self.before)} → "
        return change + f"{shown_value(self.field, self.after)} {self.why}"


@dataclass(frozen=True)
class Review:
    """What a new revision means for one earlier sign-off."""

    depends_on: frozenset[str]
    changed: frozenset[str]
    """Every field that changed, watched or not."""
    changes: tuple[FieldChange, ...]
    """The changes to fields it depends on, each kept or not."""

    @property
    def stands(self) -> bool:
        return all(change.kept for change in self.changes)

    @property
    def crossed(self) -> tuple[FieldChange, ...]:
        return tuple(change for change in self.changes if not change.kept)

    @property
    def kept(self) -> tuple[FieldChange, ...]:
        return tuple(change for change in self.changes if change.kept)


def review_sign_off(
    policy: Policy,
    stage_index: int,
    slot: str,
    approvers: Iterable[str],
    seen: DealTerms | None,
    now: DealTerms,
) -> Review:
    """Compare the terms an approver signed off (``seen``; None when unknown: everything
    changed) with the deal's terms ``now``."""
    hands = list(approvers)
    depends_on = watched_fields(policy, stage_index, hands, slot)
    if seen is None:
        unknown = (FieldChange(f, None, None, False, "changed") for f in sorted(depends_on))
        return Review(depends_on, EVERYTHING, tuple(unknown))
    changed = changed_fields(seen, now)
    thresholds = _own_thresholds(policy, stage_index, slot)
    caps = {}
    for approver_id in reversed(hands):  # the slot's own approver has the last word
        if (approver := policy.approvers.get(approver_id)) is not None:
            caps.update(caps_of(approver))
    old, new = seen.facts(), now.facts()
    changes: list[FieldChange] = []
    for field in sorted(depends_on & changed):
        crossed = [
            str(t) for t in thresholds if field in t.fields and t.evaluate(old) != t.evaluate(new)
        ]
        cap = caps.get(field)
        if crossed:
            kept, why = False, f"crosses {crossed[0]}"
        elif cap is None:
            kept, why = False, "changed"
        elif cap.allows(new[field]):
            kept, why = True, f"stays within {cap}"
        elif _at_most(new[field], old[field]):
            kept, why = True, "is no more than was approved"
        else:
            kept, why = False, f"crosses {cap}" if cap.allows(old[field]) else f"goes beyond {cap}"
        changes.append(FieldChange(field, old[field], new[field], kept, why))
    return Review(depends_on, changed, tuple(changes))


def _at_most(value: object, bound: object) -> bool:
    numbers = (int, Decimal)
    return isinstance(value, numbers) and isinstance(bound, numbers) and value <= bound


def _own_thresholds(policy: Policy, stage_index: int, slot: str) -> list[Condition]:
    if not 0 <= stage_index < len(policy.stages):
        return []
    for rule in policy.stages[stage_index].approvals:
        if slot in rule.members and rule.when is not None:
            return list(rule.when.comparisons())
    return []
