"""The things a Slack workspace holds, as the sandbox keeps them: its ids, people,
messages and ephemeral messages, and the error a Web API method answers with."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from sandbox.block_reading import button_texts, visible_text
from sandbox.blockkit import block_kit_problems

TEAM_ID: Final = "T0DEALDESK"
TEAM_NAME: Final = "Dealdesk Test"
TEAM_DOMAIN: Final = "dealdesk-test"
APP_ID: Final = "A0DEALDESK"
BOT_ID: Final = "B0DEALBOT"
BOT_USER_ID: Final = "U0DEALBOT"
TRIGGER_ID: Final = re.compile(r"^\d+\.\d+\.[0-9a-f]+$")


class SlackError(Exception):
    """An ``ok: false`` answer; ``extra`` keys go next to ``error``."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


@dataclass(frozen=True)
class User:
    id: str
    name: str
    tz: str | None = "America/New_York"
    is_bot: bool = False
    title: str = ""
    status_text: str = ""
    status_emoji: str = ""
    status_expiration: int = 0
    """Unix seconds when Slack clears the status; 0: it does not expire."""
    email: str = ""
    """Their address (``users.lookupByEmail``); by default ``first.last@example.com``."""

    @property
    def address(self) -> str:
        return self.email or f"{self.name.lower().replace(' ', '.')}@example.com"

    def payload(self) -> dict[str, Any]:
        handle = self.name.lower().replace(" ", ".")
        user: dict[str, Any] = {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": handle,
            "deleted": False,
            "real_name": self.name,
            "is_admin": False,
            "is_owner": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1700000000,
            "profile": {
                "real_name": self.name,
                "real_name_normalized": self.name,
                "display_name": handle,
                "display_name_normalized": handle,
                "title": self.title,
                "team": TEAM_ID,
                "status_text": self.status_text,
                "status_emoji": self.status_emoji,
                "status_expiration": self.status_expiration,
                "email": self.address,
            },
        }
        if self.tz is not None:
            now = datetime.now(ZoneInfo(self.tz))
            offset = now.utcoffset()
            user["tz"] = self.tz
            user["tz_label"] = now.tzname()
            user["tz_offset"] = int(offset.total_seconds()) if offset is not None else 0
        return user


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Message:
    """One message as it currently stands in a channel (or one earlier version of it)."""

    channel: str
    ts: str
    text: str
    blocks_json: str = "[]"
    """The blocks as compact JSON: a card's text is a fifth of the memory its parsed blocks
    take, and the workspace keeps a thousand messages and their versions."""
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
    """``{"event_type", "event_payload"}`` as posted (chat.postMessage's ``metadata``)."""

    @classmethod
    def of(
        cls,
        channel: str,
        ts: str,
        text: str,
        blocks: list[dict[str, Any]],
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Message:
        return cls(channel, ts, text, compact_json(blocks), thread_ts, metadata)

    @property
    def blocks(self) -> list[dict[str, Any]]:
        """The blocks, read afresh: changing them changes no stored message."""
        blocks: list[dict[str, Any]] = json.loads(self.blocks_json)
        return blocks

    @property
    def payload(self) -> dict[str, Any]:
        """The message as Slack shows it (in Web API answers and block_actions payloads)."""
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": self.text,
            "ts": self.ts,
        }
        if blocks := self.blocks:  # parsed once
            message["blocks"] = blocks
        if self.thread_ts is not None:
            message["thread_ts"] = self.thread_ts
        return message

    @property
    def visible_text(self) -> str:
        """What a person reads: every text on the blocks, or the text when there are none."""
        blocks = self.blocks
        return visible_text(blocks) if blocks else self.text

    @property
    def button_texts(self) -> list[str]:
        return button_texts(self.blocks)


@dataclass(frozen=True)
class Ephemeral:
    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]]
    message_ts: str


def message_content(params: Mapping[str, Any]) -> tuple[str | None, list[dict[str, Any]] | None]:
    """The (text, blocks) of a message request, refused as Slack refuses them."""
    text = params.get("text")
    blocks = params.get("blocks")
    if blocks is not None:
        if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
            raise SlackError("invalid_blocks_format")
        problems = block_kit_problems("message", blocks)
        if problems:
            messages = [f"[ERROR] {problem}" for problem in problems]
            raise SlackError(
                "invalid_blocks", errors=problems, response_metadata={"messages": messages}
            )
    has_content = bool(text) or bool(blocks) or bool(params.get("attachments"))
    if not has_content:
        raise SlackError("no_text")
    return (None if text is None else str(text)), blocks
