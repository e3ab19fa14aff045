"""The deal's thread in ``deal_channel``: one parent message per deal, kept up to date,
and one reply per step (assigned, decided, handed over, reassigned, escalated, reminded,
finished)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from slack_sdk.models.blocks import Block

from bot.cards.blocks import SlackMessage, context, header, message, section
from bot.cards.parts import (
    COMMENT_MAX,
    DECISION_EMOJI,
    REASON_MAX,
    VERB,
    company,
    decider,
    fact_fields,
    final_decision,
    pending_line,
    progress_line,
    status_line,
    use_case_line,
)
from bot.read_models.snapshots import ApprovalSnapshot, DealSnapshot
from bot.text.causes import CauseKind, describe, describe_escalation
from bot.text.mrkdwn import (
    ON_DATE,
    confidence,
    mention,
    quote,
    slack_date,
    time_left,
    who,
    who_named,
)
from policies.vocabulary import ApprovalStatus, DealStatus


class StepKind(StrEnum):
    ASSIGNED = "assigned"
    DECIDED = "decided"
    REASSIGNED = "reassigned"
    """Timed out, delegated, moved by an admin, or handed over by an avatar."""
    ESCALATED = "escalated"
    REMINDED = "reminded"
    SNOOZED = "snoozed"
    """Its holder said "I'm on it": the timeout moved later."""


def build_deal_parent(deal: DealSnapshot, now: datetime) -> SlackMessage:
    """The deal's one message in the channel: facts, status, stage progress, who is pending."""
    pending = deal.pending
    blocks: list[Block] = [
        header(f"{deal.company} · {deal.ref}"),
        section(use_case_line(deal), fields=fact_fields(deal)),
        section(f"{status_line(deal)}\n{progress_line(deal)}"),
    ]
    if pending:
        lines = "\n".join(pending_line(a, now) for a in pending)
        blocks.append(section(f"*Waiting on*\n{lines}"))
    elif deal.status != DealStatus.IN_REVIEW:
        blocks.append(section(_finished_line(deal, with_progress=False)))
    blocks.append(
        context(
            f"Owner {mention(deal.owner)} · submitted {slack_date(deal.submitted_at, ON_DATE)}"
            " · every step is in the thread"
        )
    )
    waiting = f", waiting on {', '.join(who(a.assignee, a.approver_name) for a in pending)}"
    text = f"{company(deal)} ({deal.ref}): {status_line(deal).removeprefix('*Status:* ')}"
    return message(text + (waiting if pending else "") + ".", blocks)


def build_step_reply(
    deal: DealSnapshot,
    approval: ApprovalSnapshot,
    kind: StepKind,
    now: datetime,
    *,
    admins: Sequence[str] = (),
) -> SlackMessage:
    """The thread reply for one step of ``approval`` (for REASSIGNED, the row that moved)."""
    if kind is StepKind.ASSIGNED:
        return build_assigned_reply(deal, approval, now)
    if kind is StepKind.DECIDED:
        return build_decision_reply(deal, approval, now)
    if kind is StepKind.REASSIGNED:
        return build_reassigned_reply(deal, approval, now)
    if kind is StepKind.ESCALATED:
        return build_escalated_reply(deal, approval, now, admins)
    if kind is StepKind.SNOOZED:
        return build_snoozed_reply(deal, approval, now)
    return build_reminded_reply(deal, approval, now)


def build_assigned_reply(
    deal: DealSnapshot, approval: ApprovalSnapshot, now: datetime
) -> SlackMessage:
    """ "👋 Deal approval: assigned to <@U0LISA>, due … (due in 2h). Why: …"."""
    due = (
        f", due {slack_date(approval.due_at)} ({time_left(approval.due_at, now)})"
        if approval.due_at
        else ""
    )
    line = (
        f"👋 {_stage(approval)}: assigned to {who(approval.assignee, approval.approver_name)}{due}"
        f"\n*Why:* {quote(approval.reason, REASON_MAX)}"
    )
    return _reply(line)


def build_decision_reply(
    deal: DealSnapshot, approval: ApprovalSnapshot, now: datetime
) -> SlackMessage:
    """An avatar's decision with its reasoning and confidence, or a person's with their comment."""
    status = ApprovalStatus(approval.status)
    verb = VERB.get(status, status.value)
    emoji = DECISION_EMOJI.get(status, "•")
    advice = approval.recommendation
    if approval.is_avatar and (approval.decided_by or approval.assignee) == approval.assignee:
        reasoning = advice.reasoning if advice else approval.comment or ""
        score = f" · confidence {confidence(advice.confidence)}" if advice else ""
        line = f"{emoji} {decider(approval)} {verb}: {quote(reasoning, REASON_MAX)}{score}"
    else:
        behalf = (
            f" on behalf of {who(approval.assignee, approval.approver_name)}"
            if approval.decided_by and approval.decided_by != approval.assignee
            else ""
        )
        comment = f": {quote(approval.comment, COMMENT_MAX)}" if approval.comment else ""
        line = f"{emoji} {decider(approval)}{behalf} {verb} ({_stage(approval)}){comment}"
    return _reply(line)


