"""run_due: what the scheduler and the simulator do at each moment, once per approval."""

from __future__ import annotations

from datetime import timedelta

from bot.core.clock import VirtualClock
from bot.core.deps import Deps
from bot.jobs.due import run_due
from bot.workflow import submit_deal
from policies.deal import DealTerms
from policies.vocabulary import ApprovalStatus
from store import repositories as repo
from store.models import Approval


def big_deal(company: str) -> DealTerms:
    """Qualifies, and goes past the manager avatar to the CFO (2h SLA, reminder at 1h30m)."""
    return DealTerms(
        company=company,
        acv=500000,
        discount=12,
        industry="Technology",
        employees=5000,
        use_case="Consolidate regional CRMs onto one platform",
        budget_indicated=True,
        owner="U0SARAH",
    )


async def cfo_row(deps: Deps, deal_id: int) -> Approval:
    async with deps.db.read() as session:
        rows = await repo.list_approvals(session, deal_id)
    return next(row for row in rows if row.approver == "cfo")


async def test_reminders_then_timeouts_once_each_and_only_for_the_given_deals(
    deps: Deps, clock: VirtualClock
) -> None:
    async with deps.unit_of_work() as uow:
        first = await submit_deal(uow, big_deal("First"), "U0SARAH")
    async with deps.unit_of_work() as uow:
        second = await submit_deal(uow, big_deal("Second"), "U0SARAH")

    assert (await run_due(deps)).count == 0
    clock.advance(timedelta(hours=1, minutes=30))
    only_first = await run_due(deps, deal_ids=[first.deal_id])
    assert only_first.reminded == ((await cfo_row(deps, first.deal_id)).id,)
    assert (await cfo_row(deps, second.deal_id)).reminded_at is None
    assert len((await run_due(deps)).reminded) == 1  # the second's; the first's went out once
    assert (await run_due(deps)).count == 0

    clock.advance(timedelta(minutes=30))
    timed_out = await run_due(deps)
    assert len(timed_out.timed_out) == 2
    assert timed_out.failed == ()
    for deal in (first, second):
        cfo = await cfo_row(deps, deal.deal_id)
        assert cfo.status == ApprovalStatus.REASSIGNED
    async with deps.db.read() as session:
        assert await repo.next_deadline(
            session, deal_ids=[first.deal_id]
        ) == clock.now() + timedelta(hours=18)  # the CEO's 24h SLA, reminded at 75%
