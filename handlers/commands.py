"""``/deal``: every subcommand answers only the person who asked."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.commands import COMMAND, run_deal_command
from bot.interactions.payloads import SlashCommand, ephemeral
from handlers.context import deps_of


def register(app: AsyncApp) -> None:
    app.command(COMMAND)(handle_deal_command)


async def handle_deal_command(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    reply = await run_deal_command(deps_of(context), SlashCommand.from_body(body))
    if reply is None:
        await ack()
    else:
        await ack(**ephemeral(reply))
