"""Queries the workflow needs. Repositories read and add; they never commit."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from policies.vocabulary import DECISIONS, SIGN_OFFS, ApprovalStatus, CounterStatus, DealStatus
from store.models import Approval, CounterOffer, Deal, DealRevision, Delegation

_ENDED = (ApprovalStatus.REASSIGNED, ApprovalStatus.CANCELLED)


async def lock_deal(session: AsyncSession, deal_id: int) -> Deal | None:
    """Load the deal, locked for this transaction (PostgreSQL row lock; SQLite already holds
    the database write lock), with fresh values."""
    query = (
        select(Deal)
        .where(Deal.id == deal_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def lock_approval(session: AsyncSession, approval_id: int) -> tuple[Deal, Approval] | None:
    """An approval and its deal, the deal locked for this transaction, both fresh."""
    query = (
        select(Deal)
        .join(Approval, Approval.deal_id == Deal.id)
        .where(Approval.id == approval_id)
        .with_for_update(of=Deal)
        .execution_options(populate_existing=True)
    )
    deal = (await session.execute(query)).scalar_one_or_none()
    if deal is None:
        return None
    row = await get_approval(session, approval_id, fresh=True)
    assert row is not None  # the join found it, and the deal's lock keeps it
    return deal, row


async def get_deal(session: AsyncSession, deal_id: int) -> Deal | None:
    return await session.get(Deal, deal_id)


async def get_deal_by_external_id(session: AsyncSession, external_id: str) -> Deal | None:
    query = select(Deal).where(Deal.external_id == external_id)
    return (await session.execute(query)).scalar_one_or_none()


async def deals_by_external_id(
    session: AsyncSession, external_ids: Collection[str]
) -> dict[str, Deal]:
    """The deals with these CRM ids, by id, in one query (a CRM batch sends hundreds)."""
    if not external_ids:
        return {}
    query = select(Deal).where(Deal.external_id.in_(set(external_ids)))
    return {
        deal.external_id: deal for deal in (await session.scalars(query)).all() if deal.external_id
    }


def add_revision(
    session: AsyncSession,
    deal: Deal,
    terms: dict[str, Any],
    now: datetime,
    *,
    source: str,
    actor: str,
) -> None:
    """Keep the terms of the deal's current revision, and what made it."""
    session.add(
        DealRevision(
            deal_id=deal.id,
            revision=deal.revision,
            terms=terms,
            created_at=now,
            source=source,
            actor=actor,
        )
    )


async def list_revisions(session: AsyncSession, deal_id: int) -> Sequence[DealRevision]:
    query = select(DealRevision).where(DealRevision.deal_id == deal_id)
    return (await session.execute(query.order_by(DealRevision.revision))).scalars().all()


async def get_last_seen_revision(
    session: AsyncSession, deal_id: int, person: str, before: int
) -> int | None:
    """The latest revision before ``before`` on which ``person`` had an approval of the
    deal in hand (a card they saw), or None."""
    query = select(func.max(Approval.revision)).where(
        Approval.deal_id == deal_id, Approval.assignee == person, Approval.revision < before
    )
    found: int | None = (await session.execute(query)).scalar_one_or_none()
    return found


def add_counter_offer(session: AsyncSession, counter: CounterOffer) -> None:
    session.add(counter)


async def get_counter_offer(
    session: AsyncSession, counter_id: int, *, fresh: bool = False
) -> CounterOffer | None:
    return await session.get(CounterOffer, counter_id, populate_existing=fresh)


async def get_counter_of(session: AsyncSession, approval_id: int) -> CounterOffer | None:
    query = select(CounterOffer).where(CounterOffer.approval_id == approval_id)
    return (await session.execute(query)).scalar_one_or_none()


async def list_open_counters(session: AsyncSession, deal_id: int) -> Sequence[CounterOffer]:
    query = select(CounterOffer).where(
        CounterOffer.deal_id == deal_id, CounterOffer.status == CounterStatus.OPEN
    )
    return (await session.execute(query.order_by(CounterOffer.id))).scalars().all()


