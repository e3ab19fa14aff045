"""What workflow functions return: typed results, never strings to parse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from policies.vocabulary import Refusal

__all__ = ["DecisionResult", "Refusal", "SubmitResult"]


@dataclass(frozen=True)
class DecisionResult:
    approval_id: int
    deal_id: int
    deal_ref: str
    applied: bool
    refusal: Refusal | None
    message: str
    """Plain words for the person who tried, free of any chat markup."""
    approval_status: str
    decided_by: str | None
    decided_at: datetime | None
    deal_status: str

    def to_json(self) -> dict[str, Any]:
        """As stored with the journaled decision it answers."""
        return {
            **{name: getattr(self, name) for name in _PLAIN},
            "refusal": self.refusal.value if self.refusal else None,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DecisionResult:
        return cls(
            **{name: data[name] for name in _PLAIN},
            refusal=Refusal(data["refusal"]) if data["refusal"] else None,
            decided_at=datetime.fromisoformat(data["decided_at"]) if data["decided_at"] else None,
        )


_PLAIN = (
    "approval_id",
    "deal_id",
    "deal_ref",
    "applied",
    "message",
    "approval_status",
    "decided_by",
    "deal_status",
)


@dataclass(frozen=True)
class SubmitResult:
    deal_id: int
    deal_ref: str
    created: bool
    """False when a deal with the same external_id already existed (nothing new was stored)."""
    status: str
