"""``/deal delegate @person [until YYYY-MM-DD]`` and ``/deal delegate off``.

The end date means "through that day" in the asker's time zone (their Slack profile's,
else the policy's): the delegation ends at the next local midnight. The workflow
(bot.workflow.delegation) refuses oneself, a bot and a cycle, moves what is pending,
audits it and tells both people.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.cards.blocks import SlackMessage
from bot.cards.delegation import DelegationReply, build_delegation_reply
from bot.commands.people import MENTION, find_person
from bot.core.deps import Deps
from bot.core.errors import UserInputError
from bot.interactions.deps import ServeDeps
from bot.interactions.payloads import SlashCommand
from bot.slack.gateway import SlackTrouble
from bot.workflow.delegation import end_delegation, start_delegation

USAGE = (
    "write `/deal delegate @person until YYYY-MM-DD`, `/deal delegate @person` "
    "(until you turn it off) or `/deal delegate off`"
)
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class DelegateCommand:
    delegate: str | None
    """None: ``off``."""
    last_day: date | None = None


def parse_delegate(argument: str) -> DelegateCommand:
    """Read what follows ``/deal delegate``; UserInputError saying how to write it."""
    text = argument.strip()
    if text.lower() == "off":
        return DelegateCommand(None)
    found = MENTION.match(text)
    if found is None:
        raise UserInputError("delegate", f"whom should your approvals go to? Please {USAGE}.")
    rest = text[found.end() :].split()
    if not rest:
        return DelegateCommand(found[1])
    if len(rest) != 2 or rest[0].lower() != "until":
        raise UserInputError("until", f"I couldn't read that. Please {USAGE}.")
    return DelegateCommand(found[1], parse_day(rest[1]))


def parse_day(text: str) -> date:
    try:
        if DAY.match(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise UserInputError(
        "until", f"“{text}” is not a date: write it as YYYY-MM-DD, for example 2026-12-04."
    )


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The first moment after ``day`` in ``zone`` (its next local midnight), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


async def delegate(deps: ServeDeps, command: SlashCommand) -> SlackMessage:
    wanted = parse_delegate(command.argument)
    if wanted.delegate is None:
        return await _turn_off(deps, command.user)
    person = await find_person(deps, wanted.delegate, "delegate")
    zone = await _zone(deps, command.user)
    ends_at = end_of_day(wanted.last_day, zone) if wanted.last_day else None
    async with deps.unit_of_work() as uow:
        started = await start_delegation(
            uow, command.user, person.user, ends_at, delegate_is_bot=person.is_bot
        )
        today = uow.now.astimezone(zone).date()
    reply = DelegationReply(
        started.delegate, wanted.last_day, len(started.moved), roles=started.roles
    )
    return build_delegation_reply(reply, today)


async def _turn_off(deps: Deps, user: str) -> SlackMessage:
    async with deps.unit_of_work() as uow:
        ended = await end_delegation(uow, user)
        today = uow.now.date()
    return build_delegation_reply(
        DelegationReply(ended.delegate if ended else None, ended=True), today
    )


async def _zone(deps: ServeDeps, user: str) -> ZoneInfo:
    """The asker's own time zone; the policy's when Slack has none (or cannot say)."""
    fallback = deps.policies.current.policy.zone
    try:
        tz = (await deps.gateway.person(user)).tz
        return ZoneInfo(tz) if tz else fallback
    except (SlackTrouble, ZoneInfoNotFoundError, ValueError):
        return fallback
