"""The direct messages that tell both people a delegation started or ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.cards.blocks import SlackMessage, context, message, section
from bot.cards.format import ON_DATE, mention, slack_date


@dataclass(frozen=True)
class DelegationNotice:
    delegator: str
    delegate: str
    ends_at: datetime | None
    ended: bool
    """False: it has just started; True: it is over."""
    moved: int = 0
    """Pending approvals moved to the delegate when it started."""


def build_delegation_dm(notice: DelegationNotice, recipient: str) -> SlackMessage:
    """What ``recipient`` (the delegator or the delegate) is told."""
    if notice.ended:
        return _ended(notice, recipient)
    until = f" until {slack_date(notice.ends_at, ON_DATE)}" if notice.ends_at else ""
    moved = (
        f" {notice.moved} pending approval{'s' if notice.moved != 1 else ''} moved over."
        if notice.moved
        else ""
    )
    if recipient == notice.delegate:
        text = (
            f"🤝 {mention(notice.delegator)} handed their deal approvals to you{until}. "
            f"New ones come to you while it lasts.{moved}"
        )
    else:
        text = (
            f"🤝 Your deal approvals go to {mention(notice.delegate)}{until}.{moved} "
            "Turn it off early with `/deal delegate off`."
        )
    return message(text, [section(text), context("Delegations are in the audit log.")])


def _ended(notice: DelegationNotice, recipient: str) -> SlackMessage:
    if recipient == notice.delegate:
        text = (
            f"✅ {mention(notice.delegator)}'s delegation to you has ended: their new "
            "approvals go to them again. What you already hold stays with you."
        )
    else:
        text = (
            f"✅ Your delegation to {mention(notice.delegate)} has ended: new approvals "
            "come to you again."
        )
    return message(text, [section(text)])