async def get_revision_terms(
    session: AsyncSession, deal_id: int, revision: int
) -> dict[str, Any] | None:
    """The terms the deal had at ``revision`` (None for a revision stored before they were
    kept)."""
    row = await session.get(DealRevision, (deal_id, revision))
    return None if row is None else row.terms


async def find_deal_by_company(session: AsyncSession, wanted: str) -> int | None:
    """The newest deal of this company (case-insensitive), or the one deal whose company
    contains ``wanted``; None when there is no such deal, or several."""
    name = func.lower(Deal.company)
    exact = select(Deal.id).where(name == wanted.lower()).order_by(Deal.id.desc()).limit(1)
    found = (await session.execute(exact)).scalar_one_or_none()
    if found is not None or not wanted:
        return found
    partial = select(Deal.id).where(name.contains(wanted.lower(), autoescape=True)).limit(2)
    ids = list((await session.execute(partial)).scalars())
    return ids[0] if len(ids) == 1 else None


async def list_newest_companies(session: AsyncSession, limit: int) -> list[tuple[int, str]]:
    """(deal id, company) of the newest deals."""
    query = select(Deal.id, Deal.company).order_by(Deal.id.desc()).limit(limit)
    return [(deal_id, company) for deal_id, company in (await session.execute(query)).all()]


async def get_approval(
    session: AsyncSession, approval_id: int, *, fresh: bool = False
) -> Approval | None:
    query = select(Approval).where(Approval.id == approval_id)
    if fresh:
        query = query.execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one_or_none()


async def list_approvals(
    session: AsyncSession, deal_id: int, revision: int | None = None
) -> Sequence[Approval]:
    """The deal's approvals (one revision's, or all), in the order they were created."""
    query = select(Approval).where(Approval.deal_id == deal_id)
    if revision is not None:
        query = query.where(Approval.revision == revision)
    return (await session.execute(query.order_by(Approval.id))).scalars().all()


async def list_deals(session: AsyncSession, deal_ids: Collection[int]) -> Sequence[Deal]:
    return (await session.execute(select(Deal).where(Deal.id.in_(list(deal_ids))))).scalars().all()


async def list_approvals_of(session: AsyncSession, deal_ids: Collection[int]) -> Sequence[Approval]:
    """Every row of these deals (all revisions), in the order they were created."""
    query = select(Approval).where(Approval.deal_id.in_(list(deal_ids))).order_by(Approval.id)
    return (await session.execute(query)).scalars().all()


async def get_successor(session: AsyncSession, approval_id: int) -> Approval | None:
    """The row that carries a reassigned approval on."""
    query = select(Approval).where(Approval.previous_id == approval_id)
    return (await session.execute(query)).scalars().first()


async def list_pending_for(
    session: AsyncSession, assignees: Collection[str], viewer: str, limit: int
) -> tuple[list[Approval], int]:
    """The first ``limit`` approvals waiting for ``assignees``, by deadline (overdue ones
    first, those without one last), and how many there are in all. The viewer's own
    deals are left out: nobody decides those (they wait for someone else)."""
    if not assignees:
        return [], 0
    pending = (
        Approval.assignee.in_(list(assignees)),
        Approval.status == ApprovalStatus.PENDING,
        ~exists().where(Deal.id == Approval.deal_id, Deal.owner == viewer),
    )
    query = (
        select(Approval)
        .where(*pending)
        .order_by(Approval.due_at.is_(None), Approval.due_at, Approval.id)
        .limit(limit)
    )
    rows = list((await session.execute(query)).scalars())
    if len(rows) < limit:
        return rows, len(rows)
    total = (await session.execute(select(func.count()).where(*pending))).scalar_one()
    return rows, int(total)


