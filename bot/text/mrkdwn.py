"""How values read in mrkdwn: dates as Slack date tokens, people, time left, user text.

Everything returned here is mrkdwn, with user-supplied text escaped; cards and prose
(the templates) both write through it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from policies.avatars.formatting import money, percent
from policies.deal import SLACK_USER_ID
from policies.duration import humanize
from policies.vocabulary import AVATAR_PREFIX

__all__ = [
    "ON_DATE",
    "escape_mrkdwn",
    "mention",
    "money",
    "percent",
    "quote",
    "slack_date",
    "time_left",
    "who",
    "who_named",
]

DUE_DATE = "{date_short_pretty} at {time}"
"""For deadlines: "today at 3:00 PM", "tomorrow at 9:00 AM", "Nov 21, 2026 at 3:00 PM"."""
ON_DATE = "{date_short} at {time}"
"""After "on": "on Nov 21, 2026 at 3:00 PM"."""

SYSTEM_ACTORS = {"system": "dealdesk", "api": "the CRM intake"}

ELLIPSIS = "…"


def escape_mrkdwn(text: str) -> str:
    """Make user-supplied text inert in mrkdwn: ``&``, ``<`` and ``>`` become entities.

    After this, ``<!channel>`` or ``<@U123>`` typed by a user shows as written and pings
    nobody. ``plain_text`` objects take the raw text instead.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else cut to fit and ended with "…"."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    return text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def truncate_mrkdwn(text: str, limit: int) -> str:
    """Like :func:`truncate`, for mrkdwn: never ends inside a ``<…>`` token or an ``&…;`` entity.

    A cut date token or mention would show its raw markup; a cut entity would show a
    stray ``&am``. Everything from such an unfinished piece on is dropped.
    """
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - len(ELLIPSIS))]
    opening = cut.rfind("<")
    if opening > cut.rfind(">"):
        cut = cut[:opening]
    ampersand = cut.rfind("&")
    if ampersand != -1 and ";" not in cut[ampersand:]:
        cut = cut[:ampersand]
    return cut.rstrip() + ELLIPSIS


def slack_date(moment: datetime, fmt: str = DUE_DATE) -> str:
    """A Slack date token: each reader sees ``moment`` in their own time zone.

    Clients that cannot render it show the UTC fallback ("Nov 21, 2026 at 15:00 UTC").
    A naive ``moment`` is taken as UTC.
    """
    utc = _utc(moment)
    # by hand, not strftime: a morning round writes hundreds of thousands of these
    month = _MONTHS[utc.month - 1]
    fallback = f"{month} {utc.day}, {utc.year} at {utc.hour:02d}:{utc.minute:02d} UTC"
    return f"<!date^{int(utc.timestamp())}^{fmt}|{fallback}>"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def time_left(due: datetime, now: datetime) -> str:
    """ "due in 1h 20m", "due now" or "overdue by 3h"."""
    left = _utc(due) - _utc(now)
    if left.total_seconds() > 0:
        return f"due in {humanize(left)}"
    if left.total_seconds() == 0:
        return "due now"
    return f"overdue by {humanize(left)}"


def quote(text: str, limit: int) -> str:
    """User-supplied text for mrkdwn: shortened to ``limit`` characters, then escaped."""
    return escape_mrkdwn(truncate(text, limit))


def mention(user: str) -> str:
    """``<@U0LISA>`` for a Slack user id; anything else (``system``) as escaped words."""
    if SLACK_USER_ID.match(user):
        return f"<@{user}>"
    if user.startswith(AVATAR_PREFIX):
        return f"{escape_mrkdwn(user.removeprefix(AVATAR_PREFIX))} (avatar)"
    return escape_mrkdwn(SYSTEM_ACTORS.get(user, user))


def who(assignee: str, name: str) -> str:
    """A person as a mention, an avatar as "Sarah Chen (avatar)"."""
    if assignee.startswith(AVATAR_PREFIX):
        return f"{escape_mrkdwn(name)} (avatar)"
    return mention(assignee)


def who_named(assignee: str, name: str | None) -> str:
    """A person with their policy name, "<@U0DANIEL> (Daniel Kim)"; an avatar as in :func:`who`."""
    if assignee.startswith(AVATAR_PREFIX) or not name:
        return who(assignee, name or assignee.removeprefix(AVATAR_PREFIX))
    return f"{mention(assignee)} ({escape_mrkdwn(name)})"


def confidence(value: float) -> str:
    return f"{round(value * 100)}%"


def count(value: int | Decimal) -> str:
    return f"{value:,}"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
