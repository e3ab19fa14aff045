"""Delegation: while someone is away, their approvals go to a person they trust.

Starting one moves the delegator's pending approvals to the delegate (each a fresh
card with the approver's SLA) and routes new ones there while it lasts; it ends by
itself at its end time, or with ``/deal delegate off``. Both people are told, and
every step is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.errors import UserInputError
from bot.core.events import DelegationEnded, DelegationStarted
from bot.core.uow import UnitOfWork
from bot.workflow.assign import move_to_current_holder
from policies.vocabulary import deal_ref
from store import repositories as repo
from store.models import Delegation

_MAX_CHAIN = 10


@dataclass(frozen=True)
class DelegationResult:
    delegation_id: int
    delegator: str
    delegate: str
    ends_at: datetime | None
    moved: tuple[int, ...] = ()
    """Approvals moved to the delegate when the delegation started."""
    roles: tuple[str, ...] = ()
    """The titles of the policy roles the delegate decides for ("Chief Financial Officer")."""


async def start_delegation(
    uow: UnitOfWork,
    delegator: str,
    delegate: str,
    ends_at: datetime | None,
    *,
    delegate_is_bot: bool = False,
) -> DelegationResult:
    """Delegate ``delegator``'s approvals to ``delegate`` until ``ends_at`` (None: until off)."""
    await _check(uow, delegator, delegate, ends_at, delegate_is_bot)
    replaced = await repo.get_active_delegation(uow.session, delegator, uow.now)
    if replaced is not None:
        await _end(uow, replaced, why="replaced by a new delegation")
    delegation = Delegation(
        delegator=delegator,
        delegate=delegate,
        starts_at=uow.now,
        ends_at=ends_at,
        ended_at=None,
        created_at=uow.now,
    )
    uow.session.add(delegation)
    await uow.session.flush()
    uow.forget_delegations()
    uow.audit(
        delegator,
        "delegation_started",
        None,
        delegation_id=delegation.id,
        delegator=delegator,
        delegate=delegate,
        ends_at=ends_at,
    )
    uow.emit(DelegationStarted(delegation.id))
    moved = await _move_pending(uow, delegator)
    policy = uow.policies.current.policy
    titles = (policy.approvers[role].title for role in policy.stand_ins(delegator)[1])
    roles = tuple(title for title in titles if title)
    return DelegationResult(delegation.id, delegator, delegate, ends_at, tuple(moved), roles)


async def end_delegation(uow: UnitOfWork, delegator: str) -> DelegationResult | None:
    """``/deal delegate off``: end the active delegation now (None when there is none)."""
    delegation = await repo.get_active_delegation(uow.session, delegator, uow.now)
    if delegation is None:
        return None
    await _end(uow, delegation, why="turned off")
    return DelegationResult(delegation.id, delegator, delegation.delegate, uow.now)


async def expire_delegations(uow: UnitOfWork) -> list[int]:
    """Close delegations whose end time has passed; each is closed once, whoever races."""
    closed = []
    for delegation_id in await repo.list_expired_delegations(uow.session, uow.now):
        if await repo.claim_delegation_end(uow.session, delegation_id):
            uow.forget_delegations()
            delegation = await uow.session.get(Delegation, delegation_id, populate_existing=True)
            assert delegation is not None
            uow.audit(
                "system",
                "delegation_ended",
                None,
                delegation_id=delegation.id,
                delegator=delegation.delegator,
                delegate=delegation.delegate,
                why="its end date passed",
            )
            uow.emit(DelegationEnded(delegation.id))
            closed.append(delegation_id)
    return closed


async def _check(
    uow: UnitOfWork, delegator: str, delegate: str, ends_at: datetime | None, delegate_is_bot: bool
) -> None:
    if delegate == delegator:
        raise UserInputError("delegate", "You can't delegate to yourself; pick a colleague.")
    if delegate_is_bot:
        raise UserInputError("delegate", "That's a bot; approvals need a person to decide them.")
    if ends_at is not None and ends_at <= uow.now:
        raise UserInputError("until", "That date has passed; pick a day from today on.")
    owned = await repo.list_deals_waiting_on(uow.session, delegator, owner=delegate)
    if owned:
        deals = ", ".join(deal_ref(deal_id) for deal_id in owned)
        raise UserInputError(
            "delegate",
            f"{delegate} owns {deals}, which {'waits' if len(owned) == 1 else 'wait'} for your "
            "decision, and nobody decides "
            "their own deal. Decide it first, or delegate to someone else.",
        )
    policy = uow.policies.current.policy
    allowed, roles = policy.stand_ins(delegator)
    if allowed is not None and delegate not in allowed:
        names = ", ".join(f"<@{user}>" for user in sorted(allowed)) or "nobody yet"
        role = " and ".join(policy.approvers[r].name for r in roles)
        raise UserInputError(
            "delegate",
            f"{delegate} may not hold {role}'s approvals: only the backups, the deal desk "
            f"admins or the policy's `delegates:` for {role} may ({names}). Pick one of them, "
            "or ask RevOps to add them under delegates:.",
        )
    person = delegate
    for _ in range(_MAX_CHAIN):
        onward = await repo.get_active_delegation(uow.session, person, uow.now)
        if onward is None:
            return
        if onward.delegate == delegator:
            raise UserInputError(
                "delegate",
                f"{delegate} already hands their approvals on to you (directly or through "
                "others), so this would send approvals in a circle. Ask them to turn theirs "
                "off first (`/deal delegate off`).",
            )
        person = onward.delegate


async def _end(uow: UnitOfWork, delegation: Delegation, *, why: str) -> None:
    delegation.ended_at = uow.now
    await uow.session.flush()  # what UnitOfWork.active_delegation reads next
    uow.forget_delegations()
    uow.audit(
        delegation.delegator,
        "delegation_ended",
        None,
        delegation_id=delegation.id,
        delegator=delegation.delegator,
        delegate=delegation.delegate,
        why=why,
    )
    uow.emit(DelegationEnded(delegation.id))


async def _move_pending(uow: UnitOfWork, delegator: str) -> list[int]:
    moved = []
    for approval_id in await repo.list_pending_ids_of(uow.session, delegator):
        new = await move_to_current_holder(uow, approval_id, actor=delegator)
        if new is not None:
            moved.append(new.id)
    return moved
