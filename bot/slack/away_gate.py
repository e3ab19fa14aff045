"""What the sender asks before a card goes out, and what bot.availability answers: is the
approval's holder out of office (then it goes to a stand-in and they get nothing)?"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Protocol

from policies.model import Policy


class Holding(Protocol):
    """What the check reads of an approval: an ORM row or a card's snapshot."""

    @property
    def assignee(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def is_avatar(self) -> bool: ...
    @property
    def escalated_at(self) -> datetime | None: ...
    @property
    def snoozed_at(self) -> datetime | None: ...
    @property
    def due_at(self) -> datetime | None: ...


class Verdict(Enum):
    HERE = "here"
    """Send as usual."""
    MOVED = "moved"
    """Away: the approval went to a stand-in; send its holder nothing."""
    WAITS = "waits"
    """Back before the deadline: the approval waits for them, its deadline moved."""


class AwayGate(Protocol):
    """Checks an approval's holder before their card goes out (bot.availability)."""

    async def __call__(self, approval_id: int, *, reminder: bool = False) -> bool:
        """True when the holder is away and the approval went to a stand-in."""
        ...

    async def check(
        self, approval_id: int, holding: Holding, policy: Policy, *, reminder: bool = False
    ) -> Verdict:
        """The same for an approval already read with its deal's policy."""
        ...
