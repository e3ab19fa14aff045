"""What a briefing shows of a deal and of an approval: the few fields its lines use.

A morning round reads tens of thousands of deals at once (bench/briefings.py: 100,000),
so it reads only these columns and builds these small rows, not the full snapshots
(bot.read_models.snapshots) an approval card needs: no plan, no advice, no backup chain.
The card builders take either, through the two protocols below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from policies.vocabulary import ApprovalStatus


class ShownApproval(Protocol):
    """An approval as a briefing line or an inbox line shows it."""

    @property
    def id(self) -> int: ...
    @property
    def stage_name(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def assignee(self) -> str: ...
    @property
    def approver_name(self) -> str: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def decided_at(self) -> datetime | None: ...
    def overdue(self, now: datetime) -> bool: ...


class ShownDeal(Protocol):
    """A deal as a briefing line shows it."""

    @property
    def id(self) -> int: ...
    @property
    def ref(self) -> str: ...
    @property
    def company(self) -> str: ...
    @property
    def acv(self) -> Decimal: ...
    @property
    def discount(self) -> Decimal: ...
    @property
    def owner(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def stage_name(self) -> str | None: ...
    @property
    def pending(self) -> Sequence[ShownApproval]: ...


ShownItem = tuple[ShownDeal, ShownApproval]


@dataclass(frozen=True, slots=True)
class BriefedApproval:
    id: int
    deal_id: int
    stage_name: str
    reason: str
    status: str
    assignee: str
    approver_name: str
    due_at: datetime | None
    decided_at: datetime | None
    decided_by: str | None

    @property
    def is_pending(self) -> bool:
        return self.status == ApprovalStatus.PENDING

    def overdue(self, now: datetime) -> bool:
        return self.is_pending and self.due_at is not None and self.due_at <= now


@dataclass(frozen=True, slots=True)
class BriefedDeal:
    id: int
    ref: str
    company: str
    acv: Decimal
    discount: Decimal
    owner: str
    status: str
    updated_at: datetime
    stage_name: str | None
    """The current stage's name (None once the deal has left review)."""
    pending: tuple[BriefedApproval, ...]
    """The current revision's pending approvals, oldest first."""
