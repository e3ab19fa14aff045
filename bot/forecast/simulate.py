"""Monte Carlo over the rest of each deal's route.

Each run walks the route from the forecast's moment: in each stage every needed approval
is decided at a time drawn from its holder's speed (bot.forecast.speeds), in parallel; a
group is done when ``needed`` of its members have approved; the next stage starts when
the last need of this one is met. A draw that times out moves the approval, at its
deadline, to the first of the slot's backups who has not held it and does not own the
deal (their own speed follows), or to the admins when nobody is left. An avatar decides
at once, as its rules say (a hand-over goes to its backup). A rejection ends the run:
the deal does not clear. Runs are seeded by the deal's id, so the same history gives the
same answer.

Times are seconds from the forecast's moment (``as_of``); working time is counted on
each approver's calendar through a :class:`~bot.forecast.timeline.Timeline`.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.forecast.absent import Absent, noticed
from bot.forecast.route import Held, Need, OpenDeal, StageAhead
from bot.forecast.speeds import Basis, Speed, SpeedBook
from bot.forecast.timeline import Timeline
from policies.avatars import Outcome, run_avatar
from policies.model import Policy

RUNS = 500
MOST_HOPS = 8
"""Timeouts followed in one approval's chain before the run gives up on it."""


@dataclass(frozen=True)
class DealForecast:
    deal: OpenDeal
    p_clear: float
    """The share of runs in which the deal was approved before the quarter closed."""
    p50_finish: datetime | None
    p90_finish: datetime | None
    """None: in more than half (a tenth) of the runs it was not approved at all."""
    slowest: str | None
    """The holder (a Slack user or ``avatar:…``) of the pending approval that was most
    often the last one its stage waited for."""
    bases: dict[str, Basis]
    """What each pending holder's speed was measured from."""

    @property
    def acv_at_risk(self) -> float:
        return float(self.deal.acv) * (1.0 - self.p_clear)


@dataclass(frozen=True)
class _Clock:
    timeline: Timeline | None
    sla: float | None
    """The approver's SLA in this clock's seconds."""

    def after(self, start: float, work: float) -> float:
        return start + work if self.timeline is None else self.timeline.after(start, work)

    def between(self, start: float, end: float) -> float:
        return end - start if self.timeline is None else self.timeline.between(start, end)


@dataclass(frozen=True)
class _Who:
    """An approver in a stage, as a draw needs them (looked up once, not per draw)."""

    avatar: bool
    clock: _Clock
    speed: Speed


@dataclass(frozen=True)
class _Seat:
    """A pending approval in the simulation's terms: seconds from the forecast's moment."""

    approver: str
    started: float
    due: float | None
    held_by: frozenset[str]
    assignee: str
    escalated: float | None = None
    """Seconds from the forecast's moment to its escalation (negative: before it)."""


@dataclass
class _Run:
    """One walk down the route."""

    finish: float
    approved: bool
    slowest: str | None


