"""What changed between two revisions of a deal, as plain data for the cards: the diff on
a re-approval card ("since you last saw it"), the thread's reply per revision, and the
counter-offer an owner is asked to accept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

DIFF_FIELDS = (
    "acv",
    "discount",
    "term_months",
    "company",
    "industry",
    "employees",
    "use_case",
    "budget_indicated",
    "custom_terms",
    "owner",
)
"""The fields a diff compares, in the order it lists them."""
HEADLINE = ("acv", "discount", "term_months")
"""Said to be unchanged when they are: what approvers look at first."""


@dataclass(frozen=True)
class FieldDiff:
    field: str
    before: Any
    after: Any
    limit: str = ""
    """What the change means for the reader's own limit: ``crosses your 15% limit``."""


@dataclass(frozen=True)
class RevisionDiff:
    since: int
    """The revision compared with (the one the reader last saw)."""
    revision: int
    changes: tuple[FieldDiff, ...]
    unchanged: tuple[str, ...]
    """Headline fields that did not change."""
    source: str | None = None
    """What made ``revision`` (RevisionSource), when known."""
    actor: str | None = None


@dataclass(frozen=True)
class CounterSnapshot:
    id: int
    deal_id: int
    approval_id: int
    revision: int
    proposed: dict[str, Any]
    """The fields it changes, typed (Decimal money and percentages, int months)."""
    current: dict[str, Any]
    """Those fields' values on the revision it answers."""
    note: str
    status: str
    created_by: str
    created_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    approver_name: str
