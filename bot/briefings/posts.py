"""Outbox rows for messages rendered when they were claimed: delivery only posts them."""

from __future__ import annotations

from datetime import datetime

from bot.cards.blocks import SlackMessage
from bot.outbox.work import Work, new_row
from store.outbox import NewRow


def post_row(
    kind: Work,
    key: str,
    subject: str,
    message: SlackMessage,
    now: datetime,
    *,
    user: str | None = None,
    channel: str | None = None,
) -> NewRow:
    """A row that posts ``message`` to ``channel``, or to ``user``'s DM, once per ``subject``."""
    return new_row(
        kind,
        key,
        now,
        lane=channel or user,
        subject=subject,
        user=user,
        channel=channel,
        message=message.to_dict(),
    )
