"""What workflow functions return: typed results, never strings to parse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Refusal(StrEnum):
    NOT_AUTHORIZED = "not_authorized"
    OWNS_DEAL = "owns_deal"
    """The deal's owner never decides its approvals, whatever else they are."""
    ALREADY_DECIDED = "already_decided"
    """Approved, rejected or sent back already (a double click, a retry, someone else)."""
    MOVED = "moved"
    """Reassigned to someone else, or cancelled, before this decision arrived."""
    DEAL_CLOSED = "deal_closed"


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


@dataclass(frozen=True)
class SubmitResult:
    deal_id: int
    deal_ref: str
    created: bool
    """False when a deal with the same external_id already existed (nothing new was stored)."""
    status: str
