"""Slack statuses in the sandbox: the few a person can set from the page, to try out of
office (a vacation moves their approvals to a backup), and how the page shows one."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final

from sandbox.objects import User
from sandbox.workspace import Workspace


@dataclass(frozen=True)
class StatusChoice:
    id: str
    label: str
    emoji: str
    text: str
    lasts: timedelta


STATUS_CHOICES: Final = (
    StatusChoice(
        "vacation", "On vacation for 2 days", ":palm_tree:", "On vacation", timedelta(days=2)
    ),
    StatusChoice(
        "sick", "Out sick today", ":face_with_thermometer:", "Out sick", timedelta(hours=10)
    ),
    StatusChoice(
        "meeting",
        "In a meeting for an hour",
        ":spiral_calendar_pad:",
        "In a meeting",
        timedelta(hours=1),
    ),
)
CLEAR: Final = "clear"


class StatusError(ValueError):
    """A status the page cannot set; the message says which ones it can."""


def set_status(workspace: Workspace, user_id: str, choice_id: str, now: datetime) -> str:
    """Set (or, with ``clear``, clear) ``user_id``'s status as Slack keeps it; what was done."""
    user = workspace.users[user_id]
    if choice_id == CLEAR:
        workspace.users[user_id] = replace(
            user, status_text="", status_emoji="", status_expiration=0
        )
        return f"{user.name}'s status is cleared."
    choice = next((choice for choice in STATUS_CHOICES if choice.id == choice_id), None)
    if choice is None:
        known = ", ".join([*(choice.id for choice in STATUS_CHOICES), CLEAR])
        raise StatusError(f"no status {choice_id!r}; there are {known}")
    workspace.users[user_id] = replace(
        user,
        status_text=choice.text,
        status_emoji=choice.emoji,
        status_expiration=int((now + choice.lasts).timestamp()),
    )
    return f"{user.name}'s status: {choice.emoji} {choice.text}."


def shown_status(user: User, now: datetime) -> dict[str, Any] | None:
    """The status as the page shows it, or None when there is none or it has expired."""
    if not (user.status_text or user.status_emoji):
        return None
    if user.status_expiration and user.status_expiration <= now.timestamp():
        return None
    return {
        "emoji": user.status_emoji,
        "text": user.status_text,
        "until": user.status_expiration or None,
    }
