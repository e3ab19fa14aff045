"""The morning round's job: second 0 of every minute, UTC, one at a time, failures logged."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC

import pytest

from bot.core.deps import Deps
from bot.jobs.scheduler import MORNING, MORNING_GRACE, NEXT_DEADLINE, SWEEP, DeadlineScheduler
from tests.slack.flows import eventually
from tests.support.deals import submit


async def test_the_morning_round_runs_every_minute_on_the_minute(deps: Deps) -> None:
    rounds: list[str] = []

    async def morning() -> None:
        rounds.append("round")

    scheduler = DeadlineScheduler(deps, morning=morning)
    stop = asyncio.Event()
    running = asyncio.create_task(scheduler.run(stop))
    try:
        job = await eventually(lambda: scheduler.job(MORNING), "the morning job")
        assert str(job.trigger) == "cron[second='0']"
        assert job.trigger.timezone == UTC
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (
            True,
            1,
            MORNING_GRACE,
        )
        await scheduler.morning()
        assert rounds == ["round"]
    finally:
        stop.set()
        await running


async def test_a_failing_round_is_logged_and_the_next_one_still_runs(
    deps: Deps, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken() -> None:
        raise RuntimeError("database went away")

    scheduler = DeadlineScheduler(deps, morning=broken)
    with caplog.at_level(logging.ERROR, logger="bot.jobs.scheduler"):
        await scheduler.morning()
        await scheduler.morning()
    assert [r.message for r in caplog.records].count(
        "the morning round failed; the next minute tries again"
    ) == 2


async def test_without_a_morning_round_there_is_no_job(deps: Deps) -> None:
    scheduler = DeadlineScheduler(deps)
    stop = asyncio.Event()
    running = asyncio.create_task(scheduler.run(stop))
    await eventually(lambda: scheduler.job(SWEEP), "the deadline sweep")
    assert scheduler.job(MORNING) is None
    stop.set()
    await running


async def test_a_round_cut_short_by_shutdown_is_no_error(
    deps: Deps, caplog: pytest.LogCaptureFixture
) -> None:
    """SIGTERM while the minute's round waits on Slack: no traceback in the log (a clean
    stop), and the round is picked up at the next start."""

    async def cut_short() -> None:
        raise asyncio.CancelledError

    scheduler = DeadlineScheduler(deps, morning=cut_short)
    with caplog.at_level(logging.INFO, logger="bot.jobs.scheduler"):
        await scheduler.morning()

    assert [(r.levelname, r.message) for r in caplog.records] == [
        ("INFO", "the morning round was stopped by shutdown; the next start picks it up")
    ]


async def test_a_tick_after_the_scheduler_stopped_sets_no_job_and_logs_no_error(
    deps: Deps, caplog: pytest.LogCaptureFixture
) -> None:
    """The sandbox's clock button ticks by hand; at shutdown that tick may end after the
    scheduler stopped. It finds the next deadline and leaves it to the next start."""
    await submit(deps)  # a human's approval with an SLA: a deadline ahead
    scheduler = DeadlineScheduler(deps)
    stop = asyncio.Event()
    running = asyncio.create_task(scheduler.run(stop))
    await eventually(lambda: scheduler.job(NEXT_DEADLINE), "the next deadline's job")
    stop.set()
    await running
    with caplog.at_level(logging.WARNING, logger="bot.jobs.scheduler"):
        await scheduler.tick()
    assert caplog.records == []
    assert scheduler.job(NEXT_DEADLINE) is None
