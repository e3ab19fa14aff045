"""What is left of a deal's route, as the forecast simulates it: the stage under review
(what is approved already, who holds what is pending) and the stages after it, each as
the plan of the deal's current revision gives them (policies.routing.Plan)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from policies.deal import DealTerms
from policies.model import Policy
from policies.routing import PlannedStage


@dataclass(frozen=True)
class Need:
    """What a stage needs: one approver's approval, or ``needed`` of a group's members."""

    slots: tuple[str, ...]
    needed: int = 1
    reject_any: bool = True

    @classmethod
    def of_stage(cls, stage: PlannedStage) -> tuple[Need, ...]:
        needs: list[Need] = []
        groups: dict[str, list[str]] = {}
        for planned in stage.approvals:
            quorum = planned.quorum
            if quorum is None:
                needs.append(cls((planned.approver,)))
            elif quorum.group not in groups:
                groups[quorum.group] = list(quorum.members)
                needs.append(cls(quorum.members, quorum.needed, quorum.reject_any))
        return tuple(needs)


@dataclass(frozen=True)
class StageAhead:
    index: int
    name: str
    needs: tuple[Need, ...]


@dataclass(frozen=True)
class Held:
    """A pending approval: who holds it since when, and who held its slot before."""

    approval_id: int
    slot: str
    approver: str
    assignee: str
    assigned_at: datetime
    due_at: datetime | None
    held_by: frozenset[str] = frozenset()
    """Approvers who held this slot already (the holder included): a timeout skips them."""
    escalated_at: datetime | None = None
    """When nobody was left to move it to: it waits for its holder or an admin since."""


@dataclass(frozen=True)
class OpenDeal:
    id: int
    ref: str
    company: str
    acv: Decimal
    owner: str
    terms: DealTerms
    policy: Policy
    stages: tuple[StageAhead, ...]
    """The stage under review first, then those after it."""
    held: Mapping[str, Held] = field(default_factory=dict)
    """The stage under review's pending approvals, by slot."""
    approved: frozenset[str] = frozenset()
    """The stage under review's slots approved already."""

    @property
    def waiting_on(self) -> list[str]:
        return [held.assignee for held in self.held.values()]
