"""Property: random sequences of submissions, decisions, counter-offers (accepted and
declined), edits, resubmissions, timeouts, reminders, delegations and withdrawals never
leave a deal in an impossible state, an approval never counts for values its approver did
not see, and the audit chain always verifies.

A sync state machine drives an asyncio.Runner it owns, on a fresh SQLite file per example
(copied from one migrated template, so examples stay cheap). Every invariant is read back
from the database after every step.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

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
from policies.avatars import AVATAR_READS
from policies.deal import DealTerms
from policies.limits import caps_of
from policies.loader import LoadedPolicy, load_policy_text
from policies.routing import Plan
from policies.vocabulary import DECISIONS, ApprovalStatus, CounterStatus, DealStatus, Decision
from store import repositories as repo
from store.audit import Verification, verify
from store.db import Database
from store.models import Approval, CounterOffer, Deal, DealRevision
from tests.conftest import START
from tests.support.databases import sqlite_url
from tests.support.deals import (
    answer_counter,
    counter,
    decide_as,
    delegate,
    resubmit,
    revise,
    run_remind,
    run_time_out,
    submit,
    techcorp,
    withdraw,
)
from tests.support.matrix import ADMIN, BOB, DANIEL, LISA, MATRIX, OMAR, PRIYA, STRANGER

_ENDED = {ApprovalStatus.REASSIGNED, ApprovalStatus.CANCELLED}
_FINISHED = {DealStatus.APPROVED, DealStatus.REJECTED, DealStatus.WITHDRAWN}


GROUP_MATRIX = MATRIX.replace(
    """      - approver: legal
      - approver: finance
        when: discount > 0
      - approver: counsel
        when: custom_terms""",
    """      - group: [legal, counsel, ceo]
        quorum: 2
        reject: quorum
      - approver: finance
        when: discount > 0""",
)
"""The test matrix with the reviews done by any two of legal, counsel and the CEO (a
rejection counts only once the quorum can no longer be met)."""
assert GROUP_MATRIX != MATRIX, "the group matrix must differ from the test matrix"


@cache
def _policy(text: str = MATRIX) -> LoadedPolicy:
    return load_policy_text(text, source="test matrix")


@cache
def _template(text: str = MATRIX) -> Path:
    """A migrated SQLite file with the policy version stored, copied for each example."""
    directory = Path(tempfile.mkdtemp(prefix="dealdesk-template-"))
    policy_path = directory / "policy.yml"
    policy_path.write_text(text, encoding="utf-8")

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
    counters: list[int] = field(default_factory=list)
    """Counter-offers waiting for the owner's answer."""


