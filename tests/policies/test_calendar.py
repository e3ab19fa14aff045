"""Business time: an 8bh SLA counts only working hours in the approver's calendar, skipping
weekends, listed holidays and the country's public holidays; wrong calendars are refused."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from policies.calendar import Calendar
from policies.duration import parse_span
from policies.loader import PolicyError, load_policy_text

NEW_YORK = ZoneInfo("America/New_York")
WEEK = {day: "08:00-17:00" for day in ("mon", "tue", "wed", "thu", "fri")}


def ny(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=NEW_YORK)


def calendar(**holidays: object) -> Calendar:
    return Calendar.model_validate(
        {"timezone": "America/New_York", "hours": WEEK, "holidays": holidays}
    )


@pytest.mark.parametrize(
    ("sla", "start", "due", "holidays"),
    [
        ("8bh", ny(2026, 12, 4, 16), ny(2026, 12, 7, 15), {}),  # Friday 16:00 -> Monday 15:00
        ("8bh", ny(2026, 12, 4, 16), ny(2026, 12, 8, 15), {"dates": ["2026-12-07"]}),
        ("8bh", ny(2026, 11, 25, 16), ny(2026, 11, 27, 15), {"country": "US"}),  # Thanksgiving
        ("8bh", ny(2026, 12, 5, 10), ny(2026, 12, 7, 16), {}),  # Saturday: from Monday 08:00
        ("2bd", ny(2026, 12, 4, 16), ny(2026, 12, 8, 16), {}),  # Friday -> Tuesday, same time
        ("24h", ny(2026, 12, 4, 16), ny(2026, 12, 5, 16), {}),  # wall-clock stays wall-clock
    ],
)
def test_business_time_skips_nights_weekends_and_holidays(
    sla: str, start: datetime, due: datetime, holidays: dict[str, object]
) -> None:
    span = parse_span(sla)

    assert span.until(start.astimezone(UTC), calendar(**holidays)) == due.astimezone(UTC)
    assert str(span) == sla


def test_the_reminder_comes_at_its_share_of_working_time() -> None:
    start = ny(2026, 12, 4, 16).astimezone(UTC)

    reminder = parse_span("8bh").share(start, calendar(), 0.75)

    assert reminder == ny(2026, 12, 7, 13).astimezone(UTC)  # 1h Friday + 5h Monday = 6h


POLICY = """\
name: Calendars
calendar: us
calendars:
  us:
    timezone: America/New_York
    hours: {{mon: "09:00-17:00", tue: "09:00-17:00"}}
    {extra}
approvers:
  cfo: {{name: Lisa, slack_user: U0LISA, sla: 8bh, {approver}}}
stages:
  - name: Deal
    approvals:
      - approver: cfo
"""


@pytest.mark.parametrize(
    ("extra", "approver", "says"),
    [
        ("holidays: {country: XX}", "", "Country XX not available"),
        ("", "calendar: emea", "unknown calendar 'emea'"),
        ('hours: {mon: ["09:00-13:00", "12:00-17:00"]}', "", "overlap"),
        ('hours: {mon: "17:00-09:00"}', "", "ends before it starts"),
    ],
)
def test_policy_check_refuses_calendars_that_cannot_work(
    extra: str, approver: str, says: str
) -> None:
    text = POLICY.format(extra=extra, approver=approver)
    if extra.startswith("hours"):
        text = text.replace('    hours: {mon: "09:00-17:00", tue: "09:00-17:00"}\n', "")
    with pytest.raises(PolicyError) as raised:
        load_policy_text(text)

    assert any(says in issue.message for issue in raised.value.issues), [
        str(issue) for issue in raised.value.issues
    ]


def test_a_business_sla_needs_a_calendar() -> None:
    text = POLICY.format(extra="", approver="").replace("calendar: us\n", "", 1)

    with pytest.raises(PolicyError) as raised:
        load_policy_text(text)

    assert "8bh counts business time, so it needs a calendar" in str(raised.value)


def test_a_policy_with_calendars_loads_and_names_each_approvers() -> None:
    policy = load_policy_text(POLICY.format(extra="", approver="")).policy

    found = policy.calendar_of("cfo")
    assert found is not None
    assert found.timezone == "America/New_York"
    assert str(policy.approvers["cfo"].effective_sla) == "8bh"
    assert str(policy.approvers["cfo"].effective_snooze) == "4bh"


def test_stalled_after_counts_business_days_back() -> None:
    text = POLICY.format(extra="", approver="").replace(
        "calendar: us\n", "calendar: us\nstalled_after: 2bd\n", 1
    )
    policy = load_policy_text(text).policy
    tuesday_ten = ny(2026, 12, 8, 10).astimezone(UTC)

    # The calendar works Mondays and Tuesdays: two working days before Tuesday 10:00 is
    # the previous Tuesday 10:00.
    assert policy.stalled_since(tuesday_ten) == ny(2026, 12, 1, 10).astimezone(UTC)
    assert str(policy.stalled_after) == "2bd"


def test_working_time_runs_backwards_too() -> None:
    """8 working hours before Monday 11:00: 3 on Monday morning, 5 on Friday from 12:00."""
    monday_eleven = ny(2026, 12, 7, 11).astimezone(UTC)
    friday_noon = ny(2026, 12, 4, 12).astimezone(UTC)

    assert parse_span("8bh").before(monday_eleven, calendar()) == friday_noon
