"""The SLO report: how each approver and each stage did against its SLA over a window.

Pure computation over the rows bot.reports.history loads. For a window
``[since, until)``:

- **Decided**: approval rows approved, rejected or sent back for changes with
  ``decided_at`` in the window. Rows carried over from an earlier revision are not
  counted again (policies.sla.carried_over); cancelled and skipped rows are no decisions.
- **Decision time**: ``assigned_at`` → ``decided_at`` of each decision. Avatars decide
  at once (0s). A person whose SLA counts business time (``8bh``) is measured in the
  working time of their calendar, their SLA too ("8h working"): a card sent Friday
  evening and answered Monday at 10:00 took an hour, not a weekend (policies.sla).
- **Timed out**: rows reassigned in the window at or after their ``due_at``
  (policies.sla.timed_out). They are not decisions, but each counts as an SLA miss.
- **Within SLA**: decisions made within their SLA, out of decisions that have an SLA
  plus rows that timed out. A person's SLA is the row's own (``due_at -
  assigned_at``); an avatar's is its policy ``sla``: an avatar with one is always
  within it, one without is counted as decided but not in the share (policies.sla).
  Handovers and delegations made in time are neither decisions nor misses.
- **Escalations**: rows that timed out in the window plus rows escalated to the admins
  (no backup left) in the window, each row once.
- **Median and p90**: the 0.5 and 0.9 quantiles by linear interpolation between
  closest ranks (numpy's default, Excel's PERCENTILE.INC): for sorted values
  ``x[0..n-1]``, ``h = (n - 1) q``, the quantile is ``x[⌊h⌋] + (h - ⌊h⌋)(x[⌊h⌋+1] -
  x[⌊h⌋])``. The median is the usual one.
- **Cycle time** (team): ``submitted_at`` (first submission, so rework counts) →
  ``finished_at`` of deals approved or rejected in the window. Withdrawn deals got no
  decision and are left out.
- **Automation rate** (team): decisions made by avatars (``decided_by`` is
  ``avatar:…``) out of all decisions.

Per approver means the policy approver a row belongs to (a delegate's decision counts
for the approver they stood in for); per stage, the stage's name.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from policies.duration import format_duration, humanize
from policies.sla import WALL_CLOCK, SlaClock, carried_over, timed_out, within_sla
from policies.vocabulary import AVATAR_PREFIX, DECISIONS


@dataclass(frozen=True)
class Window:
    """``[since, until)``, aware UTC; ``span`` as asked for (``30d``)."""

    since: datetime
    until: datetime

    @classmethod
    def ending(cls, until: datetime, span: timedelta) -> Window:
        return cls(until - span, until)

    @property
    def span(self) -> timedelta:
        return self.until - self.since

    def holds(self, moment: datetime | None) -> bool:
        return moment is not None and self.since <= moment < self.until


@dataclass(frozen=True)
class ApprovalFacts:
    """One approval row as the report needs it, its SLA already resolved (policies.sla)."""

    stage: str
    stage_index: int
    approver: str
    status: str
    assigned_at: datetime
    due_at: datetime | None
    decided_at: datetime | None
    decided_by: str | None
    escalated_at: datetime | None
    sla: timedelta | None
    clock: SlaClock = WALL_CLOCK
    """Working time of the approver's calendar for a business SLA: the SLA and the time
    taken are both counted in it."""


@dataclass(frozen=True)
class FinishedDeal:
    submitted_at: datetime
    finished_at: datetime


@dataclass(frozen=True)
class Quantiles:
    count: int
    median: timedelta
    p90: timedelta

    @classmethod
    def of(cls, values: Iterable[timedelta]) -> Quantiles | None:
        ordered = sorted(values)
        if not ordered:
            return None
        return cls(len(ordered), quantile(ordered, 0.5), quantile(ordered, 0.9))

    @property
    def median_text(self) -> str:
        return humanize(self.median)

    @property
    def p90_text(self) -> str:
        return humanize(self.p90)

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "median": span_json(self.median), "p90": span_json(self.p90)}


def quantile(ordered: Sequence[timedelta], q: float) -> timedelta:
    """The ``q`` quantile of sorted, non-empty ``ordered`` (linear interpolation)."""
    h = (len(ordered) - 1) * q
    low = math.floor(h)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (h - low)


@dataclass(frozen=True)
class SlaRange:
    """The SLAs a group's rows had: usually one, a range when the policy changed or a
    stage has approvers with different SLAs."""

    shortest: timedelta
    longest: timedelta
    working: bool = False
    """Counted in working time (business SLAs) rather than on the wall clock."""

    @property
    def text(self) -> str:
        unit = " working" if self.working else ""
        if self.shortest == self.longest:
            return f"{format_duration(self.shortest)}{unit}"
        return f"{format_duration(self.shortest)}–{format_duration(self.longest)}{unit}"

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "shortest_seconds": _seconds(self.shortest),
            "longest_seconds": _seconds(self.longest),
            "working_time": self.working,
        }


@dataclass(frozen=True)
class Figures:
    """One approver's, one stage's, or the whole team's figures."""

    key: str
    name: str
    sla: SlaRange | None
    decided: int
    within_sla: int
    sla_counted: int
    """Decisions with an SLA, plus rows that timed out."""
    timeouts: int
    escalations: int
    decision_time: Quantiles | None

    @property
    def within_share(self) -> float | None:
        return _rate(self.within_sla, self.sla_counted)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "sla": self.sla.to_json() if self.sla else None,
            "decided": self.decided,
            "within_sla": {
                "within": self.within_sla,
                "counted": self.sla_counted,
                "share": self.within_share,
            },
            "timeouts": self.timeouts,
            "escalations": self.escalations,
            "decision_time": self.decision_time.to_json() if self.decision_time else None,
        }


