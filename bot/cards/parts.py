"""Pieces of text several surfaces share: a deal's facts, status, stage progress, who is
pending, and the one-line outcome of an approval. All mrkdwn, user text escaped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.read_models.snapshots import ApprovalSnapshot, DealSnapshot
from bot.text.causes import describe, describe_escalation
from bot.text.mrkdwn import (
    ON_DATE,
    confidence,
    count,
    mention,
    money,
    percent,
    quote,
    slack_date,
    time_left,
    who,
    who_named,
)
from policies.avatars.decision import AvatarDecision, Outcome
from policies.duration import humanize
from policies.vocabulary import ApprovalStatus, DealStatus
from policies.watch import ASKED_AGAIN

COMPANY_IN_LINE = 80
"""A company name inside a list line is cut to this; headers and facts show more."""
FIELD_VALUE_MAX = 300
REASON_MAX = 500
COMMENT_MAX = 2000
COMMENT_IN_LINE = 200

STATUS_LABEL = {
    DealStatus.IN_REVIEW: "🔎 In review",
    DealStatus.APPROVED: "✅ Approved",
    DealStatus.REJECTED: "❌ Rejected",
    DealStatus.CHANGES_REQUESTED: "↩️ Sent back for changes",
    DealStatus.WITHDRAWN: "🗑️ Withdrawn",
}

DECISION_EMOJI = {
    ApprovalStatus.APPROVED: "✅",
    ApprovalStatus.COUNTERED: "✍️",
    ApprovalStatus.REJECTED: "❌",
    ApprovalStatus.CHANGES_REQUESTED: "↩️",
    ApprovalStatus.REASSIGNED: "↪️",
    ApprovalStatus.CANCELLED: "🚫",
    ApprovalStatus.SKIPPED: "⏭️",
    ApprovalStatus.PENDING: "⏳",
}

DECISION_WORDS = {
    ApprovalStatus.APPROVED: "Approved",
    ApprovalStatus.REJECTED: "Rejected",
    ApprovalStatus.CHANGES_REQUESTED: "Changes requested",
    ApprovalStatus.COUNTERED: "Approved with changes",
}

VERB = {
    ApprovalStatus.APPROVED: "approved",
    ApprovalStatus.REJECTED: "rejected",
    ApprovalStatus.CHANGES_REQUESTED: "requested changes",
    ApprovalStatus.COUNTERED: "approved with changes",
}

RECOMMENDATION_WORDS = {
    Outcome.APPROVE: "approve",
    Outcome.REJECT: "reject",
    Outcome.HAND_OVER: "hand over to a backup",
}

ENDED_BECAUSE = {
    DealStatus.REJECTED: "The deal was rejected, so this approval is no longer needed.",
    DealStatus.CHANGES_REQUESTED: (
        "The deal went back to its owner for changes, so this approval is no longer needed."
    ),
    DealStatus.WITHDRAWN: "The deal was withdrawn, so this approval is no longer needed.",
}


def company(deal: DealSnapshot, limit: int = COMPANY_IN_LINE) -> str:
    return quote(deal.company, limit)


def term(months: int) -> str:
    return "1 month" if months == 1 else f"{months} months"


def fact_fields(deal: DealSnapshot) -> list[str]:
    """ACV, discount, term, industry, employees and budget/terms, as section fields."""
    budget = "Budget indicated" if deal.budget_indicated else "No budget yet"
    terms = "custom terms" if deal.custom_terms else "standard terms"
    return [
        f"*ACV*\n{money(deal.acv)}",
        f"*Discount*\n{percent(deal.discount)}",
        f"*Term*\n{term(deal.term_months)}",
        f"*Employees*\n{count(deal.employees)}",
        f"*Industry*\n{quote(deal.industry, FIELD_VALUE_MAX) or '—'}",
        f"*Budget · terms*\n{budget} · {terms}",
    ]


def use_case_line(deal: DealSnapshot) -> str:
    return f"_{quote(deal.use_case, FIELD_VALUE_MAX)}_" if deal.use_case.strip() else ""


def summary(deal: DealSnapshot) -> str:
    """ "*TechCorp* · $500,000 · 12% off · D-1001"."""
    return f"*{company(deal)}* · {money(deal.acv)} · {percent(deal.discount)} off · {deal.ref}"


def summary_sentence(deal: DealSnapshot) -> str:
    """ "*TechCorp* (D-1001, $500,000 at 12% off)", to sit inside a sentence."""
    return f"*{company(deal)}* ({deal.ref}, {money(deal.acv)} at {percent(deal.discount)} off)"


def deal_context(deal: DealSnapshot) -> str:
    """ "D-1001 · revision 2 · owner @Sarah · CRM OPP-0042" (a first revision goes unsaid)."""
    crm = f" · CRM {quote(deal.external_id, 128)}" if deal.external_id else ""
    revision = f" · revision {deal.revision}" if deal.revision > 1 else ""
    return f"{deal.ref}{revision} · owner {mention(deal.owner)}{crm}"


def group_line(approval: ApprovalSnapshot) -> str:
    """ "👥 One of a group: 2 of 3 needed, 1 approved so far"."""
    return f"👥 One of a group: {approval.group}" if approval.group else ""


def why_line(approval: ApprovalSnapshot, label: str = "Why you") -> str:
    return f"*{label}:* {quote(approval.stage_name, 80)} · {quote(approval.reason, REASON_MAX)}"


def recommendation_line(approval: ApprovalSnapshot) -> str:
    """ "🤖 *Recommendation from Lisa Wong's avatar:* approve — … · confidence 95%"."""
    advice = approval.recommendation
    if advice is None:
        return ""
    name = quote(approval.approver_name, 80)
    return f"🤖 *Recommendation from {name}'s avatar:* {advice_text(advice)}"


def advice_text(advice: AvatarDecision) -> str:
    return (
        f"{RECOMMENDATION_WORDS[advice.outcome]} — {quote(advice.reasoning, REASON_MAX)}"
        f" · confidence {confidence(advice.confidence)}"
    )


def deadline_line(approval: ApprovalSnapshot, now: datetime) -> str:
    """ "⏰ *Due today at 3:00 PM* · due in 2h", or "🔴 *Overdue by 3h* · was due …"."""
    if approval.due_at is None:
        return ""
    due = slack_date(approval.due_at)
    if approval.overdue(now):
        return f"🔴 *{time_left(approval.due_at, now).capitalize()}* · was due {due}"
    return f"⏰ *Due {due}* · in {humanize(approval.due_at - now)}"


def next_step_line(approval: ApprovalSnapshot) -> str:
    """What happens next and when: "⏭️ Reminder today at 2:30 PM · then it moves to Lisa Wong
    (CFO) today at 3:00 PM", or "… escalates to #deal-escalations …"."""
    if not approval.is_pending or approval.due_at is None or approval.escalated_at is not None:
        return ""
    steps = []
    if approval.remind_at is not None and approval.reminded_at is None:
        steps.append(f"Reminder {slack_date(approval.remind_at)}")
    if approval.next_in_line is not None:
        then = f"moves to {quote(approval.next_in_line, REASON_MAX)}"
    elif approval.escalates_to is not None:
        then = f"escalates to <#{approval.escalates_to}>"
    else:
        then = "escalates to the deal desk admins"
    steps.append(f"{'then it ' if steps else 'It '}{then} {slack_date(approval.due_at)}")
    pushed = " (pushed back once)" if approval.snoozed_at is not None else ""
    return f"⏭️ {' · '.join(steps)}{pushed}"


