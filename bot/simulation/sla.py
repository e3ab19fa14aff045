"""Each approval row against its SLA, and the counts the SLO summary is made of.

What counts against an SLA: a decision or a hand-over (within when it came in time),
a timeout (never within), an approval still waiting past its SLA (not within). What
does not: cancelled and skipped rows, approvals carried over from a previous
revision, and anything with no SLA (an avatar whose policy entry sets none). What an
SLA is and what meets it is defined once, in policies.sla.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.simulation.report import ApprovalLine, Counts, Span
from bot.simulation.timeline import Names
from policies.sla import approval_sla, carried_over, sla_clock, within_sla
from policies.vocabulary import DECISIONS, ApprovalStatus
from store.models import Approval

_DONE = {
    ApprovalStatus.APPROVED: "approved",
    ApprovalStatus.REJECTED: "rejected",
    ApprovalStatus.CHANGES_REQUESTED: "requested changes",
}


def approval_lines(
    rows: Sequence[Approval], events: Sequence[dict[str, Any]], names: Names, ended_at: datetime
) -> tuple[ApprovalLine, ...]:
    """One line per approval row, stage by stage, in the order they were assigned."""
    moves = {
        event["details"].get("approval_id"): event["details"]
        for event in events
        if event["action"] == "approval_reassigned"
    }
    ordered = sorted(rows, key=lambda row: (row.revision, row.stage_index, row.id))
    return tuple(_line(row, moves.get(row.id), names, ended_at) for row in ordered)


def _line(
    row: Approval, move: dict[str, Any] | None, names: Names, ended_at: datetime
) -> ApprovalLine:
    clock = sla_clock(names.policy, row.approver)
    approver = names.policy.approvers.get(row.approver)
    sla = approval_sla(row.assigned_at, row.due_at, approver, clock)
    carried = carried_over(row.assigned_at, row.decided_at)
    end = row.decided_at or (ended_at if row.status == ApprovalStatus.PENDING else None)
    elapsed = clock.between(row.assigned_at, end) if end is not None and not carried else None
    overdue = row.due_at is not None and row.due_at <= ended_at
    within, outcome = _judge(row, move, names, sla, elapsed, carried, overdue)
    return ApprovalLine(
        approval_id=row.id,
        stage=row.stage_name,
        approver=row.approver,
        approver_name=names.approver(row.approver),
        assignee=row.assignee,
        avatar=row.is_avatar,
        reason=row.reason,
        status=row.status,
        outcome=outcome,
        assigned_at=row.assigned_at,
        sla=Span.of(sla, working=clock.working) if sla is not None else None,
        elapsed=Span.of(elapsed, working=clock.working) if elapsed is not None else None,
        within_sla=within,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        reminded=row.reminded_at is not None,
        carried_over=carried,
    )


def _judge(
    row: Approval,
    move: dict[str, Any] | None,
    names: Names,
    sla: timedelta | None,
    elapsed: timedelta | None,
    carried: bool,
    overdue: bool,
) -> tuple[bool | None, str]:
    in_time = within_sla(sla, elapsed)
    if carried:
        return None, "carried over from the previous revision"
    if row.status in _DONE:
        return in_time, _DONE[ApprovalStatus(row.status)]
    if row.status == ApprovalStatus.REASSIGNED:
        to = names.approver(str(move.get("to_approver"))) if move else "a backup"
        cause = move.get("cause") if move else None
        if cause == "timeout":
            return False, f"SLA passed, moved to {to}"
        if cause == "handover":
            return in_time, f"handed over to {to}"
        return in_time, f"reassigned to {to}" + (f" ({cause})" if cause else "")
    if row.status == ApprovalStatus.PENDING:
        late = False if overdue or in_time is False else None
        if row.escalated_at is not None:
            return late, "waiting, escalated to the admins"
        return late, "waiting"
    if row.status == ApprovalStatus.CANCELLED:
        return None, f"cancelled ({row.comment})" if row.comment else "cancelled"
    return None, str(row.status)


def count(
    lines: Sequence[ApprovalLine], events: Sequence[dict[str, Any]], late_answers: int
) -> Counts:
    decided = [line for line in lines if line.status in DECISIONS and not line.carried_over]
    causes = [
        event["details"].get("cause")
        for event in events
        if event["action"] == "approval_reassigned"
    ]
    actions = [event["action"] for event in events]
    return Counts(
        within_sla=sum(1 for line in lines if line.within_sla is True),
        sla_counted=sum(1 for line in lines if line.within_sla is not None),
        decisions=len(decided),
        avatar_decisions=sum(1 for line in decided if line.avatar),
        handovers=causes.count("handover"),
        timeouts=causes.count("timeout"),
        escalations=actions.count("approval_escalated"),
        reminders=actions.count("reminder_sent"),
        late_answers=late_answers,
    )


def waiting(lines: Sequence[ApprovalLine], submitted_at: datetime) -> tuple[str, ...]:
    """The approvals still pending at the end, in words."""
    return tuple(
        f"{line.approver_name} ({line.assignee}), {line.stage}: {line.outcome} "
        f"since {Span.of(line.assigned_at - submitted_at).offset}"
        for line in lines
        if line.status == ApprovalStatus.PENDING
    )
