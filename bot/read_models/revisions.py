"""What changed between two revisions of a deal, as plain data for the cards: the diff on
a re-approval card ("since you last saw it"), the thread's reply per revision, and the
counter-offer an owner is asked to accept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from policies.limits import Cap, caps_of
from policies.model import Policy
from store import repositories as repo

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


async def load_revision_diff(
    session: AsyncSession,
    deal_id: int,
    since: int,
    revision: int,
    policy: Policy | None = None,
    approver: str | None = None,
) -> RevisionDiff | None:
    """The changes from revision ``since`` to ``revision``; with ``approver``, each change
    read against that approver's limits. None when either revision's terms are unknown."""
    revisions = {row.revision: row for row in await repo.list_revisions(session, deal_id)}
    old, new = revisions.get(since), revisions.get(revision)
    if old is None or new is None:
        return None
    caps: dict[str, Cap] = {}
    if policy is not None and approver is not None and approver in policy.approvers:
        caps = caps_of(policy.approvers[approver])
    changes = []
    for field in DIFF_FIELDS:
        before, after = _typed(field, old.terms.get(field)), _typed(field, new.terms.get(field))
        if before != after:
            changes.append(
                FieldDiff(field, before, after, _against(caps.get(field), before, after))
            )
    changed = {change.field for change in changes}
    return RevisionDiff(
        since,
        revision,
        tuple(changes),
        tuple(field for field in HEADLINE if field not in changed),
        new.source,
        new.actor,
    )


async def load_card_diff(
    session: AsyncSession, deal_id: int, revision: int, person: str, approver: str, policy: Policy
) -> RevisionDiff | None:
    """What changed since ``person`` last had this deal in hand, on a card of ``revision``:
    None on a first card."""
    seen = await repo.get_last_seen_revision(session, deal_id, person, revision)
    if seen is None:
        return None
    return await load_revision_diff(session, deal_id, seen, revision, policy, approver)


async def load_counter(
    session: AsyncSession, counter_id: int, policy: Policy
) -> CounterSnapshot | None:
    counter = await repo.get_counter_offer(session, counter_id)
    if counter is None:
        return None
    terms = await repo.get_revision_terms(session, counter.deal_id, counter.revision) or {}
    row = await repo.get_approval(session, counter.approval_id)
    approver = policy.approvers.get(row.approver) if row else None
    return CounterSnapshot(
        id=counter.id,
        deal_id=counter.deal_id,
        approval_id=counter.approval_id,
        revision=counter.revision,
        proposed={field: _typed(field, value) for field, value in counter.proposed.items()},
        current={field: _typed(field, terms.get(field)) for field in counter.proposed},
        note=counter.note,
        status=counter.status,
        created_by=counter.created_by,
        created_at=counter.created_at,
        resolved_by=counter.resolved_by,
        resolved_at=counter.resolved_at,
        approver_name=approver.name if approver else (row.approver if row else ""),
    )


def _typed(field: str, value: Any) -> Any:
    """Stored JSON back to the field's type, so 12 and "12.00" compare equal."""
    if value is None:
        return None
    if field in ("acv", "discount"):
        return Decimal(str(value)).normalize()
    if field in ("term_months", "employees"):
        return int(value)
    return value


def _against(cap: Cap | None, before: Any, after: Any) -> str:
    if cap is None:
        return ""
    if cap.allows(before) and not cap.allows(after):
        return f"crosses your {str(cap).removeprefix('the ')}"
    if cap.allows(after):
        return f"within your {str(cap).removeprefix('the ')}"
    return f"beyond your {str(cap).removeprefix('the ')}"


__all__ = [
    "CounterSnapshot",
    "FieldDiff",
    "RevisionDiff",
    "load_card_diff",
    "load_counter",
    "load_revision_diff",
]
