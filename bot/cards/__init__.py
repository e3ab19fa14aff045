"""Every Block Kit surface dealdesk posts, as pure builders over plain snapshots.

One module per surface (approval card, modals, deal thread, owner DMs, escalation,
reminder, App Home, slash-command replies). Slack's limits and the two operations every
builder relies on, truncation and mrkdwn escaping, live in :mod:`bot.cards.limits`;
the small block constructors that apply them in :mod:`bot.cards.blocks`; every id a
listener matches on in :mod:`bot.cards.ids`.
"""

from __future__ import annotations

from bot.cards.blocks import SlackMessage

__all__ = ["SlackMessage"]
