"""``/deal edit <deal id>`` and ``/deal withdraw <deal id> [reason]``: a deal's owner (or an
admin) changes it in review, or takes it out."""

from __future__ import annotations

from bot.cards.blocks import SlackMessage
from bot.cards.replies import build_done_reply, build_error_reply
from bot.core.deps import Deps
from bot.core.errors import UserInputError
from bot.interactions.deal_form import open_edit_modal
from bot.interactions.deps import ServeDeps
from bot.interactions.payloads import SlashCommand
from bot.text.mrkdwn import quote
from bot.workflow import withdraw_deal
from policies.vocabulary import parse_deal_ref

REASON_MAX = 500


async def edit(deps: ServeDeps, command: SlashCommand) -> SlackMessage | None:
    """Open the deal form prefilled; None when it opened (the modal is the answer)."""
    wanted = command.argument.split(maxsplit=1)[0] if command.argument else ""
    if not wanted:
        raise UserInputError("deal", "which deal? Try `/deal edit D-1001`")
    problem = await open_edit_modal(deps, command.user, command.trigger_id, wanted)
    return build_error_reply(problem) if problem else None


async def withdraw(deps: Deps, command: SlashCommand) -> SlackMessage:
    parts = command.argument.split(maxsplit=1)
    if not parts:
        raise UserInputError(
            "deal", "which deal? Try `/deal withdraw D-1001 customer chose a rival`"
        )
    deal_id = parse_deal_ref(parts[0])
    if deal_id is None:
        raise UserInputError("deal", f"“{parts[0]}” is not a deal id; they look like D-1001")
    reason = parts[1].strip()[:REASON_MAX] if len(parts) > 1 else None
    async with deps.unit_of_work() as uow:
        result = await withdraw_deal(uow, deal_id, command.user, reason)
    why = f": {quote(reason, REASON_MAX)}" if reason else ""
    return build_done_reply(
        f"🗑️ {result.deal_ref} is withdrawn{why}. Every approval still pending has ended, "
        "and its card says so."
    )
