"""Stalled deals: the owner's nudge and the ``/deal stalled`` list. Layout only; every
word comes from ``bot/text/templates/stalled.j2``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import Block

from bot.cards import limits
from bot.cards.blocks import SlackMessage, context, fit_list, message, section
from bot.cards.briefing import waiting_on
from bot.read_models.snapshots import DealSnapshot
from bot.text.prose import render_part
from policies.duration import Span

TEMPLATE = "stalled.j2"


def build_stalled_nudge(deal: DealSnapshot, now: datetime) -> SlackMessage:
    """The owner's DM: how long the deal has been idle, and who it waits on."""
    values = _deal_values(deal, now)
    blocks: list[Block] = [
        section(_words("nudge", **values)),
        context(_words("nudge_hint", **values)),
    ]
    return message(_words("nudge_text", **values), blocks)


def build_stalled_reply(
    deals: Sequence[DealSnapshot], now: datetime, total: int, stalled_after: Span
) -> SlackMessage:
    """``/deal stalled``: the longest idle first, each with who it waits on."""
    total = max(total, len(deals))
    counts = {"total": total, "stalled_after": stalled_after}
    items = fit_list(
        deals,
        lambda deal: [section(_words("list_item", **_deal_values(deal, now)))],
        limits.MESSAGE_BLOCKS_MAX - 1,
        lambda more: context(_words("list_more", more=more)),
        total,
    )
    blocks: list[Block] = [section(_words("list_title", **counts)), *items]
    return message(_words("list_text", **counts), blocks)


def _deal_values(deal: DealSnapshot, now: datetime) -> dict[str, Any]:
    return {"deal": deal, "idle": now - deal.updated_at, "waiting_on": waiting_on(deal)}


def _words(part: str, **values: Any) -> str:
    return render_part(TEMPLATE, part, **values)
