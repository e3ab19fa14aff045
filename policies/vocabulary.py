"""The words every layer shares: what a deal and an approval can be, what a person can
decide, how a deal is named and how an avatar is told from a person.

The store keeps these values, the workflow moves between them and the cards show them;
this module imports nothing of dealdesk's, so any layer may import it.
"""

from __future__ import annotations

from enum import StrEnum

DEAL_REF_OFFSET = 1000
"""Deal 1 is shown as D-1001: short, and never mistaken for a row count."""

AVATAR_PREFIX = "avatar:"
"""An approval held by an avatar has the assignee ``avatar:<approver id>``."""


class DealStatus(StrEnum):
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"
    WITHDRAWN = "withdrawn"


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"
    REASSIGNED = "reassigned"
    """Timed out, delegated away or handed over; a newer row in the same slot carries it on."""
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    COUNTERED = "countered"
    """Approved with changes: a counter-offer the deal's owner accepts or declines."""


DECISIONS = (
    ApprovalStatus.APPROVED,
    ApprovalStatus.REJECTED,
    ApprovalStatus.CHANGES_REQUESTED,
    ApprovalStatus.COUNTERED,
)
"""The statuses a decision leaves an approval in."""
SIGN_OFFS = (ApprovalStatus.APPROVED, ApprovalStatus.COUNTERED)
"""A yes: as asked, or for the values the approver proposed."""


class RevisionSource(StrEnum):
    """What made a revision of a deal."""

    SUBMITTED = "submitted"
    RESUBMITTED = "resubmitted"
    """The owner sent it back in after changes were requested."""
    EDIT = "edit"
    """Edited in Slack (/deal edit) by its owner or an admin."""
    CRM = "crm"
    """Changed through the API (PATCH /api/deals/{id})."""
    COUNTER = "counter"
    """The owner accepted an approver's counter-offer."""
    POLICY = "policy"
    """Moved onto a newer policy version (``dealdesk policy migrate``), values unchanged."""


class CounterStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SUPERSEDED = "superseded"
    """The deal changed otherwise (or ended) before the owner answered."""


API_ACTOR = "api"
"""The intake API: its bearer token is its authority."""


class Decision(StrEnum):
    """What a person (or an avatar) can decide on an approval."""

    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_CHANGES = "request_changes"

    @property
    def status(self) -> ApprovalStatus:
        return _STATUS[self]

    @property
    def past_tense(self) -> str:
        return _PAST_TENSE[self]


_STATUS = {
    Decision.APPROVE: ApprovalStatus.APPROVED,
    Decision.REJECT: ApprovalStatus.REJECTED,
    Decision.REQUEST_CHANGES: ApprovalStatus.CHANGES_REQUESTED,
}
_PAST_TENSE = {
    Decision.APPROVE: "approved",
    Decision.REJECT: "rejected",
    Decision.REQUEST_CHANGES: "requested changes",
}


class Refusal(StrEnum):
    """Why a decision changed nothing."""

    NOT_AUTHORIZED = "not_authorized"
    OWNS_DEAL = "owns_deal"
    """The deal's owner never decides its approvals, whatever else they are."""
    ALREADY_DECIDED = "already_decided"
    """Approved, rejected or sent back already (a double click, a retry, someone else)."""
    MOVED = "moved"
    """Reassigned to someone else, or cancelled, before this decision arrived."""
    STALE = "stale"
    """The card shows an older revision of the deal: it changed since."""
    DEAL_CLOSED = "deal_closed"


def deal_ref(deal_id: int) -> str:
    return f"D-{deal_id + DEAL_REF_OFFSET}"


def parse_deal_ref(text: str) -> int | None:
    """``D-1001``, ``d-1001`` or ``1001`` -> 1; anything else -> None."""
    digits = text.strip().upper().removeprefix("D-")
    if not digits.isdecimal():  # what int() reads: "²" is a digit, not a decimal
        return None
    number = int(digits) - DEAL_REF_OFFSET
    return number if number > 0 else None


def is_avatar(assignee: str) -> bool:
    return assignee.startswith(AVATAR_PREFIX)
