"""Tables. The schema itself is created and changed only by the Alembic migrations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from policies.vocabulary import AVATAR_PREFIX, deal_ref
from store.types import Money, UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        Decimal: Money(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class PolicyVersion(Base):
    """Each distinct policy content, stored once; deals point at the one they were routed under."""

    __tablename__ = "policy_versions"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(150))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    applied_at: Mapped[datetime | None]
    """When it was last applied to running instances (``dealdesk policy apply``, SIGHUP)."""


class Deal(Base):
    __tablename__ = "deals"
    __table_args__ = (
        Index("ix_deals_owner_status", "owner", "status"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    external_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    company: Mapped[str] = mapped_column(String(200))
    acv: Mapped[Decimal]
    discount: Mapped[Decimal]
    term_months: Mapped[int]
    industry: Mapped[str] = mapped_column(String(200))
    employees: Mapped[int]
    use_case: Mapped[str] = mapped_column(Text)
    budget_indicated: Mapped[bool]
    custom_terms: Mapped[bool]
    owner: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), index=True)
    policy_version: Mapped[str] = mapped_column(ForeignKey("policy_versions.version"))
    revision: Mapped[int] = mapped_column(default=1)
    plan: Mapped[list[Any]]
    """The approval plan of the current revision (policies.routing.Plan.to_json)."""
    stage_index: Mapped[int | None]
    """The stage under review; None once the deal has finished or gone back to its owner."""
    submitted_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    """Last activity on the deal: what "stalled" is measured from."""
    finished_at: Mapped[datetime | None]
    nudged_at: Mapped[datetime | None]
    """When the owner was last told the deal is stalled (once per stall)."""

    @property
    def ref(self) -> str:
        return deal_ref(self.id)


class DealRevision(Base):
    """The terms a deal was submitted with at each revision: what an approval given on
    that revision saw (a later revision keeps it only if nothing it reads changed)."""

    __tablename__ = "deal_revisions"

    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), primary_key=True)
    revision: Mapped[int] = mapped_column(primary_key=True)
    terms: Mapped[dict[str, Any]]
    """policies.deal.DealTerms as JSON, without external_id."""
    created_at: Mapped[datetime]
    source: Mapped[str | None] = mapped_column(String(20))
    """What made it: ``submitted``, ``resubmitted``, ``edit``, ``crm`` or ``counter`` (None
    for revisions stored before sources were kept)."""
    actor: Mapped[str | None] = mapped_column(String(80))


class Approval(Base):
    """One approver's turn on one slot of a deal's plan.

    A slot is a planned approval (stage, approver). Reassignment never edits who a row
    belongs to: it marks the row ``reassigned`` and adds a row for the next holder, so
    the table is the slot's history.
    """

    __tablename__ = "approvals"
    __table_args__ = (
        Index("ix_approvals_deal_revision", "deal_id", "revision"),
        Index("ix_approvals_status_due", "status", "due_at"),
        Index("ix_approvals_status_remind", "status", "remind_at"),
        Index("ix_approvals_assignee_status", "assignee", "status"),
        Index("ix_approvals_decided", "decided_by", "status", "decided_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"))
    revision: Mapped[int]
    stage_index: Mapped[int]
    stage_name: Mapped[str] = mapped_column(String(80))
    slot: Mapped[str] = mapped_column(String(64))
    """The approver the plan required; backups and delegates answer for this slot."""
    approver: Mapped[str] = mapped_column(String(64))
    assignee: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    assigned_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    remind_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    snoozed_at: Mapped[datetime | None]
    nudged_at: Mapped[datetime | None]
    """When an admin last nudged the holder from the forecast (once a day at most)."""
    """When its holder said "I'm on it" and pushed the timeout back (once)."""
    away_waited_at: Mapped[datetime | None]
    """When its card waited for a holder whose Slack status said back soon (once)."""
    escalated_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None]
    comment: Mapped[str | None] = mapped_column(Text)
    recommendation: Mapped[dict[str, Any] | None]
    """The avatar's decision: its own for an avatar, advice on the card for a human."""
    causes: Mapped[list[Any] | None]
    """Why it left its holder (reassigned), or why nobody is left (escalated): a list of
    bot.text.causes.Cause as JSON, recorded when it happened."""
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("approvals.id"))

    @property
    def is_avatar(self) -> bool:
        return self.assignee.startswith(AVATAR_PREFIX)


class CounterOffer(Base):
    """An approver's "yes, with these changes": the values proposed on one revision, which
    the deal's owner accepts (a new revision with them) or declines."""

    __tablename__ = "counter_offers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), index=True)
    approval_id: Mapped[int] = mapped_column(ForeignKey("approvals.id"), unique=True)
    revision: Mapped[int]
    """The revision it answers: an Accept on any other changes nothing."""
    proposed: Mapped[dict[str, Any]]
    """The fields it changes, as JSON values (DealTerms field names)."""
    note: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    """``open``, ``accepted``, ``declined`` or ``superseded`` (the deal moved on)."""
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
    resolved_by: Mapped[str | None] = mapped_column(String(80))
    resolved_at: Mapped[datetime | None]


