"""Every surface built from one set of snapshots: what the golden, limit and escaping tests walk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from bot.cards.approval import build_approval_card, build_decided_card
from bot.cards.briefing import WEEK, Briefing, build_briefing_dm
from bot.cards.digest import Digest, build_digest_message
from bot.cards.escalation import build_escalation_message
from bot.cards.home import build_home
from bot.cards.modals import build_deal_modal, build_reason_modal, deal_modal_initial
from bot.cards.owner import build_owner_dm
from bot.cards.reminder import build_reminder_reply
from bot.cards.replies import (
    build_audit_reply,
    build_error_reply,
    build_help_reply,
    build_inbox_reply,
    build_not_found_reply,
    build_status_reply,
)
from bot.cards.stalled import build_stalled_nudge, build_stalled_reply
from bot.cards.thread import StepKind, build_deal_parent, build_finished_reply, build_step_reply
from bot.read_models.snapshots import ApprovalSnapshot, DealSnapshot, HomeData
from tests.cards.fixtures import (
    ADMIN,
    APPROVED_COMMENT,
    LISA,
    NOW,
    approved_deal,
    audit_events,
    cfo_approval,
    reassigned_cfo,
    rejected_deal,
    sdr_approval,
    sent_back_deal,
    techcorp,
)

Surface = Literal["message", "modal", "home"]


@dataclass(frozen=True)
class Built:
    surface: Surface
    payload: dict[str, Any]


@dataclass(frozen=True)
class World:
    """The snapshots every surface is built from."""

    pending: DealSnapshot
    """In review, Lisa pending."""
    rejected: DealSnapshot
    approved: DealSnapshot
    sent_back: DealSnapshot
    reassigned: DealSnapshot
    """Lisa's row reassigned to Daniel after her SLA ran out."""
    audit_events: list[dict[str, Any]]
    now: datetime = NOW


def lisa(deal: DealSnapshot) -> ApprovalSnapshot:
    return next(a for a in deal.approvals if a.slot == "cfo")


