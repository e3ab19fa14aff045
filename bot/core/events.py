"""Domain events: what happened to a deal, emitted by the workflow, free of Slack.

Subscribers run in two places (see EventBus): inside the transaction that caused the
event (to record durable work such as outgoing Slack messages, atomically with the
change), and after it commits (in-process observers: the simulator, metrics).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DealSubmitted:
    deal_id: int
    revision: int


@dataclass(frozen=True)
class DealRevised:
    """A new revision of a deal in review (edited, changed by the CRM, a counter-offer
    accepted, or resubmitted after changes)."""

    deal_id: int
    revision: int
    source: str


@dataclass(frozen=True)
class CounterOffered:
    """An approver approved with changes; the owner is asked to accept or decline."""

    deal_id: int
    counter_id: int


@dataclass(frozen=True)
class CounterResolved:
    """The owner accepted or declined a counter-offer, or the deal moved on without it."""

    deal_id: int
    counter_id: int
    status: str


@dataclass(frozen=True)
class StageStarted:
    deal_id: int
    stage_index: int


@dataclass(frozen=True)
class ApprovalAssigned:
    deal_id: int
    approval_id: int


@dataclass(frozen=True)
class ApprovalDecided:
    deal_id: int
    approval_id: int


@dataclass(frozen=True)
class ApprovalReassigned:
    deal_id: int
    approval_id: int
    """The row that was reassigned (now ``reassigned``)."""
    new_approval_id: int
    cause: str
    """``timeout``, ``handover``, ``delegation`` or ``admin``."""


@dataclass(frozen=True)
class ApprovalEscalated:
    """No backup is left: the approval waits for an admin, in the escalation channel."""

    deal_id: int
    approval_id: int


@dataclass(frozen=True)
class ApprovalCancelled:
    deal_id: int
    approval_id: int


@dataclass(frozen=True)
class ApprovalSnoozed:
    """Its holder said "I'm on it": the timeout (and the reminder) moved later, once."""

    deal_id: int
    approval_id: int


@dataclass(frozen=True)
class ReminderDue:
    deal_id: int
    approval_id: int


@dataclass(frozen=True)
class Origin:
    """Where someone made a decision, so that an answer reaches them there: the message
    they clicked (channel, ts) and the URL that answers that click."""

    channel: str | None = None
    message_ts: str | None = None
    response_url: str | None = None


@dataclass(frozen=True)
class DecisionRefused:
    """A decision that changed nothing, and why, in words for the person who tried."""

    deal_id: int | None
    approval_id: int
    actor: str
    refusal: str
    message: str
    origin: Origin = Origin()


@dataclass(frozen=True)
class DelegationStarted:
    delegation_id: int


@dataclass(frozen=True)
class DelegationEnded:
    delegation_id: int


@dataclass(frozen=True)
class DealFinished:
    """Approved, rejected, sent back for changes or withdrawn."""

    deal_id: int
    status: str


DomainEvent = (
    DealSubmitted
    | DealRevised
    | CounterOffered
    | CounterResolved
    | StageStarted
    | ApprovalAssigned
    | ApprovalDecided
    | ApprovalReassigned
    | ApprovalEscalated
    | ApprovalCancelled
    | ApprovalSnoozed
    | ReminderDue
    | DecisionRefused
    | DealFinished
    | DelegationStarted
    | DelegationEnded
)

InTransaction = Callable[[AsyncSession, Sequence[DomainEvent]], Awaitable[None]]
AfterCommit = Callable[[Sequence[DomainEvent]], Awaitable[None]]


@dataclass
class EventBus:
    in_transaction: list[InTransaction] = field(default_factory=list)
    after_commit: list[AfterCommit] = field(default_factory=list)

    async def record(self, session: AsyncSession, events: Sequence[DomainEvent]) -> None:
        """Run in-transaction subscribers; their writes commit or roll back with the change."""
        for subscriber in self.in_transaction:
            await subscriber(session, events)

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Tell observers after commit. An observer's failure is logged, never undoes anything."""
        for observer in self.after_commit:
            try:
                await observer(events)
            except Exception:
                log.exception("event observer %r failed", observer)