def decider(approval: ApprovalSnapshot) -> str:
    by = approval.decided_by or approval.assignee
    if by == approval.assignee:
        return who(by, approval.approver_name)
    return mention(by)


def outcome_line(deal: DealSnapshot, approval: ApprovalSnapshot, now: datetime) -> str:
    """What became of an approval, in one line (comment included, cut to size)."""
    status = ApprovalStatus(approval.status)
    emoji = DECISION_EMOJI.get(status, "•")
    if status in DECISION_WORDS:
        when = f" on {slack_date(approval.decided_at, ON_DATE)}" if approval.decided_at else ""
        behalf = (
            f" on behalf of {who(approval.assignee, approval.approver_name)}"
            if approval.decided_by and approval.decided_by != approval.assignee
            else ""
        )
        comment = f": {quote(approval.comment, COMMENT_MAX)}" if approval.comment else ""
        return f"{emoji} {DECISION_WORDS[status]} by {decider(approval)}{behalf}{when}{comment}"
    if status == ApprovalStatus.REASSIGNED:
        to = (
            f" to {who_named(approval.successor_assignee, approval.successor_name)}"
            if approval.successor_assignee
            else ""
        )
        said = describe(approval.causes[0]) if approval.causes else approval.comment
        why = f": {quote(said, REASON_MAX)}" if said else ""
        return f"{emoji} Reassigned{to}{why}"
    if status == ApprovalStatus.CANCELLED:
        return f"{emoji} {_ended(deal, approval)}"
    if status == ApprovalStatus.SKIPPED:
        return f"{emoji} Skipped: {quote(approval.reason, REASON_MAX)}"
    due = f", {time_left(approval.due_at, now)}" if approval.due_at else ""
    return f"{emoji} Waiting for {who(approval.assignee, approval.approver_name)}{due}"


