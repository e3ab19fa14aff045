"""The people a slash command names: ``@mentions`` as Slack sends them, and whether that
person is really in the workspace."""

from __future__ import annotations

import re

from bot.core.errors import UserInputError
from bot.interactions.deps import ServeDeps
from bot.slack.gateway import Person, SlackTrouble

MENTION = re.compile(r"<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>")
"""A mention as Slack sends it with ``should_escape``: ``<@U0LISA|lisa>`` or ``<@U0LISA>``."""


async def find_person(deps: ServeDeps, user: str, field: str) -> Person:
    """The workspace member ``user``; UserInputError on ``field`` when there is none, or
    Slack cannot say right now."""
    try:
        return await deps.gateway.person(user)
    except SlackTrouble as trouble:
        if trouble.retryable:
            raise UserInputError(
                field, "Slack didn't answer just now, so nothing changed. Try again soon."
            ) from None
        raise UserInputError(field, f"I can't find {user} in this workspace.") from None
