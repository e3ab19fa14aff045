"""Builders for workflow tests: the TechCorp deal, one call per workflow step (each in its own
unit of work, as a click or a job would make it), and reads of what the engine stored."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.core.deps import Deps
from bot.workflow import (
    DecisionResult,
    RevisionResult,
    SubmitResult,
    decide,
    remind,
    resubmit_deal,
    revise_deal,
    submit_deal,
    time_out,
    withdraw_deal,
)
from bot.workflow.counter import CounterResult, accept_counter, counter_offer, decline_counter
from policies.deal import DealTerms
from policies.loader import example_deal
from policies.vocabulary import Decision, RevisionSource
from store import repositories as repo
from store.audit import Verification, verify
from store.models import (
    Approval,
    AuditEvent,
    CounterOffer,
    Deal,
    DealRevision,
    Delegation,
    PolicyVersion,
)
from tests.support.matrix import OWNER

TECHCORP_JSON: dict[str, Any] = {**example_deal("techcorp"), "owner": OWNER}
"""The deal of CONTRACT.md (Deal JSON)."""


def techcorp(**changes: Any) -> DealTerms:
    """TechCorp's terms, with ``changes`` applied (validated like any submitted deal)."""
    return DealTerms.model_validate({**TECHCORP_JSON, **changes})


async def submit(deps: Deps, terms: DealTerms | None = None, actor: str = OWNER) -> SubmitResult:
    async with deps.unit_of_work() as uow:
        return await submit_deal(uow, terms or techcorp(), actor)


async def decide_as(
    deps: Deps,
    approval_id: int,
    actor: str,
    decision: Decision = Decision.APPROVE,
    comment: str | None = None,
) -> DecisionResult:
    async with deps.unit_of_work() as uow:
        return await decide(uow, approval_id, actor, decision, comment)


async def resubmit(deps: Deps, deal_id: int, terms: DealTerms, actor: str = OWNER) -> SubmitResult:
    async with deps.unit_of_work() as uow:
        return await resubmit_deal(uow, deal_id, terms, actor)


async def withdraw(
    deps: Deps, deal_id: int, actor: str = OWNER, reason: str | None = None
) -> SubmitResult:
    async with deps.unit_of_work() as uow:
        return await withdraw_deal(uow, deal_id, actor, reason)


async def revise(
    deps: Deps,
    deal_id: int,
    actor: str = OWNER,
    source: RevisionSource = RevisionSource.EDIT,
    **values: Any,
) -> RevisionResult:
    async with deps.unit_of_work() as uow:
        return await revise_deal(uow, deal_id, values, actor, source=source)


async def counter(
    deps: Deps, approval_id: int, actor: str, note: str = "at these values, yes", **values: Any
) -> CounterResult:
    async with deps.unit_of_work() as uow:
        return await counter_offer(uow, approval_id, actor, values, note)


async def answer_counter(
    deps: Deps, counter_id: int, accept: bool = True, actor: str = OWNER
) -> CounterResult:
    async with deps.unit_of_work() as uow:
        if accept:
            return await accept_counter(uow, counter_id, actor)
        return await decline_counter(uow, counter_id, actor)


async def run_time_out(deps: Deps, approval_id: int) -> Approval | None:
    async with deps.unit_of_work() as uow:
        return await time_out(uow, approval_id)


async def run_remind(deps: Deps, approval_id: int) -> bool:
    async with deps.unit_of_work() as uow:
        return await remind(uow, approval_id)


async def delegate(
    deps: Deps,
    delegator: str,
    to: str,
    *,
    starts: timedelta = timedelta(hours=-1),
    ends: timedelta | None = None,
    ended: bool = False,
) -> None:
    """Store a delegation as `/deal delegate` would; ``starts`` and ``ends`` count from now."""
    now = deps.clock.now()
    async with deps.db.transaction() as session:
        session.add(
            Delegation(
                delegator=delegator,
                delegate=to,
                starts_at=now + starts,
                ends_at=now + ends if ends is not None else None,
                ended_at=now if ended else None,
                created_at=now,
            )
        )


async def load_deal(deps: Deps, deal_id: int) -> Deal:
    async with deps.db.read() as session:
        deal = await repo.get_deal(session, deal_id)
    assert deal is not None
    return deal


async def approvals_of(deps: Deps, deal_id: int, revision: int | None = None) -> list[Approval]:
    """Every row of the deal (or of one revision), oldest first."""
    async with deps.db.read() as session:
        return list(await repo.list_approvals(session, deal_id, revision))


async def pending_of(deps: Deps, deal_id: int) -> list[Approval]:
    return [row for row in await approvals_of(deps, deal_id) if row.status == "pending"]


async def pending_for(deps: Deps, deal_id: int, approver: str) -> Approval:
    """The one pending row held by ``approver`` (a policy approver id)."""
    rows = [row for row in await pending_of(deps, deal_id) if row.approver == approver]
    assert len(rows) == 1, f"expected one pending {approver} row, got {rows}"
    return rows[0]


def by_slot(rows: Sequence[Approval], stage_index: int) -> dict[str, list[str]]:
    """``{slot: [status, ...]}`` of one stage's rows, oldest first."""
    slots: dict[str, list[str]] = {}
    for row in rows:
        if row.stage_index == stage_index:
            slots.setdefault(row.slot, []).append(row.status)
    return slots


async def audit_events(
    deps: Deps, action: str | None = None, deal_ref: str | None = None
) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.seq)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if deal_ref is not None:
        query = query.where(AuditEvent.deal_id == deal_ref)
    async with deps.db.read() as session:
        return list((await session.execute(query)).scalars().all())


def details(event: AuditEvent) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(event.details)
    return parsed


async def verify_log(deps: Deps) -> Verification:
    async with deps.db.read() as session:
        return await verify(session)


async def stored_policy(deps: Deps, version: str) -> PolicyVersion | None:
    async with deps.db.read() as session:
        return await session.get(PolicyVersion, version)


Snapshot = dict[str, list[tuple[Any, ...]]]


async def snapshot(deps: Deps) -> Snapshot:
    """Every row of the tables a workflow step may change: to prove a step changed nothing."""
    tables: dict[str, Any] = {
        "deals": Deal,
        "deal_revisions": DealRevision,
        "approvals": Approval,
        "counter_offers": CounterOffer,
        "delegations": Delegation,
        "audit_events": AuditEvent,
    }
    result: Snapshot = {}
    async with deps.db.read() as session:
        for name, model in tables.items():
            columns = list(model.__table__.columns)
            rows = await session.execute(select(*columns).order_by(*model.__table__.primary_key))
            result[name] = [tuple(row) for row in rows]
    return result
