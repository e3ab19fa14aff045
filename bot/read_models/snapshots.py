"""Read models: a deal and its approvals as plain, immutable data.

Block Kit builders, the intake API and reports take these, never ORM rows or sessions;
this module imports nothing from ``store`` (the architecture test holds it to that, by
any path). bot.read_models.loaders builds them from the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bot.text.causes import Cause
from policies.avatars import AvatarDecision
from policies.vocabulary import AVATAR_PREFIX, ApprovalStatus


@dataclass(frozen=True)
class ApprovalSnapshot:
    id: int
    deal_id: int
    revision: int
    stage_index: int
    stage_name: str
    slot: str
    approver: str
    """The policy approver id responsible for this row."""
    approver_name: str
    approver_title: str
    assignee: str
    """A Slack user id, or ``avatar:<approver id>``."""
    status: str
    reason: str
    assigned_at: datetime
    due_at: datetime | None
    sla: timedelta | None
    reminded_at: datetime | None
    escalated_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    comment: str | None
    recommendation: AvatarDecision | None
    successor_assignee: str | None = None
    """For a reassigned row: who holds the slot now."""
    successor_name: str | None = None
    carried_from: int | None = None
    """For a sign-off a new revision kept: the revision it was carried from."""
    remind_at: datetime | None = None
    snoozed_at: datetime | None = None
    next_in_line: str | None = None
    """Who the approval moves to when its timeout passes ("Lisa Wong (CFO)"); None when
    it escalates instead (see ``escalates_to``)."""
    escalates_to: str | None = None
    """The escalation channel a timeout with nobody left in line goes to (None: the admins)."""
    group: str | None = None
    """For a member of a group: how far its quorum is, "2 of 3 needed, 1 approved so far"."""
    causes: tuple[Cause, ...] = ()
    """Why it left its holder (reassigned) or why nobody is left (escalated), as recorded."""

    @property
    def can_snooze(self) -> bool:
        """ "I'm on it" is offered while a timeout lies ahead and was not pushed back yet."""
        return (
            self.is_pending
            and self.due_at is not None
            and self.escalated_at is None
            and self.snoozed_at is None
            and not self.is_avatar
        )

    @property
    def is_avatar(self) -> bool:
        return self.assignee.startswith(AVATAR_PREFIX)

    @property
    def is_pending(self) -> bool:
        return self.status == ApprovalStatus.PENDING

    def overdue(self, now: datetime) -> bool:
        return self.is_pending and self.due_at is not None and self.due_at <= now


@dataclass(frozen=True)
class DealSnapshot:
    id: int
    ref: str
    external_id: str | None
    company: str
    acv: Decimal
    discount: Decimal
    term_months: int
    industry: str
    employees: int
    use_case: str
    budget_indicated: bool
    custom_terms: bool
    owner: str
    status: str
    revision: int
    stage_index: int | None
    stage_names: tuple[str, ...]
    policy_version: str
    submitted_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    approvals: tuple[ApprovalSnapshot, ...]
    """The current revision's approvals, oldest first (reassigned rows included)."""

    @property
    def stage_name(self) -> str | None:
        return None if self.stage_index is None else self.stage_names[self.stage_index]

    @property
    def pending(self) -> tuple[ApprovalSnapshot, ...]:
        return tuple(a for a in self.approvals if a.is_pending)

    def approval(self, approval_id: int) -> ApprovalSnapshot:
        return next(a for a in self.approvals if a.id == approval_id)


def deal_json(deal: DealSnapshot) -> dict[str, Any]:
    """The deal as the intake API returns it (CONTRACT.md, Deal JSON response)."""
    return {
        "id": deal.ref,
        "external_id": deal.external_id,
        "company": deal.company,
        "acv": _number(deal.acv),
        "discount": _number(deal.discount),
        "term_months": deal.term_months,
        "industry": deal.industry,
        "employees": deal.employees,
        "use_case": deal.use_case,
        "budget_indicated": deal.budget_indicated,
        "custom_terms": deal.custom_terms,
        "owner": deal.owner,
        "status": deal.status,
        "revision": deal.revision,
        "stage": deal.stage_name,
        "policy_version": deal.policy_version,
        "submitted_at": _iso(deal.submitted_at),
        "updated_at": _iso(deal.updated_at),
        "finished_at": _iso(deal.finished_at),
        "approvals": [
            {
                "id": a.id,
                "revision": a.revision,
                "stage": a.stage_name,
                "approver": a.approver,
                "assignee": a.assignee,
                "status": a.status,
                "reason": a.reason,
                "decided_by": a.decided_by,
                "decided_at": _iso(a.decided_at),
                "comment": a.comment,
                "due_at": _iso(a.due_at),
            }
            for a in deal.approvals
        ],
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(value: Decimal) -> int | float:
    """JSON numbers: 500000 stays an integer; 12.5 a decimal fraction."""
    return int(value) if value == value.to_integral_value() else float(value)


Item = tuple[DealSnapshot, ApprovalSnapshot]
"""An approval with its deal, as the inbox lists it."""


@dataclass(frozen=True)
class HomeData:
    """What Home shows, already loaded and sorted by the caller."""

    user: str
    now: datetime
    waiting: Sequence[Item] = ()
    """Approvals assigned to ``user``: overdue first, then by deadline."""
    delegated: Sequence[Item] = ()
    """Approvals someone delegated to ``user``, same order."""
    recent: Sequence[Item] = ()
    """``user``'s last decisions, newest first."""
    own_deals: Sequence[DealSnapshot] = ()
    """Deals ``user`` owns that are in review or sent back."""
    waiting_total: int | None = None
    """How many wait in all, when ``waiting`` holds only the first (None: all are there)."""
    delegated_total: int | None = None
    notice: str | None = None
    """A line to show on top once (the outcome of a bulk approve), in mrkdwn."""
    escalated: Sequence[Item] | None = None
    """For an admin: approvals escalated to the admins, to decide for their holder (None:
    the viewer is not an admin)."""
