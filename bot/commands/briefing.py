"""``/deal briefing [on|off|time HH:MM]``: the asker's morning briefing settings."""

from __future__ import annotations

from bot.briefings.settings import change_briefing
from bot.briefings.timing import parse_time
from bot.cards.blocks import SlackMessage
from bot.cards.briefing import BriefingChange, build_briefing_setting_reply
from bot.core.errors import UserInputError
from bot.interactions.deps import ServeDeps
from bot.interactions.payloads import SlashCommand

USAGE = "say `/deal briefing on`, `/deal briefing off` or `/deal briefing time 07:30`"


async def briefing(deps: ServeDeps, command: SlashCommand) -> SlackMessage:
    words = command.argument.split()
    action = words[0].lower() if words else BriefingChange.STATUS.value
    if action not in {change.value for change in BriefingChange}:
        raise UserInputError("briefing", USAGE)
    at = None
    if action == BriefingChange.TIME:
        at = parse_time(words[1]) if len(words) == 2 else None
        if at is None:
            raise UserInputError(
                "time", "give the time as HH:MM, such as `/deal briefing time 07:30`"
            )
    setting = await change_briefing(deps, command.user, BriefingChange(action), at, deps.gateway)
    return build_briefing_setting_reply(setting)
