""" "I'm on it" on an approval card: the timeout moves later once, and the card says when."""

from __future__ import annotations

from bot.core.deps import Deps
from bot.core.errors import DealdeskError
from bot.interactions.answer import BROKEN_BUTTON
from bot.interactions.payloads import ButtonClick, parse_id
from bot.text.mrkdwn import slack_date
from bot.workflow.snooze import snooze


async def snooze_from_button(deps: Deps, click: ButtonClick) -> tuple[str, bool]:
    """(what to tell the clicker, whether it is a warning: nothing moved)."""
    approval_id = parse_id(click.value)
    if approval_id is None:
        return BROKEN_BUTTON, True
    try:
        async with deps.unit_of_work() as uow:
            result = await snooze(uow, approval_id, click.user)
    except DealdeskError as error:
        return str(error), True
    return (
        f"🙋 Noted: {result.deal_ref} waits for you until {slack_date(result.due_at)} before "
        "it moves on. The card shows the new time.",
        False,
    )
