"""The kinds of Slack work the outbox holds, and how rows are keyed for ordering."""

from __future__ import annotations

from enum import StrEnum


class Work(StrEnum):
    CARD_POST = "card.post"
    """Send the approval card to its assignee ({approval_id})."""
    CARD_REFRESH = "card.refresh"
    """Re-render a card in place after a decision, reassignment, escalation or cancel."""
    REMINDER = "card.reminder"
    """Remind the assignee in the card's thread."""
    ESCALATION = "escalation.post"
    """Ask the admins in the escalation channel ({approval_id})."""
    DEAL_PARENT = "deal.parent"
    """Post or update the deal's one message in the deal channel ({deal_id})."""
    DEAL_REPLY = "deal.reply"
    """A step in the deal's thread ({deal_id, step, approval_id})."""
    OWNER_NOTICE = "owner.notice"
    """Tell the deal's owner it was approved, rejected or sent back ({deal_id, status})."""
    HOME = "home.publish"
    """Republish someone's App Home inbox ({user})."""
    DELEGATION = "delegation.notice"
    """Tell both people a delegation started or ended ({delegation_id, state})."""
    NOTICE = "notice"
    """A message only one person sees ({user, text, response_url?, channel?})."""
    BRIEFING = "briefing.post"
    """A morning briefing, rendered when it was claimed ({subject, user, message})."""
    DIGEST = "digest.post"
    """The deal channel's daily digest, rendered when claimed ({subject, channel, message})."""
    NUDGE = "stalled.nudge"
    """Tell an owner their deal is stalled, rendered when claimed ({subject, user, message})."""

    @property
    def coalesces(self) -> bool:
        """Re-renders current state: a newer row of the same key makes an older one moot."""
        return self in (Work.HOME, Work.DEAL_PARENT, Work.CARD_REFRESH)


def approval_key(approval_id: int) -> str:
    return f"approval:{approval_id}"


def deal_key(deal_id: int) -> str:
    return f"deal:{deal_id}"
