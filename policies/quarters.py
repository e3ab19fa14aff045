"""Fiscal quarters: when the policy's fiscal year starts, and when each quarter closes.

A fiscal year is named by the calendar year it ends in, as most companies with a
non-calendar year name theirs: with ``fiscal_year_starts: 02-01``, FY2027 runs from
1 February 2026 to 31 January 2027, and its first quarter is ``2027-Q1``. With the
default (``01-01``) quarters are calendar quarters. A quarter closes at the end of its
last day in the policy's time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

FISCAL_START = re.compile(r"^(\d{2})-(\d{2})$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def parse_fiscal_start(text: str) -> tuple[int, int]:
    """``"02-01"`` → (2, 1). Raises ValueError naming the problem. Days after the 28th are
    refused: a quarter starting on the 31st would have no day to start on in the months
    that end sooner."""
    match = FISCAL_START.match(text.strip())
    if match is None:
        raise ValueError(f"write the date as MM-DD, such as 02-01; got {text!r}")
    month, day = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r}: the month must be 01 to 12")
    if not 1 <= day <= 28:
        raise ValueError(f"{text!r}: the day must be 01 to 28, so that every quarter has it")
    return month, day


@dataclass(frozen=True, order=True)
class Quarter:
    fiscal_year: int
    number: int
    starts_on: date
    """Its first day."""
    ends_on: date
    """Its last day."""

    @property
    def label(self) -> str:
        return f"{self.fiscal_year}-Q{self.number}"

    def opens_at(self, zone: ZoneInfo) -> datetime:
        return datetime.combine(self.starts_on, time.min, zone)

    def closes_at(self, zone: ZoneInfo) -> datetime:
        """The end of its last day in ``zone``: the first moment of the next quarter."""
        return datetime.combine(self.ends_on + timedelta(days=1), time.min, zone)


@dataclass(frozen=True)
class FiscalCalendar:
    """Quarters of a fiscal year starting on ``month``-``day`` (default: calendar quarters)."""

    month: int = 1
    day: int = 1

    @classmethod
    def parse(cls, text: str) -> FiscalCalendar:
        return cls(*parse_fiscal_start(text))

    def quarter_of(self, day: date) -> Quarter:
        """The quarter ``day`` falls in."""
        year_start = date(day.year, self.month, self.day)
        if day < year_start:
            year_start = date(day.year - 1, self.month, self.day)
        months = (day.year - year_start.year) * 12 + day.month - year_start.month
        if day.day < self.day:
            months -= 1
        return self._quarter(year_start, months // 3 + 1)

    def quarter(self, label: str) -> Quarter:
        """``"2026-Q4"`` → that quarter. Raises ValueError naming the problem."""
        match = QUARTER.match(label.strip())
        if match is None:
            raise ValueError(f"write the quarter as YYYY-QN, such as 2026-Q4; got {label!r}")
        fiscal_year, number = int(match[1]), int(match[2])
        begins_in = fiscal_year if self.calendar_year else fiscal_year - 1
        return self._quarter(date(begins_in, self.month, self.day), number)

    @property
    def calendar_year(self) -> bool:
        return (self.month, self.day) == (1, 1)

    def _quarter(self, year_start: date, number: int) -> Quarter:
        start = _add_months(year_start, 3 * (number - 1))
        end = _add_months(year_start, 3 * number) - timedelta(days=1)
        fiscal_year = year_start.year if self.calendar_year else year_start.year + 1
        return Quarter(fiscal_year, number, start, end)


def _add_months(day: date, months: int) -> date:
    """``day`` ``months`` later (its day of the month is at most 28, so it always exists)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, day.day)
