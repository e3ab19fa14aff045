"""Telling the person who clicked something only they see, wherever they clicked."""

from __future__ import annotations

from bot.cards.blocks import SlackMessage
from bot.interactions.payloads import ButtonClick
from bot.slack.gateway import SlackGateway


async def tell(gateway: SlackGateway, click: ButtonClick, reply: SlackMessage) -> None:
    """Through the click's response_url (ephemeral), else chat.postEphemeral in its
    channel, else a DM (a click on App Home has neither)."""
    if click.response_url and await gateway.respond(click.response_url, reply):
        return
    if click.channel:
        await gateway.ephemeral(click.channel, click.user, reply)
        return
    await gateway.post(await gateway.open_dm(click.user), reply)
