"""Reading blocks the way a person reads them: the text they show and the buttons on them.

Used by ``FakeSlack`` (``Message.visible_text``), by ``SlackRequests.click`` (only a
button that is on the card can be clicked) and by tests asserting what a user sees.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any


def elements(blocks: Sequence[Any]) -> Iterator[tuple[str | None, Mapping[str, Any]]]:
    """Every interactive element, with the block id it sits in."""
    for block in blocks:
        if not isinstance(block, Mapping):
            continue
        block_id = block.get("block_id")
        found: list[Any] = []
        if isinstance(block.get("accessory"), Mapping):
            found.append(block["accessory"])
        if isinstance(block.get("element"), Mapping):
            found.append(block["element"])
        if block.get("type") in ("actions", "context_actions"):
            found.extend(block.get("elements") or [])
        for element in found:
            if isinstance(element, Mapping):
                yield block_id, element


def buttons(blocks: Sequence[Any]) -> list[Mapping[str, Any]]:
    return [element for _, element in elements(blocks) if element.get("type") == "button"]


def button_texts(blocks: Sequence[Any]) -> list[str]:
    return [str(button.get("text", {}).get("text", "")) for button in buttons(blocks)]


def find_element(
    blocks: Sequence[Any], action_id: str, value: str | None = None
) -> tuple[str | None, Mapping[str, Any]]:
    """The element a user would click; AssertionError naming what is there if it is absent."""
    for block_id, element in elements(blocks):
        if element.get("action_id") == action_id and (
            value is None or element.get("value") == value
        ):
            return block_id, element
    present = [(e.get("action_id"), e.get("value")) for _, e in elements(blocks)]
    wanted = action_id if value is None else f"{action_id} (value {value!r})"
    raise AssertionError(
        f"no element {wanted} on these blocks; (action_id, value) present: {present}"
    )


def visible_text(blocks: Sequence[Any]) -> str:
    """All text a person sees on the blocks, one text object per line."""
    return "\n".join(_texts(list(blocks)))


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        if node.get("type") in ("plain_text", "mrkdwn", "text") and isinstance(
            node.get("text"), str
        ):
            yield node["text"]
            return
        if node.get("type") == "markdown" and isinstance(node.get("text"), str):
            yield node["text"]
            return
        for key, value in node.items():
            if key not in ("action_id", "block_id", "value", "url", "image_url"):
                yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)
