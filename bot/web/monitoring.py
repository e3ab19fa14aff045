"""What ``/healthz`` and ``/metrics`` report: whether the database answers and Slack takes
our messages, and the process's metrics plus the desk's state counted from the database
at scrape time.

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
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.deps import Deps
from bot.outbox.work import Work
from policies.duration import humanize
from policies.vocabulary import DealStatus
from store import journal, outbox
from store import repositories as repo
from store.db import Database

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 5.0
"""Seconds the database gets to answer a health check or a scrape."""


async def database_problem(db: Database) -> str | None:
    """None when the database answers ``SELECT 1`` in time and takes writes; else why
    not, in one line."""
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            await db.ping()
    except Exception as error:  # any failure to answer is the answer (store.availability logs)
        return _one_line(error)
    return db.availability.problem


CARD_WAIT = timedelta(minutes=1)
"""An approval card waiting longer than this for Slack makes the desk ``degraded``."""


@dataclass(frozen=True)
class Health:
    """``ok``; ``degraded`` (working, but people wait: ``reasons`` say why); ``down`` (the
    database does not answer)."""

    status: str
    database: str
    reasons: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        body: dict[str, object] = {"status": self.status, "database": self.database}
        if self.status == "down":
            body["error"] = "database_unavailable"
            body["message"] = f"the database did not answer: {self.database}"
        elif self.reasons:
            body["reasons"] = list(self.reasons)
            body["message"] = "; ".join(self.reasons)
        return body


async def check_health(db: Database, now: datetime, *, slack: str | None = None) -> Health:
    """``slack``: why Slack refuses us, when it does (the bot token)."""
    problem = await database_problem(db)
    if problem is not None:
        return Health("down", problem)
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT), db.read() as session:
            waiting = await outbox.backlog_by_kind(session)
            failing = await outbox.failing(session, now)
    except Exception as error:  # answered SELECT 1 but not this: say so, stay up
        log.warning("health check: the outbox could not be read: %s", error)
        return Health("degraded", "ok", (f"the outbox could not be read: {_one_line(error)}",))
    reasons = [slack] if slack else []
    cards = waiting.get(Work.CARD_POST.value)
    if cards is not None and now - cards.oldest > CARD_WAIT:
        reasons.append(
            f"an approval card has waited {humanize(now - cards.oldest)} for Slack "
            f"({cards.count} waiting)"
        )
    if failing.count:
        waits = "1 message waits" if failing.count == 1 else f"{failing.count} messages wait"
        reasons.append(
            f"Slack's Web API is failing: {waits} to be tried again "
            f"(last error: {failing.last_error})"
        )
    return Health("degraded" if reasons else "ok", "ok", tuple(reasons))


@dataclass(frozen=True)
class DeskCounts:
    deals: dict[str, int] = field(default_factory=dict)
    pending_approvals: int = 0
    overdue_approvals: int = 0
    outbox_backlog: int = 0
    outbox_by_kind: dict[str, outbox.Waiting] = field(default_factory=dict)
    decision_inbox_backlog: int = 0
    now: datetime | None = None


async def count_desk(session: AsyncSession, now: datetime) -> DeskCounts:
    by_kind = await outbox.backlog_by_kind(session)
    pending, overdue = await repo.count_pending(session, now)
    return DeskCounts(
        deals=await repo.count_deals_by_status(session),
        pending_approvals=pending,
        overdue_approvals=overdue,
        outbox_backlog=sum(waiting.count for waiting in by_kind.values()),
        outbox_by_kind=by_kind,
        decision_inbox_backlog=await journal.backlog(session),
        now=now,
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
        waiting = GaugeMetricFamily(
            "dealdesk_outbox_waiting", "Slack work not yet delivered, by kind", labels=["kind"]
        )
        oldest = GaugeMetricFamily(
            "dealdesk_outbox_oldest_seconds",
            "Age of the oldest Slack work not yet delivered, by kind",
            labels=["kind"],
        )
        now = counts.now
        for kind in Work:
            row = counts.outbox_by_kind.get(kind.value)
            waiting.add_metric([kind.value], row.count if row else 0)
            age = (now - row.oldest).total_seconds() if row and now else 0.0
            oldest.add_metric([kind.value], max(age, 0.0))
        yield waiting
        yield oldest


def _one_line(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer within {DATABASE_TIMEOUT:g}s"
    cause = getattr(error, "orig", None) or error
    text = " ".join(str(cause).split()) or type(cause).__name__
    return f"{type(cause).__name__}: {text}"


@dataclass
class Metrics:
    """Per-process Prometheus metrics (a registry of our own: no globals)."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.requests = Counter(
            "dealdesk_slack_requests",
            "Requests from Slack, by kind",
            ["kind"],
            registry=self.registry,
        )
        self.decisions = Counter(
            "dealdesk_decisions_journaled",
            "Decisions from Slack journaled before the ack",
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "dealdesk_slack_ack_seconds",
            "Time to answer a request from Slack",
            registry=self.registry,
        )
        self.deals_submitted = Counter(
            "dealdesk_api_deals_submitted",
            "Deals created through the intake API",
            registry=self.registry,
        )
        self.crm_records = Counter(
            "dealdesk_crm_records",
            "Records from a CRM, by CRM and what became of them",
            ["crm", "outcome"],
            registry=self.registry,
        )