class DealDesk(RuleBasedStateMachine):
    POLICY = MATRIX

    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="dealdesk-example-"))
        shutil.copy(_template(self.POLICY), self.directory / "dealdesk.db")
        self.runner = asyncio.Runner()
        self.clock = VirtualClock(START)
        self.deps = Deps(
            db=Database.connect(sqlite_url(self.directory)),
            policies=PolicyBook(_policy(self.POLICY)),
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
        self._as(actor, step)

    @precondition(lambda self: any(not who.startswith("avatar:") for _, who in self.view.pending))
    @rule(
        data=st.data(),
        discount=st.sampled_from([0, 10, 12, 14, 15, 18, 25]),
        term=st.sampled_from([12, 24, 36]),
    )
    def counter(self, data: st.DataObject, discount: int, term: int) -> None:
        people = [(a, who) for a, who in self.view.pending if not who.startswith("avatar:")]
        approval_id, assignee = data.draw(st.sampled_from(people))
        step = counter(self.deps, approval_id, assignee, discount=discount, term_months=term)
        try:
            self.runner.run(step)
        except NotAuthorized:
            return  # the assignee owns the deal (the owner never decides)
        except UserInputError as error:
            refused = error.message
        else:
            return
        assert "the deal's own values" in refused

    @precondition(lambda self: bool(self.view.counters))
    @rule(data=st.data(), accept=st.booleans(), actor=st.sampled_from(["U0SARAH", ADMIN, STRANGER]))
    def answer_counter(self, data: st.DataObject, accept: bool, actor: str) -> None:
        step = answer_counter(
            self.deps, data.draw(st.sampled_from(self.view.counters)), accept, actor
        )
        self._as(actor, step)

    @precondition(lambda self: bool(self.view.open))
    @rule(
        data=st.data(),
        discount=st.sampled_from([0, 12, 14, 18, 30]),
        acv=st.sampled_from([100000, 300000, 500000, 6000000]),
        actor=st.sampled_from(["U0SARAH", ADMIN, STRANGER]),
    )
    def edit(self, data: st.DataObject, discount: int, acv: int, actor: str) -> None:
        deal_id = data.draw(st.sampled_from(self.view.open))
        step = revise(self.deps, deal_id, actor, discount=discount, acv=acv)
        self._as(actor, step)

    @precondition(lambda self: bool(self.view.open))
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        self.runner.run(withdraw(self.deps, data.draw(st.sampled_from(self.view.open))))

    def _as(self, actor: str, step: Coroutine[Any, Any, object]) -> None:
        """Run a step of the deal's owner or an admin; a stranger is refused, changing nothing."""
        if actor == STRANGER:
            with pytest.raises(NotAuthorized):
                self.runner.run(step)
        else:
            self.runner.run(step)

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
        seen, revisions = self.runner.run(self._signed_off())
        assert chain.ok, chain.problem
        for deal in deals:
            _check_deal(deal, [row for row in rows if row.deal_id == deal.id])
            _check_no_owner_decides(deal, [row for row in rows if row.deal_id == deal.id])
            now = revisions[(deal.id, deal.revision)]
            _check_sign_offs(
                deal, [row for row in rows if row.deal_id == deal.id], seen, now, self.POLICY
            )
        _check_reassigned_rows_carry_on(rows)
        for reached in {f"deal {d.status}" for d in deals} | {f"approval {r.status}" for r in rows}:
            event(reached)  # --hypothesis-show-statistics: which states the examples reached
        if any(r.escalated_at for r in rows):
            event("approval escalated")
        if any(r.reason.startswith("approved in revision") for r in rows):
            event("approval carried over")
        if any(r.reason.startswith("approved with the changes") for r in rows):
            event("counter-offer carried over")
        self.view = View(
            pending=[(r.id, r.assignee) for r in rows if r.status == ApprovalStatus.PENDING],
            decided=[r.id for r in rows if r.status != ApprovalStatus.PENDING],
            sent_back=[d.id for d in deals if d.status == DealStatus.CHANGES_REQUESTED],
            open=[d.id for d in deals if d.status not in _FINISHED],
            counters=self.runner.run(self._open_counters()),
        )

    async def _open_counters(self) -> list[int]:
        async with self.deps.db.read() as session:
            query = select(CounterOffer.id).where(CounterOffer.status == CounterStatus.OPEN)
            return list((await session.execute(query)).scalars())

    async def _signed_off(self) -> tuple[dict[int, DealTerms], dict[tuple[int, int], DealTerms]]:
        """For each row, the values its decider saw and agreed to (its revision's terms,
        with a counter-offer's own values on top); and each revision's terms."""
        async with self.deps.db.read() as session:
            revisions = {
                (r.deal_id, r.revision): r.terms
                for r in (await session.execute(select(DealRevision))).scalars()
            }
            counters = {
                c.approval_id: c.proposed
                for c in (await session.execute(select(CounterOffer))).scalars()
            }
            rows = list((await session.execute(select(Approval))).scalars())
        seen = {}
        for row in rows:
            terms = {**revisions[(row.deal_id, row.revision)], **counters.get(row.id, {})}
            seen[row.id] = DealTerms.model_validate(terms)
        return seen, {key: DealTerms.model_validate(terms) for key, terms in revisions.items()}

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
                if planned.quorum is None:
                    assert (stage.index, planned.approver) in approved, f"{stage.name} not approved"
                    continue
                members = {(stage.index, member) for member in planned.quorum.members}
                assert len(members & approved) >= planned.quorum.needed, (
                    f"{planned.quorum.group} approved by {len(members & approved)} of "
                    f"{planned.quorum.needed} needed"
                )
        skipped = {stage.index for stage in plan.stages if stage.skipped}
        assert not any(row.stage_index in skipped for row in current)


def _check_sign_offs(
    deal: Deal, rows: list[Approval], seen: dict[int, DealTerms], now: DealTerms, text: str
) -> None:
    """A sign-off on the deal's current revision counts only for values its approver saw:
    given on this revision, or carried from where it was given and still within it."""
    by_id = {row.id: row for row in rows}
    for row in rows:
        if row.revision != deal.revision or row.status != ApprovalStatus.APPROVED:
            continue
        origin = row
        while origin.previous_id in by_id and by_id[origin.previous_id].revision < origin.revision:
            origin = by_id[origin.previous_id]
        if origin is row:
            continue  # decided on the values of this very revision
        assert origin.decided_by == row.decided_by
        problem = _beyond_sign_off(row, seen[origin.id], now, text)
        assert problem is None, f"approval {row.id} kept although {problem}"


def _beyond_sign_off(row: Approval, seen: DealTerms, now: DealTerms, text: str) -> str | None:
    """The rule of policies.watch, written out again as the test's own oracle: every field
    the approval depends on is unchanged, or within the approver's limit (or no more than
    what they approved), and no comparison of its own condition flips."""
    policy = _policy(text).policy
    rules = policy.stages[row.stage_index].approvals
    own = next(rule for rule in rules if row.slot in rule.members)
    depends: set[str] = set(own.watch or [])
    if own.watch is None:
        depends = {name for rule in rules if rule.when for name in rule.when.fields}
        for approver_id in (row.slot, row.approver):
            if (kind := policy.approvers[approver_id].avatar) is not None:
                depends |= AVATAR_READS[kind]
    caps = {**caps_of(policy.approvers[row.approver]), **caps_of(policy.approvers[row.slot])}
    old, new = seen.facts(), now.facts()
    for name in sorted(depends):
        if old[name] == new[name]:
            continue
        flips = [c for c in (own.when.comparisons() if own.when else ()) if name in c.fields]
        if any(c.evaluate(old) != c.evaluate(new) for c in flips):
            return f"{name} crossed a threshold of its condition"
        cap = caps.get(name)
        before, after = Decimal(str(old[name])), Decimal(str(new[name]))
        if cap is None or after > max(before, cap.value):
            return f"{name} went from {old[name]} to {new[name]}"
    return None


def _check_no_owner_decides(deal: Deal, rows: list[Approval]) -> None:
    """Whatever the path (assignee, delegate, group member, backup, admin), the deal's
    owner never decides an approval of it."""
    for row in rows:
        if row.status in (*DECISIONS, ApprovalStatus.COUNTERED):
            assert row.decided_by != deal.owner, f"the owner decided approval {row.id}"


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
TestDealDesk = pytest.mark.slow(DealDesk.TestCase)


class GroupDesk(DealDesk):
    """The same random steps with a 2-of-3 group (`reject: quorum`) in the reviews."""

    POLICY = GROUP_MATRIX


GroupDesk.TestCase.settings = DealDesk.TestCase.settings
TestGroupDesk = pytest.mark.slow(GroupDesk.TestCase)
