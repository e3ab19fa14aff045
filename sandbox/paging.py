"""A page of messages as conversations.history and conversations.replies answer it: from
``oldest`` on, ``limit`` at a time, the ``cursor`` an offset (Slack's is opaque; the app
only hands back what it was given), metadata only with ``include_all_metadata``."""

from __future__ import annotations

from typing import Any

from sandbox.objects import Message


def page_of(
    channel: str, found: list[Message], params: dict[str, Any], *, newest_first: bool = True
) -> dict[str, Any]:
    oldest = float(params.get("oldest") or 0)
    with_metadata = str(params.get("include_all_metadata")).lower() in ("true", "1")
    chosen = sorted(
        (m for m in found if float(m.ts) >= oldest),
        key=lambda m: float(m.ts),
        reverse=newest_first,
    )
    start = int(params.get("cursor") or 0)
    limit = max(1, min(int(params.get("limit") or 100), 999))
    page = chosen[start : start + limit]
    messages = []
    for message in page:
        shown = message.payload
        if with_metadata and message.metadata is not None:
            shown["metadata"] = message.metadata
        messages.append(shown)
    more = start + limit < len(chosen)
    return {
        "channel": channel,
        "messages": messages,
        "has_more": more,
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }
