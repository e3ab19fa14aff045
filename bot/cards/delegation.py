"""The direct messages that tell both people a delegation started or ended, and the
answer to `/deal delegate` for the person who asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.cards.blocks import SlackMessage, context, message, section
from bot.text.mrkdwn import ON_DATE, escape_mrkdwn, mention, slack_date


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


@dataclass(frozen=True)
class DelegationReply:
    """What ``/deal delegate`` did, for the person who asked."""

    delegate: str | None
    """Who gets the approvals now; None when there was no delegation to turn off."""
    last_day: date | None = None
    """The last day of the delegation in the asker's time zone; None: until turned off."""
    moved: int = 0
    ended: bool = False
    """False: a delegation started; True: ``/deal delegate off`` ended one."""
    roles: tuple[str, ...] = ()
    """The policy roles the delegate decides for while it lasts."""


def build_delegation_reply(reply: DelegationReply, today: date) -> SlackMessage:
    """ "🤝 Your approvals go to @Tom until Fri, Dec 4; 2 pending approvals moved."."""
    if reply.delegate is None:
        text = "You have no delegation on, so nothing changed."
    elif reply.ended:
        text = (
            f"✅ Your delegation to {mention(reply.delegate)} is off: new approvals come to "
            "you again. What they already hold stays with them."
        )
    else:
        until = (
            f"until {_day(reply.last_day, today)}"
            if reply.last_day
            else "until you turn it off with `/deal delegate off`"
        )
        moved = (
            f"{reply.moved} pending approval{'s' if reply.moved != 1 else ''} moved"
            if reply.moved
            else "nothing was pending"
        )
        roles = f" as {_listed(reply.roles)}" if reply.roles else ""
        text = (
            f"🤝 Your approvals{roles} go to {mention(reply.delegate)} {until}; {moved}. "
            "You both get a message about it."
        )
    return message(text, [section(text)])


def _listed(names: tuple[str, ...]) -> str:
    """ "CFO", "CFO and Legal", "CFO, Legal and CEO"."""
    escaped = [escape_mrkdwn(name) for name in names]
    return escaped[0] if len(escaped) == 1 else f"{', '.join(escaped[:-1])} and {escaped[-1]}"


def _day(day: date, today: date) -> str:
    """ "Fri, Dec 4" (with the year when it is not this year's)."""
    year = f", {day.year}" if day.year != today.year else ""
    return f"{day:%a, %b} {day.day}{year}"
