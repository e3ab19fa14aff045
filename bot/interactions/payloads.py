"""Slack's request bodies read into typed values, so nothing past a listener digs in dicts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.cards.blocks import SlackMessage
from bot.cards.modals import StateValues

ID_DIGITS_MAX = 18


def parse_id(value: str | None) -> int | None:
    """A button's value as a row id, or None when it is not one (a malformed payload)."""
    if value is None or not value.isascii() or not value.isdigit() or len(value) > ID_DIGITS_MAX:
        return None
    number = int(value)
    return number if number > 0 else None


@dataclass(frozen=True)
class ButtonClick:
    """One ``block_actions`` click on a button: on a message (a card, the escalation
    message, an owner's DM) or on the App Home tab (no channel, no response_url)."""

    action_id: str
    value: str | None
    user: str
    trigger_id: str
    dedup_key: str
    """The same for Slack's redelivery of this click, different for a second click."""
    channel: str | None = None
    message_ts: str | None = None
    response_url: str | None = None

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> ButtonClick:
        action: Mapping[str, Any] = (body.get("actions") or [{}])[0]
        container: Mapping[str, Any] = body.get("container") or {}
        user = str((body.get("user") or {}).get("id") or "")
        trigger_id = str(body.get("trigger_id") or "")
        action_id = str(action.get("action_id") or "")
        value = action.get("value")
        fallback = f"click:{user}:{action_id}:{value}:{action.get('action_ts')}"
        return cls(
            action_id=action_id,
            value=None if value is None else str(value),
            user=user,
            trigger_id=trigger_id,
            dedup_key=f"trigger:{trigger_id}" if trigger_id else fallback,
            channel=(body.get("channel") or {}).get("id") or container.get("channel_id"),
            message_ts=container.get("message_ts") or (body.get("message") or {}).get("ts"),
            response_url=body.get("response_url") or None,
        )


@dataclass(frozen=True)
class ViewSubmission:
    """A modal submitted (``view_submission``)."""

    callback_id: str
    user: str
    view_id: str
    view_hash: str
    private_metadata: str
    state_values: StateValues
    trigger_id: str

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> ViewSubmission:
        view: Mapping[str, Any] = body.get("view") or {}
        return cls(
            callback_id=str(view.get("callback_id") or ""),
            user=str((body.get("user") or {}).get("id") or ""),
            view_id=str(view.get("id") or ""),
            view_hash=str(view.get("hash") or ""),
            private_metadata=str(view.get("private_metadata") or ""),
            state_values=(view.get("state") or {}).get("values") or {},
            trigger_id=str(body.get("trigger_id") or ""),
        )

    @property
    def dedup_key(self) -> str:
        """One submission of one view: a redelivery or a double press of Submit repeats it."""
        if self.view_id and self.view_hash:
            return f"view:{self.view_id}:{self.view_hash}"
        return f"trigger:{self.trigger_id}"


@dataclass(frozen=True)
class SlashCommand:
    command: str
    text: str
    user: str
    channel: str
    trigger_id: str

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> SlashCommand:
        return cls(
            command=str(body.get("command") or ""),
            text=unescape(str(body.get("text") or "")),
            user=str(body.get("user_id") or ""),
            channel=str(body.get("channel_id") or ""),
            trigger_id=str(body.get("trigger_id") or ""),
        )

    @property
    def subcommand(self) -> str:
        words = self.text.split(maxsplit=1)
        return words[0].lower() if words else ""

    @property
    def argument(self) -> str:
        words = self.text.split(maxsplit=1)
        return words[1].strip() if len(words) > 1 else ""


def unescape(text: str) -> str:
    """A command's text as typed: Slack sends ``&``, ``<`` and ``>`` as entities (mentions
    escaped by ``should_escape`` stay ``<@U…|name>``)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def ephemeral(reply: SlackMessage) -> dict[str, Any]:
    """Keyword arguments for ``ack`` of a slash command: a reply only the asker sees."""
    return {**reply.to_dict(), "response_type": "ephemeral"}


def ticked_approvals(body: Mapping[str, Any], block_id: str, prefix: str) -> list[int]:
    """The approval ids ticked in a Home view's checkboxes (``block_id``, action ids starting
    with ``prefix``), read from the view's state as the click delivers it."""
    values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    ticked: list[int] = []
    for action_id, state in (values.get(block_id) or {}).items():
        if not str(action_id).startswith(prefix):
            continue
        for option in state.get("selected_options") or []:
            approval_id = parse_id(str(option.get("value")))
            if approval_id is not None:
                ticked.append(approval_id)
    return ticked
