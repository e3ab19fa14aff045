"""``/deal reassign <deal id> <approver> @person [reason]``: a deal desk admin moves a pending
approval to someone else; the old card says where it went and why, the new holder gets
a card of their own."""

from __future__ import annotations

from bot.cards.blocks import SlackMessage
from bot.cards.replies import build_done_reply
from bot.commands.people import MENTION, find_person
from bot.core.errors import UserInputError
from bot.interactions.deps import ServeDeps
from bot.interactions.payloads import SlashCommand
from bot.text.mrkdwn import mention, quote
from bot.workflow.admin import admin_reassign, require_admin
from policies.vocabulary import parse_deal_ref

USAGE = "write `/deal reassign D-1001 cfo @person why it moves`"
REASON_MAX = 500


async def reassign(deps: ServeDeps, command: SlashCommand) -> SlackMessage:
    require_admin(command.user, deps.policies.current.policy.admins)
    parts = command.argument.split(maxsplit=3)
    if len(parts) < 3:
        raise UserInputError("deal", f"which deal, approver and person? Please {USAGE}.")
    ref, approver, who = parts[:3]
    deal_id = parse_deal_ref(ref)
    if deal_id is None:
        raise UserInputError("deal", f"“{ref}” is not a deal id; they look like D-1001")
    named = MENTION.fullmatch(who)
    if named is None:
        raise UserInputError("user", f"who should take it? Mention them: {USAGE}.")
    person = await find_person(deps, named[1], "user")
    if person.is_bot:
        raise UserInputError("user", f"{mention(person.user)} is an app, not a person.")
    reason = parts[3].strip()[:REASON_MAX] if len(parts) > 3 else "moved by an admin"
    async with deps.unit_of_work() as uow:
        row = await admin_reassign(uow, deal_id, approver, person.user, command.user, reason)
    return build_done_reply(
        f"↪️ {quote(ref.upper(), 20)}: {quote(approver, 64)} now waits for {mention(row.assignee)} "
        f"({quote(reason, REASON_MAX)}). They get a card; the old one says where it went."
    )
