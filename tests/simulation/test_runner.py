"""Scenarios through the real engine and database in virtual time, read back as a report."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bot.core.clock import VirtualClock
from bot.core.deps import open_deps
from bot.simulation import LoadedScenario, bundled_scenario_path, load_scenario_file, simulate
from bot.simulation.report import ApprovalLine, DealReport, TimelineEntry
from bot.workflow import submit_deal
from policies.deal import DealTerms
from policies.loader import bundled_policy_path
from policies.vocabulary import ApprovalStatus, DealStatus
from store import repositories as repo
from store.audit import verify
from store.db import Database
from tests.conftest import START
from tests.simulation.conftest import scenario_text

POLICY = bundled_policy_path()


def load(path: Path) -> LoadedScenario:
    return load_scenario_file(path, default_policy=POLICY)


def line_of(deal: DealReport, approver: str) -> ApprovalLine:
    (line,) = [line for line in deal.approvals if line.approver == approver]
    return line


def entries(deal: DealReport, action: str) -> list[TimelineEntry]:
    return [entry for entry in deal.timeline if entry.action == action]


async def audit_intact(database_url: str) -> bool:
    database = Database.connect(database_url)
    try:
        async with database.read() as session:
            return (await verify(session)).ok
    finally:
        await database.dispose()


async def test_techcorp_runs_as_the_seeds_describe(database_url: str) -> None:
    loaded = load_scenario_file(bundled_scenario_path(), default_policy=POLICY)
    report = await simulate(loaded, database_url)

    (deal,) = report.deals
    assert deal.status == DealStatus.APPROVED
    sdr = line_of(deal, "sdr")
    assert (sdr.avatar, sdr.status, sdr.within_sla) == (True, "approved", True)
    assert sdr.elapsed is not None
    assert sdr.elapsed.seconds == 0
    assert "score 95/100" in next(
        e.what for e in entries(deal, "approval_decided") if e.who == "Sarah Chen (avatar)"
    )

    manager = line_of(deal, "manager")
    assert manager.status == ApprovalStatus.REASSIGNED
    assert manager.outcome == "handed over to Lisa Wong"
    (handover,) = entries(deal, "approval_reassigned")
    assert handover.what.startswith("handed over to Lisa Wong: ACV $500,000 exceeds")

    cfo = line_of(deal, "cfo")
    assert (cfo.assignee, cfo.status, cfo.decided_by) == ("U0LISA", "approved", "U0LISA")
    assert cfo.decided_at == deal.submitted_at + timedelta(minutes=5)
    assert cfo.sla is not None
    assert cfo.sla.seconds == 2 * 3600
    assert cfo.within_sla is True

    legal, finance = line_of(deal, "legal"), line_of(deal, "finance")
    assert legal.stage == finance.stage == "Reviews"
    assert legal.assigned_at == finance.assigned_at == cfo.decided_at  # in parallel, after the CFO
    (reviews,) = [e for e in entries(deal, "stage_started") if "Reviews" in e.what]
    assert "in parallel" in reviews.what
    (legal_card,) = [e for e in entries(deal, "approval_assigned") if e.who == "Priya Patel"]
    assert legal_card.detail is not None
    assert "MSA" in legal_card.detail
    assert "12% discount is within the 15% authority" in " ".join(e.what for e in deal.timeline)

    assert deal.timeline[-1].what == "deal approved"
    assert deal.cycle_time is not None
    assert deal.cycle_time.seconds == 65 * 60
    assert (deal.counts.within_sla, deal.counts.sla_counted) == (5, 5)
    assert deal.counts.slo_compliance == 1.0
    assert (deal.counts.avatar_decisions, deal.counts.decisions) == (2, 4)
    assert deal.waiting == ()
    assert await audit_intact(database_url)


async def test_cfo_on_holiday_moves_to_the_ceo(database_url: str) -> None:
    loaded = load_scenario_file(bundled_scenario_path("cfo-on-holiday.yml"), default_policy=POLICY)
    report = await simulate(loaded, database_url)

    (deal,) = report.deals
    (reminder,) = entries(deal, "reminder_sent")
    assert (reminder.who, reminder.offset.seconds) == ("Lisa Wong", 90 * 60)  # 75% of 2h
    (timeout,) = [e for e in entries(deal, "approval_reassigned") if e.who == "Lisa Wong"]
    assert timeout.offset.seconds == 2 * 3600  # exactly at the SLA
    assert "Daniel Kim" in timeout.what

    cfo, ceo = line_of(deal, "cfo"), line_of(deal, "ceo")
    assert cfo.within_sla is False
    assert cfo.reminded
    assert cfo.outcome == "SLA passed, moved to Daniel Kim"
    assert (ceo.assignee, ceo.status, ceo.decided_by) == ("U0DANIEL", "approved", "U0DANIEL")
    assert ceo.decided_at == deal.submitted_at + timedelta(hours=2, minutes=20)
    assert deal.status == DealStatus.APPROVED
    assert (deal.counts.within_sla, deal.counts.sla_counted) == (5, 6)
    assert (deal.counts.timeouts, deal.counts.reminders, deal.counts.handovers) == (1, 1, 1)
    assert "Lisa Wong (cfo) stayed silent, as scripted" in deal.notes
    assert await audit_intact(database_url)


async def test_a_silent_chain_waits_for_days_without_sleeping(
    database_url: str, write_scenario: Callable[[str], Path]
) -> None:
    # Legal and then the General Counsel never answer: 24h + 24h, then escalation.
    path = write_scenario(scenario_text("      cfo: {after: 5m, decision: approve}\n"))
    started = time.perf_counter()
    report = await simulate(load(path), database_url)
    assert time.perf_counter() - started < 5

    (deal,) = report.deals
    assert deal.status == DealStatus.IN_REVIEW
    assert report.ended_at - report.started_at >= timedelta(days=2)
    assert deal.counts.escalations == 1
    assert deal.counts.timeouts == 1
    assert deal.cycle_time is None
    (waiting,) = deal.waiting
    assert "Omar Haddad" in waiting
    assert "escalated" in waiting
    assert any("Priya Patel (legal) has no scripted answer" in note for note in deal.notes)
    assert line_of(deal, "counsel").within_sla is False


async def test_a_rejection_ends_the_deal_and_a_late_click_is_refused(
    database_url: str, write_scenario: Callable[[str], Path]
) -> None:
    responses = (
        "      cfo: {after: 3h, decision: approve}\n"  # after her 2h SLA: the CEO has it by then
        "      ceo: {after: 10m, decision: reject, comment: Not at this discount}\n"
    )
    report = await simulate(load(write_scenario(scenario_text(responses))), database_url)

    (deal,) = report.deals
    assert deal.status == DealStatus.REJECTED
    assert deal.cycle_time is not None
    assert deal.cycle_time.seconds == 2 * 3600 + 10 * 60
    assert deal.timeline[-1].action == "late_answer"
    assert deal.timeline[-1].who == "Lisa Wong"
    assert "moved on" in deal.timeline[-1].what
    assert deal.counts.late_answers == 1
    assert not [line for line in deal.approvals if line.stage == "Reviews"]


async def test_real_deals_in_the_same_database_are_left_alone(
    database_url: str, write_scenario: Callable[[str], Path]
) -> None:
    terms = DealTerms(
        company="Real Co",
        acv=400000,
        industry="Software",
        employees=2000,
        use_case="Replace three billing systems with one",
        budget_indicated=True,
        owner="U0REAL",
    )
    async with (
        open_deps(database_url, POLICY, VirtualClock(START)) as deps,
        deps.unit_of_work() as uow,
    ):
        real = await submit_deal(uow, terms, "U0REAL")

    # The simulation runs a week later, past the real CFO card's 2h SLA.
    text = scenario_text(
        "      cfo: {after: 5m, decision: approve}\n      legal: {after: 1h, decision: approve}\n"
    )
    text = text.replace("start: 2026-11-17T17:30:00Z", "start: 2026-11-30T13:00:00Z")
    report = await simulate(load(write_scenario(text)), database_url)
    assert report.deals[0].status == DealStatus.APPROVED

    database = Database.connect(database_url)
    try:
        async with database.read() as session:
            rows = await repo.list_approvals(session, real.deal_id)
    finally:
        await database.dispose()
    (cfo,) = [row for row in rows if row.approver == "cfo"]  # handed over by the manager avatar
    assert (cfo.status, cfo.reminded_at, cfo.assignee) == (ApprovalStatus.PENDING, None, "U0LISA")


async def test_running_twice_on_one_database_adds_a_second_deal(database_url: str) -> None:
    loaded = load_scenario_file(bundled_scenario_path(), default_policy=POLICY)
    first = await simulate(loaded, database_url)
    second = await simulate(loaded, database_url)
    assert [d.ref for d in first.deals + second.deals] == ["D-1001", "D-1002"]
    assert second.deals[0].status == DealStatus.APPROVED
    assert second.to_json()["deals"][0]["summary"] == first.to_json()["deals"][0]["summary"]
    assert await audit_intact(database_url)
