"""What a simulation shows: per deal, its timeline, each approval against its SLA, a summary.

Everything here is read back from the database after the run (bot.simulation.reading):
the timeline is the deal's audit log, the SLA table its approval rows. These classes
are plain data; ``to_json()`` gives stable keys, ISO-8601 UTC times and durations as
``{"seconds": …, "text": …}``. Rendering lives in bot.simulation.render.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from policies.duration import format_duration, humanize


def iso(moment: datetime) -> str:
    """``2026-11-17T17:30:00Z`` (fractions of a second only when there are some)."""
    utc = moment.astimezone(UTC)
    spec = "seconds" if utc.microsecond == 0 else "microseconds"
    return utc.isoformat(timespec=spec).replace("+00:00", "Z")


def _iso_or_none(moment: datetime | None) -> str | None:
    return iso(moment) if moment is not None else None


@dataclass(frozen=True)
class Span:
    """A duration, shown rounded for people and exact (whole seconds) for machines."""

    seconds: int
    working: bool = False
    """Working time in a calendar (a business SLA), not wall-clock time."""

    @classmethod
    def of(cls, delta: timedelta, *, working: bool = False) -> Span:
        return cls(int(delta.total_seconds()), working)

    @property
    def text(self) -> str:
        return humanize(timedelta(seconds=self.seconds)) + self._unit

    @property
    def target(self) -> str:
        """As a policy writes it: ``24h``, ``2h``, ``12h``; ``8h working``."""
        return format_duration(timedelta(seconds=self.seconds)) + self._unit

    @property
    def _unit(self) -> str:
        return " working" if self.working else ""

    @property
    def offset(self) -> str:
        """As an offset from the deal's submission: ``+0s``, ``+1h 5m``."""
        return ("-" if self.seconds < 0 else "+") + self.text

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"seconds": self.seconds, "text": self.text}
        if self.working:
            found["working_time"] = True
        return found


def _span_or_none(span: Span | None) -> dict[str, Any] | None:
    return span.to_json() if span is not None else None


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    offset: Span
    """Since the deal was submitted."""
    who: str
    what: str
    action: str
    """The audit action (``approval_decided`` …), or ``late_answer`` for a refused click."""
    actor: str
    seq: int | None
    """The audit event's seq; None for a refused late answer, which changes nothing."""
    detail: str | None = None
    """A second line: the avatar recommendation a person's card carries."""

    def to_json(self) -> dict[str, Any]:
        return {
            "at": iso(self.at),
            "offset": self.offset.to_json(),
            "who": self.who,
            "what": self.what,
            "detail": self.detail,
            "action": self.action,
            "actor": self.actor,
            "seq": self.seq,
        }