class Simulator:
    """Forecasts deals from ``speeds`` as of ``as_of``, to a quarter closing at ``closes_at``."""

    def __init__(
        self,
        speeds: SpeedBook,
        as_of: datetime,
        closes_at: datetime,
        *,
        runs: int = RUNS,
        seed: int = 0,
        away: Mapping[str, datetime | None] | None = None,
    ):
        """``away``: Slack users who are out of office, each with when they are back
        (None: not said)."""
        self.speeds = speeds
        self.away = dict(away or {})
        self._absent = Absent(self.away, as_of)
        self.as_of = as_of
        self.close = (closes_at - as_of).total_seconds()
        self.runs = runs
        self.seed = seed
        self._whos: dict[tuple[int, str, str], _Who] = {}
        self._timelines: dict[tuple[int, str], Timeline] = {}
        self._avatars: dict[tuple[int, str], Outcome] = {}
        self._chains: dict[tuple[int, str], list[str]] = {}

    def forecast(
        self, deal: OpenDeal, answered: int | None = None, runs: int | None = None
    ) -> DealForecast:
        """``deal``'s forecast over ``runs`` runs (default: the simulator's); with
        ``answered`` (a pending approval's id), as if that approval were approved now
        (what a nudge could win)."""
        count = runs or self.runs
        rng = random.Random(f"{self.seed}:{deal.id}")
        approved = deal.approved
        held: dict[str, _Seat] = {}
        for slot, holding in deal.held.items():
            if holding.approval_id == answered:
                approved = approved | {slot}
            else:
                held[slot] = self._seat(holding)
        walks = [self._run(deal, held, approved, rng) for _ in range(count)]
        finishes = sorted(walk.finish if walk.approved else math.inf for walk in walks)
        cleared = sum(1 for value in finishes if value <= self.close)
        slowest = Counter(walk.slowest for walk in walks if walk.slowest is not None)
        return DealForecast(
            deal=deal,
            p_clear=cleared / count,
            p50_finish=self._moment(finishes[(count - 1) // 2]),
            p90_finish=self._moment(finishes[math.ceil(0.9 * count) - 1]),
            slowest=slowest.most_common(1)[0][0] if slowest else None,
            bases={
                seat.assignee: self._who(
                    deal.policy, deal.stages[0].name, seat.approver
                ).speed.basis
                for seat in held.values()
            },
        )

    def _run(
        self, deal: OpenDeal, held: dict[str, _Seat], approved: frozenset[str], rng: random.Random
    ) -> _Run:
        finish, ok, slowest = self._stage(deal, deal.stages[0], 0.0, rng, held, approved)
        for stage in deal.stages[1:]:
            if not ok:
                break
            finish, ok, _ = self._stage(deal, stage, finish, rng, {}, frozenset())
        return _Run(finish if ok else math.inf, ok, slowest)

    def _stage(
        self,
        deal: OpenDeal,
        stage: StageAhead,
        start: float,
        rng: random.Random,
        held: dict[str, _Seat],
        approved: frozenset[str],
    ) -> tuple[float, bool, str | None]:
        """(when the stage is done, whether it approved, whose approval it waited for last)."""
        finish, slowest = start, None
        for need in stage.needs:
            done, ok, last = self._need(deal, stage, need, start, rng, held, approved)
            if not ok:
                return math.inf, False, last
            if done >= finish:
                finish, slowest = done, last or slowest
        return finish, True, slowest

    def _need(
        self,
        deal: OpenDeal,
        stage: StageAhead,
        need: Need,
        start: float,
        rng: random.Random,
        held: dict[str, _Seat],
        approved: frozenset[str],
    ) -> tuple[float, bool, str | None]:
        if need.needed == 1 and len(need.slots) == 1:  # most needs: one approver
            return self._one(deal, stage, need.slots[0], start, rng, held, approved)
        approvals: list[tuple[float, str | None]] = []
        rejections = 0
        for slot in need.slots:
            if slot in approved:
                approvals.append((-math.inf, None))
                continue
            if (seat := held.get(slot)) is not None:
                finish, ok = self._held(deal, stage, slot, seat, rng)
                who: str | None = seat.assignee
            else:
                finish, ok = self._fresh(deal, stage, slot, start, rng)
                who = None
            if ok:
                approvals.append((finish, who))
            else:
                rejections += 1
                if need.reject_any or len(need.slots) - rejections < need.needed:
                    return math.inf, False, who
        approvals.sort(key=lambda item: item[0])
        done, who = approvals[need.needed - 1]
        return max(done, start), True, who

    def _one(
        self,
        deal: OpenDeal,
        stage: StageAhead,
        slot: str,
        start: float,
        rng: random.Random,
        held: dict[str, _Seat],
        approved: frozenset[str],
    ) -> tuple[float, bool, str | None]:
        if slot in approved:
            return start, True, None
        if (seat := held.get(slot)) is None:
            finish, ok = self._fresh(deal, stage, slot, start, rng)
            return (max(finish, start) if ok else math.inf), ok, None
        finish, ok = self._held(deal, stage, slot, seat, rng)
        return (max(finish, start) if ok else math.inf), ok, seat.assignee

    def _held(
        self, deal: OpenDeal, stage: StageAhead, slot: str, seat: _Seat, rng: random.Random
    ) -> tuple[float, bool]:
        """A pending approval: decided by its holder (or moved on), or, when it was
        escalated already, decided as escalations have been."""
        if seat.escalated is not None:
            return self._admins(seat.escalated, rng)
        return self._decide(
            deal,
            stage,
            slot,
            seat.approver,
            seat.started,
            seat.due,
            seat.held_by,
            rng,
            holder=seat.assignee,
        )

    def _fresh(
        self, deal: OpenDeal, stage: StageAhead, slot: str, start: float, rng: random.Random
    ) -> tuple[float, bool]:
        """A later stage's approval, assigned when the stage starts."""
        clock = self._who(deal.policy, stage.name, slot).clock
        due = clock.after(start, clock.sla) if clock.sla is not None else None
        return self._decide(deal, stage, slot, slot, start, due, frozenset({slot}), rng)

    def _decide(
        self,
        deal: OpenDeal,
        stage: StageAhead,
        slot: str,
        approver_id: str,
        started: float,
        due: float | None,
        held_by: frozenset[str],
        rng: random.Random,
        hops: int = 0,
        holder: str | None = None,
    ) -> tuple[float, bool]:
        """(when ``approver_id``'s approval is decided, approved?), following timeouts;
        ``holder``: who holds it when not the approver's own Slack user (a delegate)."""
        policy = deal.policy
        who = self._who(policy, stage.name, approver_id)
        moved_at: float
        if who.avatar:
            outcome = self._avatar(deal, approver_id)
            if outcome is not Outcome.HAND_OVER:
                return started, outcome is Outcome.APPROVE
            moved_at = started
        else:
            clock = who.clock
            person = holder or _person(policy, approver_id)
            back = self._absent.back(policy, person, started, due)
            if back is None or back > started:
                if back is not None:  # away, back soon: the approval waits for them
                    started = back
                elapsed = clock.between(started, 0.0) if started < 0 else 0.0
                seconds, approves = who.speed.draw(rng, elapsed)
                if seconds is not None:
                    return clock.after(started, seconds), approves
                if due is None:  # a timeout drawn for an approval that has no deadline
                    return clock.after(started, max(elapsed, clock.sla or 0.0)), True
                moved_at = max(due, 0.0)
            else:  # away: it goes to a stand-in when dealdesk next looks
                moved_at = noticed(policy, started, due)
        backup = self._next_in_line(policy, slot, held_by | {approver_id}, deal.owner)
        if backup is None or hops >= MOST_HOPS:
            return self._admins(moved_at, rng)
        clock = self._who(policy, stage.name, backup).clock
        due = clock.after(moved_at, clock.sla) if clock.sla is not None else None
        held_by = held_by | {approver_id, backup}
        return self._decide(deal, stage, slot, backup, moved_at, due, held_by, rng, hops + 1)

    def _admins(self, escalated: float, rng: random.Random) -> tuple[float, bool]:
        """Nobody left in line since ``escalated``: decided as escalations have been (some
        never are), or, with none on record, as fast as the desk decides."""
        record = self.speeds.escalated
        if record.ended:
            seconds, approves = record.draw(rng, max(0.0, -escalated))
            if seconds is None:
                return math.inf, False
            return max(escalated + seconds, 0.0), approves
        desk = self.speeds.desk
        if desk.decided == 0:
            return max(escalated, 0.0), True
        seconds = desk.seconds[int(rng.random() * desk.decided)]
        return max(escalated, 0.0) + seconds, rng.random() * desk.decided < desk.approved

    def _seat(self, holding: Held) -> _Seat:
        due = self._seconds(holding.due_at) if holding.due_at is not None else None
        started = self._seconds(holding.assigned_at)
        escalated = (
            self._seconds(holding.escalated_at) if holding.escalated_at is not None else None
        )
        return _Seat(holding.approver, started, due, holding.held_by, holding.assignee, escalated)

    def _next_in_line(
        self, policy: Policy, slot: str, held_by: frozenset[str], owner: str
    ) -> str | None:
        key = (id(policy), slot)
        if (chain := self._chains.get(key)) is None:
            chain = self._chains[key] = policy.backup_chain(slot)
        for candidate in chain:
            approver = policy.approvers.get(candidate)
            if candidate in held_by or approver is None or approver.slack_user == owner:
                continue
            return candidate
        return None

    def _avatar(self, deal: OpenDeal, approver_id: str) -> Outcome:
        key = (deal.id, approver_id)
        if key not in self._avatars:
            approver = deal.policy.approvers[approver_id]
            assert approver.avatar is not None
            self._avatars[key] = run_avatar(approver.avatar, deal.terms, approver.limits).outcome
        return self._avatars[key]

    def _who(self, policy: Policy, stage: str, approver_id: str) -> _Who:
        key = (id(policy), stage, approver_id)
        if (found := self._whos.get(key)) is None:
            approver = policy.approvers.get(approver_id)
            avatar = approver is not None and not approver.is_human and approver.avatar is not None
            clock = self._new_clock(policy, approver_id)
            speed = self.speeds.speed(approver_id, stage, clock.sla)
            found = self._whos[key] = _Who(avatar, clock, speed)
        return found

    def _new_clock(self, policy: Policy, approver_id: str) -> _Clock:
        approver = policy.approvers.get(approver_id)
        if approver is None or not approver.is_human:
            return _Clock(None, None)
        span = approver.effective_sla
        calendar = policy.calendar_of(approver_id) if span.is_business else None
        if calendar is None:
            return _Clock(None, span.approx.total_seconds())
        name = approver.calendar or policy.calendar or ""
        timeline = self._timelines.get((id(policy), name))
        if timeline is None:
            timeline = self._timelines[id(policy), name] = Timeline(calendar, self.as_of)
        due = span.until(self.as_of, calendar)
        return _Clock(timeline, timeline.between(0.0, (due - self.as_of).total_seconds()))

    def _seconds(self, moment: datetime) -> float:
        return (moment - self.as_of).total_seconds()

    def _moment(self, seconds: float) -> datetime | None:
        if math.isinf(seconds):
            return None
        return self.as_of + timedelta(seconds=seconds)


def _person(policy: Policy, approver_id: str) -> str | None:
    approver = policy.approvers.get(approver_id)
    return approver.slack_user if approver is not None else None