async def list_escalated(session: AsyncSession, viewer: str, limit: int) -> list[Approval]:
    """Pending approvals escalated to the admins (no backup was left), oldest first; the
    viewer's own deals left out (they may not decide those)."""
    query = (
        select(Approval)
        .where(
            Approval.status == ApprovalStatus.PENDING,
            Approval.escalated_at.is_not(None),
            ~exists().where(Deal.id == Approval.deal_id, Deal.owner == viewer),
        )
        .order_by(Approval.escalated_at, Approval.id)
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def list_decided_by(session: AsyncSession, user: str, limit: int) -> list[Approval]:
    """``user``'s latest decisions, newest first."""
    query = (
        select(Approval)
        .where(Approval.decided_by == user, Approval.status.in_(DECISIONS))
        .order_by(Approval.decided_at.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def list_open_deals_of(session: AsyncSession, owner: str, limit: int) -> list[int]:
    """The deals ``owner`` has in review or sent back, latest activity first."""
    query = (
        select(Deal.id)
        .where(
            Deal.owner == owner,
            Deal.status.in_((DealStatus.IN_REVIEW, DealStatus.CHANGES_REQUESTED)),
        )
        .order_by(Deal.updated_at.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def list_stage(session: AsyncSession, deal: Deal, stage_index: int) -> Sequence[Approval]:
    """The stage's current rows: each slot's latest holder.

    Reassigned and cancelled rows are left out.
    """
    query = select(Approval).where(
        Approval.deal_id == deal.id,
        Approval.revision == deal.revision,
        Approval.stage_index == stage_index,
        Approval.status.not_in(_ENDED),
    )
    return (await session.execute(query.order_by(Approval.id))).scalars().all()


async def list_pending(session: AsyncSession, deal: Deal) -> Sequence[Approval]:
    query = select(Approval).where(
        Approval.deal_id == deal.id,
        Approval.revision == deal.revision,
        Approval.status == ApprovalStatus.PENDING,
    )
    return (await session.execute(query.order_by(Approval.id))).scalars().all()


async def list_slot_approvers(session: AsyncSession, row: Approval) -> set[str]:
    """Every approver who has held this row's slot (for walking the backup chain)."""
    query = select(Approval.approver).where(
        Approval.deal_id == row.deal_id,
        Approval.revision == row.revision,
        Approval.stage_index == row.stage_index,
        Approval.slot == row.slot,
    )
    return set((await session.execute(query)).scalars().all())


async def get_carried_approval(
    session: AsyncSession, deal: Deal, stage_index: int, slot: str
) -> Approval | None:
    """A person's sign-off of this slot from an earlier revision (an approval, or a
    counter-offer: approval with changes), if their latest decision on it was one (an
    approval followed by a change request is not).

    Earlier than the last revision too: a deal sent back before it reached this stage
    again keeps the approval given before.
    """
    query = select(Approval).where(
        Approval.deal_id == deal.id,
        Approval.revision < deal.revision,
        Approval.stage_index == stage_index,
        Approval.slot == slot,
        Approval.status.in_(DECISIONS),
        Approval.assignee.not_like("avatar:%"),
    )
    newest = query.order_by(Approval.revision.desc(), Approval.id.desc()).limit(1)
    latest = (await session.execute(newest)).scalar_one_or_none()
    return latest if latest is not None and latest.status in SIGN_OFFS else None


async def other_approval_held(
    session: AsyncSession, deal: Deal, person: str, slot: str
) -> Approval | None:
    """An approval of the deal's current revision other than ``slot``'s that ``person``
    holds or gave (a sign-off first), or None."""
    query = (
        select(Approval)
        .where(
            Approval.deal_id == deal.id,
            Approval.revision == deal.revision,
            Approval.assignee == person,
            Approval.slot != slot,
            Approval.status.in_((ApprovalStatus.PENDING, *SIGN_OFFS)),
        )
        .order_by(Approval.status == ApprovalStatus.PENDING, Approval.id)
    )
    return (await session.scalars(query.limit(1))).first()


async def get_origin(session: AsyncSession, approval: Approval) -> Approval:
    """The row where a carried approval was actually given: carrying it to a new revision
    copies who decided it and when onto a row pointing back at it."""
    row = approval
    while row.previous_id is not None:
        earlier = await session.get(Approval, row.previous_id)
        if earlier is None or (earlier.decided_by, earlier.decided_at, earlier.status) != (
            row.decided_by,
            row.decided_at,
            row.status,
        ):
            break
        row = earlier
    return row


def _active(now: datetime) -> list[ColumnElement[bool]]:
    return [
        Delegation.ended_at.is_(None),
        Delegation.starts_at <= now,
        or_(Delegation.ends_at.is_(None), Delegation.ends_at > now),
    ]


async def get_active_delegation(
    session: AsyncSession, delegator: str, now: datetime
) -> Delegation | None:
    query = select(Delegation).where(Delegation.delegator == delegator, *_active(now))
    return (
        await session.execute(query.order_by(Delegation.id.desc()).limit(1))
    ).scalar_one_or_none()


async def list_deals_waiting_on(session: AsyncSession, assignee: str, owner: str) -> list[int]:
    """Deals ``owner`` owns that have an approval pending with ``assignee``."""
    query = (
        select(Approval.deal_id)
        .join(Deal, Deal.id == Approval.deal_id)
        .where(
            Approval.assignee == assignee,
            Approval.status == ApprovalStatus.PENDING,
            Deal.owner == owner,
        )
        .distinct()
        .order_by(Approval.deal_id)
    )
    return list((await session.execute(query)).scalars().all())


async def list_expired_delegations(session: AsyncSession, now: datetime) -> list[int]:
    """Delegations still open whose end time has passed."""
    query = select(Delegation.id).where(
        Delegation.ended_at.is_(None),
        Delegation.ends_at.is_not(None),
        Delegation.ends_at <= now,
    )
    return list((await session.execute(query)).scalars().all())


async def claim_delegation_end(session: AsyncSession, delegation_id: int) -> bool:
    """End the delegation at its end time; True for exactly one caller, however many race."""
    claimed = await session.execute(
        update(Delegation)
        .where(Delegation.id == delegation_id, Delegation.ended_at.is_(None))
        .values(ended_at=Delegation.ends_at)
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


async def list_in_review(session: AsyncSession, deal_id: int | None = None) -> Sequence[Deal]:
    """The deals in review (one of them, with ``deal_id``), oldest first."""
    query = select(Deal).where(Deal.status == DealStatus.IN_REVIEW).order_by(Deal.id)
    if deal_id is not None:
        query = query.where(Deal.id == deal_id)
    return (await session.execute(query)).scalars().all()


async def list_pending_ids_of(session: AsyncSession, assignee: str) -> list[int]:
    """The approvals waiting for ``assignee``, oldest first."""
    query = (
        select(Approval.id)
        .where(Approval.assignee == assignee, Approval.status == ApprovalStatus.PENDING)
        .order_by(Approval.id)
    )
    return list((await session.execute(query)).scalars().all())


async def list_delegators(session: AsyncSession, delegate: str, now: datetime) -> list[str]:
    """People whose approvals ``delegate`` currently decides for."""
    query = select(Delegation.delegator).where(Delegation.delegate == delegate, *_active(now))
    return list((await session.execute(query)).scalars().all())


async def claim_reminder(session: AsyncSession, approval_id: int, now: datetime) -> bool:
    """Mark the reminder sent; True for exactly one caller, however many race."""
    result = await session.execute(
        update(Approval)
        .where(
            Approval.id == approval_id,
            Approval.status == ApprovalStatus.PENDING,
            Approval.reminded_at.is_(None),
            Approval.remind_at <= now,
        )
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim_away_wait(session: AsyncSession, approval_id: int, now: datetime) -> bool:
    """Note that the approval waits for its away holder; True for the first caller only."""
    result = await session.execute(
        update(Approval)
        .where(Approval.id == approval_id, Approval.away_waited_at.is_(None))
        .values(away_waited_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def list_due(
    session: AsyncSession,
    now: datetime,
    limit: int = 500,
    *,
    deal_ids: Collection[int] | None = None,
) -> tuple[list[int], list[int]]:
    """Approvals whose reminder is due, and approvals whose SLA has passed: the ``limit``
    longest due of each. The timeouts come in deal order, so that a batch of them locks
    its deals in one order and two instances working through them never deadlock.

    ``deal_ids`` limits both to those deals (the simulator must not touch real deals).
    """
    scope = _of_deals(deal_ids)
    reminders = (
        select(Approval.id)
        .where(
            Approval.status == ApprovalStatus.PENDING,
            Approval.reminded_at.is_(None),
            Approval.escalated_at.is_(None),
            Approval.remind_at <= now,
            and_(Approval.due_at.is_not(None), Approval.due_at > now),
            *scope,
        )
        .order_by(Approval.remind_at)
        .limit(limit)
    )
    timeouts = (
        select(Approval.id, Approval.deal_id)
        .where(
            Approval.status == ApprovalStatus.PENDING,
            Approval.escalated_at.is_(None),
            Approval.due_at <= now,
            *scope,
        )
        .order_by(Approval.due_at)
        .limit(limit)
    )
    passed = sorted((await session.execute(timeouts)).all(), key=lambda row: (row[1], row[0]))
    return (
        list((await session.execute(reminders)).scalars().all()),
        [approval_id for approval_id, _ in passed],
    )


async def next_deadline(
    session: AsyncSession, *, deal_ids: Collection[int] | None = None
) -> datetime | None:
    """The earliest reminder or SLA still ahead of the pending approvals (of ``deal_ids``)."""
    scope = _of_deals(deal_ids)
    remind = select(func.min(Approval.remind_at)).where(
        Approval.status == ApprovalStatus.PENDING,
        Approval.reminded_at.is_(None),
        Approval.escalated_at.is_(None),
        *scope,
    )
    due = select(func.min(Approval.due_at)).where(
        Approval.status == ApprovalStatus.PENDING,
        Approval.escalated_at.is_(None),
        *scope,
    )
    times = [
        (await session.execute(remind)).scalar_one_or_none(),
        (await session.execute(due)).scalar_one_or_none(),
    ]
    present = [t for t in times if t is not None]
    return min(present) if present else None


def _of_deals(deal_ids: Collection[int] | None) -> list[ColumnElement[bool]]:
    return [] if deal_ids is None else [Approval.deal_id.in_(list(deal_ids))]


async def delegation_moves(session: AsyncSession, delegation: Delegation) -> int:
    """How many pending approvals were moved to the delegate when the delegation started."""
    query = (
        select(func.count())
        .select_from(Approval)
        .where(
            Approval.decided_by == delegation.delegator,
            Approval.status == ApprovalStatus.REASSIGNED,
            Approval.decided_at == delegation.starts_at,
        )
    )
    return int((await session.execute(query)).scalar_one())


async def next_delegation_end(session: AsyncSession) -> datetime | None:
    query = select(func.min(Delegation.ends_at)).where(
        Delegation.ended_at.is_(None), Delegation.ends_at.is_not(None)
    )
    result: datetime | None = (await session.execute(query)).scalar_one_or_none()
    return result


async def count_deals_by_status(session: AsyncSession) -> dict[str, int]:
    query = select(Deal.status, func.count()).group_by(Deal.status)
    return {str(status): int(count) for status, count in (await session.execute(query)).all()}


async def count_pending(session: AsyncSession, now: datetime) -> tuple[int, int]:
    """Approvals waiting for a decision, and how many of them are past their SLA."""
    pending = Approval.status == ApprovalStatus.PENDING
    waiting = (await session.execute(select(func.count()).where(pending))).scalar_one()
    overdue = (
        await session.execute(select(func.count()).where(pending, Approval.due_at <= now))
    ).scalar_one()
    return int(waiting), int(overdue)
