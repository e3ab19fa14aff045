"""Out of office, read from the Slack status people already keep.

A status is *away* when its text contains one of the policy's ``status_text`` phrases
(whole words, any case) or its emoji is one of ``status_emoji``, and it has not expired.
An away approver's approval goes to a stand-in at once, unless the status says they are
back soon: within ``wait_if_back_within`` and before the approval falls due, when the
card waits for them instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, field_validator

from policies.duration import Duration

DEFAULT_STATUS_TEXT = (
    "out of office",
    "ooo",
    "vacation",
    "on leave",
    "pto",
    "holiday",
    "out sick",
)
"""What Slack's calendar integrations set ("Out of office", "On vacation") and what
people commonly write."""
DEFAULT_STATUS_EMOJI = (
    ":palm_tree:",
    ":airplane:",
    ":desert_island:",
    ":beach_with_umbrella:",
    ":face_with_thermometer:",
)
_EMOJI = re.compile(r"^:?([a-z0-9_+'-]+):?$")


class OutOfOffice(BaseModel):
    """The policy's ``out_of_office:``: which statuses mean away, and how long to wait.

    Empty ``status_text`` and ``status_emoji`` turn the check off."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status_text: list[str] = list(DEFAULT_STATUS_TEXT)
    status_emoji: list[str] = list(DEFAULT_STATUS_EMOJI)
    wait_if_back_within: Duration | None = None
    """A status that expires this soon (and before the approval falls due) keeps the card
    with its approver; unset, an away approver's card always goes to a stand-in."""

    @field_validator("status_text")
    @classmethod
    def _phrases(cls, value: list[str]) -> list[str]:
        phrases = [" ".join(phrase.split()) for phrase in value]
        if any(not phrase for phrase in phrases):
            raise ValueError('a status_text entry is empty; write a phrase such as "vacation"')
        return phrases

    @field_validator("status_emoji")
    @classmethod
    def _emoji(cls, value: list[str]) -> list[str]:
        names = []
        for emoji in value:
            found = _EMOJI.match(emoji.strip().lower())
            if found is None:
                raise ValueError(
                    f"{emoji!r} is not an emoji name; write it as Slack does, such as :palm_tree:"
                )
            names.append(f":{found[1]}:")
        return names

    @property
    def enabled(self) -> bool:
        return bool(self.status_text or self.status_emoji)

    def matches(self, status: SlackStatus) -> bool:
        text = " ".join(status.text.lower().split())
        if any(re.search(rf"(?<!\w){re.escape(p.lower())}(?!\w)", text) for p in self.status_text):
            return True
        return _first_emoji(status.emoji) in self.status_emoji


@dataclass(frozen=True)
class SlackStatus:
    """A person's Slack status as ``users.info`` gives it."""

    text: str = ""
    emoji: str = ""
    expires_at: datetime | None = None
    """None: it does not expire (Slack's ``status_expiration`` 0)."""

    @classmethod
    def from_profile(cls, profile: dict[str, object]) -> SlackStatus:
        expiration = profile.get("status_expiration")
        seconds = int(expiration) if isinstance(expiration, int | float | str) and expiration else 0
        return cls(
            text=str(profile.get("status_text") or ""),
            emoji=str(profile.get("status_emoji") or ""),
            expires_at=datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None,
        )

    def current(self, now: datetime) -> bool:
        return bool(self.text or self.emoji) and (self.expires_at is None or self.expires_at > now)


@dataclass(frozen=True)
class Away:
    """An approver whose status says they are out, and what it says."""

    status: SlackStatus
    zone: ZoneInfo
    """Their time zone, for saying when they are back."""

    def describe(self, name: str, now: datetime) -> str:
        """ "Priya Patel's Slack status: Vacation until Mon 7 Dec"."""
        return f"{name}'s Slack status: {self.says(now)}"

    def says(self, now: datetime) -> str:
        """What the status says, with when it ends: "Vacation until Mon 7 Dec"."""
        said = " ".join(self.status.text.split()) or self.status.emoji
        return f"{said}{_until(self.status.expires_at, self.zone, now)}"

    def back_soon(self, rules: OutOfOffice, now: datetime, due_at: datetime | None) -> bool:
        """Back within the policy's ``wait_if_back_within`` and before the approval is due."""
        back = self.status.expires_at
        if rules.wait_if_back_within is None or back is None:
            return False
        return back - now <= rules.wait_if_back_within and (due_at is None or back < due_at)


def away(
    status: SlackStatus | None, rules: OutOfOffice, now: datetime, zone: ZoneInfo
) -> Away | None:
    """The approver is out, by their status (None: present, or nothing is known)."""
    if status is None or not rules.enabled or not status.current(now):
        return None
    return Away(status, zone) if rules.matches(status) else None


def _first_emoji(emoji: str) -> str:
    """``:airplane::skin-tone-2:`` -> ``:airplane:``."""
    found = re.match(r":[^:\s]+:", emoji.strip().lower())
    return found[0] if found else ""


def _until(expires_at: datetime | None, zone: ZoneInfo, now: datetime) -> str:
    """ " until 15:00" today, " until Mon 7 Dec" on another day (with the hour when it is
    not a day's start or end); "" when the status does not expire."""
    if expires_at is None:
        return ""
    local, today = expires_at.astimezone(zone), now.astimezone(zone).date()
    if local.date() == today:
        return f" until {local:%H:%M}"
    whole_day = local.time() == time(0, 0) or local.time() >= time(23, 59)
    hour = "" if whole_day else f" {local:%H:%M}"
    return f" until {local:%a} {local.day} {local:%b}{hour}"
