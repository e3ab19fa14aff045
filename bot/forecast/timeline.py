"""Working time as a line of seconds: the forecast moves thousands of simulated approvals
through an approver's working hours, so a calendar's intervals are laid out once (seconds
from the forecast's moment) and each move is two binary searches, not a walk over days."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from datetime import datetime, timedelta
from itertools import accumulate

from policies.calendar import Calendar

HORIZON = timedelta(days=400)
"""How far ahead working time is laid out; a move beyond it ends at infinity (never)."""


class Timeline:
    """``calendar``'s working intervals from ``start - back`` to ``start + HORIZON``."""

    def __init__(self, calendar: Calendar, start: datetime, back: timedelta = HORIZON):
        self.start = start
        opens: list[float] = []
        closes: list[float] = []
        day = (start - back).astimezone(calendar.zone).date()
        last = (start + HORIZON).astimezone(calendar.zone).date()
        while day <= last:
            for opened, closed in calendar.open_on(day):
                opens.append((opened - start).total_seconds())
                closes.append((closed - start).total_seconds())
            day += timedelta(days=1)
        self.opens, self.closes = opens, closes
        self.worked = [0.0, *accumulate(c - o for o, c in zip(opens, closes, strict=True))]
        """Working seconds before each interval opens (and in all of them, last)."""

    def work_at(self, moment: float) -> float:
        """Working seconds from the line's first interval up to ``moment``."""
        index = bisect_right(self.opens, moment) - 1
        if index < 0:
            return 0.0
        return self.worked[index] + min(moment, self.closes[index]) - self.opens[index]

    def after(self, moment: float, work: float) -> float:
        """The moment ``work`` working seconds after ``moment`` (infinity past the horizon)."""
        target = self.work_at(moment) + work
        if work <= 0:
            return moment
        index = bisect_left(self.worked, target) - 1  # worked[index] < target <= worked[index+1]
        if index >= len(self.opens):
            return math.inf
        return self.opens[index] + (target - self.worked[index])

    def between(self, start: float, end: float) -> float:
        return self.work_at(end) - self.work_at(start)
