"""The SLO report measures a person with a business SLA in their calendar's working time:
a card sent Friday 16:00 and decided Monday 09:00 took two working hours of an 8h SLA."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.reports.slo import ApprovalFacts, Window, compute_slo
from policies.calendar import Calendar
from policies.sla import SlaClock, approval_sla
from policies.vocabulary import ApprovalStatus

NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = {day: "08:00-17:00" for day in ("mon", "tue", "wed", "thu", "fri")}
CALENDAR = Calendar.model_validate({"timezone": "America/New_York", "hours": WEEKDAYS})


def ny(day: int, hour: int) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=NEW_YORK).astimezone(UTC)


def test_a_business_sla_counts_working_time_for_the_sla_and_the_decision() -> None:
    working = SlaClock(CALENDAR)
    assigned, due, decided = ny(4, 16), ny(7, 15), ny(7, 9)  # Friday, Monday, Monday
    row = ApprovalFacts(
        stage="Deal approval",
        stage_index=0,
        approver="manager",
        status=ApprovalStatus.APPROVED,
        assigned_at=assigned,
        due_at=due,
        decided_at=decided,
        decided_by="U0MARCUS",
        escalated_at=None,
        sla=approval_sla(assigned, due, None, working),
        clock=working,
    )

    report = compute_slo(
        Window.ending(ny(8, 12), timedelta(days=7)), [row], [], {"manager": "Marcus"}
    )

    [marcus] = report.approvers
    assert marcus.sla is not None
    assert marcus.sla.text == "8h working"
    assert marcus.sla.to_json()["working_time"] is True
    assert marcus.decision_time is not None
    assert marcus.decision_time.median == timedelta(hours=2)  # not 2 days and 17 hours
    assert (marcus.within_sla, marcus.sla_counted) == (1, 1)
