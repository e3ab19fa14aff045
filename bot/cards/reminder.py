"""The reminder posted in the approval card's thread when most of the SLA has passed."""

from __future__ import annotations

from datetime import datetime

from bot.cards.blocks import SlackMessage, message, section
from bot.read_models.snapshots import ApprovalSnapshot
from bot.text.mrkdwn import slack_date, who
from policies.duration import humanize


def build_reminder_reply(approval: ApprovalSnapshot, now: datetime) -> SlackMessage:
    """ "⏰ <@U0LISA>, this approval is due today at 3:00 PM (in 30m)."."""
    person = who(approval.assignee, approval.approver_name)
    if approval.due_at is None:
        line = f"⏰ {person}, this approval is still waiting for you."
    elif approval.overdue(now):
        line = (
            f"⏰ {person}, this approval was due {slack_date(approval.due_at)} "
            f"(overdue by {humanize(now - approval.due_at)})."
        )
    else:
        line = (
            f"⏰ {person}, this approval is due {slack_date(approval.due_at)} "
            f"(in {humanize(approval.due_at - now)})."
        )
    return message(line, [section(line)])
