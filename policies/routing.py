"""Routing: which approvals a deal needs under a policy, stage by stage, and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policies.conditions import DealFacts
from policies.deal import DealTerms
from policies.model import Policy

ALWAYS = "always required"


@dataclass(frozen=True)
class Quorum:
    """A group's rule: ``needed`` of its members' approvals make it; with ``reject_any``
    one rejection rejects the deal, otherwise only as many as make ``needed`` impossible."""

    group: str
    """The group's name in the plan: ``group:lead_a+lead_b+lead_c``."""
    members: tuple[str, ...]
    needed: int
    reject_any: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "members": list(self.members),
            "needed": self.needed,
            "reject_any": self.reject_any,
        }

    @property
    def words(self) -> str:
        """ "2 of 3" or "all 3" or "any 1 of 3"."""
        total = len(self.members)
        if self.needed == total:
            return f"all {total}"
        return f"any {self.needed} of {total}" if self.needed == 1 else f"{self.needed} of {total}"


@dataclass(frozen=True)
class PlannedApproval:
    approver: str
    reason: str
    """The condition that matched, or "always required"."""
    quorum: Quorum | None = None
    """Set for a member of a group: the group it counts towards."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"approver": self.approver, "reason": self.reason}
        if self.quorum is not None:
            data["quorum"] = self.quorum.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlannedApproval:
        quorum = data.get("quorum")
        return cls(
            data["approver"],
            data["reason"],
            Quorum(
                quorum["group"],
                tuple(quorum["members"]),
                quorum["needed"],
                quorum["reject_any"],
            )
            if quorum
            else None,
        )


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
                "approvals": [a.to_json() for a in stage.approvals],
                "not_required": [a.to_json() for a in stage.not_required],
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
                    approvals=tuple(PlannedApproval.from_json(a) for a in stage["approvals"]),
                    not_required=tuple(
                        PlannedApproval.from_json(a) for a in stage.get("not_required", [])
                    ),
                )
                for index, stage in enumerate(data)
            )
        )

    def quorum_of(self, stage_index: int, approver: str) -> Quorum | None:
        """The group ``approver`` counts towards in that stage, if any."""
        planned = self.required(stage_index, approver)
        return planned.quorum if planned is not None else None

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
    facts = DealFacts(deal.facts())
    stages = []
    for index, stage in enumerate(policy.stages):
        required: list[PlannedApproval] = []
        not_required: list[PlannedApproval] = []
        for rule in stage.approvals:
            quorum = (
                Quorum(rule.label, tuple(rule.members), rule.needed, rule.reject == "any")
                if rule.group is not None
                else None
            )
            holds = rule.when is None or rule.when.evaluate(facts)
            reason = ALWAYS if rule.when is None else rule.when.source
            for member in rule.members:
                planned = PlannedApproval(member, reason, quorum)
                (required if holds else not_required).append(planned)
        stages.append(PlannedStage(index, stage.name, tuple(required), tuple(not_required)))
    return Plan(tuple(stages))
