"""Telling the person who clicked something only they see, wherever they clicked."""

from __future__ import annotations

from bot.cards.replies import build_done_reply, build_error_reply
from bot.interactions.deps import ServeDeps
from bot.interactions.payloads import ButtonClick
from bot.slack.planner import queue_notice

FIELD_ERROR_MAX = 150
"""Slack shows a modal field's error on one or two lines."""
BROKEN_BUTTON = "That button does not point at anything I know, so nothing changed."


def field_error(text: str) -> str:
    """``text`` cut to fit under a modal field (``response_action: errors``)."""
    return text if len(text) <= FIELD_ERROR_MAX else text[: FIELD_ERROR_MAX - 1] + "…"


async def tell(deps: ServeDeps, click: ButtonClick, text: str, *, warning: bool = True) -> None:
    """Through the click's response_url (ephemeral), else chat.postEphemeral in its
    channel, else (a click on App Home has neither) a DM, which the outbox posts at the
    DM's pace like every other post. ``warning``: why nothing happened; else a
    confirmation (``text`` is then mrkdwn)."""
    reply = build_error_reply(text) if warning else build_done_reply(text)
    if click.response_url and await deps.gateway.respond(click.response_url, reply):
        return
    if click.channel:
        await deps.gateway.ephemeral(click.channel, click.user, reply)
        return
    await queue_notice(deps, click.user, text)
