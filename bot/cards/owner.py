"""The direct message a deal's owner gets when the deal is approved, rejected, or sent back."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import Block, ButtonElement

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
from bot.cards.ids import OwnerAction, OwnerBlock
from bot.cards.parts import (
    COMMENT_MAX,
    blockquote,
    company,
    deal_context,
    decider,
    final_decision,
    progress_line,
    summary_sentence,
)
from bot.read_models.snapshots import DealSnapshot
from bot.text.mrkdwn import ON_DATE, quote, slack_date
from policies.vocabulary import DealStatus


def build_owner_dm(deal: DealSnapshot, now: datetime) -> SlackMessage:
    """The owner's DM for the deal's current outcome."""
    status = DealStatus(deal.status)
    if status is DealStatus.APPROVED:
        return build_approved_dm(deal, now)
    if status is DealStatus.REJECTED:
        return build_rejected_dm(deal, now)
    if status is DealStatus.CHANGES_REQUESTED:
        return build_changes_requested_dm(deal, now)
    if status is DealStatus.WITHDRAWN:
        line = f"🗑️ {summary_sentence(deal)} was withdrawn."
        return message(line, [section(line), context(deal_context(deal))])
    raise ValueError(f"{deal.ref} is still in review: the owner hears when it has an outcome")


def build_approved_dm(deal: DealSnapshot, now: datetime) -> SlackMessage:
    when = f" on {slack_date(deal.finished_at, ON_DATE)}" if deal.finished_at else ""
    blocks: list[Block] = [
        header(f"🎉 {deal.company} is approved"),
        section(f"Good news: {summary_sentence(deal)} was approved{when}.\n{progress_line(deal)}"),
        context(deal_context(deal)),
    ]
    return message(f"🎉 Your deal {company(deal)} ({deal.ref}) is approved.", blocks)


def build_rejected_dm(deal: DealSnapshot, now: datetime) -> SlackMessage:
    who_line, reason = _decision(deal, "rejected")
    blocks: list[Block] = [
        header(f"{deal.company} was rejected"),
        section(f"{summary_sentence(deal)} was {who_line}."),
        *([section(f"*Reason*\n{reason}")] if reason else []),
        context(deal_context(deal)),
    ]
    return message(f"❌ Your deal {company(deal)} ({deal.ref}) was {who_line}.", blocks)


def build_changes_requested_dm(deal: DealSnapshot, now: datetime) -> SlackMessage:
    """Sent back: what to change, and a Resubmit button that opens the prefilled deal form."""
    who_line, reason = _decision(deal, "sent back for changes")
    blocks: list[Block] = [
        header(f"Changes requested: {deal.company}"),
        section(f"{summary_sentence(deal)} was {who_line}."),
        *([section(f"*What to change*\n{reason}")] if reason else []),
        section("Update the deal and resubmit it. Approvals that still hold carry over."),
        actions(
            OwnerBlock.ACTIONS,
            button("Resubmit", OwnerAction.RESUBMIT, str(deal.id), style="primary"),
            withdraw_button(deal),
        ),
        context(deal_context(deal)),
    ]
    return message(
        f"↩️ Your deal {company(deal)} ({deal.ref}) was {who_line}. Update it and resubmit.",
        blocks,
    )


def withdraw_button(deal: DealSnapshot) -> ButtonElement:
    """Withdraw, confirmed first: the deal leaves review for good."""
    confirm = confirm_dialog(
        title="Withdraw this deal?",
        text="Every approval still pending ends, and the deal cannot be decided any more.",
        yes="Withdraw",
        no="Cancel",
    )
    return button("Withdraw", OwnerAction.WITHDRAW, str(deal.id), style="danger", confirm=confirm)


def _decision(deal: DealSnapshot, done: str) -> tuple[str, str]:
    """("rejected by <@U0LISA> in Deal approval on …", the quoted comment)."""
    row = final_decision(deal)
    if row is None:
        return done, ""
    when = f" on {slack_date(row.decided_at, ON_DATE)}" if row.decided_at else ""
    line = f"{done} by {decider(row)} in {quote(row.stage_name, 80)}{when}"
    return line, blockquote(quote(row.comment, COMMENT_MAX)) if row.comment else ""
