"""The message in ``escalation_channel`` when an approval's backup chain is exhausted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import Block

from bot.cards.approval import decision_buttons
from bot.cards.blocks import SlackMessage, context, header, message, section
from bot.cards.ids import EscalationBlock
from bot.cards.parts import (
    company,
    deal_context,
    fact_fields,
    outcome_line,
    recommendation_line,
    use_case_line,
    why_line,
)
from bot.read_models.snapshots import ApprovalSnapshot, DealSnapshot
from bot.text.causes import CauseKind, describe_escalation, sentence
from bot.text.mrkdwn import mention, slack_date, time_left, who

ADMINS_SHOWN = 20


def build_escalation_message(
    deal: DealSnapshot,
    approval: ApprovalSnapshot,
    admins: Sequence[str],
    now: datetime,
) -> SlackMessage:
    """Mentions the admins, says why nobody is left (the recorded causes), and offers the
    three buttons.

    Once the approval is settled the same builder shows its outcome instead of the buttons,
    for ``chat.update``. The buttons carry the approval card's action ids.
    """
    holder = who(approval.assignee, approval.approver_name)
    admins = [admin for admin in admins if admin != deal.owner]  # nobody decides their own
    shown = admins[:ADMINS_SHOWN]
    more = f" and {len(admins) - len(shown)} more" if len(admins) > len(shown) else ""
    to = (
        f"{' '.join(mention(admin) for admin in shown)}{more}"
        if admins
        else "No admins are set in the policy (`admins:`), so nobody is mentioned"
    )
    if approval.causes:
        since = sentence(describe_escalation(approval.causes))
        timed_out = approval.causes[0].kind is CauseKind.TIMEOUT
        late = (
            f"; it was due {slack_date(approval.due_at)}" if timed_out and approval.due_at else ""
        )
    elif approval.assignee == deal.owner:  # recorded before causes were
        since, late = f"{holder} owns this deal, so they may not decide it", ""
    else:
        since = f"{holder} has not answered since {slack_date(approval.assigned_at)}"
        late = (
            f"; it was due {slack_date(approval.due_at)} ({time_left(approval.due_at, now)})"
            if approval.due_at
            else ""
        )
    blocks: list[Block] = [
        header(f"Escalation: {deal.company} needs a decision"),
        section(f"{to}: no backup is left for this approval. {since}{late}."),
        section(use_case_line(deal), fields=fact_fields(deal)),
        section(why_line(approval, label=f"Why {holder}")),
    ]
    if advice := recommendation_line(approval):
        blocks.append(section(advice))
    if approval.is_pending:
        blocks.append(decision_buttons(approval.id, EscalationBlock.ACTIONS))
    else:
        blocks.append(section(outcome_line(deal, approval, now), block_id=EscalationBlock.OUTCOME))
    blocks.append(context(deal_context(deal)))
    text = f"🚨 {to}: {company(deal)} ({deal.ref}) needs a decision. {since}{late}."
    return message(text, blocks)
