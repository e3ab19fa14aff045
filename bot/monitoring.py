"""What ``/healthz`` and ``/metrics`` report: whether the database answers, and the
process's metrics plus the desk's state counted from the database at scrape time.

The gauges are a handful of COUNT queries run when Prometheus scrapes, so every
``serve`` process reports the same, current numbers and nothing is kept in memory.
When the database does not answer, ``dealdesk_database_up`` is 0 and the process's own
metrics are still served.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.deps import Deps
from store import outbox
from store.db import Database
from store.models import Approval, ApprovalStatus, Deal, DealStatus, DecisionRequest

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 5.0
"""Seconds the database gets to answer a health check or a scrape."""


async def database_problem(db: Database) -> str | None:
    """None when the database answers ``SELECT 1`` in time; else why not, in one line."""
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            await db.ping()
    except Exception as error:  # any failure to answer is the answer
        log.warning("health check: the database did not answer: %s", error)
        return _one_line(error)
    return None


@dataclass(frozen=True)
class DeskCounts:
    deals: dict[str, int] = field(default_factory=dict)
    pending_approvals: int = 0
    overdue_approvals: int = 0
    outbox_backlog: int = 0
    decision_inbox_backlog: int = 0


async def count_desk(session: AsyncSession, now: datetime) -> DeskCounts:
    by_status = await session.execute(select(Deal.status, func.count()).group_by(Deal.status))
    pending = Approval.status == ApprovalStatus.PENDING
    return DeskCounts(
        deals={str(status): int(count) for status, count in by_status.all()},
        pending_approvals=await _count(session, select(func.count()).where(pending)),
        overdue_approvals=await _count(
            session, select(func.count()).where(pending, Approval.due_at <= now)
        ),
        outbox_backlog=await outbox.backlog(session),
        decision_inbox_backlog=await _count(
            session,
            select(func.count())
            .select_from(DecisionRequest)
            .where(DecisionRequest.processed_at.is_(None)),
        ),
    )


async def scrape(registry: CollectorRegistry, deps: Deps) -> bytes:
    """Prometheus text format (0.0.4): the process's registry, then the desk's gauges."""
    counts: DeskCounts | None
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT), deps.db.read() as session:
            counts = await count_desk(session, deps.clock.now())
    except Exception as error:  # a scrape must still answer when the database does not
        log.warning("metrics: the database did not answer: %s", error)
        counts = None
    return generate_latest(registry) + generate_latest(DeskCollector(counts))


class DeskCollector:
    """The desk's gauges from one set of counts (None: the database did not answer)."""

    def __init__(self, counts: DeskCounts | None) -> None:
        self._counts = counts

    def collect(self) -> Iterator[Metric]:
        counts = self._counts
        yield GaugeMetricFamily(
            "dealdesk_database_up",
            "1 when the database answered this scrape, else 0",
            value=0 if counts is None else 1,
        )
        if counts is None:
            return
        deals = GaugeMetricFamily("dealdesk_deals", "Deals by status", labels=["status"])
        for status in DealStatus:
            deals.add_metric([status.value], counts.deals.get(status.value, 0))
        yield deals
        for name, documentation, value in (
            ("approvals_pending", "Approvals waiting for a decision", counts.pending_approvals),
            ("approvals_overdue", "Pending approvals past their SLA", counts.overdue_approvals),
            ("outbox_backlog", "Slack work not yet delivered", counts.outbox_backlog),
            (
                "decision_inbox_backlog",
                "Decisions from Slack journaled but not yet applied",
                counts.decision_inbox_backlog,
            ),
        ):
            yield GaugeMetricFamily(f"dealdesk_{name}", documentation, value=value)


async def _count(session: AsyncSession, query: Select[Any]) -> int:
    return int((await session.execute(query)).scalar_one())


def _one_line(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer within {DATABASE_TIMEOUT:g}s"
    cause = getattr(error, "orig", None) or error
    text = " ".join(str(cause).split()) or type(cause).__name__
    return f"{type(cause).__name__}: {text}"
