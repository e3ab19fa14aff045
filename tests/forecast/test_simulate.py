"""The forecast's Monte Carlo against answers computed by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.forecast.route import Need
from bot.forecast.simulate import Simulator
from bot.forecast.speeds import Basis, SpeedBook
from bot.reports.slo import ApprovalFacts
from policies.loader import load_policy_text
from policies.sla import SlaClock
from tests.forecast.fixtures import (
    NOW,
    POLICY,
    decisions,
    held,
    open_deal,
    policy,
    stage,
    timeouts,
)

RUNS = 4000
TOLERANCE = 0.03
"""Three standard errors of a share near one half over 4,000 runs."""

DEAL_APPROVAL = stage(1, "Deal approval", Need(("mgr",)))


def simulator(history: SpeedBook, hours_left: float) -> Simulator:
    return Simulator(history, NOW, NOW + timedelta(hours=hours_left), runs=RUNS, seed=7)


def test_one_two_and_three_hours_before_clear_two_in_three_with_two_hours_left() -> None:
    history = SpeedBook.of(decisions("mgr", [1, 2, 3]))
    forecast = simulator(history, 2).forecast(open_deal([DEAL_APPROVAL], [held("mgr", sla=24)]))
    assert forecast.p_clear == pytest.approx(2 / 3, abs=TOLERANCE)
    assert forecast.p50_finish == NOW + timedelta(hours=2)
    assert forecast.slowest == "U0MGR"
    assert forecast.bases == {"U0MGR": Basis.HISTORY}


def test_time_already_waited_leaves_only_the_slower_decisions() -> None:
    """Assigned 1.5 h ago: of 1, 2 and 3 h only 2 and 3 are still possible; 0.5 h left
    reaches the first of them."""
    history = SpeedBook.of(decisions("mgr", [1, 2, 3]))
    waiting = held("mgr", since=NOW - timedelta(hours=1.5), sla=24)
    forecast = simulator(history, 0.5).forecast(open_deal([DEAL_APPROVAL], [waiting]))
    assert forecast.p_clear == pytest.approx(1 / 2, abs=TOLERANCE)


def test_two_stages_run_one_after_the_other() -> None:
    history = SpeedBook.of(
        decisions("mgr", [1] * 10) + decisions("legal", [1] * 10, stage="Reviews")
    )
    deal = open_deal([DEAL_APPROVAL, stage(2, "Reviews", Need(("legal",)))], [held("mgr", sla=24)])
    assert simulator(history, 1.5).forecast(deal).p_clear == 0
    cleared = simulator(history, 2.5).forecast(deal)
    assert cleared.p_clear == 1
    assert cleared.p50_finish == cleared.p90_finish == NOW + timedelta(hours=2)


def test_a_quorum_waits_for_its_second_approval() -> None:
    history = SpeedBook.of(
        decisions("lead_a", [1] * 10)
        + decisions("lead_b", [2] * 10)
        + decisions("lead_c", [3] * 10)
    )
    leads = stage(1, "Deal approval", Need(("lead_a", "lead_b", "lead_c"), needed=2))
    deal = open_deal([leads], [held(slot, sla=24) for slot in ("lead_a", "lead_b", "lead_c")])
    assert simulator(history, 1.5).forecast(deal).p_clear == 0
    forecast = simulator(history, 2.5).forecast(deal)
    assert forecast.p_clear == 1
    assert forecast.p50_finish == NOW + timedelta(hours=2)
    assert forecast.slowest == "U0LEAD_B"


def test_an_approval_already_given_counts_towards_its_group() -> None:
    history = SpeedBook.of(decisions("lead_b", [2] * 10) + decisions("lead_c", [3] * 10))
    leads = stage(1, "Deal approval", Need(("lead_a", "lead_b", "lead_c"), needed=2))
    deal = open_deal(
        [leads], [held("lead_b", sla=24), held("lead_c", sla=24)], approved=frozenset({"lead_a"})
    )
    assert simulator(history, 2.5).forecast(deal).p50_finish == NOW + timedelta(hours=2)


def test_a_timeout_moves_the_approval_to_a_slower_backup() -> None:
    """The manager never decides within the hour; the VP takes three hours after that."""
    history = SpeedBook.of(timeouts("mgr", 10) + decisions("vp", [3] * 10))
    deal = open_deal([DEAL_APPROVAL], [held("mgr", sla=1)])
    assert simulator(history, 3.5).forecast(deal).p_clear == 0
    forecast = simulator(history, 4.5).forecast(deal)
    assert forecast.p_clear == 1
    assert forecast.p50_finish == NOW + timedelta(hours=4)


def test_an_approver_without_history_is_taken_to_answer_within_the_sla() -> None:
    """The CFO's SLA is 4 h and nobody has a record: a decision uniformly within it."""
    history = SpeedBook.of([])
    deal = open_deal([stage(1, "Deal approval", Need(("cfo",)))], [held("cfo", sla=4)])
    forecast = simulator(history, 2).forecast(deal)
    assert forecast.p_clear == pytest.approx(1 / 2, abs=TOLERANCE)
    assert forecast.bases == {"U0CFO": Basis.SLA}


