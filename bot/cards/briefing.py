"""The morning briefing (a DM) and the answers to ``/deal briefing``: layout only.

Every word comes from ``bot/text/templates/briefing.j2``, one ``{% block %}`` per piece.
Approvals overdue or due today each get the approval card's own buttons (same action
ids, so a click here decides exactly as a click on the card does); everything else
is a list line. The message stays within Slack's 50 blocks however much waits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from markupsafe import Markup
from slack_sdk.models.blocks import Block

from bot.cards import limits
from bot.cards.approval import decision_buttons
from bot.cards.blocks import SlackMessage, context, message, section
from bot.cards.ids import BriefingBlock
from bot.read_models.briefed import ShownDeal, ShownItem
from bot.text.mrkdwn import who
from bot.text.prose import render_part
from policies.duration import Span
from policies.vocabulary import DealStatus

TEMPLATE = "briefing.j2"
LINES_SHOWN = 10
"""Entries per list (coming up, decided, own deals, stalled) before "…and N more"."""

Item = ShownItem

WEEK = Span(wall=timedelta(days=7))
"""The policy's default ``stalled_after``."""


@dataclass(frozen=True)
class Briefing:
    """What one person's briefing says, already sorted by the caller."""

    user: str
    local_date: date
    now: datetime
    overdue: Sequence[Item] = ()
    """Most overdue first."""
    due_today: Sequence[Item] = ()
    """Due later on their local day, soonest first."""
    later: Sequence[Item] = ()
    """Due after today, or without a deadline."""
    decided: Sequence[Item] = ()
    """Their decisions of yesterday (local), oldest first."""
    own: Sequence[ShownDeal] = ()
    """Their deals in review or sent back to them, not stalled, the longest waiting first."""
    stalled: Sequence[ShownDeal] = ()
    """Stalled deals they own or must decide on, the longest idle first."""
    stalled_after: Span = WEEK

    @property
    def waiting(self) -> int:
        return len(self.overdue) + len(self.due_today) + len(self.later)

    @property
    def is_empty(self) -> bool:
        return not (self.waiting or self.decided or self.own or self.stalled)


class BriefingChange(StrEnum):
    """What ``/deal briefing …`` did (each has its own wording)."""

    ON = "on"
    OFF = "off"
    TIME = "time"
    STATUS = "status"


@dataclass(frozen=True)
class BriefingSetting:
    change: BriefingChange
    enabled: bool
    at: time
    zone: str
    next_at: datetime | None
    """When the next one goes out (None while they are off)."""


def build_briefing_dm(briefing: Briefing) -> SlackMessage:
    """Intro, overdue and due-today approvals with buttons, then one section per list."""
    lists = [
        text
        for text in (
            _later(briefing),
            _decided(briefing),
            _own(briefing),
            _stalled(briefing),
        )
        if text
    ]
    budget = limits.MESSAGE_BLOCKS_MAX - 2 - len(lists)
    blocks: list[Block] = [
        section(_words("intro", b=briefing)),
        *_decisions(briefing, budget),
        *(section(text) for text in lists),
        context(_words("footer", b=briefing)),
    ]
    return message(_words("text", b=briefing), blocks)


def build_briefing_setting_reply(setting: BriefingSetting) -> SlackMessage:
    line = _words(f"setting_{setting.change.value}", s=_setting_values(setting))
    return message(line, [section(line)])


def waiting_on(deal: ShownDeal) -> Markup:
    """Who the deal waits for, as mentions (avatars by name): already mrkdwn."""
    return Markup(", ".join(who(a.assignee, a.approver_name) for a in deal.pending))


