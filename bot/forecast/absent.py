"""Out of office in the simulation: an approval whose holder's Slack status says they are
away waits for them when they are back soon (the policy's ``wait_if_back_within``, and
before it is due), or goes to the next in line when dealdesk would notice, as the
engine's away check does (bot.availability.gate, bot.workflow.away).

Times are seconds from the forecast's moment, as in bot.forecast.simulate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime

from policies.model import Policy


class Absent:
    def __init__(self, away: Mapping[str, datetime | None], as_of: datetime) -> None:
        """``away``: Slack user → when they are back (None: not said)."""
        self._until = {
            user: math.inf if back is None else (back - as_of).total_seconds()
            for user, back in away.items()
        }

    def back(
        self, policy: Policy, person: str | None, started: float, due: float | None
    ) -> float | None:
        """None when ``person`` is in when the approval starts (or now, for one held
        already). When they are away: the moment they are back if the approval waits
        for them, else ``-inf``: it moves to a stand-in."""
        if person is None or (until := self._until.get(person)) is None:
            return None
        looked = max(started, 0.0)
        if until <= looked or not policy.out_of_office.enabled:
            return None
        wait = policy.out_of_office.wait_if_back_within
        if (
            wait is not None
            and until - looked <= wait.total_seconds()
            and (due is None or until < due)
        ):
            return until
        return -math.inf


def noticed(policy: Policy, started: float, due: float | None) -> float:
    """When dealdesk sees that the holder of an approval is away: when its card goes out
    (``started``, for one still ahead), else at its reminder, else at its deadline."""
    if started >= 0 or due is None:
        return max(started, 0.0)
    reminder = started + policy.reminder_at * (due - started)
    return reminder if reminder > 0 else max(due, 0.0)