def test_few_decisions_are_blended_with_the_stage() -> None:
    """Two decisions of their own (both 1 h) weigh 2/10; the other 8/10 draw from the
    stage's twelve, ten of which took 5 h: 0.2 + 0.8 * 2/12 = 1/3 within two hours."""
    history = SpeedBook.of(decisions("mgr", [1, 1]) + decisions("vp", [5] * 10))
    forecast = simulator(history, 2).forecast(open_deal([DEAL_APPROVAL], [held("mgr", sla=24)]))
    assert forecast.bases == {"U0MGR": Basis.STAGE}
    assert forecast.p_clear == pytest.approx(1 / 3, abs=TOLERANCE)


def test_working_hours_carry_over_the_weekend() -> None:
    """Four working hours from Friday 15:00 in London: two on Friday, two on Monday."""
    calendar = policy().calendar_of("ops")
    assert calendar is not None
    history = SpeedBook.of(decisions("ops", [4] * 10, clock=SlaClock(calendar)))
    deal = open_deal([stage(1, "Deal approval", Need(("ops",)))], [held("ops", sla=24)])
    forecast = simulator(history, 24 * 3 + 1).forecast(deal)
    monday_eleven = NOW + timedelta(days=2, hours=20)
    assert forecast.p50_finish == monday_eleven
    assert forecast.p_clear == 1
    assert simulator(history, 24 * 2).forecast(deal).p_clear == 0


def test_an_avatar_decides_at_once() -> None:
    history = SpeedBook.of(decisions("mgr", [1] * 10))
    deal = open_deal(
        [DEAL_APPROVAL, stage(2, "Reviews", Need(("finance",)))], [held("mgr", sla=24)]
    )
    assert simulator(history, 2).forecast(deal).p50_finish == NOW + timedelta(hours=1)


def test_the_same_history_gives_the_same_forecast() -> None:
    history = SpeedBook.of(decisions("mgr", [1, 2, 3, 4, 5]))
    deal = open_deal([DEAL_APPROVAL], [held("mgr", sla=24)])
    assert simulator(history, 3).forecast(deal) == simulator(history, 3).forecast(deal)


def _escalations(hours: list[float | None]) -> list[ApprovalFacts]:
    """Escalated approvals decided that many hours after their escalation (None: never)."""
    rows = []
    for n, taken in enumerate(hours):
        escalated = NOW - timedelta(days=20 + n)
        rows.append(
            ApprovalFacts(
                stage="Deal approval",
                stage_index=0,
                approver="cfo",
                status="pending" if taken is None else "approved",
                assigned_at=escalated - timedelta(hours=4),
                due_at=escalated,
                decided_at=None if taken is None else escalated + timedelta(hours=taken),
                decided_by=None if taken is None else "U0CFO",
                escalated_at=escalated,
                sla=timedelta(hours=4),
            )
        )
    return rows


