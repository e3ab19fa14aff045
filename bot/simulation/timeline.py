"""A deal's audit log read as a timeline: who did what, in words, at what offset.

One entry per audit event, except an avatar's assignment: the avatar decides in the
same instant, and its decision (or hand-over) is the entry that says something.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.simulation.report import Span, TimelineEntry
from bot.simulation.runner import LateAnswer
from policies.avatars.formatting import money, percent
from policies.duration import format_duration, humanize
from policies.model import Policy
from policies.routing import ALWAYS
from policies.vocabulary import AVATAR_PREFIX

SYSTEM = "dealdesk"

Event = dict[str, Any]
Described = tuple[str, str, str | None] | None
"""(who, what, detail), or None to leave the event out."""


@dataclass(frozen=True)
class Names:
    """People as the policy names them; anyone else by their Slack id."""

    policy: Policy

    def approver(self, approver_id: str) -> str:
        approver = self.policy.approvers.get(approver_id)
        return approver.name if approver else approver_id

    def assignee(self, assignee: str) -> str:
        if assignee.startswith(AVATAR_PREFIX):
            return f"{self.approver(assignee.removeprefix(AVATAR_PREFIX))} (avatar)"
        for approver in self.policy.approvers.values():
            if approver.slack_user == assignee:
                return approver.name
        return assignee

    def actor(self, actor: str) -> str:
        return SYSTEM if actor == "system" else self.assignee(actor)

    def rule_order(self, stage_name: str) -> list[str]:
        """The approvers of the policy's stage of that name, as written."""
        for stage in self.policy.stages:
            if stage.name == stage_name:
                return [member for rule in stage.approvals for member in rule.members]
        return []


def build_timeline(
    events: Iterable[Event], names: Names, submitted_at: datetime, late: Sequence[LateAnswer]
) -> tuple[TimelineEntry, ...]:
    entries = []
    for event in events:
        described = _describe(event, names)
        if described is None:
            continue
        at = datetime.fromisoformat(event["at"])
        who, what, detail = described
        entries.append(
            TimelineEntry(
                at=at,
                offset=Span.of(at - submitted_at),
                who=who,
                what=what,
                action=event["action"],
                actor=event["actor"],
                seq=event["seq"],
                detail=detail,
            )
        )
    for answer in late:
        entries.append(
            TimelineEntry(
                at=answer.at,
                offset=Span.of(answer.at - submitted_at),
                who=names.assignee(answer.actor),
                what=f"tried to {answer.decision.replace('_', ' ')}, refused: {answer.message}",
                action="late_answer",
                actor=answer.actor,
                seq=None,
            )
        )
    # Stable: audit order within an instant, refused clicks after what refused them.
    return tuple(sorted(entries, key=lambda entry: (entry.at, entry.seq is None)))


def _describe(event: Event, names: Names) -> Described:
    action = event["action"]
    describe = _DESCRIBERS.get(action)
    if describe is not None:
        return describe(event, event["details"], names)
    if action.startswith("deal_"):
        return _deal_closed(event, event["details"], names)
    return names.actor(event["actor"]), action.replace("_", " "), None


def _submitted(event: Event, details: dict[str, Any], names: Names) -> Described:
    terms = details.get("terms", {})
    what = (
        f"submitted {terms.get('company', 'the deal')}: "
        f"{money(Decimal(str(terms.get('acv', 0))))} ACV, "
        f"{percent(Decimal(str(terms.get('discount', 0))))} discount, "
        f"{terms.get('term_months', '?')} months"
    )
    who = names.actor(event["actor"])
    return (f"{who} (owner)" if terms.get("owner") == event["actor"] else who), what, None


def _resubmitted(event: Event, details: dict[str, Any], names: Names) -> Described:
    changes = ", ".join(f"{k} {v[0]} → {v[1]}" for k, v in details.get("changes", {}).items())
    what = f"resubmitted (revision {details.get('revision')})" + (f": {changes}" if changes else "")
    return names.actor(event["actor"]), what, None


def _stage_started(event: Event, details: dict[str, Any], names: Names) -> Described:
    approvals: dict[str, str] = details.get("approvals", {})
    order = names.rule_order(str(details.get("stage")))
    ids = sorted(approvals, key=lambda a: (order.index(a) if a in order else len(order), a))
    who = [
        names.approver(a) + ("" if approvals[a] == ALWAYS else f" (when {approvals[a]})")
        for a in ids
    ]
    together = " in parallel" if len(who) > 1 else ""
    return SYSTEM, f"stage {details.get('stage')}: {', '.join(who)}{together}", None


