"""Block constructors that apply Slack's limits, and the message type every builder returns.

Builders assemble surfaces from these few functions only, so truncation happens here and
nowhere else. Text given to :func:`mrkdwn` and the blocks built on it must already be
mrkdwn: user-supplied parts escaped (see :func:`bot.text.mrkdwn.quote`). Text given to
:func:`plain` is shown as written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.cards import limits
from bot.text.mrkdwn import truncate, truncate_mrkdwn

T = TypeVar("T")


@dataclass(frozen=True)
class SlackMessage:
    """A message's blocks and its ``text`` fallback (notifications, screen readers)."""

    text: str
    blocks: list[Block]

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": [block.to_dict() for block in self.blocks]}


def message(text: str, blocks: Sequence[Block]) -> SlackMessage:
    """A message within the block budget, with its fallback cut to Slack's recommended size."""
    return SlackMessage(
        text=truncate_mrkdwn(text, limits.MESSAGE_TEXT_MAX),
        blocks=cap_blocks(blocks, limits.MESSAGE_BLOCKS_MAX),
    )


def cap_blocks(blocks: Sequence[Block], budget: int) -> list[Block]:
    """The last line of defence: keep ``budget`` blocks, the last saying how many were left off.

    Builders plan their budget with :func:`fit_list`; this only catches a miscount.
    """
    if len(blocks) <= budget:
        return list(blocks)
    kept = list(blocks[: budget - 1])
    return [*kept, more_line(len(blocks) - len(kept))]


def fit_list(
    items: Sequence[T],
    render: Callable[[T], Sequence[Block]],
    budget: int,
    more: Callable[[int], Block] | None = None,
    total: int | None = None,
) -> list[Block]:
    """Render ``items`` in order while they fit in ``budget`` blocks.

    When some do not fit, the last block is ``more(n)`` ("…and n more"), counted in the budget.
    ``total`` is how many there are in all, when ``items`` is only the first of them.
    """
    total = len(items) if total is None else max(total, len(items))
    rendered = [list(render(item)) for item in items]
    if total == len(items) and sum(len(blocks) for blocks in rendered) <= budget:
        return [block for blocks in rendered for block in blocks]
    if budget < 1:
        return []
    kept: list[Block] = []
    shown = 0
    for blocks in rendered:
        if len(kept) + len(blocks) > budget - 1:
            break
        kept.extend(blocks)
        shown += 1
    return [*kept, (more or more_line)(total - shown)]


def more_line(count: int, hint: str = "") -> Block:
    """ "…and 12 more", with an optional hint on where to find them."""
    text = f"…and {count} more" + (f". {hint}" if hint else "")
    return context(text)


def mrkdwn(text: str, limit: int = limits.TEXT_OBJECT_MAX) -> MarkdownTextObject:
    """A mrkdwn text object, cut to ``limit``.

    ``verbatim`` keeps Slack from auto-parsing plain words such as ``@channel`` or
    ``#general``; our own ``<@U…>`` and ``<!date^…>`` tokens still render.
    """
    return MarkdownTextObject(text=truncate_mrkdwn(text or " ", limit), verbatim=True)


def plain(text: str, limit: int = limits.TEXT_OBJECT_MAX) -> PlainTextObject:
    return PlainTextObject(text=truncate(text or " ", limit), emoji=True)


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=plain(text, limits.HEADER_TEXT_MAX))


def section(
    text: str,
    *,
    fields: Sequence[str] = (),
    block_id: str | None = None,
) -> SectionBlock:
    """A mrkdwn section; ``fields`` beyond Slack's ten are dropped, each one cut to size."""
    return SectionBlock(
        text=mrkdwn(text, limits.SECTION_TEXT_MAX) if text else None,
        fields=[
            mrkdwn(field, limits.FIELD_TEXT_MAX) for field in fields[: limits.SECTION_FIELDS_MAX]
        ]
        or None,
        block_id=block_id,
    )


def context(*texts: str) -> ContextBlock:
    return ContextBlock(
        elements=[
            mrkdwn(text, limits.CONTEXT_TEXT_MAX) for text in texts[: limits.CONTEXT_ELEMENTS_MAX]
        ]
    )


def divider() -> DividerBlock:
    return DividerBlock()


def button(
    text: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    return ButtonElement(
        text=plain(text, limits.BUTTON_TEXT_MAX),
        action_id=action_id[: limits.ACTION_ID_MAX],
        value=truncate(value, limits.BUTTON_VALUE_MAX),
        style=style,
        confirm=confirm,
    )


def confirm_dialog(title: str, text: str, yes: str, no: str) -> ConfirmObject:
    """A confirm dialog; all plain text, so names in it are shown raw."""
    return ConfirmObject(
        title=plain(title, limits.CONFIRM_TITLE_MAX),
        text=plain(text, limits.CONFIRM_TEXT_MAX),
        confirm=plain(yes, limits.CONFIRM_BUTTON_MAX),
        deny=plain(no, limits.CONFIRM_BUTTON_MAX),
        style="danger",
    )


def actions(block_id: str, *elements: ButtonElement) -> ActionsBlock:
    return ActionsBlock(
        block_id=block_id[: limits.BLOCK_ID_MAX],
        elements=list(elements[: limits.ACTIONS_ELEMENTS_MAX]),
    )