@dataclass(frozen=True)
class TeamFigures:
    overall: Figures
    cycle_time: Quantiles | None
    """Of the deals approved or rejected in the window (``count`` is how many)."""
    avatar_decisions: int

    @property
    def automation_rate(self) -> float | None:
        return _rate(self.avatar_decisions, self.overall.decided)

    def to_json(self) -> dict[str, Any]:
        overall = self.overall.to_json()
        del overall["key"], overall["name"]
        return {
            **overall,
            "cycle_time": self.cycle_time.to_json() if self.cycle_time else None,
            "deals_finished": self.cycle_time.count if self.cycle_time else 0,
            "automation": {
                "by_avatars": self.avatar_decisions,
                "decisions": self.overall.decided,
                "rate": self.automation_rate,
            },
        }


@dataclass(frozen=True)
class SloReport:
    window: Window
    team: TeamFigures
    stages: tuple[Figures, ...]
    """In plan order."""
    approvers: tuple[Figures, ...]
    """By name."""

    def to_json(self) -> dict[str, Any]:
        return {
            "window": {
                "since": _iso(self.window.since),
                "until": _iso(self.window.until),
                "span": format_duration(self.window.span),
            },
            "team": self.team.to_json(),
            "stages": [figures.to_json() for figures in self.stages],
            "approvers": [figures.to_json() for figures in self.approvers],
        }


def compute_slo(
    window: Window,
    approvals: Iterable[ApprovalFacts],
    deals: Iterable[FinishedDeal],
    names: Mapping[str, str],
) -> SloReport:
    """The report for ``window``; ``names`` maps approver ids to the policy's names.

    ``approvals`` may hold rows that do not count in the window: they are left out.
    """
    counted = [row for row in approvals if _outcome(row, window)]
    by_approver = _group(counted, lambda row: row.approver)
    by_stage = _group(counted, lambda row: row.stage)
    stage_order: dict[str, int] = {}
    for row in counted:
        stage_order[row.stage] = min(stage_order.get(row.stage, row.stage_index), row.stage_index)
    decided = [row for row in counted if _outcome(row, window) == "decided"]
    cycle = [
        deal.finished_at - deal.submitted_at for deal in deals if window.holds(deal.finished_at)
    ]
    return SloReport(
        window=window,
        team=TeamFigures(
            overall=_figures("team", "Team", counted, window),
            cycle_time=Quantiles.of(cycle),
            avatar_decisions=sum(1 for row in decided if _by_avatar(row)),
        ),
        stages=tuple(
            _figures(stage, stage, rows, window)
            for stage, rows in sorted(by_stage.items(), key=lambda kv: (stage_order[kv[0]], kv[0]))
        ),
        approvers=tuple(
            sorted(
                (
                    _figures(approver, names.get(approver, approver), rows, window)
                    for approver, rows in by_approver.items()
                ),
                key=lambda figures: (figures.name.casefold(), figures.key),
            )
        ),
    )


def _outcome(row: ApprovalFacts, window: Window) -> str | None:
    """How ``row`` counts in ``window``: decided, timed out, escalated, or not at all."""
    ended_here = window.holds(row.decided_at)
    if ended_here and row.status in DECISIONS and not carried_over(row.assigned_at, row.decided_at):
        return "decided"
    if ended_here and timed_out(row.status, row.due_at, row.decided_at):
        return "timed_out"
    if window.holds(row.escalated_at):
        return "escalated"
    return None


def _figures(key: str, name: str, rows: Sequence[ApprovalFacts], window: Window) -> Figures:
    outcomes = [(row, _outcome(row, window)) for row in rows]
    decided = [row for row, outcome in outcomes if outcome == "decided"]
    timeouts = sum(1 for _, outcome in outcomes if outcome == "timed_out")
    judged = [within_sla(row.sla, _elapsed(row)) for row in decided]
    slas = [row.sla for row in rows if row.sla is not None]
    working = all(row.clock.working for row in rows if row.sla is not None)
    return Figures(
        key=key,
        name=name,
        sla=SlaRange(min(slas), max(slas), working) if slas else None,
        decided=len(decided),
        within_sla=judged.count(True),
        sla_counted=len(judged) - judged.count(None) + timeouts,
        timeouts=timeouts,
        escalations=sum(
            1
            for row, outcome in outcomes
            if outcome == "timed_out" or window.holds(row.escalated_at)
        ),
        decision_time=Quantiles.of(_elapsed(row) for row in decided),
    )


def _elapsed(row: ApprovalFacts) -> timedelta:
    assert row.decided_at is not None
    return row.clock.between(row.assigned_at, row.decided_at)


def _by_avatar(row: ApprovalFacts) -> bool:
    return (row.decided_by or "").startswith(AVATAR_PREFIX)


def _group(
    rows: Iterable[ApprovalFacts], key: Callable[[ApprovalFacts], str]
) -> dict[str, list[ApprovalFacts]]:
    groups: dict[str, list[ApprovalFacts]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return groups


def share_percent(share: float) -> Decimal:
    """A share as a whole percentage, halves rounded up: 0.625 → 63."""
    return (Decimal(str(share)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def span_json(value: timedelta) -> dict[str, Any]:
    """A duration for machines (whole seconds) and people (``3h 24m``)."""
    return {"seconds": _seconds(value), "text": humanize(value)}


def _seconds(value: timedelta) -> int:
    return round(value.total_seconds())


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