def _decisions(briefing: Briefing, budget: int) -> list[Block]:
    """Overdue, then due today: each approval a section and its buttons, as many as fit
    in ``budget`` blocks with their titles; "…and N more" says how many did not."""
    items = [*briefing.overdue, *briefing.due_today]
    if not items:
        return []
    room = budget - (1 if briefing.overdue else 0) - (1 if briefing.due_today else 0)
    shown = len(items) if 2 * len(items) <= room else max(0, (room - 1) // 2)
    overdue = briefing.overdue[:shown]
    today = briefing.due_today[: max(0, shown - len(briefing.overdue))]
    blocks: list[Block] = []
    if briefing.overdue:
        blocks.append(section(_words("overdue_title", count=len(briefing.overdue))))
        for item in overdue:
            blocks.extend(_item_blocks(item, briefing.now))
    if today:
        blocks.append(section(_words("due_today_title", count=len(briefing.due_today))))
        for item in today:
            blocks.extend(_item_blocks(item, briefing.now))
    if shown < len(items):
        blocks.append(context(_words("more", count=len(items) - shown)))
    return blocks


def _item_blocks(item: Item, now: datetime) -> list[Block]:
    deal, approval = item
    late = now - approval.due_at if approval.due_at and approval.overdue(now) else None
    return [
        section(_words("approval", deal=deal, approval=approval, late=late)),
        decision_buttons(approval.id, f"{BriefingBlock.ACTIONS}:{approval.id}"),
    ]


def _later(briefing: Briefing) -> str:
    return _list("later", briefing.later[:LINES_SHOWN], len(briefing.later))


def _decided(briefing: Briefing) -> str:
    return _list("decided", briefing.decided[:LINES_SHOWN], len(briefing.decided))


def _own(briefing: Briefing) -> str:
    rows = [{"deal": deal, "waiting_on": _waiting(deal)} for deal in briefing.own[:LINES_SHOWN]]
    return _list("own", rows, len(briefing.own))


def _stalled(briefing: Briefing) -> str:
    rows = [
        {"deal": deal, "idle": briefing.now - deal.updated_at, "waiting_on": _waiting(deal)}
        for deal in briefing.stalled[:LINES_SHOWN]
    ]
    return _list("stalled", rows, len(briefing.stalled), stalled_after=briefing.stalled_after)


def _waiting(deal: ShownDeal) -> Markup:
    return waiting_on(deal) if deal.status == DealStatus.IN_REVIEW else Markup("")


def _list(part: str, rows: Sequence[Any], total: int, **values: Any) -> str:
    """One list's section text: ``rows`` (the first of ``total``), or "" when empty."""
    return _words(part, rows=rows, more=total - len(rows), **values) if rows else ""


def _setting_values(setting: BriefingSetting) -> dict[str, Any]:
    return {
        "enabled": setting.enabled,
        "at": f"{setting.at:%H:%M}",
        "zone": setting.zone,
        "next_at": setting.next_at,
    }


def _words(part: str, **values: Any) -> str:
    return render_part(TEMPLATE, part, **values)


def settle_briefing(posted: Mapping[str, Any], outcomes: Mapping[int, str]) -> dict[str, Any]:
    """A briefing as posted, with the buttons of each settled approval (``outcomes``: its
    id → one mrkdwn line saying what became of it) replaced by that line."""
    blocks = []
    for block in posted.get("blocks") or []:
        approval_id = shown_approval(block)
        if approval_id is not None and approval_id in outcomes:
            blocks.append(context(outcomes[approval_id]).to_dict())
        else:
            blocks.append(block)
    return {**posted, "blocks": blocks}


def shown_approvals(posted: Mapping[str, Any]) -> tuple[int, ...]:
    """The approvals a posted briefing carries buttons for."""
    found = (shown_approval(block) for block in posted.get("blocks") or [])
    return tuple(approval_id for approval_id in found if approval_id is not None)


def shown_approval(block: Mapping[str, Any]) -> int | None:
    prefix, _, approval_id = str(block.get("block_id") or "").partition(":")
    if prefix != BriefingBlock.ACTIONS or not approval_id.isdecimal():
        return None
    return int(approval_id)
