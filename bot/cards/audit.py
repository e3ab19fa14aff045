"""The ``/deal audit`` reply: who did what, when and why, newest last, with the chain's health."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import Block

from bot.cards import limits
from bot.cards.blocks import SlackMessage, context, header, message, section
from bot.cards.evidence import saw_line
from bot.text import mrkdwn
from bot.text.mrkdwn import ON_DATE, mention, quote, slack_date

EVENT_BLOCKS = limits.MESSAGE_BLOCKS_MAX - 4
"""Header, chain status and the "showing the last N" note leave this many for events."""
DETAIL_VALUE_MAX = 160
DETAILS_MAX = 500
WHY_KEYS = ("why", "reason", "comment")
"""Detail keys that say why; shown first."""
HIDDEN_KEYS = {"recommendation", "evidence", "causes"}
"""Shown in words elsewhere: the card, the ``why`` sentence."""
EVIDENCE_MAX = 900
"""Too long for a line; the export has them."""


def build_audit_reply(
    ref: str,
    events: Sequence[Mapping[str, Any]],
    verified: bool,
    problem: str | None,
    seen: Mapping[str, Mapping[str, Any]] | None = None,
) -> SlackMessage:
    """``events`` are audit export rows (``seq, at, actor, action, details, …``), oldest first.

    Only the last events fit in one message; a note says how many are left out and where
    to get them all.
    """
    chain = (
        "🔒 The audit chain is intact: no event was changed or removed."
        if verified
        else f"⚠️ *The audit chain is broken.* {quote(problem or 'No detail given.', 1000)}"
    )
    shown = list(events[-EVENT_BLOCKS:])
    blocks: list[Block] = [header(f"Audit log · {ref}"), section(chain)]
    if len(shown) < len(events):
        blocks.append(
            context(
                f"Showing the last {len(shown)} of {len(events)} events. "
                f"`dealdesk audit export --deal {quote(ref, 20)} --format csv` has them all."
            )
        )
    if not events:
        blocks.append(section(f"No events are recorded for {quote(ref, 20)}."))
    blocks.extend(section(_event_text(event, seen or {})) for event in shown)
    count = "1 event" if len(events) == 1 else f"{len(events)} events"
    summary = f"Audit log of {quote(ref, 20)}: {count}."
    return message(f"{summary} {chain}", blocks)


def _event_text(event: Mapping[str, Any], seen: Mapping[str, Mapping[str, Any]]) -> str:
    """ "`#12` · Nov 21, 2026 at 3:00 PM · <@U0LISA> · approval decided", the details, and
    for a decision made from a card, what that card showed (its evidence)."""
    when = _when(event.get("at"))
    actor = mention(str(event.get("actor", "")))
    action = quote(str(event.get("action", "")).replace("_", " "), 80)
    head = f"`#{quote(str(event.get('seq', '?')), 20)}` · {when} · {actor} · *{action}*"
    details = _details(event.get("details"))
    text = f"{head}\n{details}" if details else head
    digest = _evidence_of(event)
    if digest is not None:
        facts = seen.get(digest)
        saw = (
            f"🔏 Saw: {quote(saw_line(facts), EVIDENCE_MAX)}"
            if facts is not None
            else "🔏 ⚠️ The evidence of this decision is missing."
        )
        text = f"{text}\n{saw}"
    return text


def _evidence_of(event: Mapping[str, Any]) -> str | None:
    details = event.get("details")
    if isinstance(details, Mapping) and isinstance(details.get("evidence"), str):
        return str(details["evidence"])
    return None


def _when(at: object) -> str:
    if isinstance(at, datetime):
        return slack_date(at, ON_DATE)
    if isinstance(at, str):
        try:
            return slack_date(datetime.fromisoformat(at.replace("Z", "+00:00")), ON_DATE)
        except ValueError:
            return quote(at, 40)
    return "?"


def _details(raw: object) -> str:
    """Details as "why: … · decision: approved · stage: Deal approval", cut to a few lines."""
    data: object = raw
    if isinstance(raw, str):
        try:
            data = json.loads(raw)
        except ValueError:
            return quote(raw, DETAILS_MAX)
    if not isinstance(data, Mapping):
        return quote(str(data), DETAILS_MAX) if data else ""
    keys = [k for k in WHY_KEYS if k in data] + [
        k for k in data if k not in WHY_KEYS and k not in HIDDEN_KEYS
    ]
    parts = [
        f"{quote(str(key), 40)}: {quote(_value(data[key]), DETAIL_VALUE_MAX)}"
        for key in keys
        if data[key] not in (None, "", [], {})
    ]
    return mrkdwn.truncate_mrkdwn(" · ".join(parts), DETAILS_MAX)


def _value(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)
