"""How each approver answers, measured from history: their times to decision, how often
their approvals timed out, how often they approved.

Times count in the approver's own clock: working time when their SLA is in business
time, wall-clock time otherwise (policies.sla.SlaClock). An approver with fewer than
:data:`ENOUGH` decisions is blended with their stage's record (or the whole desk's when
the stage has too few as well), in proportion to how many they have; one with none at
all is taken to decide somewhere within their SLA. Each speed says which it used.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.reports.slo import ApprovalFacts
from policies.sla import timed_out
from policies.vocabulary import AVATAR_PREFIX, DECISIONS, ApprovalStatus

ENOUGH = 10
"""Decisions of one approver that make their record stand on its own."""


class Basis(StrEnum):
    """What an approver's speed was measured from (shown beside each forecast)."""

    HISTORY = "history"
    STAGE = "history, blended with the stage's"
    DESK = "history, blended with the desk's"
    SLA = "no history: within the SLA"


@dataclass(frozen=True)
class Record:
    """One approver's (or a stage's, or the desk's) past approvals."""

    seconds: tuple[float, ...] = ()
    """Time to each decision, sorted, in the approver's clock."""
    timeouts: int = 0
    approved: int = 0
    decided: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "decided", len(self.seconds))

    @property
    def ended(self) -> int:
        """Decisions and timeouts: how much there is to go on."""
        return self.decided + self.timeouts

    @classmethod
    def of(cls, facts: Iterable[ApprovalFacts]) -> Record:
        seconds: list[float] = []
        timeouts = approved = 0
        for row in facts:
            if row.status in DECISIONS and row.decided_at is not None:
                seconds.append(row.clock.between(row.assigned_at, row.decided_at).total_seconds())
                approved += row.status == ApprovalStatus.APPROVED
            elif timed_out(row.status, row.due_at, row.decided_at):
                timeouts += 1
        return cls(tuple(sorted(max(0.0, value) for value in seconds)), timeouts, approved)

    def draw(self, rng: random.Random, elapsed: float) -> tuple[float | None, bool]:
        """(seconds from assignment to the decision, approved?) for an approval already
        ``elapsed`` old and undecided; (None, False) when it times out instead. Only the
        past approvals that were still open at that age count: of those, the share that
        timed out, and the decision times beyond it."""
        first_later = bisect_right(self.seconds, elapsed)
        later = self.decided - first_later
        approves = rng.random() * self.decided < self.approved
        if later + self.timeouts == 0:
            # older than every decision on record: as long again as one of them
            return elapsed + self.seconds[int(rng.random() * self.decided)], approves
        if rng.random() * (later + self.timeouts) < self.timeouts:
            return None, False
        return self.seconds[first_later + int(rng.random() * later)], approves


@dataclass(frozen=True)
class Speed:
    """An approver's speed as the forecast draws from it."""

    own: Record
    pool: Record | None
    """The stage's or the desk's record, for an approver with few decisions of their own."""
    basis: Basis
    sla: float | None
    """Their SLA in their clock's seconds (for :attr:`Basis.SLA`)."""

    @property
    def weight(self) -> float:
        """The share of draws from their own record."""
        return min(1.0, self.own.ended / ENOUGH)

    def draw(self, rng: random.Random, elapsed: float) -> tuple[float | None, bool]:
        """See :meth:`Record.draw`; with no history, a decision at a uniformly random moment
        between now and the end of the SLA (at once when the SLA has passed)."""
        if self.basis is Basis.SLA:
            end = max(elapsed, self.sla or 0.0)
            return elapsed + rng.random() * (end - elapsed), True
        if self.pool is not None and rng.random() >= self.weight:
            return self.pool.draw(rng, elapsed)
        return self.own.draw(rng, elapsed)


@dataclass(frozen=True)
class SpeedBook:
    """Every approver's record, their stages' and the desk's, and what became of the
    approvals that ran out of people (escalated)."""

    by_approver: dict[str, Record]
    by_stage: dict[str, Record]
    desk: Record
    escalated: Record = Record()
    """From each escalation to its decision (wall-clock); an escalation still waiting at
    the forecast's moment counts as one never decided (:attr:`Record.timeouts`)."""

    @classmethod
    def of(cls, facts: Iterable[ApprovalFacts], as_of: datetime | None = None) -> SpeedBook:
        """From the history's rows up to ``as_of``; avatars' decisions are left out (they
        take no time)."""
        by_approver: dict[str, list[ApprovalFacts]] = defaultdict(list)
        by_stage: dict[str, list[ApprovalFacts]] = defaultdict(list)
        everyone: list[ApprovalFacts] = []
        escalations: list[float] = []
        waiting = approved = 0
        for row in facts:
            if row.escalated_at is not None and (as_of is None or row.escalated_at <= as_of):
                decided = row.decided_at is not None and (as_of is None or row.decided_at <= as_of)
                if decided and row.status in DECISIONS and row.decided_at is not None:
                    taken = (row.decided_at - row.escalated_at).total_seconds()
                    escalations.append(max(0.0, taken))
                    approved += row.status == ApprovalStatus.APPROVED
                elif not decided:
                    waiting += 1
            if row.decided_at is not None and as_of is not None and row.decided_at > as_of:
                continue
            if row.decided_by is not None and row.decided_by.startswith(AVATAR_PREFIX):
                continue
            by_approver[row.approver].append(row)
            by_stage[row.stage].append(row)
            everyone.append(row)
        return cls(
            {key: Record.of(rows) for key, rows in by_approver.items()},
            {key: Record.of(rows) for key, rows in by_stage.items()},
            Record.of(everyone),
            Record(tuple(sorted(escalations)), waiting, approved),
        )

    def speed(self, approver: str, stage: str, sla: float | None) -> Speed:
        """How ``approver`` answers in ``stage``; ``sla`` in their clock's seconds."""
        own = self.by_approver.get(approver, Record())
        if own.ended == 0:
            return Speed(own, None, Basis.SLA, sla)
        if own.ended >= ENOUGH:
            return Speed(own, None, Basis.HISTORY, sla)
        if (stage_record := self.by_stage.get(stage, Record())).ended >= ENOUGH:
            return Speed(own, stage_record, Basis.STAGE, sla)
        if self.desk.ended >= ENOUGH:
            return Speed(own, self.desk, Basis.DESK, sla)
        return Speed(own, None, Basis.HISTORY, sla)
