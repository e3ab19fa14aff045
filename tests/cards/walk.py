"""Reading a payload the way Slack renders it: every text object, with its type."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def text_objects(payload: Any) -> Iterator[tuple[str, str]]:
    """(``mrkdwn`` or ``plain_text``, text) for every text object in ``payload``."""
    if isinstance(payload, dict):
        kind, text = payload.get("type"), payload.get("text")
        if kind in ("mrkdwn", "plain_text") and isinstance(text, str):
            yield kind, text
        for value in payload.values():
            yield from text_objects(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from text_objects(item)


def all_text(payload: Any) -> str:
    return "\n".join(text for _, text in text_objects(payload))


def blocks_of(payload: dict[str, Any]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = payload["blocks"]
    return blocks


def buttons(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in blocks_of(payload)
        if block["type"] == "actions"
        for element in block["elements"]
        if element["type"] == "button"
    ]
