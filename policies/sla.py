"""What an approval's SLA is, and whether a row met it: one definition for the simulator's
report (bot.simulation.sla) and the SLO report (bot.reports.slo).

- A person's row carries its SLA: ``due_at - assigned_at``, fixed when it was assigned.
- An avatar's row has no ``due_at``; it answers to its approver's policy ``sla`` when
  the policy gives one, and to none otherwise. Avatars decide at once, so an avatar
  with an SLA is always within it.
- A row met its SLA when it ended (decided, or moved on) no later than the SLA after
  it was assigned.
- A row *timed out* when it was reassigned at or after its ``due_at``: it missed its
  SLA, whoever moved it (the scheduler's timeout, or a delegation that came too late).
- A person whose SLA counts business time (``8bh``, ``2bd``) is measured in the working
  time of their calendar: their SLA is the working time from assignment to ``due_at``, and
  the time they took is working time too, so a card sent Friday evening and answered
  Monday morning took an hour, not a weekend (:class:`SlaClock`).
- A row is *carried over* when a person's decision from an earlier revision was copied
  into a new one: ``decided_at`` is before ``assigned_at`` and the row has no time of
  its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from policies.duration import WorkingCalendar
from policies.model import Approver, Policy
from policies.vocabulary import ApprovalStatus


@dataclass(frozen=True)
class SlaClock:
    """How an approval's time is counted: wall-clock, or working time in a calendar."""

    calendar: WorkingCalendar | None = None

    @property
    def working(self) -> bool:
        return self.calendar is not None

    def between(self, start: datetime, end: datetime) -> timedelta:
        if self.calendar is None:
            return end - start
        return self.calendar.working_time_between(start, end)


WALL_CLOCK = SlaClock()


def sla_clock(policy: Policy, approver_id: str) -> SlaClock:
    """Working time of the approver's calendar when their SLA counts business time."""
    approver = policy.approvers.get(approver_id)
    if approver is None or not approver.is_human or not approver.effective_sla.is_business:
        return WALL_CLOCK
    return SlaClock(policy.calendar_of(approver_id))


def approval_sla(
    assigned_at: datetime,
    due_at: datetime | None,
    approver: Approver | None,
    clock: SlaClock = WALL_CLOCK,
) -> timedelta | None:
    """The row's SLA: from ``due_at`` for a person (in ``clock``'s time), the policy's
    ``sla`` for an avatar."""
    if due_at is not None:
        return clock.between(assigned_at, due_at)
    return approver.sla.approx if approver is not None and approver.sla is not None else None


def within_sla(sla: timedelta | None, elapsed: timedelta | None) -> bool | None:
    """True when ``elapsed`` is at most ``sla``; None when either is unknown."""
    if sla is None or elapsed is None:
        return None
    return elapsed <= sla


def timed_out(status: str, due_at: datetime | None, ended_at: datetime | None) -> bool:
    """Reassigned once its SLA had passed."""
    return (
        status == ApprovalStatus.REASSIGNED
        and due_at is not None
        and ended_at is not None
        and ended_at >= due_at
    )


def carried_over(assigned_at: datetime, decided_at: datetime | None) -> bool:
    return decided_at is not None and decided_at < assigned_at
