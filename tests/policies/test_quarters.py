"""Fiscal quarters: calendar quarters by default, a fiscal year named by the year it ends
in, the close at the end of the last day in the policy's zone, bad dates refused."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from policies.loader import PolicyError, load_policy_text
from policies.quarters import FiscalCalendar

NEW_YORK = ZoneInfo("America/New_York")


def test_calendar_quarters_by_default() -> None:
    quarter = FiscalCalendar().quarter_of(date(2026, 12, 7))
    assert quarter.label == "2026-Q4"
    assert (quarter.starts_on, quarter.ends_on) == (date(2026, 10, 1), date(2026, 12, 31))
    assert quarter.closes_at(NEW_YORK) == datetime(2027, 1, 1, tzinfo=NEW_YORK)
    assert FiscalCalendar().quarter("2026-Q1").ends_on == date(2026, 3, 31)


def test_a_fiscal_year_starting_in_february_is_named_by_the_year_it_ends_in() -> None:
    fiscal = FiscalCalendar.parse("02-01")
    q4 = fiscal.quarter_of(date(2026, 12, 7))
    assert q4.label == "2027-Q4"
    assert (q4.starts_on, q4.ends_on) == (date(2026, 11, 1), date(2027, 1, 31))
    assert fiscal.quarter("2027-Q1").starts_on == date(2026, 2, 1)
    assert fiscal.quarter_of(date(2026, 1, 31)).label == "2026-Q4"
    assert fiscal.quarter_of(date(2026, 2, 1)).label == "2027-Q1"


def test_a_mid_month_start() -> None:
    fiscal = FiscalCalendar.parse("07-15")
    assert fiscal.quarter_of(date(2026, 10, 14)).label == "2027-Q1"
    assert fiscal.quarter_of(date(2026, 10, 15)).label == "2027-Q2"
    assert fiscal.quarter("2027-Q2").ends_on == date(2027, 1, 14)


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("02-30", "'02-30': the day must be 01 to 28, so that every quarter has it"),
        ("13-01", "'13-01': the month must be 01 to 12"),
        ("'2-1'", "write the date as MM-DD, such as 02-01; got '2-1'"),
    ],
)
def test_policy_check_refuses_a_bad_start(written: str, problem: str) -> None:
    text = f"""name: T
fiscal_year_starts: {written}
approvers:
  a: {{name: A, slack_user: U0AAAAAA}}
stages:
  - name: S
    approvals: [{{approver: a}}]
"""
    with pytest.raises(PolicyError) as raised:
        load_policy_text(text)
    assert f"line 2: fiscal_year_starts: {problem}" in str(raised.value)


def test_a_bad_quarter_label_is_named() -> None:
    with pytest.raises(ValueError, match="write the quarter as YYYY-QN, such as 2026-Q4"):
        FiscalCalendar().quarter("2026-Q5")
