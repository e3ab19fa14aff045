"""Statement budgets of the hot paths: a change that puts a query back in a loop fails here,
by name, with the statements it sent (tests.support.statements).

Counted on SQLite and PostgreSQL, in one unit of work each, with the outbox and webhook
planners subscribed as ``serve`` subscribes them. What each path sent when the budgets
were first written down (2026-12-06, commit e0af129):

==========================================  ==========
path                                        statements
==========================================  ==========
one deal submission                         19
one Approve decision (the journal applies)  13
a batch of 5 timeouts / of 50               57 / 507
a batch of 5 reminders / of 50              48 / 453
a morning round of 100 briefings            8
a delivery batch's books, 15 rows / 50      43 / 148 (2026-12-07, 35718c2)
==========================================  ==========
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.briefings.morning import brief
from bot.briefings.timing import Recipient
from bot.core.clock import VirtualClock
from bot.core.deps import Deps
from bot.jobs.due import run_due
from bot.outbox.delivery import Delivery, Kept, Sent
from bot.slack.card_reads import read_unposted_cards
from bot.workflow import decide, submit_deals
from policies.vocabulary import ApprovalStatus, Decision
from store import messages
from store import repositories as repo
from store.models import OutboxMessage
from tests.budgets.conftest import approver_user, owner_user, submit_territories, territory_deal
from tests.support.statements import Statements, assert_within, counting_statements

SUBMISSIONS = 13
"""12 on SQLite; PostgreSQL takes the ids of rows beyond one per deal in one more."""
DECISION = 11
TIMEOUTS = 16
"""A batch of timeouts, of any size up to bot.jobs.due.TIMEOUT_BATCH."""
REMINDERS = 9
MORNING_OF_100 = 8
DELIVERY_BOOKS = 11
"""A delivery batch's own statements, of any size up to bot.outbox.delivery.BATCH."""
CARD_READS = 5
"""What a delivery batch's approval cards show, read at once (six a card before)."""


async def _pending_row(deps: Deps, deal_id: int) -> int:
    async with deps.db.read() as session:
        rows = await repo.list_approvals(session, deal_id)
    return next(row.id for row in rows if row.status == ApprovalStatus.PENDING)


@pytest.mark.parametrize("count", [1, 20])
async def test_deals_submitted_together(deps: Deps, count: int) -> None:
    """Deals posted at the same moment share a transaction (bot.workflow.submissions): one
    budget for one deal and for twenty."""
    await submit_territories(deps, 1)  # the policy version and the audit head exist
    deals = [(territory_deal(n), owner_user(n)) for n in range(2, count + 2)]
    with counting_statements(deps.db) as counted:
        async with deps.unit_of_work() as uow:
            results = await submit_deals(uow, deals)
    assert all(result.created for result in results)
    assert_within(counted, SUBMISSIONS, f"{count} deals submitted together")


async def test_one_approve_decision(deps: Deps) -> None:
    (first,) = await submit_territories(deps, 1)
    approval_id = await _pending_row(deps, first.deal_id)
    with counting_statements(deps.db) as counted:
        async with deps.unit_of_work() as uow:
            result = await decide(uow, approval_id, approver_user(1), Decision.APPROVE)
    assert result.applied
    assert_within(counted, DECISION, "one Approve decision")


async def _timeouts(deps: Deps, clock: VirtualClock, count: int) -> Statements:
    await submit_territories(deps, count)
    clock.advance(timedelta(hours=24, seconds=1))
    with counting_statements(deps.db) as counted:
        summary = await run_due(deps)
    assert len(summary.timed_out) == count
    assert not summary.failed
    return counted


@pytest.mark.parametrize("count", [5, 50])
async def test_a_batch_of_timeouts(deps: Deps, clock: VirtualClock, count: int) -> None:
    """One budget for five and for fifty: the batch is read and written as a set."""
    assert_within(await _timeouts(deps, clock, count), TIMEOUTS, f"a batch of {count} timeouts")


async def _reminders(deps: Deps, clock: VirtualClock, count: int) -> Statements:
    await submit_territories(deps, count)
    clock.advance(timedelta(hours=18, seconds=1))
    with counting_statements(deps.db) as counted:
        summary = await run_due(deps)
    assert len(summary.reminded) == count
    assert not summary.failed
    return counted


@pytest.mark.parametrize("count", [5, 50])
async def test_a_batch_of_reminders(deps: Deps, clock: VirtualClock, count: int) -> None:
    assert_within(await _reminders(deps, clock, count), REMINDERS, f"a batch of {count} reminders")


async def test_a_morning_round_of_100_briefings(deps: Deps, clock: VirtualClock) -> None:
    await submit_territories(deps, 100)
    clock.advance(timedelta(hours=30))
    now = clock.now()
    zone = ZoneInfo("America/New_York")
    today = now.astimezone(zone).date()
    people = [Recipient(approver_user(n), zone, today) for n in range(1, 101)]
    with counting_statements(deps.db) as counted:
        briefed = await brief(deps, people, now)
    assert len(briefed) == 100
    assert_within(counted, MORNING_OF_100, "a morning round of 100 briefings")


@pytest.mark.parametrize("count", [5, 40])
async def test_a_delivery_batch_keeps_its_books_in_a_few_statements(deps: Deps, count: int) -> None:
    """What may go, the claim, and the outcomes (each lane's next turn, where each posted
    message lives, the rows done) cost the same for a batch of any size. The sender here
    stands in for Slack's and reads nothing: what a card's sending reads is its own."""
    await submit_territories(deps, count)
    sent: list[int] = []

    async def send(row: OutboxMessage) -> Sent:
        sent.append(row.id)
        return Sent(posted=True, kept=Kept(f"test:{row.id}", "D0TEST", f"1.{row.id:06d}"))

    with counting_statements(deps.db) as counted:
        delivered = await Delivery(deps.db, deps.clock, send).drain_once()
    assert delivered == len(sent) >= count
    assert_within(counted, DELIVERY_BOOKS, f"a delivery batch of {delivered}")
    async with deps.db.read() as session:
        assert await messages.get_message(session, f"test:{sent[-1]}") is not None


@pytest.mark.parametrize("count", [5, 40])
async def test_a_batch_of_cards_is_read_in_five_statements(deps: Deps, count: int) -> None:
    """What the batch's approval cards show (bot.slack.card_reads) costs the same for any
    number of cards: first revisions, so nothing is read for what their holders saw."""
    deals = await submit_territories(deps, count)
    approvals = [await _pending_row(deps, deal.deal_id) for deal in deals]
    async with deps.db.read() as session:
        with counting_statements(deps.db) as counted:
            found = await read_unposted_cards(session, approvals, deps.policies)
    assert sorted(found) == sorted(approvals)
    assert all(reads is not None and reads.evidence for reads in found.values())
    assert_within(counted, CARD_READS, f"the reads of {count} cards")
