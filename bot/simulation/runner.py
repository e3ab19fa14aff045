"""The virtual-time loop: the scenario's deals through the real engine and database.

Nothing is faked: deals go in through :func:`bot.workflow.submit_deal`, people answer
through :func:`bot.workflow.decide` as the approval's assignee, and reminders and
timeouts come from :func:`bot.jobs.due.run_due`, as the scheduler runs them. The
clock jumps from one moment something can happen to the next, so a scenario spanning
days takes milliseconds; it never sleeps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.core.clock import VirtualClock
from bot.core.deps import Deps
from bot.core.errors import DealdeskError
from bot.jobs.due import run_due
from bot.simulation.scenario import Answer, Scenario, ScenarioDeal
from bot.workflow import decide, submit_deal
from policies.vocabulary import ApprovalStatus
from store import repositories as repo

MAX_STEPS = 10_000
"""Far more moments than any scenario has; only a loop in the engine gets near it."""

_ANSWERABLE = (ApprovalStatus.PENDING, ApprovalStatus.REASSIGNED, ApprovalStatus.CANCELLED)
"""A person may still click a card that moved on or was cancelled; the engine says no."""


class SimulationError(DealdeskError):
    """The simulation cannot go on (the message says why)."""


@dataclass(frozen=True)
class LateAnswer:
    """A scripted answer the engine refused (the approval had moved on, the deal closed).

    Refusals change nothing, so they are not in the audit log; the report shows them.
    """

    deal_id: int
    approval_id: int
    at: datetime
    actor: str
    decision: str
    message: str


@dataclass(frozen=True)
class SimulatedDeal:
    index: int
    """Position in the scenario's ``deals``."""
    deal_id: int
    created: bool
    """False when a deal with the scenario's external_id already existed (not stored again)."""
    spec: ScenarioDeal


@dataclass(frozen=True)
class SimulationRun:
    started_at: datetime
    ended_at: datetime
    deals: tuple[SimulatedDeal, ...]
    late_answers: tuple[LateAnswer, ...]
    steps: int


@dataclass(order=True, frozen=True)
class _Scripted:
    when: datetime
    approval_id: int
    actor: str = field(compare=False)
    answer: Answer = field(compare=False)


@dataclass
class _State:
    queue: list[tuple[datetime, int, ScenarioDeal]]
    deals: list[SimulatedDeal] = field(default_factory=list)
    attempted: set[int] = field(default_factory=set)
    late: list[LateAnswer] = field(default_factory=list)

    @property
    def deal_ids(self) -> list[int]:
        return [deal.deal_id for deal in self.deals]


async def run_scenario(
    deps: Deps, clock: VirtualClock, scenario: Scenario, *, max_steps: int = MAX_STEPS
) -> SimulationRun:
    """Run until nothing more can happen: every deal finished, or only silent people left."""
    started = clock.now()
    queue = sorted(
        ((started + spec.at, index, spec) for index, spec in enumerate(scenario.deals)),
        key=lambda item: (item[0], item[1]),
    )
    state = _State(queue)
    for step in range(1, max_steps + 1):
        now = clock.now()
        progressed = await _submit_due(deps, state, now)
        progressed = await _answer_due(deps, state, now) or progressed
        due = await run_due(deps, deal_ids=state.deal_ids)
        if due.failed:
            raise SimulationError(
                f"the engine failed on approval(s) {', '.join(map(str, due.failed))} at "
                f"{now:%Y-%m-%d %H:%M:%S} UTC (virtual time); see the log above"
            )
        moment = await _next_moment(deps, state)
        if moment is None:
            return SimulationRun(
                started, now, tuple(state.deals), tuple(sorted(state.late, key=_at)), step
            )
        if moment <= now and not (progressed or due.count):
            raise SimulationError(
                f"the simulation is stuck at {now:%Y-%m-%d %H:%M:%S} UTC (virtual time): "
                "something is due but nothing changes"
            )
        clock.set(max(moment, now))
    raise SimulationError(
        f"the simulation did not finish within {max_steps:,} steps "
        f"(virtual time {clock.now():%Y-%m-%d %H:%M} UTC); is there a loop in the policy?"
    )


async def _submit_due(deps: Deps, state: _State, now: datetime) -> bool:
    submitted = False
    while state.queue and state.queue[0][0] <= now:
        _, index, spec = state.queue.pop(0)
        try:
            async with deps.unit_of_work() as uow:
                result = await submit_deal(uow, spec.deal, spec.deal.owner)
        except DealdeskError as error:
            raise SimulationError(f"deals[{index}] ({spec.deal.company}): {error}") from None
        state.deals.append(SimulatedDeal(index, result.deal_id, result.created, spec))
        submitted = True
    return submitted


async def _answer_due(deps: Deps, state: _State, now: datetime) -> bool:
    due = [item for item in await _scripted(deps, state) if item.when <= now]
    for item in due:
        state.attempted.add(item.approval_id)
        async with deps.unit_of_work() as uow:
            result = await decide(
                uow, item.approval_id, item.actor, item.answer.decision, item.answer.comment
            )
        if not result.applied:
            state.late.append(
                LateAnswer(
                    result.deal_id,
                    item.approval_id,
                    now,
                    item.actor,
                    item.answer.decision.value,
                    result.message,
                )
            )
    return bool(due)


async def _scripted(deps: Deps, state: _State) -> list[_Scripted]:
    """Every scripted answer still to give: one per card a scripted person received."""
    found: list[_Scripted] = []
    async with deps.db.read() as session:
        for deal in state.deals:
            for row in await repo.list_approvals(session, deal.deal_id):
                answer = deal.spec.answer_for(row.approver)
                if (
                    answer is None
                    or row.is_avatar
                    or row.status not in _ANSWERABLE
                    or row.id in state.attempted
                ):
                    continue
                when = row.assigned_at + answer.after
                found.append(_Scripted(when, row.id, row.assignee, answer))
    return sorted(found)


async def _next_moment(deps: Deps, state: _State) -> datetime | None:
    """The earliest of: the next submission, the next scripted answer, the next deadline."""
    moments: list[datetime] = [state.queue[0][0]] if state.queue else []
    scripted = await _scripted(deps, state)
    if scripted:
        moments.append(scripted[0].when)
    if state.deals:
        async with deps.db.read() as session:
            deadline = await repo.next_deadline(session, deal_ids=state.deal_ids)
        if deadline is not None:
            moments.append(deadline)
    return min(moments) if moments else None


def _at(late: LateAnswer) -> datetime:
    return late.at
