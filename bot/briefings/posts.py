"""Outbox rows for messages rendered when they were claimed: delivery only posts them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.cards.blocks import SlackMessage
from bot.slack.work import Work


def post_row(
    kind: Work,
    key: str,
    subject: str,
    message: SlackMessage,
    now: datetime,
    *,
    user: str | None = None,
    channel: str | None = None,
) -> dict[str, Any]:
    """A row that posts ``message`` to ``channel``, or to ``user``'s DM, once per ``subject``."""
    payload = {"subject": subject, "user": user, "channel": channel, "message": message.to_dict()}
    return {"kind": kind.value, "key": key, "payload": payload, "created_at": now}