def all_surfaces(world: World) -> dict[str, Callable[[], Built]]:
    """name → builder call, for every builder in bot/cards."""
    now = world.now
    late = now + timedelta(hours=3)
    escalated = lisa(world.pending)
    escalated = cfo_approval(
        escalated_at=now + timedelta(hours=2),
        reason=escalated.reason,
        recommendation=escalated.recommendation,
    )
    waiting = [(world.pending, lisa(world.pending))]

    def msg(build: Callable[[], Any]) -> Callable[[], Built]:
        return lambda: Built("message", build().to_dict())

    surfaces: dict[str, Callable[[], Built]] = {
        "approval_card": msg(lambda: build_approval_card(world.pending, lisa(world.pending), now)),
        "approval_card_overdue_escalated": msg(
            lambda: build_approval_card(world.pending, escalated, late)
        ),
        "decided_approved": msg(
            lambda: build_decided_card(world.approved, lisa(world.approved), now)
        ),
        "decided_rejected": msg(
            lambda: build_decided_card(world.rejected, lisa(world.rejected), now)
        ),
        "decided_reassigned": msg(
            lambda: build_decided_card(world.reassigned, lisa(world.reassigned), now)
        ),
        "decided_cancelled": msg(
            lambda: build_decided_card(world.rejected, _cancelled(world.rejected), now)
        ),
        "reason_modal_reject": lambda: Built(
            "modal", build_reason_modal(2, "reject", world.pending).to_dict()
        ),
        "reason_modal_request_changes": lambda: Built(
            "modal", build_reason_modal(2, "request_changes", world.pending).to_dict()
        ),
        "deal_modal_new": lambda: Built("modal", build_deal_modal(None).to_dict()),
        "deal_modal_resubmit": lambda: Built(
            "modal",
            build_deal_modal(
                deal_modal_initial(world.sent_back),
                callback_id="deal_resubmit",
                deal_id=world.sent_back.id,
            ).to_dict(),
        ),
        "deal_parent_in_review": msg(lambda: build_deal_parent(world.pending, now)),
        "deal_parent_rejected": msg(lambda: build_deal_parent(world.rejected, now)),
        "thread_assigned": msg(
            lambda: build_step_reply(world.pending, lisa(world.pending), StepKind.ASSIGNED, now)
        ),
        "thread_avatar_decided": msg(
            lambda: build_step_reply(world.pending, sdr_approval(), StepKind.DECIDED, now)
        ),
        "thread_person_decided": msg(
            lambda: build_step_reply(world.rejected, lisa(world.rejected), StepKind.DECIDED, now)
        ),
        "thread_reassigned": msg(
            lambda: build_step_reply(
                world.reassigned, lisa(world.reassigned), StepKind.REASSIGNED, now
            )
        ),
        "thread_escalated": msg(
            lambda: build_step_reply(
                world.pending, escalated, StepKind.ESCALATED, late, admins=[ADMIN]
            )
        ),
        "thread_reminded": msg(
            lambda: build_step_reply(
                world.pending,
                lisa(world.pending),
                StepKind.REMINDED,
                now + timedelta(minutes=90),
            )
        ),
        "thread_finished_rejected": msg(lambda: build_finished_reply(world.rejected, now)),
        "owner_approved": msg(lambda: build_owner_dm(world.approved, now)),
        "owner_rejected": msg(lambda: build_owner_dm(world.rejected, now)),
        "owner_changes_requested": msg(lambda: build_owner_dm(world.sent_back, now)),
        "escalation": msg(
            lambda: build_escalation_message(world.pending, escalated, [ADMIN], late)
        ),
        "reminder": msg(
            lambda: build_reminder_reply(lisa(world.pending), now + timedelta(minutes=90))
        ),
        "home": lambda: Built(
            "home",
            build_home(
                HomeData(
                    user=LISA,
                    now=now,
                    waiting=waiting,
                    recent=[(world.rejected, lisa(world.rejected))],
                    own_deals=[world.pending],
                )
            ).to_dict(),
        ),
        "home_empty": lambda: Built("home", build_home(HomeData(user=LISA, now=now)).to_dict()),
        "status": msg(lambda: build_status_reply(world.pending, now)),
        "inbox": msg(lambda: build_inbox_reply(waiting, now)),
        "audit": msg(lambda: build_audit_reply(world.pending.ref, world.audit_events, True, None)),
        "audit_broken": msg(
            lambda: build_audit_reply(
                world.pending.ref, world.audit_events, False, "event 2 was changed"
            )
        ),
        "help": msg(lambda: build_help_reply()),
        "not_found": msg(
            lambda: build_not_found_reply(
                world.pending.company[:4], [(world.pending.ref, world.pending.company)]
            )
        ),
        "error": msg(lambda: build_error_reply(f"{world.pending.company} could not be saved.")),
        "briefing": msg(
            lambda: build_briefing_dm(
                Briefing(
                    user=LISA,
                    local_date=now.date(),
                    now=now,
                    overdue=waiting,
                    later=waiting,
                    decided=[(world.approved, lisa(world.approved))],
                    own=[world.pending],
                    stalled=[world.pending],
                )
            )
        ),
        "digest": msg(
            lambda: build_digest_message(
                Digest(
                    now.date(),
                    now,
                    in_review=1,
                    overdue=waiting,
                    overdue_total=1,
                    due_today=waiting,
                    due_today_total=1,
                    stalled=[world.pending],
                    stalled_total=1,
                )
            )
        ),
        "stalled_nudge": msg(lambda: build_stalled_nudge(world.pending, late)),
        "stalled_reply": msg(lambda: build_stalled_reply([world.pending], late, 1, WEEK)),
    }
    return surfaces


def _cancelled(deal: DealSnapshot) -> ApprovalSnapshot:
    return next(a for a in deal.approvals if a.status == "cancelled")


def build_world(company: str = "TechCorp", comment: str | None = None, events: int = 3) -> World:
    """The TechCorp snapshots, with ``company`` as the company name and, when given,
    ``comment`` as every decision's comment (the timeout reason included)."""

    def retouch(deal: DealSnapshot) -> DealSnapshot:
        approvals = tuple(
            replace(a, comment=comment) if comment is not None and a.comment else a
            for a in deal.approvals
        )
        return replace(deal, company=company, approvals=approvals)

    return World(
        pending=retouch(techcorp()),
        rejected=retouch(rejected_deal()),
        approved=retouch(approved_deal()),
        sent_back=retouch(sent_back_deal()),
        reassigned=retouch(techcorp(sdr_approval(), reassigned_cfo())),
        audit_events=audit_events(events, comment or APPROVED_COMMENT),
    )
