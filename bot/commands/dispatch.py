"""``/deal <subcommand> …``: a table from subcommand to the function that answers it.

Each answer is a message only the asker sees, or None when the answer is a modal (``new``).
Errors people can act on (bot.core.errors) become a short reply; anything else propagates to
the app's error handler, which logs it and shows a correlation id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.cards.blocks import SlackMessage
from bot.cards.replies import (
    build_error_reply,
    build_help_reply,
    build_inbox_reply,
    build_not_found_reply,
    build_status_reply,
)
from bot.commands.admin import reassign
from bot.commands.audit_trail import audit_reply
from bot.commands.briefing import briefing
from bot.commands.changes import edit, withdraw
from bot.commands.delegate import delegate
from bot.commands.report import report
from bot.commands.stalled import stalled
from bot.core.deps import Deps
from bot.core.errors import DealdeskError, UserInputError
from bot.interactions.deal_form import open_new_deal_modal, open_preview_modal
from bot.interactions.deps import ServeDeps
from bot.interactions.payloads import SlashCommand
from bot.read_models.approval_inbox import deadline_order, load_inbox
from bot.read_models.deal_lookup import find_deal

COMMAND = "/deal"

Subcommand = Callable[[ServeDeps, SlashCommand], Awaitable[SlackMessage | None]]


async def run_deal_command(deps: ServeDeps, command: SlashCommand) -> SlackMessage | None:
    """Answer ``/deal``; an unknown subcommand (or none) answers with help."""
    answer = SUBCOMMANDS.get(command.subcommand)
    if answer is None:
        return build_help_reply(command.text.strip() or None)
    try:
        return await answer(deps, command)
    except UserInputError as error:
        return build_error_reply(error.message[:1].upper() + error.message[1:])
    except DealdeskError as error:
        return build_error_reply(str(error))


async def status(deps: Deps, command: SlashCommand) -> SlackMessage:
    query = command.argument
    if not query:
        raise UserInputError("deal", "which deal? Try `/deal status D-1001` or a company name")
    async with deps.db.read() as session:
        found = await find_deal(session, deps.policies, query)
    if found.deal is None:
        return build_not_found_reply(query, found.suggestions)
    admin = command.user in deps.policies.current.policy.admins
    return build_status_reply(found.deal, deps.clock.now(), admin=admin)


async def inbox(deps: Deps, command: SlashCommand) -> SlackMessage:
    """The approvals waiting for the asker: their own and those delegated to them."""
    now = deps.clock.now()
    async with deps.db.read() as session:
        home = await load_inbox(session, deps.policies, command.user, now)
    waiting = sorted([*home.waiting, *home.delegated], key=lambda item: deadline_order(item, now))
    total = (home.waiting_total or 0) + (home.delegated_total or 0)
    return build_inbox_reply(waiting, now, total)


async def audit(deps: Deps, command: SlashCommand) -> SlackMessage:
    return await audit_reply(deps, command.argument)


async def new(deps: ServeDeps, command: SlashCommand) -> None:
    await open_new_deal_modal(deps, command.trigger_id)


async def preview(deps: ServeDeps, command: SlashCommand) -> None:
    await open_preview_modal(deps, command.trigger_id)


async def help_(deps: Deps, command: SlashCommand) -> SlackMessage:
    return build_help_reply()


SUBCOMMANDS: dict[str, Subcommand] = {
    "status": status,
    "inbox": inbox,
    "audit": audit,
    "new": new,
    "preview": preview,
    "edit": edit,
    "withdraw": withdraw,
    "reassign": reassign,
    "help": help_,
    "delegate": delegate,
    "stalled": stalled,
    "report": report,
    "briefing": briefing,
}
