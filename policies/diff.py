"""What changed between two versions of the policy, and what that does to a deal's plan.

Rule changes are listed by key path, as an admin reads the file: approvers by id
(``approvers.cfo.limits.max_discount``), stages by name and their approvals by who
approves (``stages.Reviews.legal.when``), everything else by its key. A plan change is
an approval one plan requires and the other does not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from policies.avatars import Outcome, run_avatar
from policies.deal import DealTerms
from policies.model import ApprovalRule, Policy
from policies.routing import Plan, build_plan


@dataclass(frozen=True)
class RuleChange:
    where: str
    before: str | None
    """None: added."""
    after: str | None
    """None: removed."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PlanChange:
    stage: str
    approver: str
    change: str
    """``newly required``, ``no longer required``, or what its avatar would now do."""
    why: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def policy_changes(old: Policy, new: Policy) -> list[RuleChange]:
    """Every rule that differs between ``old`` and ``new``, in the file's order."""
    before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
    changes: list[RuleChange] = []
    for key in dict.fromkeys([*before, *after]):
        if key in ("stages", "name"):
            continue
        _compare(key, before.get(key), after.get(key), changes)
    _compare_stages(old, new, changes)
    return changes


def deal_changes(old: Policy, new: Policy, routed: Plan, terms: DealTerms) -> list[PlanChange]:
    """How a deal routed under ``old`` (its plan ``routed``) would go under ``new``: the
    approvals that would be newly required or no longer required, and the avatars that
    would now decide otherwise on it."""
    planned = build_plan(new, terms)
    changes = plan_changes(routed, planned)
    kept = {
        (stage.name, approval.approver) for stage in planned.stages for approval in stage.approvals
    }
    for stage in routed.stages:
        for approval in stage.approvals:
            if (stage.name, approval.approver) not in kept:
                continue
            was, now = old.approvers.get(approval.approver), new.approvers.get(approval.approver)
            if was is None or now is None or was.avatar is None or now.avatar is None:
                continue
            before = run_avatar(was.avatar, terms, was.limits)
            after = run_avatar(now.avatar, terms, now.limits)
            if before.outcome != after.outcome:
                changes.append(
                    PlanChange(
                        stage.name,
                        approval.approver,
                        f"its avatar would {_verb(after.outcome)} (was {_verb(before.outcome)})",
                        after.reasoning,
                    )
                )
    return changes


def _verb(outcome: Outcome) -> str:
    return outcome.value.replace("_", " ")


def plan_changes(old: Plan, new: Plan) -> list[PlanChange]:
    """The approvals ``new`` requires that ``old`` did not, and the other way round, by
    stage name."""

    def required(plan: Plan) -> dict[tuple[str, str], str]:
        return {
            (stage.name, approval.approver): approval.reason
            for stage in plan.stages
            for approval in stage.approvals
        }

    was, now = required(old), required(new)
    changes = [
        PlanChange(stage, approver, "newly required", now[(stage, approver)])
        for stage, approver in now
        if (stage, approver) not in was
    ]
    changes += [
        PlanChange(stage, approver, "no longer required", was[(stage, approver)])
        for stage, approver in was
        if (stage, approver) not in now
    ]
    return changes


def _compare(where: str, before: Any, after: Any, changes: list[RuleChange]) -> None:
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in dict.fromkeys([*before, *after]):
            _compare(f"{where}.{key}", before.get(key), after.get(key), changes)
        return
    changes.append(
        RuleChange(
            where,
            None if before is None else _text(before),
            None if after is None else _text(after),
        )
    )


def _compare_stages(old: Policy, new: Policy, changes: list[RuleChange]) -> None:
    stages_before = {stage.name: stage for stage in old.stages}
    stages_after = {stage.name: stage for stage in new.stages}
    for name in dict.fromkeys([*stages_before, *stages_after]):
        where = f"stages.{name}"
        if name not in stages_after:
            changes.append(RuleChange(where, _rules_text(stages_before[name].approvals), None))
        elif name not in stages_before:
            changes.append(RuleChange(where, None, _rules_text(stages_after[name].approvals)))
        else:
            rules_before = {_who(rule): rule for rule in stages_before[name].approvals}
            rules_after = {_who(rule): rule for rule in stages_after[name].approvals}
            for who in dict.fromkeys([*rules_before, *rules_after]):
                _compare(
                    f"{where}.{who}",
                    _rule(rules_before.get(who)),
                    _rule(rules_after.get(who)),
                    changes,
                )
    order_before = [s for s in stages_before if s in stages_after]
    order_after = [s for s in stages_after if s in stages_before]
    if order_before != order_after:
        changes.append(RuleChange("stages (order)", _text(order_before), _text(order_after)))


def _who(rule: ApprovalRule) -> str:
    return rule.approver or "+".join(rule.group or [])


def _rule(rule: ApprovalRule | None) -> dict[str, Any] | None:
    if rule is None:
        return None
    dumped = rule.model_dump(mode="json", exclude_defaults=True)
    dumped.setdefault("when", "always")
    return dumped


def _rules_text(rules: list[ApprovalRule]) -> str:
    return "; ".join(
        f"{_who(rule)}" + (f" when {rule.when.source}" if rule.when else "") for rule in rules
    )


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_text(v)}" for k, v in value.items()) + "}"
    return str(value)
