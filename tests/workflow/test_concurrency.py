"""Exactly once under concurrency: real tasks racing, each in its own unit of work.

Every race runs with both tasks sharing one Deps (one process) and with two Database
instances on the same database (two processes), on the SQLite file and on PostgreSQL,
and is repeated so that a lucky ordering cannot hide a bug.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta
from typing import TypeVar

import pytest
from sqlalchemy import delete

from bot.core.clock import VirtualClock
from bot.core.deps import Deps
from bot.core.errors import DealdeskError, NotFound
from bot.core.policy_book import PolicyBook
from bot.workflow import Refusal
from bot.workflow.admin import admin_reassign
from policies.vocabulary import Decision
from store.db import Database
from store.models import AuditEvent, AuditHead
from tests.support.deals import (
    approvals_of,
    audit_events,
    by_slot,
    decide_as,
    details,
    load_deal,
    pending_for,
    run_time_out,
    submit,
    techcorp,
    verify_log,
)
from tests.support.matrix import ADMIN, DANIEL, LISA, MARCUS, OMAR, PRIYA, REVIEWS

REPEATS = 20

Pair = tuple[Deps, Deps]
A = TypeVar("A")
B = TypeVar("B")


@pytest.fixture(params=["one-process", "two-processes"])
async def pair(
    request: pytest.FixtureRequest, deps: Deps, database_url: str
) -> AsyncIterator[Pair]:
    if request.param == "one-process":
        yield deps, deps
        return
    other = Deps(
        db=Database.connect(database_url),
        policies=PolicyBook(deps.policies.current),
        clock=deps.clock,
    )
    try:
        yield deps, other
    finally:
        await other.close()


async def race(first: Awaitable[A], second: Awaitable[B], attempt: int) -> tuple[A, B]:
    """Run both at once; every other attempt starts the second one first."""
    if attempt % 2:
        b, a = await asyncio.gather(second, first)
        return a, b
    return await asyncio.gather(first, second)


async def _decided_events(deps: Deps, deal_ref: str, approval_id: int) -> int:
    events = await audit_events(deps, "approval_decided", deal_ref)
    return sum(details(event)["approval_id"] == approval_id for event in events)


async def test_two_decisions_on_one_approval_apply_exactly_once(pair: Pair) -> None:
    first, second = pair
    for attempt in range(REPEATS):
        deal = await submit(first, techcorp(external_id=None))
        cfo = await pending_for(first, deal.deal_id, "cfo")

        results = await race(
            decide_as(first, cfo.id, LISA, Decision.APPROVE),
            decide_as(second, cfo.id, ADMIN, Decision.REJECT, "over budget"),
            attempt,
        )

        (applied,) = [r for r in results if r.applied]
        (refused,) = [r for r in results if not r.applied]
        assert refused.refusal == Refusal.ALREADY_DECIDED
        assert await _decided_events(first, deal.deal_ref, cfo.id) == 1
        expected = "rejected" if applied.decided_by == ADMIN else "in_review"
        assert (await load_deal(first, deal.deal_id)).status == expected
    assert (await verify_log(first)).ok


async def test_the_last_two_approvals_of_a_stage_advance_the_deal_once(pair: Pair) -> None:
    first, second = pair
    for attempt in range(REPEATS):
        deal = await submit(first, techcorp(external_id=None, custom_terms=True))
        manager = await pending_for(first, deal.deal_id, "manager")
        cfo = await pending_for(first, deal.deal_id, "cfo")

        results = await race(
            decide_as(first, manager.id, MARCUS), decide_as(second, cfo.id, LISA), attempt
        )

        assert all(result.applied for result in results)
        started = await audit_events(first, "stage_started", deal.deal_ref)
        assert [details(e)["stage"] for e in started].count("Reviews") == 1
        rows = await approvals_of(first, deal.deal_id)
        assert by_slot(rows, REVIEWS) == {
            "legal": ["pending"],
            "finance": ["approved"],
            "counsel": ["pending"],
        }

        legal = await pending_for(first, deal.deal_id, "legal")
        counsel = await pending_for(first, deal.deal_id, "counsel")
        results = await race(
            decide_as(first, legal.id, PRIYA), decide_as(second, counsel.id, OMAR), attempt
        )

        assert all(result.applied for result in results)
        assert (await load_deal(first, deal.deal_id)).status == "approved"
        assert len(await audit_events(first, "deal_approved", deal.deal_ref)) == 1
        assert len(await audit_events(first, "stage_skipped", deal.deal_ref)) == 1
    assert (await verify_log(first)).ok


async def test_a_decision_racing_the_sla_timeout_wins_or_loses_cleanly(
    pair: Pair, clock: VirtualClock
) -> None:
    first, second = pair
    for attempt in range(REPEATS):
        deal = await submit(first, techcorp(external_id=None))
        cfo = await pending_for(first, deal.deal_id, "cfo")
        clock.advance(timedelta(hours=3))

        decision, moved = await race(
            decide_as(first, cfo.id, LISA), run_time_out(second, cfo.id), attempt
        )

        slot = [r.status for r in await approvals_of(first, deal.deal_id) if r.slot == "cfo"]
        if decision.applied:
            assert (moved, slot) == (None, ["approved"])
        else:
            assert moved is not None
            assert decision.refusal == Refusal.MOVED
            assert slot == ["reassigned", "pending"]
    assert (await verify_log(first)).ok


async def test_the_same_external_id_submitted_concurrently_makes_one_deal(pair: Pair) -> None:
    first, second = pair
    for attempt in range(REPEATS):
        terms = techcorp(external_id=f"OPP-RACE-{attempt}")

        results = await race(submit(first, terms), submit(second, terms), attempt)

        assert results[0].deal_id == results[1].deal_id
        assert sorted(result.created for result in results) == [False, True]
        submitted = [
            event
            for event in await audit_events(first, "deal_submitted")
            if details(event)["external_id"] == terms.external_id
        ]
        assert len(submitted) == 1
    assert (await verify_log(first)).ok


async def test_the_first_events_of_a_new_log_chain_in_one_order(pair: Pair) -> None:
    """A fresh installation: two deals arrive at once while the audit log is still empty."""
    first, second = pair
    for attempt in range(REPEATS):
        async with first.db.transaction() as session:
            await session.execute(delete(AuditEvent))
            await session.execute(delete(AuditHead))

        results = await race(
            submit(first, techcorp(external_id=None)),
            submit(second, techcorp(external_id=None)),
            attempt,
        )

        assert all(result.created for result in results)
        assert (await verify_log(first)).ok
        refs = {event.deal_id for event in await audit_events(first, "deal_submitted")}
        assert refs == {result.deal_ref for result in results}


async def _reassign(deps: Deps, approval_deal: int, person: str) -> str:
    async with deps.unit_of_work() as uow:
        return (await admin_reassign(uow, approval_deal, "cfo", person, ADMIN, "board")).assignee


async def test_a_decision_racing_an_admin_reassignment_applies_once(pair: Pair) -> None:
    """Lisa approves while an admin moves her approval to Daniel: one of the two wins and
    the other changes nothing (a refused click, or an error saying nothing is pending)."""
    first, second = pair
    for attempt in range(REPEATS):
        deal = await submit(first, techcorp(external_id=None))
        cfo = await pending_for(first, deal.deal_id, "cfo")

        decided, moved = await race(
            decide_as(first, cfo.id, LISA),
            _safely(_reassign(second, deal.deal_id, DANIEL)),
            attempt,
        )

        rows = [r for r in await approvals_of(first, deal.deal_id) if r.slot == "cfo"]
        if decided.applied:
            assert isinstance(moved, NotFound)
            assert [(r.assignee, r.status) for r in rows] == [(LISA, "approved")]
        else:
            assert moved == DANIEL
            assert decided.refusal == Refusal.MOVED
            assert [(r.assignee, r.status) for r in rows] == [
                (LISA, "reassigned"),
                (DANIEL, "pending"),
            ]
    assert (await verify_log(first)).ok


async def _safely(step: Awaitable[A]) -> A | DealdeskError:
    try:
        return await step
    except DealdeskError as error:
        return error
