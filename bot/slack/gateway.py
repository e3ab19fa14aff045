"""Every Slack Web API call dealdesk makes, and what a failure means for retrying it."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
from cachetools import LRUCache
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.outbox.trouble import DeliveryTrouble
from bot.outbox.work import POST
from bot.slack.token_state import AUTH_ERRORS, TRY_EVERY, TokenState
from policies.away import SlackStatus

log = logging.getLogger(__name__)

PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "invalid_blocks",
        "invalid_arguments",
        "message_not_found",
        "user_not_found",
        "cannot_dm_bot",
        "not_in_channel",
        "is_archived",
        "msg_too_long",
        "no_text",
        "cant_update_message",
        "edit_window_closed",
        "invalid_trigger_id",
        "expired_trigger_id",
        "user_not_in_channel",
        "channel_is_archived",
        "restricted_action",
        "not_allowed_token_type",
        "invalid_view",
        "view_too_large",
        "duplicate_external_id",
    }
)
"""Errors about this one message: retrying cannot help. Anything else (outages, rate
limits, a revoked token an admin will fix) is retried, so no card is lost."""

UNLOOKABLE = frozenset(
    {"missing_scope", "not_in_channel", "channel_not_found", "not_allowed_token_type"}
)
"""Why a conversation's history may be closed to us: then a post is not looked for."""

EMAIL_KEPT = 600.0
"""Seconds an email's Slack user is remembered (users.lookupByEmail is rate limited)."""


class SlackTrouble(DeliveryTrouble):
    """A Web API call that did not work (its ``error`` is Slack's, ``ratelimited`` a 429).
    Other code catches it for Slack's answers; the outbox sees a DeliveryTrouble."""


class Payload(Protocol):
    """A built message: ``to_dict()`` gives ``{"text": …, "blocks": [...]}``."""

    def to_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Person:
    user: str
    name: str
    tz: str | None
    is_bot: bool


@dataclass(frozen=True)
class Presence:
    """Who someone is and what their Slack status says now."""

    person: Person
    status: SlackStatus


