"""Telling the person who clicked something only they see, wherever they clicked."""

from __future__ import annotations

from bot.cards.replies import build_error_reply
from bot.interactions.payloads import ButtonClick
from bot.runtime import Runtime
from bot.slack.kinds import notice_row
from store import outbox


async def tell(runtime: Runtime, click: ButtonClick, text: str) -> None:
    """Through the click's response_url (ephemeral), else chat.postEphemeral in its
    channel, else (a click on App Home has neither) a DM, which the outbox posts at the
    DM's pace like every other post."""
    reply = build_error_reply(text)
    if click.response_url and await runtime.gateway.respond(click.response_url, reply):
        return
    if click.channel:
        await runtime.gateway.ephemeral(click.channel, click.user, reply)
        return
    deps = runtime.deps
    async with deps.db.transaction() as session:
        await outbox.add_many(session, [notice_row(click.user, text, deps.clock.now())])
    runtime.delivery.wake()
