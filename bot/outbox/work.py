"""The kinds of work the outbox holds (Slack's and the webhook receivers'): how urgent each
is, which Slack Web API methods it calls, and how its rows are keyed (for order) and laned
(for pace)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from store.outbox import NewRow

POST = "chat.postMessage"
"""Paced per conversation (the row's lane); every other method is limited as a whole."""

POST_INTERVAL = 1.0
"""Seconds between two ``chat.postMessage`` calls to one conversation: Slack's rate limit
for posting is about one message per second per channel (the outbox keeps that pace)."""


class Work(StrEnum):
    CARD_POST = "card.post"
    """Send the approval card to its assignee ({approval_id})."""
    CARD_REFRESH = "card.refresh"
    """Re-render a card in place after a decision, reassignment, escalation or cancel."""
    REMINDER = "card.reminder"
    """Remind the assignee in the card's thread."""
    ESCALATION = "escalation.post"
    """Ask the admins in the escalation channel ({approval_id}), or one admin by DM
    ({approval_id, user}) when the policy has no escalation channel."""
    DEAL_PARENT = "deal.parent"
    """Post or update the deal's one message in the deal channel ({deal_id})."""
    DEAL_REPLY = "deal.reply"
    """A step in the deal's thread ({deal_id, step, approval_id})."""
    OWNER_NOTICE = "owner.notice"
    """Tell the deal's owner it was approved, rejected or sent back ({deal_id, status})."""
    COUNTER_POST = "counter.post"
    """Ask the deal's owner to accept or decline a counter-offer ({counter_id})."""
    COUNTER_REFRESH = "counter.refresh"
    """Re-render the owner's counter-offer message once it is answered ({counter_id})."""
    COUNTER_DECLINED = "counter.declined"
    """Tell the approver who countered that the owner declined ({counter_id, user})."""
    HOME = "home.publish"
    """Republish someone's App Home inbox ({user})."""
    DELEGATION = "delegation.notice"
    """Tell one of the two people that a delegation started or ended
    ({delegation_id, state, user})."""
    NOTICE = "notice"
    """A message only one person sees ({user, text, response_url?, channel?})."""
    BRIEFING = "briefing.post"
    """A morning briefing, rendered when it was claimed ({subject, user, message})."""
    BRIEFING_REFRESH = "briefing.refresh"
    """Take the buttons of settled approvals off a posted briefing ({subject})."""
    DIGEST = "digest.post"
    """The deal channel's daily digest, rendered when claimed ({subject, channel, message})."""
    NUDGE = "stalled.nudge"
    """Tell an owner their deal is stalled, rendered when claimed ({subject, user, message})."""
    WEBHOOK = "webhook"
    """A deal event for a webhook receiver, signed when sent ({event_id, event, url,
    secret_env, body}); its key keeps one receiver's events of one deal in order."""

    @property
    def coalesces(self) -> bool:
        """Re-renders current state: a newer row of the same key makes an older one moot."""
        return self in (
            Work.HOME,
            Work.DEAL_PARENT,
            Work.CARD_REFRESH,
            Work.COUNTER_REFRESH,
            Work.BRIEFING_REFRESH,
        )

    @property
    def priority(self) -> int:
        """0: someone is waiting for it (a card, a decision's outcome, an answer); 1: for a
        person, but no one is waiting (briefings, nudges); 2: channel posts and Home tabs."""
        return _PRIORITY.get(self, 0)

    @property
    def methods(self) -> frozenset[str]:
        """The Web API methods delivering it may call."""
        return _METHODS[self]


_PRIORITY = {
    Work.WEBHOOK: 1,
    Work.BRIEFING: 1,
    Work.NUDGE: 1,
    Work.DEAL_PARENT: 2,
    Work.DEAL_REPLY: 2,
    Work.DIGEST: 2,
    Work.HOME: 2,
}
_DM = frozenset({"conversations.open", POST})
_METHODS = {
    Work.CARD_POST: _DM,
    Work.CARD_REFRESH: frozenset({"chat.update"}),
    Work.REMINDER: _DM,
    Work.ESCALATION: _DM,
    Work.DEAL_PARENT: frozenset({POST, "chat.update"}),
    Work.DEAL_REPLY: frozenset({POST}),
    Work.OWNER_NOTICE: _DM,
    Work.COUNTER_POST: _DM,
    Work.COUNTER_REFRESH: frozenset({"chat.update"}),
    Work.COUNTER_DECLINED: _DM,
    Work.HOME: frozenset({"views.publish"}),
    Work.DELEGATION: _DM,
    Work.NOTICE: _DM | {"chat.postEphemeral"},
    Work.BRIEFING: _DM,
    Work.BRIEFING_REFRESH: frozenset({"chat.update"}),
    Work.DIGEST: frozenset({POST}),
    Work.NUDGE: _DM,
    Work.WEBHOOK: frozenset(),
}


def held_kinds(methods: set[str]) -> set[str]:
    """The kinds that call a method Slack holds back now (a 429 on it, not per channel)."""
    return {kind.value for kind in Work if kind.methods & (methods - {POST})}


def new_row(kind: Work, key: str, now: datetime, *, lane: str | None, **payload: Any) -> NewRow:
    """An outbox row of ``kind``; ``lane`` is the conversation it posts into (a channel id,
    or a user id for that person's DM), None when it posts nothing."""
    return NewRow(kind.value, key, lane, kind.priority, payload, now)


def notice_row(
    user: str,
    text: str,
    now: datetime,
    *,
    response_url: str | None = None,
    channel: str | None = None,
    **details: Any,
) -> NewRow:
    """Tell ``user`` something only they see: through the click's ``response_url``, else
    as an ephemeral in ``channel``, else in their DM (then it is a post, in their lane)."""
    return new_row(
        Work.NOTICE,
        f"notice:{user}",
        now,
        lane=None if response_url or channel else user,
        user=user,
        text=text,
        response_url=response_url,
        channel=channel,
        **details,
    )


def approval_key(approval_id: int) -> str:
    return f"approval:{approval_id}"


def deal_key(deal_id: int) -> str:
    return f"deal:{deal_id}"


def counter_key(counter_id: int) -> str:
    return f"counter:{counter_id}"