class _RetryDroppedExceptPosts(AsyncConnectionErrorRetryHandler):
    """One quick retry for a dropped connection, except for ``chat.postMessage``: Slack
    may have posted before the connection dropped, and posting again blindly would show
    the message twice. The outbox retries a post after looking for it (:meth:`post`)."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if request.url.rstrip("/").endswith(POST):
            return False
        return await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )


def web_client(token: str, api_url: str) -> AsyncWebClient:
    """The client for SLACK_API_URL, on one connection pool for the process's life
    (without it, slack_sdk opens a new connection per call). One quick retry for a
    dropped connection (not for a post); the outbox handles the rest durably. Call
    inside the event loop; close with :meth:`SlackGateway.close`."""
    return AsyncWebClient(
        token=token,
        base_url=api_url,
        timeout=10,
        session=aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)),
        retry_handlers=[_RetryDroppedExceptPosts(max_retry_count=1)],
    )


@dataclass(frozen=True)
class OutboxTag:
    """The outbox row a post is made for (see :meth:`SlackGateway.posting_for`)."""

    outbox_id: int
    uncertain: bool
    """An earlier attempt may have posted it (a crash, a timeout, a dropped answer)."""


_POSTING_FOR: ContextVar[OutboxTag | None] = ContextVar("dealdesk_posting_for", default=None)

METADATA_EVENT = "dealdesk_outbox"
"""The ``event_type`` of the message metadata each outbox post carries."""

HISTORY_PAGES = 10
"""How far back a post in doubt is looked for: 10 pages of 200, newest first (a post in
doubt is recent; a conversation's clock need not agree with ours to find it)."""


PEOPLE_KEPT = 10_000
"""People whose DM channel, name and email match are kept (the most recently used)."""


class SlackGateway:
    def __init__(self, client: AsyncWebClient, *, people_kept: int = PEOPLE_KEPT) -> None:
        self.client = client
        self.token = TokenState()
        """Whether Slack accepts the bot token (bot.slack.token_state)."""
        self._dm_channels: LRUCache[str, str] = LRUCache(maxsize=people_kept)
        self._people: LRUCache[str, Person] = LRUCache(maxsize=people_kept)
        self._emails: LRUCache[str, tuple[str, float]] = LRUCache(maxsize=people_kept)
        self._home_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def close(self) -> None:
        if self.client.session is not None:
            await self.client.session.close()

    async def open_dm(self, user: str) -> str:
        if user not in self._dm_channels:
            response = await self._call("conversations_open", users=user)
            self._dm_channels[user] = response["channel"]["id"]
        return self._dm_channels[user]

    @staticmethod
    @contextmanager
    def posting_for(tag: OutboxTag) -> Iterator[None]:
        """Posts made inside (in this task) are for the outbox row ``tag`` names: each
        carries the row's id in its message metadata and, when an earlier attempt may
        have posted it already, is looked for in the conversation before it is posted."""
        token = _POSTING_FOR.set(tag)
        try:
            yield
        finally:
            _POSTING_FOR.reset(token)

    async def post(
        self, channel: str, message: Payload, *, thread_ts: str | None = None
    ) -> tuple[str, str]:
        """Post a message; return (channel, ts) as Slack answers them. The caller keeps
        Slack's pace (the outbox gives each conversation one post per turn)."""
        tag = _POSTING_FOR.get()
        metadata = None
        if tag is not None:
            if tag.uncertain and (found := await self._posted(channel, tag, thread_ts)):
                log.info("outbox row %s was posted before (%s %s)", tag.outbox_id, *found)
                return found
            metadata = {"event_type": METADATA_EVENT, "event_payload": {"outbox_id": tag.outbox_id}}
        body = message.to_dict()
        response = await self._call(
            "chat_postMessage",
            channel=channel,
            text=body["text"],
            blocks=body.get("blocks"),
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            metadata=metadata,
        )
        return response["channel"], response["ts"]

    async def _posted(
        self, channel: str, tag: OutboxTag, thread_ts: str | None
    ) -> tuple[str, str] | None:
        """The message an earlier attempt posted for ``tag``'s row, if Slack has it: its
        conversation's latest history (or the thread's replies), searched for the row's
        id in the metadata. Without the history scopes it cannot look, and posts (at
        least once rather than not at all)."""
        method, where = (
            ("conversations_replies", {"ts": thread_ts})
            if thread_ts
            else ("conversations_history", {})
        )
        cursor = None
        for _ in range(HISTORY_PAGES):
            try:
                response = await self._call(
                    method,
                    channel=channel,
                    limit=200,
                    include_all_metadata=True,
                    cursor=cursor,
                    **where,
                )
            except SlackTrouble as trouble:
                if trouble.retryable and trouble.error not in UNLOOKABLE:
                    raise
                log.warning("cannot look for outbox row %s: %s", tag.outbox_id, trouble.error)
                return None
            for found in response.get("messages") or []:
                meta = found.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == METADATA_EVENT and payload.get("outbox_id") == (
                    tag.outbox_id
                ):
                    return response.get("channel") or channel, str(found["ts"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None

    async def update(self, channel: str, ts: str, message: Payload) -> None:
        body = message.to_dict()
        await self._call(
            "chat_update",
            channel=channel,
            ts=ts,
            text=body["text"],
            blocks=body.get("blocks") or [],
        )

    async def ephemeral(self, channel: str, user: str, message: Payload) -> None:
        body = message.to_dict()
        await self._call(
            "chat_postEphemeral",
            channel=channel,
            user=user,
            text=body["text"],
            blocks=body.get("blocks"),
        )

    async def respond(self, response_url: str, message: Payload) -> bool:
        """Answer through a click's response_url, only to the clicker. False if it expired."""
        body = message.to_dict()
        try:
            response = await AsyncWebhookClient(response_url, timeout=10).send(
                text=body["text"],
                blocks=body.get("blocks"),
                response_type="ephemeral",
                replace_original=False,
            )
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise SlackTrouble(f"network: {type(error).__name__}", retryable=True) from None
        if response.status_code == 429 or response.status_code >= 500:
            raise SlackTrouble(f"http_{response.status_code}", retryable=True)
        return response.status_code == 200

    async def publish_home(
        self, user: str, render: Callable[[], Awaitable[dict[str, Any]]]
    ) -> None:
        """views.publish of what ``render`` gives, one publish of a person's Home at a
        time, each rendered once the one before it went out: of two racing (a click's
        notice and the outbox's refresh), an older render must never be the one shown."""
        lock = self._home_locks.setdefault(user, asyncio.Lock())
        async with lock:
            await self._call("views_publish", user_id=user, view=await render())

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        await self._call("views_open", trigger_id=trigger_id, view=view)

    async def person(self, user: str, *, fresh: bool = False) -> Person:
        """Name and time zone from users.info (kept while the person is among the
        :data:`PEOPLE_KEPT` most recent; ``fresh`` asks Slack again)."""
        if fresh or user not in self._people:
            await self.presence(user)
        return self._people[user]

    async def presence(self, user: str) -> Presence:
        """users.info now, for the status (which changes by the hour); the name and time
        zone it gives refresh :meth:`person`'s cache."""
        data = (await self._call("users_info", user=user))["user"]
        person = Person(
            user=user,
            name=data.get("real_name") or data.get("name") or user,
            tz=data.get("tz"),
            is_bot=bool(data.get("is_bot")),
        )
        self._people[user] = person
        return Presence(person, SlackStatus.from_profile(data.get("profile") or {}))

    async def user_by_email(self, email: str) -> str | None:
        """The Slack user id with this email (users.lookupByEmail), None when nobody has it.
        A match is kept for :data:`EMAIL_KEPT` seconds: a CRM sends one owner many deals."""
        key = email.strip().lower()
        kept = self._emails.get(key)
        if kept is not None and kept[1] > time.monotonic():
            return kept[0]
        try:
            response = await self._call("users_lookupByEmail", email=key)
        except SlackTrouble as trouble:
            if trouble.error == "users_not_found":
                return None
            raise
        user: str = response["user"]["id"]
        self._emails[key] = (user, time.monotonic() + EMAIL_KEPT)
        return user

    def use_token(self, token: str) -> bool:
        """A new bot token (SIGHUP re-read the settings); True when it changed."""
        if token == self.client.token:
            return False
        self.client.token = token
        self.token.accepted()
        return True

    async def _call(self, method: str, **arguments: Any) -> Any:
        """``method`` as slack_sdk names it (``chat_postMessage``)."""
        if not self.token.may_call():  # refused: no call until the next try or a new token
            assert self.token.refused is not None
            raise SlackTrouble(
                self.token.refused, retryable=True, retry_after=TRY_EVERY, method=_api_name(method)
            )
        try:
            result = await getattr(self.client, method)(**arguments)
        except SlackApiError as error:
            trouble = _trouble(error, _api_name(method))
            if trouble.error in AUTH_ERRORS:
                self.token.refused_with(trouble.error)
                trouble.retry_after = TRY_EVERY
            raise trouble from None
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            raise SlackTrouble(
                f"network: {type(error).__name__}: {error}",
                retryable=True,
                method=_api_name(method),
            ) from None
        self.token.accepted()
        return result


def _api_name(method: str) -> str:
    """``chat_postMessage`` -> ``chat.postMessage``, as Slack names its methods."""
    return method.replace("_", ".")


def _trouble(error: SlackApiError, method: str) -> SlackTrouble:
    response = error.response
    status = response.status_code
    code = str(response.get("error") or f"http_{status}")
    if status == 429:
        after = response.headers.get("retry-after") or response.headers.get("Retry-After")
        return SlackTrouble(
            "ratelimited",
            retryable=True,
            retry_after=float(after) if after else 1.0,
            method=method,
        )
    if status >= 500:
        return SlackTrouble(f"http_{status}", retryable=True, method=method)
    return SlackTrouble(code, retryable=code not in PERMANENT_ERRORS, method=method)