def test_an_escalated_approval_is_decided_as_escalations_have_been() -> None:
    """Half the escalations on record were decided two hours after it, half never were."""
    history = SpeedBook.of(_escalations([2, 2, 2, 2, None, None, None, None]))
    waiting = replace(held("cfo", sla=4), escalated_at=NOW)
    deal = open_deal([stage(1, "Deal approval", Need(("cfo",)))], [waiting])
    forecast = simulator(history, 3).forecast(deal)
    assert forecast.p_clear == pytest.approx(1 / 2, abs=TOLERANCE)
    assert forecast.p90_finish is None  # in half the runs it is never decided


def test_an_escalation_still_waiting_at_the_forecasts_moment_is_not_yet_decided() -> None:
    """Of two escalations decided two hours on, a day apart: one hour after the later one
    the earlier was decided, the later was not yet (the backtest knows no more)."""
    earlier, later = _escalations([2, 2])[::-1]
    assert later.escalated_at is not None
    history = SpeedBook.of([earlier, later], as_of=later.escalated_at + timedelta(hours=1))
    assert (history.escalated.decided, history.escalated.timeouts) == (1, 1)


def away_simulator(history: SpeedBook, hours_left: float, **away: float | None) -> Simulator:
    """``away``: Slack user → hours until back (None: no return said)."""
    return Simulator(
        history,
        NOW,
        NOW + timedelta(hours=hours_left),
        runs=RUNS,
        seed=7,
        away={
            user: None if hours is None else NOW + timedelta(hours=hours)
            for user, hours in away.items()
        },
    )


def test_an_approval_whose_holder_is_away_goes_to_their_backup() -> None:
    """The manager answers in half an hour, but is on vacation: the VP takes three."""
    history = SpeedBook.of(decisions("mgr", [0.5] * 10) + decisions("vp", [3] * 10))
    deal = open_deal([DEAL_APPROVAL], [held("mgr", sla=24)])
    assert away_simulator(history, 2).forecast(deal).p_clear == 1
    forecast = away_simulator(history, 2, U0MGR=None).forecast(deal)
    assert forecast.p_clear == 0
    assert forecast.p50_finish == NOW + timedelta(hours=3)


def test_a_held_approval_moves_when_dealdesk_next_looks_at_its_reminder() -> None:
    """Assigned an hour ago with a 24 h SLA: the reminder (at 75%, 18 h in) is when the
    away status is seen; the VP then takes three hours."""
    history = SpeedBook.of(decisions("mgr", [0.5] * 10) + decisions("vp", [3] * 10))
    waiting = held("mgr", since=NOW - timedelta(hours=1), sla=24)
    forecast = away_simulator(history, 48, U0MGR=None).forecast(
        open_deal([DEAL_APPROVAL], [waiting])
    )
    assert forecast.p50_finish == NOW + timedelta(hours=20)


def test_a_holder_back_soon_keeps_the_approval_when_the_policy_waits_for_them() -> None:
    history = SpeedBook.of(decisions("mgr", [0.5] * 10) + decisions("vp", [3] * 10))
    deal = open_deal([DEAL_APPROVAL], [held("mgr", sla=24)])
    waits = replace(
        deal,
        policy=load_policy_text(
            POLICY.replace("approvers:", "out_of_office: {wait_if_back_within: 4h}\napprovers:", 1)
        ).policy,
    )
    assert away_simulator(history, 48, U0MGR=2).forecast(waits).p50_finish == NOW + timedelta(
        hours=2.5
    )
    # Back in six hours is beyond the four the policy waits: the VP has it.
    assert away_simulator(history, 48, U0MGR=6).forecast(waits).p50_finish == NOW + timedelta(
        hours=3
    )
    # Back already: nothing changes.
    assert away_simulator(history, 48, U0MGR=-1).forecast(deal).p50_finish == NOW + timedelta(
        hours=0.5
    )
