"""The state of a fake Slack workspace and the Web API methods dealdesk calls on it.

Pure state and rules, no HTTP: ``FakeSlack`` decodes requests, calls
``Workspace.call(method, params)`` and turns a ``SlackError`` into
``{"ok": false, "error": ...}``. Answers follow the shapes of Slack's documented
examples (slack-reference/web_api_responses); the checks are the ones real Slack makes.
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from sandbox.blockkit import Surface, block_kit_problems
from sandbox.objects import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
    TRIGGER_ID,
    Ephemeral,
    Message,
    SlackError,
    User,
    compact_json,
    message_content,
)
from sandbox.paging import page_of

MESSAGES_KEPT = 200
"""Messages kept per conversation (the oldest go first), as a client scrolls back: a
sandbox left running for a week stays the size it was after an hour."""
VERSIONS_KEPT = 5
"""Versions kept of one message: the first as posted, and the latest edits."""
EPHEMERALS_KEPT = 200
MODALS_KEPT = 200
"""Modals remembered (an open one among them); Home tabs are one per person."""


class Workspace:
    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        """``clock``: seconds since the epoch for message timestamps (Slack's ``ts`` is the
        time a message was posted); without one, timestamps count up from 1700000000."""
        self._clock = clock
        self._last_micros = 0
        self.users: dict[str, User] = {}
        self.channels: set[str] = set()
        self.left: set[str] = set()
        """Channels that exist but the bot is not in (it cannot post there)."""
        self.history: dict[str, dict[str, list[Message]]] = {}  # channel → ts → versions
        self.ephemerals: deque[Ephemeral] = deque(maxlen=EPHEMERALS_KEPT)
        self.views: dict[str, dict[str, Any]] = {}  # view id → view as Slack stores it
        self.homes: dict[str, str] = {}  # user → view id of the published Home
        self.home_publishes: dict[str, int] = {}  # user → how often their Home was published
        self.opened: deque[str] = deque(maxlen=MODALS_KEPT)  # view ids opened, in order
        self._modals: deque[str] = deque()  # modal view ids stored, oldest first
        self.triggers: dict[str, str] = {}  # view id → the trigger_id that opened it
        self._ticks = itertools.count(1)
        self.methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self.auth_test,
            "chat.postMessage": self.post_message,
            "chat.update": self.update_message,
            "chat.postEphemeral": self.post_ephemeral,
            "conversations.open": self.open_conversation,
            "conversations.info": self.conversation_info,
            "conversations.history": self.conversation_history,
            "conversations.replies": self.conversation_replies,
            "users.info": self.user_info,
            "users.lookupByEmail": self.user_by_email,
            "views.open": self.open_view,
            "views.push": self.open_view,
            "views.update": self.update_view,
            "views.publish": self.publish_view,
        }

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """The answer Slack gives; raises ``SlackError`` for an ``ok: false`` one."""
        handler = self.methods.get(method)
        if handler is None:
            raise SlackError("unknown_method", req_method=method)
        return {"ok": True, **handler(params)}

    def next_ts(self) -> str:
        """A new message timestamp, later than every one before."""
        if self._clock is None:
            n = next(self._ticks) * 100
            return f"{1700000000 + n // 1_000_000}.{n % 1_000_000:06d}"
        micros = max(int(self._clock() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    # --- channels and messages ---------------------------------------------------
    def resolve_channel(self, given: Any) -> str:
        """A channel id the bot may post in; a user id means that user's DM, as in Slack."""
        channel = str(given or "")
        if channel in self.users:
            self.channels.add(f"D{channel}")
            return f"D{channel}"
        if channel in self.channels or (channel[:1] == "D" and channel[1:] in self.users):
            return channel
        raise SlackError("channel_not_found")

    def current(self, channel: str, ts: str) -> Message | None:
        versions = self.history.get(channel, {}).get(ts)
        return versions[-1] if versions else None

    def store(self, message: Message) -> None:
        conversation = self.history.setdefault(message.channel, {})
        versions = conversation.setdefault(message.ts, [])
        versions.append(message)
        if len(versions) > VERSIONS_KEPT:
            del versions[1]
        if len(conversation) > MESSAGES_KEPT:
            del conversation[next(iter(conversation))]  # the oldest: ts order is insertion

    def thread(self, channel: str, thread_ts: str) -> list[Message]:
        """The current replies in one thread, oldest first (the parent not included)."""
        current = [versions[-1] for versions in self.history.get(channel, {}).values()]
        return sorted((m for m in current if m.thread_ts == thread_ts), key=lambda m: m.ts)

    def delete(self, channel: str, ts: str) -> None:
        if self.history.get(channel, {}).pop(ts, None) is None:
            raise SlackError("message_not_found")

    def post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.resolve_channel(params.get("channel"))
        if channel in self.left:  # it exists, and the bot is not in it
            raise SlackError("not_in_channel")
        text, blocks = message_content(params)
        thread_ts = params.get("thread_ts") or None
        if thread_ts is not None and self.current(channel, str(thread_ts)) is None:
            raise SlackError("thread_not_found")
        metadata = params.get("metadata")
        if isinstance(metadata, str):  # form-encoded: a JSON string, as Slack takes it
            metadata = json.loads(metadata) if metadata.strip() else None
        if metadata is not None and (
            not isinstance(metadata, dict)
            or not isinstance(metadata.get("event_type"), str)
            or not isinstance(metadata.get("event_payload"), dict)
        ):
            raise SlackError("invalid_metadata_format")
        message = Message.of(channel, self.next_ts(), text or "", blocks or [], thread_ts, metadata)
        self.store(message)
        return {"channel": channel, "ts": message.ts, "message": message.payload}

    def update_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
        if channel not in self.history and channel not in self.channels:
            raise SlackError("channel_not_found")
        old = self.current(channel, ts)
        if old is None:
            raise SlackError("message_not_found")
        text, blocks = message_content(params)
        new = Message(
            channel,
            ts,
            old.text if text is None else text,
            old.blocks_json if blocks is None else compact_json(blocks),
            old.thread_ts,
            old.metadata,
        )
        self.store(new)
        return {"channel": channel, "ts": ts, "text": new.text, "message": new.payload}

    def replace(self, channel: str, ts: str, params: Mapping[str, Any]) -> None:
        """``replace_original`` through a response_url (no blocks given means none)."""
        old = self.current(channel, ts)
        if old is None:
            raise SlackError("message_not_found")
        text, blocks = message_content(params)
        self.store(Message.of(channel, ts, text or "", blocks or [], old.thread_ts, old.metadata))

    def respond(
        self, body: Any, *, channel: str | None, ts: str | None, user: str | None = None
    ) -> tuple[int, str | None]:
        """A post to a response_url of ``user``'s click on (``channel``, ``ts``) or command in
        ``channel``, acted on as Slack does: (HTTP status, error). ``replace_original`` and
        ``delete_original`` act on the message; anything else is a new message only
        ``user`` sees (everyone, with ``response_type: in_channel``)."""
        if not isinstance(body, dict) or not body:
            return 400, "invalid_payload"
        try:
            if body.get("delete_original") and channel and ts:
                self.delete(channel, ts)
            elif body.get("replace_original") and channel and ts:
                self.replace(channel, ts, body)
            elif not body.get("delete_original"):
                text, blocks = message_content(body)
                if user is not None and channel is not None:
                    self.add_reply(channel, user, text or "", blocks or [], body)
        except SlackError as error:
            return (404 if error.error == "message_not_found" else 400), error.error
        return 200, None

    def add_reply(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: list[dict[str, Any]],
        body: Mapping[str, Any],
    ) -> None:
        """An answer to ``user`` in ``channel``: ephemeral unless it says ``in_channel``."""
        if body.get("response_type") == "in_channel":
            self.store(Message.of(channel, self.next_ts(), text, blocks))
        else:
            self.ephemerals.append(Ephemeral(channel, user, text, blocks, self.next_ts()))

    def post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.resolve_channel(params.get("channel"))
        user = str(params.get("user") or "")
        if user not in self.users:
            raise SlackError("user_not_in_channel")
        text, blocks = message_content(params)
        ephemeral = Ephemeral(channel, user, text or "", blocks or [], self.next_ts())
        self.ephemerals.append(ephemeral)
        return {"message_ts": ephemeral.message_ts}

    # --- people --------------------------------------------------------------------
    def auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": "dealdesk",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "is_enterprise_install": False,
        }

    def user_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user") or ""))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": user.payload()}

    def conversation_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Top-level messages, newest first, from ``oldest`` on (metadata with
        ``include_all_metadata``), a page of ``limit`` at a time (``cursor``: an offset)."""
        channel = str(params.get("channel") or "")
        if channel not in self.history and channel not in self.channels:
            raise SlackError("channel_not_found")
        found = [
            versions[-1]
            for versions in self.history.get(channel, {}).values()
            if versions[-1].thread_ts in (None, versions[-1].ts)
        ]
        return page_of(channel, found, params)

    def conversation_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """The thread's parent, then its replies, oldest first (as Slack answers)."""
        channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
        if self.current(channel, ts) is None:
            raise SlackError("thread_not_found")
        found = [
            versions[-1]
            for versions in self.history.get(channel, {}).values()
            if versions[-1].ts == ts or versions[-1].thread_ts == ts
        ]
        return page_of(channel, found, params, newest_first=False)

    def user_by_email(self, params: dict[str, Any]) -> dict[str, Any]:
        wanted = str(params.get("email") or "").strip().lower()
        if not wanted:
            raise SlackError("invalid_arguments")
        for user in self.users.values():
            if user.address.lower() == wanted:
                return {"user": user.payload()}
        raise SlackError("users_not_found")

    def conversation_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """A channel the bot was added to (``channels``) is one it is a member of."""
        channel = str(params.get("channel") or "")
        if channel not in self.channels and channel not in self.left:
            raise SlackError("channel_not_found")
        return {
            "channel": {
                "id": channel,
                "name": channel.lower(),
                "is_channel": channel.startswith("C"),
                "is_member": channel in self.channels,
            }
        }

    def open_conversation(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("channel"):
            channel = self.resolve_channel(params["channel"])
            return {"no_op": True, "already_open": True, "channel": {"id": channel}}
        users = params.get("users")
        ids = users if isinstance(users, list) else str(users or "").split(",")
        ids = [str(i).strip() for i in ids if str(i).strip()]
        if not ids:
            raise SlackError("users_list_not_supplied")
        if any(i not in self.users for i in ids):
            raise SlackError("user_not_found")
        channel = f"D{ids[0]}" if len(ids) == 1 else "G" + "".join(sorted(ids))
        already = channel in self.channels
        self.channels.add(channel)
        answer: dict[str, Any] = {"channel": {"id": channel}}
        if already:
            answer.update(no_op=True, already_open=True)
        return answer

    # --- views -----------------------------------------------------------------------
    def open_view(self, params: dict[str, Any]) -> dict[str, Any]:
        if not TRIGGER_ID.match(str(params.get("trigger_id") or "")):
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": ["invalid `trigger_id`"]}
            )
        view = self.stored_view(params.get("view"), "modal", None)
        self.opened.append(view["id"])
        self.triggers[view["id"]] = str(params["trigger_id"])
        return {"view": view}

    def update_view(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = params.get("view_id")
        if not view_id and params.get("external_id"):
            view_id = next(
                (k for k, v in self.views.items() if v.get("external_id") == params["external_id"]),
                None,
            )
        old = self.views.get(str(view_id or ""))
        if old is None:
            raise SlackError("not_found")
        self.check_hash(old, params.get("hash"))
        return {"view": self.stored_view(params.get("view"), old["type"], old)}

    def publish_view(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user_id") or "")
        if user not in self.users:
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": ["invalid `user_id`"]}
            )
        old = self.views.get(self.homes.get(user, ""))
        if old is not None:
            self.check_hash(old, params.get("hash"))
        view = self.stored_view(params.get("view"), "home", old)
        self.homes[user] = view["id"]
        self.home_publishes[user] = self.home_publishes.get(user, 0) + 1
        return {"view": view}

    def check_hash(self, old: Mapping[str, Any], given: Any) -> None:
        if given and given != old["hash"]:
            raise SlackError("hash_conflict")

    def stored_view(
        self, view: Any, surface: Surface, old: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        if not isinstance(view, dict):
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": ["invalid `view`"]}
            )
        problems = block_kit_problems(surface, view)
        if problems:
            messages = [f"[ERROR] {problem}" for problem in problems]
            raise SlackError("invalid_arguments", response_metadata={"messages": messages})
        view_id = old["id"] if old else f"V{next(self._ticks):08d}"
        stored = {
            "team_id": TEAM_ID,
            "callback_id": "",
            "private_metadata": "",
            "external_id": "",
            "state": {"values": {}},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": None,
            **view,
            "id": view_id,
            "hash": f"{self.next_ts()}.{next(self._ticks):08x}",
            "root_view_id": old["root_view_id"] if old else view_id,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
        }
        self.views[view_id] = stored
        if old is None and surface == "modal":
            self._modals.append(view_id)
            if len(self._modals) > MODALS_KEPT:
                gone = self._modals.popleft()
                self.views.pop(gone, None)
                self.triggers.pop(gone, None)
        return stored