def build_reassigned_reply(
    deal: DealSnapshot, approval: ApprovalSnapshot, now: datetime
) -> SlackMessage:
    """The approval moved on: an avatar handing over, a timeout, a delegation, an admin."""
    to = (
        who_named(approval.successor_assignee, approval.successor_name)
        if approval.successor_assignee
        else "the next backup"
    )
    holder = who(approval.assignee, approval.approver_name)
    cause = approval.causes[0] if approval.causes else None
    if approval.is_avatar and (cause is None or cause.kind is CauseKind.HANDOVER):
        reasoning = cause.detail if cause else approval.comment
        why = f": {quote(reasoning, REASON_MAX)}" if reasoning else ""
        advice = approval.recommendation
        score = f" · confidence {confidence(advice.confidence)}" if advice else ""
        line = f"🤝 {holder} handed {_stage(approval)} over to {to}{why}{score}"
    else:
        said = describe(cause) if cause else approval.comment
        why = f": {quote(said, REASON_MAX)}" if said else ""
        line = f"↪️ {_stage(approval)} moved from {holder} to {to}{why}"
    return _reply(line)


def build_escalated_reply(
    deal: DealSnapshot,
    approval: ApprovalSnapshot,
    now: datetime,
    admins: Sequence[str],
) -> SlackMessage:
    """No backup is left: the admins are mentioned, so they see it."""
    holder = who(approval.assignee, approval.approver_name)
    late = f", {time_left(approval.due_at, now)}" if approval.due_at else ""
    why = f": {quote(describe_escalation(approval.causes), REASON_MAX)}" if approval.causes else ""
    ask = (
        f"{' '.join(mention(admin) for admin in admins)}, please decide it."
        if admins
        else "No admins are set in the policy: add some under `admins:` so someone can decide."
    )
    line = f"🚨 No backup is left for {holder}'s approval ({_stage(approval)}){late}{why}. {ask}"
    return _reply(line)


def build_reminded_reply(
    deal: DealSnapshot, approval: ApprovalSnapshot, now: datetime
) -> SlackMessage:
    due = (
        f" · due {slack_date(approval.due_at)} ({time_left(approval.due_at, now)})"
        if approval.due_at
        else ""
    )
    line = f"⏰ Reminded {who(approval.assignee, approval.approver_name)} ({_stage(approval)}){due}"
    return _reply(line)


def build_snoozed_reply(
    deal: DealSnapshot, approval: ApprovalSnapshot, now: datetime
) -> SlackMessage:
    due = f": now due {slack_date(approval.due_at)}" if approval.due_at else ""
    line = f"🙋 {who(approval.assignee, approval.approver_name)} is on it ({_stage(approval)}){due}"
    return _reply(line)


def build_finished_reply(deal: DealSnapshot, now: datetime) -> SlackMessage:
    """The last reply: approved, rejected (by whom, why), sent back or withdrawn."""
    return _reply(_finished_line(deal))


def _finished_line(deal: DealSnapshot, *, with_progress: bool = True) -> str:
    name = f"*{company(deal)}*"
    status = DealStatus(deal.status)
    progress = f"\n{progress_line(deal)}" if with_progress else ""
    if status is DealStatus.APPROVED:
        return f"🎉 {name} is approved.{progress}"
    if status is DealStatus.WITHDRAWN:
        return f"🗑️ {name} was withdrawn by its owner."
    if status is DealStatus.IN_REVIEW:
        return f"🔎 {name} is in review.{progress}"
    row = final_decision(deal)
    by = f" by {decider(row)}" if row else ""
    comment = f": {quote(row.comment, COMMENT_MAX)}" if row and row.comment else ""
    if status is DealStatus.REJECTED:
        return f"❌ {name} was rejected{by}{comment}"
    return f"↩️ {name} went back to {mention(deal.owner)} for changes, requested{by}{comment}"


def _stage(approval: ApprovalSnapshot) -> str:
    return quote(approval.stage_name, 80)


def _reply(line: str) -> SlackMessage:
    return message(line, [section(line)])