@dataclass(frozen=True)
class ApprovalLine:
    """One approval row against its SLA."""

    approval_id: int
    stage: str
    approver: str
    approver_name: str
    assignee: str
    avatar: bool
    reason: str
    status: str
    outcome: str
    assigned_at: datetime
    sla: Span | None
    """The row's SLA (a person's), or an avatar's policy ``sla``; None when it has none."""
    elapsed: Span | None
    """Until it was decided or moved on; for one still waiting, until the end of the run."""
    within_sla: bool | None
    """None when it does not count: no SLA, cancelled, carried over, or still inside it."""
    decided_by: str | None
    decided_at: datetime | None
    reminded: bool
    carried_over: bool = False
    """Approved in the previous revision and still standing (no time of its own)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "approval_id": self.approval_id,
            "stage": self.stage,
            "approver": self.approver,
            "approver_name": self.approver_name,
            "assignee": self.assignee,
            "avatar": self.avatar,
            "reason": self.reason,
            "status": self.status,
            "outcome": self.outcome,
            "assigned_at": iso(self.assigned_at),
            "sla": _span_or_none(self.sla),
            "elapsed": _span_or_none(self.elapsed),
            "within_sla": self.within_sla,
            "decided_by": self.decided_by,
            "decided_at": _iso_or_none(self.decided_at),
            "reminded": self.reminded,
            "carried_over": self.carried_over,
        }


@dataclass(frozen=True)
class Counts:
    """What the SLO summary is made of; adds up over deals."""

    within_sla: int = 0
    sla_counted: int = 0
    decisions: int = 0
    avatar_decisions: int = 0
    handovers: int = 0
    timeouts: int = 0
    escalations: int = 0
    reminders: int = 0
    late_answers: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))

    @property
    def slo_compliance(self) -> float | None:
        """Share of the approvals that count against an SLA that met it."""
        return _rate(self.within_sla, self.sla_counted)

    @property
    def automation_rate(self) -> float | None:
        """Share of approve/reject/request-changes decisions made by avatars."""
        return _rate(self.avatar_decisions, self.decisions)

    def to_json(self) -> dict[str, Any]:
        return {
            "slo": {
                "within": self.within_sla,
                "counted": self.sla_counted,
                "compliance": self.slo_compliance,
            },
            "automation": {
                "by_avatars": self.avatar_decisions,
                "decisions": self.decisions,
                "rate": self.automation_rate,
            },
            "handovers": self.handovers,
            "timeouts": self.timeouts,
            "escalations": self.escalations,
            "reminders": self.reminders,
            "late_answers": self.late_answers,
        }


def _values(counts: Counts) -> tuple[int, ...]:
    return tuple(getattr(counts, name) for name in Counts.__dataclass_fields__)


@dataclass(frozen=True)
class DealReport:
    ref: str
    company: str
    acv: Decimal
    discount: Decimal
    owner: str
    status: str
    outcome: str
    """The status in words: "approved", "sent back for changes", "in review (waiting)"."""
    submitted_at: datetime
    decided_at: datetime | None
    """When the deal got its final decision (approved, rejected, sent back, withdrawn)."""
    cycle_time: Span | None
    timeline: tuple[TimelineEntry, ...]
    approvals: tuple[ApprovalLine, ...]
    counts: Counts
    waiting: tuple[str, ...]
    """Approvals still pending when nothing more could happen, and why."""
    notes: tuple[str, ...]
    """What the scenario left unsaid: people with no scripted answer, and the like."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.ref,
            "company": self.company,
            "acv": str(self.acv),
            "discount": str(self.discount),
            "owner": self.owner,
            "status": self.status,
            "outcome": self.outcome,
            "submitted_at": iso(self.submitted_at),
            "decided_at": _iso_or_none(self.decided_at),
            "cycle_time": _span_or_none(self.cycle_time),
            "summary": self.counts.to_json(),
            "timeline": [entry.to_json() for entry in self.timeline],
            "approvals": [line.to_json() for line in self.approvals],
            "waiting": list(self.waiting),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Report:
    scenario: str
    description: str
    scenario_source: str
    policy_name: str
    policy_version: str
    policy_source: str
    database: str
    """The database URL, password hidden."""
    started_at: datetime
    ended_at: datetime
    steps: int
    deals: tuple[DealReport, ...]

    @property
    def counts(self) -> Counts:
        return sum((deal.counts for deal in self.deals), Counts())

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": {
                "name": self.scenario,
                "description": self.description,
                "source": self.scenario_source,
            },
            "policy": {
                "name": self.policy_name,
                "version": self.policy_version,
                "source": self.policy_source,
            },
            "database": self.database,
            "started_at": iso(self.started_at),
            "ended_at": iso(self.ended_at),
            "virtual_duration": Span.of(self.ended_at - self.started_at).to_json(),
            "steps": self.steps,
            "summary": {
                "deals": len(self.deals),
                "by_status": _by_status(self.deals),
                **self.counts.to_json(),
            },
            "deals": [deal.to_json() for deal in self.deals],
        }


def _by_status(deals: tuple[DealReport, ...]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for deal in deals:
        counted[deal.status] = counted.get(deal.status, 0) + 1
    return counted