def _stage_skipped(event: Event, details: dict[str, Any], names: Names) -> Described:
    return SYSTEM, f"stage {details.get('stage')} skipped: no approval applies", None


def _assigned(event: Event, details: dict[str, Any], names: Names) -> Described:
    assignee = str(details.get("assignee", ""))
    if assignee.startswith(AVATAR_PREFIX):
        return None
    what = f"card sent to {assignee}"
    if details.get("due_at"):
        sla = datetime.fromisoformat(details["due_at"]) - datetime.fromisoformat(event["at"])
        what += f", SLA {format_duration(sla)}"
    if "delegated by" in str(details.get("reason", "")):
        what += f" ({details['reason']})"
    return names.approver(str(details.get("approver"))), what, _recommendation(details, names)


def _recommendation(details: dict[str, Any], names: Names) -> str | None:
    advice = details.get("recommendation")
    approver = names.policy.approvers.get(str(details.get("approver")))
    if not advice or approver is None or approver.avatar is None:
        return None
    outcome = str(advice.get("outcome", "")).replace("_", " ")
    return f"{approver.avatar.value} avatar recommends {outcome}: {advice.get('reasoning')}"


_VERBS = {"approved": "approved", "rejected": "rejected", "changes_requested": "requested changes"}


def _decided(event: Event, details: dict[str, Any], names: Names) -> Described:
    verb = _VERBS.get(str(details.get("decision")), str(details.get("decision")))
    capacity = details.get("capacity")
    if capacity == "admin":
        verb += " (as admin)"
    elif capacity == "delegate":
        verb += f" (for {names.assignee(str(details.get('assignee')))})"
    comment = details.get("comment")
    return names.actor(event["actor"]), f"{verb}: {comment}" if comment else verb, None


def _reassigned(event: Event, details: dict[str, Any], names: Names) -> Described:
    holder = names.assignee(str(details.get("from_assignee")))
    to = names.approver(str(details.get("to_approver")))
    cause, why = details.get("cause"), details.get("why")
    if cause == "handover":
        return holder, f"handed over to {to}: {why}", None
    if cause == "timeout":
        return holder, f"reassigned to {to}: {why}", None
    return holder, f"reassigned to {to} ({cause}): {why}", None


def _escalated(event: Event, details: dict[str, Any], names: Names) -> Described:
    channel = names.policy.escalation_channel
    where = f" in {channel}" if channel else ""
    what = f"escalated to the admins{where}, no backup left: {details.get('why')}"
    return names.assignee(str(details.get("assignee"))), what, None


def _reminded(event: Event, details: dict[str, Any], names: Names) -> Described:
    what = "reminded"
    if details.get("due_at"):
        left = datetime.fromisoformat(details["due_at"]) - datetime.fromisoformat(event["at"])
        what += f": {humanize(left)} left before the SLA passes"
    return names.assignee(str(details.get("assignee"))), what, None


def _refused(event: Event, details: dict[str, Any], names: Names) -> Described:
    decision = str(details.get("decision", "decide")).replace("_", " ")
    return names.actor(event["actor"]), f"tried to {decision}, refused: {details.get('why')}", None


def _carried(event: Event, details: dict[str, Any], names: Names) -> Described:
    who = names.approver(str(details.get("approver")))
    return who, f"approval carried over from the previous revision ({details.get('stage')})", None


_CLOSED = {
    "deal_approved": "deal approved",
    "deal_rejected": "deal rejected",
    "deal_changes_requested": "deal sent back for changes",
    "deal_withdrawn": "deal withdrawn",
}


def _deal_closed(event: Event, details: dict[str, Any], names: Names) -> Described:
    what = _CLOSED.get(event["action"], event["action"].replace("_", " "))
    if details.get("comment"):
        what += f": {details['comment']}"
    cancelled = details.get("cancelled_approvals") or []
    if cancelled:
        what += f" ({len(cancelled)} pending approval{'s' if len(cancelled) > 1 else ''} cancelled)"
    return names.actor(event["actor"]), what, None


_DESCRIBERS: dict[str, Callable[[Event, dict[str, Any], Names], Described]] = {
    "deal_submitted": _submitted,
    "deal_resubmitted": _resubmitted,
    "stage_started": _stage_started,
    "stage_skipped": _stage_skipped,
    "approval_assigned": _assigned,
    "approval_decided": _decided,
    "approval_reassigned": _reassigned,
    "approval_escalated": _escalated,
    "reminder_sent": _reminded,
    "decision_refused": _refused,
    "approval_carried_over": _carried,
}
