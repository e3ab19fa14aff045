"""A fake Slack Web API on a free local port: answers like Slack, records every call.

    async with FakeSlack() as slack:
        slack.add_user("U0LISA", name="Lisa Wong", tz="America/Los_Angeles")
        client = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
        ...
        card = slack.dm("U0LISA")[0]
        assert "Approve" in card.button_texts

It refuses what Slack refuses (bad token, unknown channel or user, a ts it never
issued, blocks and views over Block Kit's limits, a message without text or blocks) and
keeps the workspace's state (``slack_workspace.Workspace``): messages by channel and ts
with every version, threads, ephemerals, the Home view per user, opened views.
Faults for resilience tests: ``fail``, ``rate_limit``, ``error``, ``drop``, ``outage``
and ``set_latency``; injected failures are recorded like any call, and ``delivered``
lists the successful calls only. ``pace_posts()`` makes it refuse, with a 429, a
``chat.postMessage`` that comes less than a second after the last one it took in the
same channel, as Slack does (stricter: Slack lets short bursts through).
``response_url(name)`` gives a URL on the same server for Slack's ``response_url`` posts
(recorded in ``responses``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.app.cli.doctor import SCOPES
from sandbox.objects import Ephemeral, Message, User
from sandbox.web_api import answer, read_params
from sandbox.workspace import Workspace
from tests.support.local_server import serve
from tests.support.slack_faults import Fault, Faults

RESPONSE_URL = "response_url"
"""The method name under which response_url posts take faults: ``slack.fail(RESPONSE_URL)``."""


@dataclass(frozen=True)
class Call:
    """One request to the Web API. ``at`` is ``time.monotonic()`` when it arrived."""

    method: str
    params: dict[str, Any]
    headers: Mapping[str, str]
    at: float
    status: int = 200
    response: Mapping[str, Any] = field(default_factory=dict)
    fault: str | None = None  # "http 500", "ratelimited", "error channel_not_found", "drop", ...

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.response.get("ok") is True

    @property
    def error(self) -> str | None:
        if self.ok:
            return None
        return str(self.response.get("error") or self.fault or f"http {self.status}")

    def __str__(self) -> str:
        outcome = "ok" if self.ok else self.error
        return f"{self.method} → {outcome} {_brief(self.params)}"


@dataclass(frozen=True)
class ResponsePost:
    """One post to a response_url."""

    name: str
    body: Mapping[str, Any]
    headers: Mapping[str, str]
    at: float
    status: int
    error: str | None = None

    def __str__(self) -> str:
        return f"response_url {self.name} → {self.error or 'ok'} {_brief(self.body)}"


@dataclass(frozen=True)
class _Hook:
    channel: str | None
    ts: str | None


class FakeSlack:
    def __init__(self, *, token: str = "xoxb-test", latency: float = 0.0) -> None:
        self.token = token
        self.scopes = set(SCOPES)  # what the manifest asks for (dealdesk doctor checks)
        """The bot token's scopes, as auth.test lists them (``X-OAuth-Scopes``)."""
        self.workspace = Workspace()
        self.calls: list[Call] = []
        self.responses: list[ResponsePost] = []
        self.faults = Faults(latency)
        self._hooks: dict[str, _Hook] = {}
        self._post_interval = 0.0
        self._last_post: dict[str, float] = {}
        self._base = ""
        self._running = contextlib.AsyncExitStack()

    # --- lifecycle ----------------------------------------------------------------
    async def __aenter__(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/hooks/{name}", self._hook)
        self._base = await self._running.enter_async_context(serve(app))
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._running.aclose()

    @property
    def api_url(self) -> str:
        """The Web API base URL (``SLACK_API_URL``), ending in ``/``."""
        assert self._base, "FakeSlack is not running: use `async with FakeSlack() as slack`"
        return f"{self._base}/api/"

    def response_url(self, name: str, *, channel: str | None = None, ts: str | None = None) -> str:
        """A response_url on this server. Bound to a message (``channel``, ``ts``),
        ``replace_original`` and ``delete_original`` act on that message."""
        self._hooks[name] = _Hook(channel, ts)
        return f"{self._base}/hooks/{name}"

    # --- the workspace -------------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        tz: str | None = "America/New_York",
        is_bot: bool = False,
        title: str = "",
    ) -> User:
        user = User(user_id, name, tz, is_bot, title)
        self.workspace.users[user_id] = user
        return user

    def set_status(
        self, user_id: str, text: str = "", emoji: str = "", *, expires_at: datetime | None = None
    ) -> None:
        """What ``user_id`` set as their Slack status (an empty one clears it)."""
        expiration = int(expires_at.timestamp()) if expires_at else 0
        self.workspace.users[user_id] = replace(
            self.workspace.users[user_id],
            status_text=text,
            status_emoji=emoji,
            status_expiration=expiration,
        )

    def add_channel(self, channel_id: str) -> None:
        self.workspace.channels.add(channel_id)

    # --- faults --------------------------------------------------------------------
    def fail(self, method: str, status: int = 500, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` (``"*"``: any) answer HTTP ``status``."""
        self.faults.add(method, Fault("status", times, status=status))

    def rate_limit(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """HTTP 429 with ``Retry-After`` and ``{"ok": false, "error": "ratelimited"}``."""
        self.faults.add(method, Fault("ratelimit", times, status=429, retry_after=retry_after))

    def error(self, method: str, error: str = "channel_not_found", times: int = 1) -> None:
        """HTTP 200 with ``{"ok": false, "error": error}``."""
        self.faults.add(method, Fault("error", times, error=error))

    def drop(self, method: str, times: int = 1) -> None:
        """Close the connection without answering (a network error for the client)."""
        self.faults.add(method, Fault("drop", times))

    def lose_answer(self, method: str, times: int = 1) -> None:
        """Slack does the call, and the connection drops before its answer arrives."""
        self.faults.add(method, Fault("lost", times))

    def outage(self, seconds: float) -> None:
        """Every method and response_url answers 503 for ``seconds`` from now."""
        self.faults.outage(seconds)

    def set_latency(self, seconds: float, method: str = "*") -> None:
        """Answer ``method`` (``"*"``: every method) ``seconds`` late."""
        self.faults.latency[method] = seconds

    def clear_faults(self) -> None:
        self.faults.clear()

    def pace_posts(self, interval: float = 1.0) -> None:
        """Refuse (429, ``Retry-After``) a post that comes within ``interval`` seconds of
        the last one this channel took; 0 turns it off."""
        self._post_interval = interval

    def posts_per_second(self) -> int:
        """The most posts any one channel took within one second (a sliding window)."""
        times: dict[str, list[float]] = {}
        for call in self.delivered("chat.postMessage"):
            times.setdefault(str(call.params.get("channel")), []).append(call.at)
        most = 0
        for arrivals in times.values():
            arrivals.sort()
            start = 0
            for end, at in enumerate(arrivals):
                while at - arrivals[start] >= 1.0:
                    start += 1
                most = max(most, end - start + 1)
        return most

    @property
    def rate_limited(self) -> list[Call]:
        """The calls answered 429."""
        return [call for call in self.calls if call.status == 429]

    # --- what was received -----------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def delivered(self, method: str) -> list[Call]:
        """The successful calls of ``method``: what Slack actually accepted."""
        return [call for call in self.calls_to(method) if call.ok]

    def last(self, method: str) -> Call:
        calls = self.calls_to(method)
        assert calls, f"no call to {method}; received: {self._received()}"
        return calls[-1]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 (a deadline for the polling, not for I/O)
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Wait until ``count`` calls of ``method`` (matching ``where``) were received."""
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.calls_to(method) if where is None or where(c)]
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                which = " matching `where`" if where else ""
                raise AssertionError(
                    f"expected {count} call(s) to {method}{which} within {timeout}s, "
                    f"got {len(found)}; received: {self._received()}"
                )
            await asyncio.sleep(0.01)

    async def wait_for_response(
        self,
        name: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[ResponsePost]:
        deadline = time.monotonic() + timeout
        while True:
            found = [r for r in self.responses if r.name == name]
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"expected {count} post(s) to response_url {name} within {timeout}s, "
                    f"got {len(found)}; received: {self._received()}"
                )
            await asyncio.sleep(0.01)

    def _received(self) -> str:
        lines = [str(c) for c in self.calls] + [str(r) for r in self.responses]
        return "\n  " + "\n  ".join(lines) if lines else "nothing"

    # --- the state Slack keeps -------------------------------------------------------
    def message(self, channel: str, ts: str) -> Message:
        """The message as it stands now; AssertionError if there is none."""
        message = self.workspace.current(channel, ts)
        if message is None:
            known = {c: sorted(m) for c, m in self.workspace.history.items()}
            raise AssertionError(f"no message {ts} in {channel}; messages by channel: {known}")
        return message

    def versions(self, channel: str, ts: str) -> list[Message]:
        """Every version of a message, first post first."""
        return list(self.workspace.history.get(channel, {}).get(ts, []))

    def messages(self, channel: str) -> list[Message]:
        """The messages currently in a channel (thread replies not included), oldest first."""
        current = [v[-1] for v in self.workspace.history.get(channel, {}).values()]
        top = [m for m in current if m.thread_ts is None or m.thread_ts == m.ts]
        return sorted(top, key=lambda m: m.ts)

    def thread(self, channel: str, thread_ts: str) -> list[Message]:
        return self.workspace.thread(channel, thread_ts)

    def dm(self, user: str) -> list[Message]:
        """The bot's messages in its direct conversation with ``user``."""
        return self.messages(f"D{user}")

    @property
    def ephemerals(self) -> list[Ephemeral]:
        return list(self.workspace.ephemerals)

    def ephemerals_for(self, user: str) -> list[Ephemeral]:
        return [e for e in self.workspace.ephemerals if e.user == user]

    def home(self, user: str) -> dict[str, Any]:
        """The Home view currently published for ``user``; AssertionError if none."""
        view_id = self.workspace.homes.get(user)
        assert view_id, (
            f"no Home view published for {user}; published: {sorted(self.workspace.homes)}"
        )
        return self.workspace.views[view_id]

    def view(self, view_id: str) -> dict[str, Any]:
        assert view_id in self.workspace.views, f"no view {view_id}"
        return self.workspace.views[view_id]

    @property
    def opened_views(self) -> list[dict[str, Any]]:
        """Modals opened or pushed, in order, each as it stands now."""
        return [self.workspace.views[view_id] for view_id in self.workspace.opened]

    # --- HTTP --------------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        arrived = time.monotonic()
        params, token, problem = await read_params(request)
        await self.faults.delay(method)
        fault = self.faults.take(method) or self._pace(method, params, arrived)
        body: dict[str, Any]
        if fault is None:
            body = self._answer(method, params, token, problem)
            status, response = 200, web.json_response(body)
            if method == "auth.test" and body.get("ok"):
                response.headers["X-OAuth-Scopes"] = ",".join(sorted(self.scopes))
        elif fault.kind == "drop":
            return await self._drop(request, Call(method, params, request.headers, arrived, 0))
        elif fault.kind == "lost":
            body = self._answer(method, params, token, problem)
            lost = Call(method, params, request.headers, arrived, 0, body, "lost")
            return await self._drop(request, lost)
        else:
            status, body, response = fault.response()
        label = None if fault is None else fault.label
        self.calls.append(Call(method, params, request.headers, arrived, status, body, label))
        return response

    def _pace(self, method: str, params: dict[str, Any], arrived: float) -> Fault | None:
        """Slack's pace for posts: about one a second per channel."""
        if method != "chat.postMessage" or self._post_interval <= 0:
            return None
        channel = str(params.get("channel"))
        last = self._last_post.get(channel)
        if last is not None and arrived - last < self._post_interval:
            wait = math.ceil(self._post_interval - (arrived - last))
            return Fault("ratelimit", 1, status=429, retry_after=wait)
        self._last_post[channel] = arrived
        return None

    def _answer(
        self, method: str, params: dict[str, Any], token: str | None, problem: str | None
    ) -> dict[str, Any]:
        return answer(self.workspace, self.token, method, params, token, problem)

    async def _hook(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        arrived = time.monotonic()
        await self.faults.delay(RESPONSE_URL)
        body: Any = None
        if request.content_type == "application/json":
            with contextlib.suppress(ValueError):
                body = json.loads(await request.text())
        fault = self.faults.take(RESPONSE_URL)
        record = ResponsePost(
            name, body if isinstance(body, dict) else {}, request.headers, arrived, 0
        )
        if fault is not None and fault.kind == "drop":
            return await self._drop(request, record)
        if fault is not None:
            status, _, response = fault.response()
            error: str | None = fault.label
        else:
            status, error = self._respond(name, body)
            ok = web.json_response({"ok": True})
            response = ok if error is None else web.Response(status=status, text=error)
        self.responses.append(replace(record, status=status, error=error))
        return response

    def _respond(self, name: str, body: Any) -> tuple[int, str | None]:
        """Act on a response_url post as Slack does: (HTTP status, error)."""
        hook = self._hooks.get(name)
        if hook is None:
            return 404, "expired_url"
        return self.workspace.respond(body, channel=hook.channel, ts=hook.ts)

    async def _drop(self, request: web.Request, record: Call | ResponsePost) -> web.StreamResponse:
        if isinstance(record, Call):
            self.calls.append(replace(record, fault=record.fault or "drop"))
        else:
            self.responses.append(replace(record, error="drop"))
        assert request.transport is not None
        request.transport.abort()
        return web.Response(status=599)


def _brief(params: Mapping[str, Any]) -> str:
    text = json.dumps(dict(params), default=str, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "..."
