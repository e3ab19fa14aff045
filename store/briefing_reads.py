"""What the morning round reads, for thousands of people at once: a handful of bulk
queries in chunks of :data:`CHUNK`, never one query per person (bench/briefings.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.vocabulary import DECISIONS, ApprovalStatus, DealStatus
from store.models import Approval, Deal

CHUNK = 500
"""People (or deals) per ``IN (…)`` list: well inside every database's parameter limit."""
OPEN = (DealStatus.IN_REVIEW, DealStatus.CHANGES_REQUESTED)

T = TypeVar("T")


async def list_candidates(session: AsyncSession, decided_since: datetime) -> set[str]:
    """Everyone a briefing could say something to: whoever holds a pending approval, has
    decided since ``decided_since``, or owns a deal in review or sent back."""
    queries = (
        select(Approval.assignee).where(Approval.status == ApprovalStatus.PENDING),
        select(Approval.decided_by).where(
            Approval.status.in_(DECISIONS), Approval.decided_at >= decided_since
        ),
        select(Deal.owner).where(Deal.status.in_(OPEN)),
    )
    users: set[str] = set()
    for query in queries:
        users.update(user for user in (await session.scalars(query.distinct())).all() if user)
    return users


async def list_pending_of(
    session: AsyncSession, users: Sequence[str]
) -> list[tuple[int, int, str]]:
    """(approval id, deal id, assignee) of what waits for ``users``, their own deals left
    out (those wait for someone else)."""
    found: list[tuple[int, int, str]] = []
    for chunk in _chunks(users):
        waiting = (
            select(Approval.id, Approval.deal_id, Approval.assignee)
            .join(Deal, Deal.id == Approval.deal_id)
            .where(
                Approval.status == ApprovalStatus.PENDING,
                Approval.assignee.in_(chunk),
                Deal.owner != Approval.assignee,
            )
        )
        found += [(row.id, row.deal_id, row.assignee) for row in await session.execute(waiting)]
    return found


_DEALS, _APPROVALS = Deal.__table__, Approval.__table__
SHOWN_DEAL = (
    _DEALS.c.id,
    _DEALS.c.company,
    _DEALS.c.acv,
    _DEALS.c.discount,
    _DEALS.c.owner,
    _DEALS.c.status,
    _DEALS.c.updated_at,
    _DEALS.c.stage_index,
    _DEALS.c.policy_version,
)
"""The columns of a deal a briefing shows (bot.read_models.briefed), and its policy: table
columns, not the ORM's attributes, so that the rows come back as plain rows without the
ORM's loading per row (tens of thousands of them)."""
SHOWN_APPROVAL = (
    _APPROVALS.c.id,
    _APPROVALS.c.deal_id,
    _APPROVALS.c.stage_index,
    _APPROVALS.c.stage_name,
    _APPROVALS.c.reason,
    _APPROVALS.c.status,
    _APPROVALS.c.assignee,
    _APPROVALS.c.approver,
    _APPROVALS.c.due_at,
    _APPROVALS.c.decided_at,
    _APPROVALS.c.decided_by,
)
"""The columns of an approval a briefing shows."""


async def list_decided_by(
    session: AsyncSession, users: Sequence[str], since: datetime
) -> list[Any]:
    """:data:`SHOWN_APPROVAL` of what ``users`` decided since ``since``, any revision."""
    decided: list[Any] = []
    for chunk in _chunks(users):
        recent = select(*SHOWN_APPROVAL).where(
            _APPROVALS.c.decided_by.in_(chunk),
            _APPROVALS.c.status.in_(DECISIONS),
            _APPROVALS.c.decided_at >= since,
        )
        decided += (await session.execute(recent)).all()
    return decided


async def list_shown(session: AsyncSession, deal_ids: Iterable[int]) -> tuple[list[Any], list[Any]]:
    """:data:`SHOWN_DEAL` of these deals, and :data:`SHOWN_APPROVAL` of their current
    revision's pending approvals, oldest first: plain rows, two queries a chunk."""
    deals: list[Any] = []
    pending: list[Any] = []
    for chunk in _chunks(sorted(set(deal_ids))):
        found = select(*SHOWN_DEAL).where(_DEALS.c.id.in_(chunk))
        deals += (await session.execute(found)).all()
        waiting = (
            select(*SHOWN_APPROVAL)
            .join(_DEALS, _DEALS.c.id == _APPROVALS.c.deal_id)
            .where(_APPROVALS.c.deal_id.in_(chunk), _APPROVALS.c.revision == _DEALS.c.revision)
            .order_by(_APPROVALS.c.id)
        )
        # pending is filtered here, not in SQL: with a status condition SQLite's planner
        # takes the (status, …) index and walks every pending approval once per chunk
        rows = await session.execute(waiting)
        pending += [row for row in rows if row.status == ApprovalStatus.PENDING]
    return deals, pending


async def list_open_deals_of(session: AsyncSession, users: Sequence[str]) -> list[int]:
    own: list[int] = []
    for chunk in _chunks(users):
        owned = select(Deal.id).where(Deal.owner.in_(chunk), Deal.status.in_(OPEN))
        own += (await session.scalars(owned)).all()
    return own


async def list_current(
    session: AsyncSession, deal_ids: Iterable[int]
) -> list[tuple[Deal, list[Approval]]]:
    """Deals with their current revision's approvals (oldest first), read as plain rows,
    not ORM objects (several times faster for tens of thousands): a row has the same
    attributes, and whoever takes them only reads them."""
    deals_table, approvals_table = Deal.__table__, Approval.__table__
    found: list[tuple[Deal, list[Approval]]] = []
    for chunk in _chunks(sorted(set(deal_ids))):
        deals = await session.execute(select(deals_table).where(deals_table.c.id.in_(chunk)))
        current = (
            select(approvals_table)
            .join(deals_table, deals_table.c.id == approvals_table.c.deal_id)
            .where(
                approvals_table.c.deal_id.in_(chunk),
                approvals_table.c.revision == deals_table.c.revision,
            )
            .order_by(approvals_table.c.id)
        )
        by_deal: dict[int, list[Approval]] = defaultdict(list)
        for row in await session.execute(current):
            by_deal[row.deal_id].append(cast(Approval, row))
        found += [(cast(Deal, deal), by_deal[deal.id]) for deal in deals]
    return found


async def list_in_review_acvs(session: AsyncSession) -> list[Decimal]:
    query = select(Deal.acv).where(Deal.status == DealStatus.IN_REVIEW)
    return list((await session.scalars(query)).all())


async def list_due_before(session: AsyncSession, moment: datetime) -> Sequence[Any]:
    """(id, deal_id, due_at) of pending approvals due before ``moment``, soonest first."""
    query = (
        select(Approval.id, Approval.deal_id, Approval.due_at)
        .where(
            Approval.status == ApprovalStatus.PENDING,
            Approval.due_at.is_not(None),
            Approval.due_at < moment,
        )
        .order_by(Approval.due_at, Approval.id)
    )
    return (await session.execute(query)).all()


def _chunks(values: Sequence[T]) -> Iterator[list[T]]:
    for start in range(0, len(values), CHUNK):
        yield list(values[start : start + CHUNK])