class Delegation(Base):
    """While active, ``delegator``'s approvals go to ``delegate``."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delegator: Mapped[str] = mapped_column(String(32), index=True)
    delegate: Mapped[str] = mapped_column(String(32), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class AuditEvent(Base):
    """Append-only, hash-chained (see store.audit)."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    deal_id: Mapped[str | None] = mapped_column(String(32), index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text)
    """Canonical JSON text, hashed exactly as stored."""
    policy_version: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Evidence(Base):
    """What an approval card showed its reader, stored once when it was posted: the facts
    as canonical JSON and their SHA-256. A decision's audit event names the hash, so the
    hash chain vouches for it and ``audit verify`` checks the record still matches."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    approval_id: Mapped[int] = mapped_column(ForeignKey("approvals.id"), unique=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), index=True)
    hash: Mapped[str] = mapped_column(String(64), index=True)
    facts: Mapped[str] = mapped_column(Text)
    """Canonical JSON text, hashed exactly as stored."""
    created_at: Mapped[datetime]


class AuditHead(Base):
    """The last event's seq and hash: catches rows deleted from the end of the log."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class OutboxMessage(Base):
    """Slack work to do, recorded in the same transaction as the change that needs it.

    Delivered after commit by bot.outbox.delivery, in ``id`` order per ``key`` (a card's
    update never overtakes its post), at its ``lane``'s pace, most urgent ``priority``
    first, retried with backoff until Slack takes it.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "done_at", "next_attempt_at"),
        Index("ix_outbox_key", "key", "id"),
        Index("ix_outbox_lane", "lane", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(80))
    lane: Mapped[str | None] = mapped_column(String(80))
    """The conversation it posts into (a channel id, or a user id for the direct message
    with that person), whose pace it keeps; None for work that posts nothing (an update,
    a Home tab, an answer only one person sees)."""
    priority: Mapped[int] = mapped_column(SmallInteger)
    """0 first: what a person is waiting for goes before channel posts and Home tabs."""
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_until: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    """Given up: Slack refused it for good (the error says why)."""


class OutboxLane(Base):
    """When a lane may have its next post, shared by every process.

    A lane is a conversation (Slack takes about one post a second in each), or
    ``method:<name>`` while Slack holds that whole method back (a 429's Retry-After).
    While a row of the lane is being delivered, ``next_at`` holds it for the claim.
    """

    __tablename__ = "outbox_lanes"

    lane: Mapped[str] = mapped_column(String(80), primary_key=True)
    next_at: Mapped[datetime | None]


class SlackMessage(Base):
    """Where a message we posted lives, so it can be updated or replied to."""

    __tablename__ = "slack_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(80), unique=True)
    """``card:<approval id>``, ``deal:<deal id>``, ``escalation:<approval id>``."""
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    body: Mapped[dict[str, Any] | None]
    """The message as posted, for a message rendered once (a briefing) that is updated
    later as the approvals it shows are decided."""


class MessageApproval(Base):
    """An approval a posted message shows with its buttons (a briefing lists several):
    when the approval is settled, the message is updated so its buttons go."""

    __tablename__ = "message_approvals"

    subject: Mapped[str] = mapped_column(String(80), primary_key=True)
    approval_id: Mapped[int] = mapped_column(primary_key=True, index=True)


class DecisionRequest(Base):
    """A decision someone made in Slack, journaled before Slack gets its answer.

    The click is durable from the moment it is acknowledged; bot.workflow.journal applies it
    through the workflow right after, exactly once, and records the result here.
    """

    __tablename__ = "decision_inbox"
    __table_args__ = (Index("ix_decision_inbox_pending", "processed_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedup_key: Mapped[str] = mapped_column(String(160), unique=True)
    """Slack's trigger id for the click: a redelivered request is stored once."""
    received_at: Mapped[datetime]
    approval_id: Mapped[int]
    actor: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    response_url: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None]


class Person(Base):
    """What dealdesk knows of someone: their time zone and briefing preferences."""

    __tablename__ = "people"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tz: Mapped[str | None] = mapped_column(String(64))
    """IANA zone from their Slack profile (users.info); None: the policy's time zone."""
    tz_checked_at: Mapped[datetime | None]
    briefing_enabled: Mapped[bool] = mapped_column(default=True)
    briefing_time: Mapped[str | None] = mapped_column(String(5))
    """``HH:MM`` chosen with /deal briefing time; None: the policy's briefing.time."""
    last_briefing_on: Mapped[date | None]
    """The local date of the last briefing claimed for them: at most one a day."""
    home_seen_at: Mapped[datetime | None]
    home_notice: Mapped[str | None] = mapped_column(Text)
    """A line Home shows on top for a while (the sum-up of a bulk approve), in mrkdwn."""
    home_notice_at: Mapped[datetime | None]
    """When they last opened the App Home tab: only then is it worth refreshing it."""
    updated_at: Mapped[datetime]


class DigestRun(Base):
    """One channel digest per channel and local day, claimed by inserting this row."""

    __tablename__ = "digest_runs"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    local_date: Mapped[date] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