def _ended(deal: DealSnapshot, approval: ApprovalSnapshot) -> str:
    if approval.revision < deal.revision:
        return (
            f"No longer needed: {deal.ref} changed (revision {deal.revision} now). "
            "If you are needed again, a new card says what changed."
        )
    if deal.status == DealStatus.IN_REVIEW and approval.comment:  # a group's quorum was met
        text = quote(approval.comment, REASON_MAX)
        return text[:1].upper() + text[1:]
    if deal.status == DealStatus.WITHDRAWN and approval.decided_by:
        reason = f": {quote(approval.comment, COMMENT_MAX)}" if approval.comment else ""
        return f"Withdrawn by {decider(approval)}{reason}. This approval is no longer needed."
    return ENDED_BECAUSE.get(DealStatus(deal.status), "This approval is no longer needed.")


def revision_lines(deal: DealSnapshot) -> str:
    """On a revised deal, each sign-off the revision kept and each it asked for again, why."""
    lines = []
    for approval in deal.approvals:
        if approval.carried_from is not None:
            lines.append(f"♻️ Kept: {_named(approval)}: {quote(approval.reason, REASON_MAX)}")
        elif ASKED_AGAIN in approval.reason:
            why = approval.reason.split(ASKED_AGAIN, 1)[1]
            lines.append(f"🔁 Asked again: {_named(approval)}: {quote(why, REASON_MAX)}")
    return "\n".join(lines) if deal.revision > 1 else ""


def _named(approval: ApprovalSnapshot) -> str:
    return who_named(approval.assignee, approval.approver_name)


def stage_marks(deal: DealSnapshot) -> list[tuple[str, str]]:
    """(emoji, stage name) per stage: ✅ done · ⏳ current · ◻️ ahead · ⏭️ skipped, ❌/↩️ ended."""
    marks = []
    for index, name in enumerate(deal.stage_names):
        rows = [a for a in deal.approvals if a.stage_index == index]
        marks.append((_stage_mark(deal, index, rows), name))
    return marks


def _stage_mark(deal: DealSnapshot, index: int, rows: Sequence[ApprovalSnapshot]) -> str:
    statuses = {a.status for a in rows}
    if ApprovalStatus.REJECTED in statuses:
        return "❌"
    if ApprovalStatus.CHANGES_REQUESTED in statuses:
        return "↩️"
    if ApprovalStatus.PENDING in statuses or index == deal.stage_index:
        return "⏳"
    if rows and statuses <= {ApprovalStatus.SKIPPED}:
        return "⏭️"
    if ApprovalStatus.APPROVED in statuses:
        return "✅"
    passed = deal.stage_index is not None and index < deal.stage_index
    if passed or deal.status == DealStatus.APPROVED:
        return "⏭️"
    return "◻️"


def progress_line(deal: DealSnapshot) -> str:
    return " · ".join(f"{mark} {quote(name, 80)}" for mark, name in stage_marks(deal))


def status_line(deal: DealSnapshot) -> str:
    """ "*Status:* 🔎 In review · stage 2 of 3, Deal approval"."""
    label = STATUS_LABEL.get(DealStatus(deal.status), deal.status)
    stage = ""
    if deal.stage_index is not None and deal.stage_names:
        stage = (
            f" · stage {deal.stage_index + 1} of {len(deal.stage_names)}, "
            f"{quote(deal.stage_names[deal.stage_index], 80)}"
        )
    return f"*Status:* {label}{stage}"


def pending_line(approval: ApprovalSnapshot, now: datetime) -> str:
    """ "• <@U0LISA> · Deal approval · due today at 3:00 PM (due in 2h)"."""
    due = (
        f" · due {slack_date(approval.due_at)} ({time_left(approval.due_at, now)})"
        if approval.due_at
        else ""
    )
    escalated = ""
    if approval.escalated_at:
        why = (
            f": {quote(describe_escalation(approval.causes), REASON_MAX)}"
            if approval.causes
            else ""
        )
        escalated = f" · 🚨 with the admins{why}"
    group = f" · 👥 {approval.group}" if approval.group else ""
    return (
        f"• {who(approval.assignee, approval.approver_name)} · "
        f"{quote(approval.stage_name, 80)}{due}{escalated}{group}"
    )


def final_decision(deal: DealSnapshot) -> ApprovalSnapshot | None:
    """The approval that decided a rejected or sent-back deal (the latest one with that status)."""
    wanted = {
        DealStatus.REJECTED: ApprovalStatus.REJECTED,
        DealStatus.CHANGES_REQUESTED: ApprovalStatus.CHANGES_REQUESTED,
    }.get(DealStatus(deal.status))
    rows = [a for a in deal.approvals if a.status == wanted]
    return max(rows, key=lambda a: (a.decided_at or a.assigned_at, a.id)) if rows else None


def blockquote(text: str) -> str:
    """Escaped text as a mrkdwn block quote, line by line."""
    return "\n".join(f">{line}" for line in text.split("\n"))
