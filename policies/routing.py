"""Routing: which approvals a deal needs under a policy, stage by stage, and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policies.deal import DealTerms
from policies.model import Policy

ALWAYS = "always required"


@dataclass(frozen=True)
class PlannedApproval:
    approver: str
    reason: str
    """The condition that matched, or "always required"."""


@dataclass(frozen=True)
class PlannedStage:
    index: int
    name: str
    approvals: tuple[PlannedApproval, ...]
    not_required: tuple[PlannedApproval, ...] = ()
    """Rules of this stage whose condition did not hold (the reason is the condition)."""

    @property
    def skipped(self) -> bool:
        return not self.approvals


@dataclass(frozen=True)
class Plan:
    stages: tuple[PlannedStage, ...]

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {
                "name": stage.name,
                "approvals": [
                    {"approver": a.approver, "reason": a.reason} for a in stage.approvals
                ],
                "not_required": [
                    {"approver": a.approver, "reason": a.reason} for a in stage.not_required
                ],
            }
            for stage in self.stages
        ]

    @classmethod
    def from_json(cls, data: list[dict[str, Any]]) -> Plan:
        return cls(
            tuple(
                PlannedStage(
                    index=index,
                    name=stage["name"],
                    approvals=tuple(PlannedApproval(**a) for a in stage["approvals"]),
                    not_required=tuple(PlannedApproval(**a) for a in stage.get("not_required", [])),
                )
                for index, stage in enumerate(data)
            )
        )

    def required(self, stage_index: int, approver: str) -> PlannedApproval | None:
        """The planned approval for ``approver`` in that stage, if the plan requires one."""
        for planned in self.stages[stage_index].approvals:
            if planned.approver == approver:
                return planned
        return None


def build_plan(policy: Policy, deal: DealTerms) -> Plan:
    """Evaluate every rule's condition against the deal.

    Raises ConditionError when a condition's arithmetic fails for these values.
    """
    facts = deal.facts()
    stages = []
    for index, stage in enumerate(policy.stages):
        required, not_required = [], []
        for rule in stage.approvals:
            if rule.when is None:
                required.append(PlannedApproval(rule.approver, ALWAYS))
            elif rule.when.evaluate(facts):
                required.append(PlannedApproval(rule.approver, rule.when.source))
            else:
                not_required.append(PlannedApproval(rule.approver, rule.when.source))
        stages.append(PlannedStage(index, stage.name, tuple(required), tuple(not_required)))
    return Plan(tuple(stages))
