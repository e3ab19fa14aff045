"""The approval card: the DM an approver gets, and the same card once it is settled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.cards.blocks import (
    SlackMessage,
    actions,
    button,
    confirm_dialog,
    context,
    header,
    message,
    section,
)
from bot.cards.evidence import evidence_line
from bot.cards.ids import CARD_DECISIONS, CardAction, CardBlock, DecisionIds
from bot.cards.parts import (
    company,
    deadline_line,
    deal_context,
    fact_fields,
    group_line,
    next_step_line,
    outcome_line,
    recommendation_line,
    use_case_line,
    why_line,
)
from bot.cards.revision import diff_block
from bot.read_models.revisions import RevisionDiff
from bot.read_models.snapshots import ApprovalSnapshot, DealSnapshot
from bot.text.mrkdwn import ON_DATE, money, percent, slack_date, time_left
from policies.vocabulary import ApprovalStatus

SETTLED_HEADER = {
    ApprovalStatus.APPROVED: "Approved",
    ApprovalStatus.REJECTED: "Rejected",
    ApprovalStatus.CHANGES_REQUESTED: "Changes requested",
    ApprovalStatus.REASSIGNED: "Reassigned",
    ApprovalStatus.CANCELLED: "No longer needed",
    ApprovalStatus.SKIPPED: "Skipped",
    ApprovalStatus.COUNTERED: "Approved with changes",
}


def build_approval_card(
    deal: DealSnapshot,
    approval: ApprovalSnapshot,
    now: datetime,
    changes: RevisionDiff | None = None,
    evidence: str | None = None,
) -> SlackMessage:
    """The DM an approver gets: what changed since they last saw the deal (when they are
    asked again), the facts, why them, the advice, the deadline, four buttons, and the
    hash of the evidence on record of what it shows."""
    blocks: list[Block] = [
        header(f"Approval needed: {deal.company}"),
        *([diff_block(changes)] if changes is not None else []),
        *_facts(deal, approval),
        *_optional(deadline_line(approval, now)),
        *_optional(next_step_line(approval)),
        *_optional(escalation_note(approval)),
        decision_buttons(approval.id, CardBlock.ACTIONS, extras=_card_only(approval)),
        context(deal_context(deal), *([evidence_line(evidence)] if evidence else [])),
    ]
    due = (
        f", {time_left(approval.due_at, now)} ({slack_date(approval.due_at)})"
        if approval.due_at
        else ""
    )
    text = (
        f"Approval needed: {company(deal)} ({money(deal.acv)}, "
        f"{percent(deal.discount)} discount){due}."
    )
    return message(text, blocks)


def build_decided_card(
    deal: DealSnapshot, approval: ApprovalSnapshot, now: datetime
) -> SlackMessage:
    """The card after the fact: no buttons, one line saying who decided what and when,
    where a reassigned approval went, or why a cancelled one ended."""
    state = SETTLED_HEADER.get(ApprovalStatus(approval.status), "Approval")
    outcome = outcome_line(deal, approval, now)
    blocks: list[Block] = [
        header(f"{state}: {deal.company}"),
        *_facts(deal, approval),
        section(outcome, block_id=CardBlock.OUTCOME),
        context(deal_context(deal)),
    ]
    return message(f"{company(deal)} ({deal.ref}): {outcome}", blocks)


_REJECT_CONFIRM = confirm_dialog(
    title="Reject this deal?",
    text="Rejecting ends the review for everyone. Next you will be asked for a reason.",
    yes="Reject",
    no="Cancel",
)


def decision_buttons(
    approval_id: int,
    block_id: str,
    ids: DecisionIds = CARD_DECISIONS,
    *,
    extras: Sequence[ButtonElement] = (),
) -> ActionsBlock:
    """Approve (primary), Reject (danger, confirmed first), Request changes, then
    ``extras`` (on the card itself: Approve with changes and I'm on it)."""
    approve, reject, request_changes = ids
    value = str(approval_id)
    return actions(
        block_id,
        button("Approve", approve, value, style="primary"),
        button("Reject", reject, value, style="danger", confirm=_REJECT_CONFIRM),
        button("Request changes", request_changes, value),
        *extras,
    )


def _card_only(approval: ApprovalSnapshot) -> list[ButtonElement]:
    """Approve with changes, and I'm on it while a timeout lies ahead (not pushed back yet)."""
    value = str(approval.id)
    extras = [button("Approve with changes", CardAction.COUNTER, value)]
    if approval.can_snooze:
        extras.append(button("I'm on it", CardAction.SNOOZE, value))
    return extras


def escalation_note(approval: ApprovalSnapshot) -> str:
    if approval.escalated_at is None:
        return ""
    return (
        f"🚨 *Escalated* to the RevOps admins on {slack_date(approval.escalated_at, ON_DATE)}: "
        "no backup was left to take it. You or an admin can still decide."
    )


def _facts(deal: DealSnapshot, approval: ApprovalSnapshot) -> list[Block]:
    """Facts first (phone-sized), then why this approver, then the avatar's advice."""
    return [
        section(use_case_line(deal), fields=fact_fields(deal)),
        section(why_line(approval)),
        *_optional(group_line(approval)),
        *_optional(recommendation_line(approval)),
    ]


def _optional(text: str) -> list[Block]:
    return [section(text)] if text else []
