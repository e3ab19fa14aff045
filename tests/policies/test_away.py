"""Out of office from a Slack status: which statuses mean away, how it reads, when it waits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from policies.away import OutOfOffice, SlackStatus, away

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 4, 15, tzinfo=UTC)  # Friday 10:00 in New York
DEFAULTS = OutOfOffice()


def status(text: str = "", emoji: str = "", expires_in: timedelta | None = None) -> SlackStatus:
    return SlackStatus(text, emoji, NOW + expires_in if expires_in else None)


@pytest.mark.parametrize(
    ("text", "emoji"),
    [
        ("Out of office", ""),
        ("OOO until Monday", ""),
        ("On vacation 🏖", ""),
        ("Vacationing", ":palm_tree:"),
        ("", ":airplane:"),
        ("Flying to Berlin", ":airplane::skin-tone-2:"),
        ("PTO", ""),
        ("out   sick", ""),
    ],
)
def test_what_people_and_calendar_apps_set_counts_as_away(text: str, emoji: str) -> None:
    assert away(status(text, emoji), DEFAULTS, NOW, NEW_YORK) is not None


@pytest.mark.parametrize(
    ("text", "emoji"),
    [
        ("In a meeting", ":spiral_calendar_pad:"),
        ("Vacationing", ""),  # a phrase matches whole words only
        ("Foooo", ""),
        ("Commuting", ":bus:"),
        ("", ""),
    ],
)
def test_other_statuses_do_not(text: str, emoji: str) -> None:
    assert away(status(text, emoji), DEFAULTS, NOW, NEW_YORK) is None


def test_an_expired_status_is_not_away_and_nothing_known_is_present() -> None:
    gone = SlackStatus("Vacation", "", NOW - timedelta(minutes=1))
    assert away(gone, DEFAULTS, NOW, NEW_YORK) is None
    assert away(None, DEFAULTS, NOW, NEW_YORK) is None


def test_the_policy_names_its_own_statuses_or_turns_the_check_off() -> None:
    ours = OutOfOffice(status_text=["Parental leave"], status_emoji=["baby"])
    assert ours.status_emoji == [":baby:"]
    assert away(status("parental leave"), ours, NOW, NEW_YORK) is not None
    assert away(status("", ":baby:"), ours, NOW, NEW_YORK) is not None
    assert away(status("Vacation"), ours, NOW, NEW_YORK) is None
    off = OutOfOffice(status_text=[], status_emoji=[])
    assert not off.enabled
    assert away(status("Vacation", ":palm_tree:"), off, NOW, NEW_YORK) is None


def test_a_bad_emoji_or_phrase_is_refused_with_how_to_write_it() -> None:
    with pytest.raises(ValidationError, match="write it as Slack does, such as :palm_tree:"):
        OutOfOffice(status_emoji=["palm tree"])
    with pytest.raises(ValidationError, match="status_text entry is empty"):
        OutOfOffice(status_text=["  "])


def test_the_reason_says_what_the_status_says_and_until_when_in_their_time_zone() -> None:
    monday = datetime(2026, 12, 7, 5, tzinfo=UTC)  # Monday 00:00 in New York
    vacation = away(SlackStatus("Vacation", ":palm_tree:", monday), DEFAULTS, NOW, NEW_YORK)
    assert vacation is not None
    assert vacation.describe("Priya", NOW) == "Priya's Slack status: Vacation until Mon 7 Dec"
    lunch = away(status("OOO", expires_in=timedelta(hours=3)), DEFAULTS, NOW, NEW_YORK)
    assert lunch is not None
    assert lunch.describe("Priya", NOW) == "Priya's Slack status: OOO until 13:00"
    tuesday_noon = datetime(2026, 12, 8, 17, tzinfo=UTC)
    trip = away(SlackStatus("", ":airplane:", tuesday_noon), DEFAULTS, NOW, NEW_YORK)
    assert trip is not None
    assert trip.describe("Priya", NOW) == "Priya's Slack status: :airplane: until Tue 8 Dec 12:00"
    forever = away(status("Out of office"), DEFAULTS, NOW, NEW_YORK)
    assert forever is not None
    assert forever.describe("Priya", NOW) == "Priya's Slack status: Out of office"


def test_a_status_that_ends_soon_and_before_the_deadline_waits() -> None:
    rules = OutOfOffice(wait_if_back_within=timedelta(hours=4))
    due = NOW + timedelta(hours=24)
    soon = away(status("OOO", expires_in=timedelta(hours=3)), rules, NOW, NEW_YORK)
    later = away(status("OOO", expires_in=timedelta(hours=5)), rules, NOW, NEW_YORK)
    open_ended = away(status("OOO"), rules, NOW, NEW_YORK)
    assert soon is not None
    assert later is not None
    assert open_ended is not None
    assert soon.back_soon(rules, NOW, due)
    assert not soon.back_soon(rules, NOW, NOW + timedelta(hours=2))  # due before they are back
    assert not later.back_soon(rules, NOW, due)
    assert not open_ended.back_soon(rules, NOW, due)
    assert not soon.back_soon(DEFAULTS, NOW, due)  # no wait unless the policy asks for one


def test_a_status_is_read_from_the_profile_as_users_info_gives_it() -> None:
    profile = {"status_text": "Vacation", "status_emoji": ":palm_tree:", "status_expiration": 0}
    assert SlackStatus.from_profile(profile) == SlackStatus("Vacation", ":palm_tree:", None)
    timed = SlackStatus.from_profile({**profile, "status_expiration": 1796000000})
    assert timed.expires_at == datetime.fromtimestamp(1796000000, UTC)
    assert SlackStatus.from_profile({}) == SlackStatus()
