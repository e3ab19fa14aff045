"""What every avatar returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

FactValue = str | int | bool


class Outcome(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    HAND_OVER = "hand_over"
    """Beyond the avatar's authority: the approval moves to its first backup."""


@dataclass(frozen=True)
class AvatarDecision:
    outcome: Outcome
    reasoning: str
    """One line a person can check against the facts.

    For example "12% discount is within the 15% authority".
    """
    confidence: float
    """0 to 1; how clear-cut the rule made it (deterministic, not a probability of anything)."""
    facts: dict[str, FactValue] = field(default_factory=dict)
    """The inputs and limits the rule used, as shown to people (money as plain decimal strings)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "reasoning": self.reasoning,
            "confidence": self.confidence,
            "facts": dict(self.facts),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AvatarDecision:
        return cls(
            outcome=Outcome(data["outcome"]),
            reasoning=data["reasoning"],
            confidence=float(data["confidence"]),
            facts=dict(data.get("facts", {})),
        )
