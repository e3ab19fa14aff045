"""Property: random sequences of submissions, decisions, resubmissions, timeouts, reminders,
delegations and withdrawals never leave a deal in an impossible state, and the audit chain
always verifies.

A sync state machine drives an asyncio.Runner it owns, on a fresh SQLite file per example
(copied from one migrated template, so examples stay cheap). Every invariant is read back
from the database after every step.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from sqlalchemy import select

from bot.core.clock import VirtualClock
from bot.core.deps import Deps, open_deps
from bot.core.errors import NotAuthorized, UserInputError
from bot.core.policy_book import PolicyBook
from policies.deal import DealTerms
from policies.loader import LoadedPolicy, load_policy_text
from policies.routing import Plan
from policies.vocabulary import ApprovalStatus, DealStatus, Decision
from store import repositories as repo
from store.audit import Verification, verify
from store.db import Database
from store.models import Approval, Deal
from tests.conftest import START
from tests.support.databases import sqlite_url
from tests.support.deals import (
    decide_as,
    delegate,
    resubmit,
    run_remind,
    run_time_out,
    submit,
    techcorp,
    withdraw,
)
from tests.support.matrix import ADMIN, BOB, DANIEL, LISA, MATRIX, OMAR, PRIYA, STRANGER

_ENDED = {ApprovalStatus.REASSIGNED, ApprovalStatus.CANCELLED}
_FINISHED = {DealStatus.APPROVED, DealStatus.REJECTED, DealStatus.WITHDRAWN}


@cache
def _policy() -> LoadedPolicy:
    return load_policy_text(MATRIX, source="test matrix")


@cache
def _template() -> Path:
    """A migrated SQLite file with the policy version stored, copied for each example."""
    directory = Path(tempfile.mkdtemp(prefix="dealdesk-template-"))
    policy_path = directory / "policy.yml"
    policy_path.write_text(MATRIX, encoding="utf-8")

    async def build() -> None:
        async with open_deps(sqlite_url(directory), policy_path, VirtualClock(START)):
            pass

    asyncio.run(build())
    return directory / "dealdesk.db"


deal_terms = st.builds(
    techcorp,
    external_id=st.sampled_from([None, None, "OPP-1", "OPP-2"]),
    acv=st.sampled_from([500000, 50000, 250000, 250001, 5000000]),
    discount=st.sampled_from([12, 0, 15, 16, 30]),
    custom_terms=st.booleans(),
    employees=st.sampled_from([5000, 500, 10]),
    industry=st.sampled_from(["Technology", "Retail", "Other"]),
    budget_indicated=st.sampled_from([True, False]),
)
comments = st.sampled_from(["because", None, "", "  "])


@dataclass
class View:
    """What the database holds after the last step, for choosing the next one."""

    pending: list[tuple[int, str]] = field(default_factory=list)
    decided: list[int] = field(default_factory=list)
    sent_back: list[int] = field(default_factory=list)
    open: list[int] = field(default_factory=list)


class DealDesk(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="dealdesk-example-"))
        shutil.copy(_template(), self.directory / "dealdesk.db")
        self.runner = asyncio.Runner()
        self.clock = VirtualClock(START)
        self.deps = Deps(
            db=Database.connect(sqlite_url(self.directory)),
            policies=PolicyBook(_policy()),
            clock=self.clock,
        )
        self.view = View()

    def teardown(self) -> None:
        self.runner.run(self.deps.close())
        self.runner.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    @initialize(terms=deal_terms)
    def first_deal(self, terms: DealTerms) -> None:
        self.runner.run(submit(self.deps, terms))

    @rule(terms=deal_terms)
    def submit(self, terms: DealTerms) -> None:
        self.runner.run(submit(self.deps, terms))

    @precondition(lambda self: bool(self.view.pending))
    @rule(
        data=st.data(),
        who=st.sampled_from(["assignee", "assignee", "stranger", "admin"]),
        decision=st.sampled_from(list(Decision)),
        comment=comments,
    )
    def decide(
        self, data: st.DataObject, who: str, decision: Decision, comment: str | None
    ) -> None:
        approval_id, assignee = data.draw(st.sampled_from(self.view.pending))
        actor = {"assignee": assignee, "stranger": STRANGER, "admin": ADMIN}[who]
        if actor.startswith("avatar:"):
            actor = ADMIN  # an escalated avatar approval waits for an admin
        self._decide(approval_id, actor, decision, comment)

    @precondition(lambda self: bool(self.view.pending))
    @rule()
    def everyone_approves(self) -> None:
        """Each pending approval approved by its assignee, one decision after another: the
        common case, so that deals get through every stage within an example."""
        for approval_id, assignee in self.view.pending:
            actor = ADMIN if assignee.startswith("avatar:") else assignee
            self._decide(approval_id, actor, Decision.APPROVE, None)

    @precondition(lambda self: bool(self.view.pending))
    @rule(data=st.data())
    def send_back(self, data: st.DataObject) -> None:
        """Drawn on its own so that resubmissions (and carried approvals) come up often."""
        approval_id, assignee = data.draw(st.sampled_from(self.view.pending))
        actor = ADMIN if assignee.startswith("avatar:") else assignee
        self._decide(approval_id, actor, Decision.REQUEST_CHANGES, "needs work")

    @precondition(lambda self: bool(self.view.decided))
    @rule(data=st.data(), decision=st.sampled_from(list(Decision)))
    def decide_again(self, data: st.DataObject, decision: Decision) -> None:
        approval_id = data.draw(st.sampled_from(self.view.decided))
        self._decide(approval_id, ADMIN, decision, "once more")

    def _decide(
        self, approval_id: int, actor: str, decision: Decision, comment: str | None
    ) -> None:
        step = decide_as(self.deps, approval_id, actor, decision, comment)
        if decision != Decision.APPROVE and not (comment or "").strip():
            with pytest.raises(UserInputError, match=r"^reason: "):
                self.runner.run(step)
        else:
            self.runner.run(step)

    @precondition(lambda self: bool(self.view.sent_back))
    @rule(data=st.data(), terms=deal_terms, actor=st.sampled_from(["U0SARAH", ADMIN, STRANGER]))
    def resubmit(self, data: st.DataObject, terms: DealTerms, actor: str) -> None:
        deal_id = data.draw(st.sampled_from(self.view.sent_back))
        changed = terms.model_copy(update={"external_id": None})
        step = resubmit(self.deps, deal_id, changed, actor)
        if actor == STRANGER:
            with pytest.raises(NotAuthorized):
                self.runner.run(step)
        else:
            self.runner.run(step)

    @precondition(lambda self: bool(self.view.open))
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        self.runner.run(withdraw(self.deps, data.draw(st.sampled_from(self.view.open))))

    @rule(person=st.sampled_from([LISA, PRIYA, OMAR, DANIEL]), days=st.sampled_from([1, 3]))
    def delegate(self, person: str, days: int) -> None:
        self.runner.run(delegate(self.deps, person, BOB, ends=timedelta(days=days)))

    @rule(hours=st.sampled_from([1, 2, 12, 25]))
    def let_time_pass(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))
        self.runner.run(self._run_due())

    async def _run_due(self) -> None:
        async with self.deps.db.read() as session:
            reminders, timeouts = await repo.list_due(session, self.clock.now())
        for approval_id in reminders:
            assert await run_remind(self.deps, approval_id)
        for approval_id in timeouts:
            await run_time_out(self.deps, approval_id)

    @invariant()
    def no_impossible_state(self) -> None:
        deals, rows, chain = self.runner.run(self._load())
        assert chain.ok, chain.problem
        for deal in deals:
            _check_deal(deal, [row for row in rows if row.deal_id == deal.id])
        _check_reassigned_rows_carry_on(rows)
        for reached in {f"deal {d.status}" for d in deals} | {f"approval {r.status}" for r in rows}:
            event(reached)  # --hypothesis-show-statistics: which states the examples reached
        if any(r.escalated_at for r in rows):
            event("approval escalated")
        if any(r.reason.startswith("approved in revision") for r in rows):
            event("approval carried over")
        self.view = View(
            pending=[(r.id, r.assignee) for r in rows if r.status == ApprovalStatus.PENDING],
            decided=[r.id for r in rows if r.status != ApprovalStatus.PENDING],
            sent_back=[d.id for d in deals if d.status == DealStatus.CHANGES_REQUESTED],
            open=[d.id for d in deals if d.status not in _FINISHED],
        )

    async def _load(self) -> tuple[list[Deal], list[Approval], Verification]:
        async with self.deps.db.read() as session:
            deals = list((await session.execute(select(Deal).order_by(Deal.id))).scalars())
            rows = list((await session.execute(select(Approval).order_by(Approval.id))).scalars())
            return deals, rows, await verify(session)


def _check_deal(deal: Deal, rows: list[Approval]) -> None:
    current = [row for row in rows if row.revision == deal.revision]
    pending = [row for row in rows if row.status == ApprovalStatus.PENDING]
    assert all(row.revision == deal.revision for row in pending), "pending row of an old revision"
    assert (deal.finished_at is not None) == (deal.status in _FINISHED)

    slots = Counter((r.stage_index, r.slot) for r in current if r.status not in _ENDED)
    assert max(slots.values(), default=0) <= 1, f"two live rows for one slot: {slots}"

    if deal.status != DealStatus.IN_REVIEW:
        assert not pending, f"{deal.status} deal with a pending approval"
        assert deal.stage_index is None
    else:
        assert deal.stage_index is not None
        assert pending, "a deal in review waits on nobody"
        assert {row.stage_index for row in pending} == {deal.stage_index}

    if deal.status == DealStatus.APPROVED:
        approved = {(r.stage_index, r.slot) for r in current if r.status == ApprovalStatus.APPROVED}
        plan = Plan.from_json(deal.plan)
        for stage in plan.stages:
            for planned in stage.approvals:
                assert (stage.index, planned.approver) in approved, f"{stage.name} not approved"
        skipped = {stage.index for stage in plan.stages if stage.skipped}
        assert not any(row.stage_index in skipped for row in current)


def _check_reassigned_rows_carry_on(rows: list[Approval]) -> None:
    successors = {row.previous_id for row in rows}
    for row in rows:
        if row.status == ApprovalStatus.REASSIGNED:
            assert row.id in successors, f"approval {row.id} was reassigned to nobody"


DealDesk.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestDealDesk = DealDesk.TestCase
