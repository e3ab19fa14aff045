"""The sandbox server: a local Slack workspace for the app, and a page for people.

The app talks to it as to Slack (``/api/{method}``, response URLs); the page reads the
workspace as one of the policy's people sees it (``/sandbox/state``, live through
``/sandbox/events``) and acts as they would: every click, modal submission, slash
command and Home visit becomes the request Slack would send, signed, to the real app.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import aiohttp
from aiohttp import web
from cachetools import LRUCache

from bot.core.clock import ShiftedClock
from policies.duration import humanize
from policies.graph import policy_graph
from policies.graph_svg import to_svg
from policies.model import Policy
from sandbox.actions import PageActions
from sandbox.errors import SandboxError
from sandbox.objects import Message, User
from sandbox.presets import OWNER, PRESETS
from sandbox.requests import (
    SlackRequests,
    new_trigger_id,
)
from sandbox.statuses import STATUS_CHOICES, StatusError, shown_status
from sandbox.web_api import answer, read_params
from sandbox.workspace import Workspace

log = logging.getLogger(__name__)

STATIC: Final = Path(__file__).resolve().parent / "static"
HOME: Final = "home"
"""The page's name for the app's Home tab."""
QUIET_METHODS: Final = frozenset({"auth.test", "users.info", "conversations.open"})
"""Web API methods that change nothing a person sees."""
END: Final = "end"
"""What ends an event stream (the server is stopping)."""
CLICKS_KEPT: Final = 1000
"""Response URLs, trigger ids and form errors kept: the latest clicks'."""

ClockMoved = Callable[[str], Awaitable[None]]
"""Told after the clock moved ahead (``1h``, ``1d`` or ``briefing``): the app looks for
due work, and runs its morning round for ``briefing``."""


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: str


@dataclass(frozen=True)
class _Hook:
    user: str
    channel: str
    ts: str | None


def people_of(policy: Policy) -> list[Person]:
    """Everyone the page lets you act as: a deal owner, the policy's people and its admins."""
    found: dict[str, Person] = {OWNER: Person(OWNER, "Sarah Chen", "Account executive")}
    for approver in policy.approvers.values():
        if approver.slack_user and approver.slack_user not in found:
            role = approver.title or "Approver"
            found[approver.slack_user] = Person(approver.slack_user, approver.name, role)
    for n, admin in enumerate(policy.admins, start=1):
        name = "Deal desk admin" if len(policy.admins) == 1 else f"Deal desk admin {n}"
        found.setdefault(admin, Person(admin, name, "Admin (RevOps)"))
    return list(found.values())


class Sandbox:
    def __init__(self, policy: Policy, clock: ShiftedClock, *, token: str, signing_secret: str):
        self.policy = policy
        self.clock = clock
        self.token = token
        self.signing_secret = signing_secret
        self.workspace = Workspace(clock=lambda: clock.now().timestamp())
        self.people = people_of(policy)
        self.channel_names: dict[str, str] = {}
        for channel, name in (
            (policy.deal_channel, "deal-desk"),
            (policy.escalation_channel, "deal-escalations"),
        ):
            if channel is not None:
                self.workspace.channels.add(channel)
                self.channel_names[channel] = name
        for person in self.people:
            self.workspace.users[person.id] = User(
                person.id, person.name, policy.timezone, title=person.role
            )
        # Each click makes a response URL and a trigger id: the latest are kept (Slack's
        # expire after 30 minutes and 3 seconds), so a long session stays its size.
        self._hooks: LRUCache[str, _Hook] = LRUCache(maxsize=CLICKS_KEPT)
        self._hook_names = itertools.count(1)
        self._trigger_users: LRUCache[str, str] = LRUCache(maxsize=CLICKS_KEPT)
        self.modals: dict[str, str] = {}  # user → the view id of their open modal
        self.errors: LRUCache[str, dict[str, str]] = LRUCache(maxsize=CLICKS_KEPT)
        """View id → block id → error, for forms answered with errors."""
        self._seen: dict[tuple[str, str], str] = {}  # (user, conversation) → last ts read
        self._listeners: set[asyncio.Queue[str]] = set()
        self._base = ""
        self._app: SlackRequests | None = None
        self.app_url = ""
        self.api_token = ""
        self.clock_moved: ClockMoved | None = None

    # --- wiring ------------------------------------------------------------------------
    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_get("/", self._index)
        app.router.add_static("/static/", STATIC)
        app.router.add_route("*", "/api/{method}", self._web_api)
        app.router.add_post("/hooks/{name}", self._hook)
        app.router.add_get("/sandbox/state", self._state)
        app.router.add_get("/sandbox/events", self._events)
        app.router.add_get("/sandbox/policy.svg", self._policy_svg)
        actions = PageActions(self)
        for name, handler in (
            ("act", actions.act),
            ("submit", actions.submit),
            ("close", actions.close),
            ("command", actions.command),
            ("home", actions.open_home),
            ("clock", actions.move_clock),
            ("deal", actions.send_deal),
            ("status", actions.set_status),
        ):
            app.router.add_post(f"/sandbox/{name}", self._page_call(handler))
        app.on_shutdown.append(self._end_events)
        return app

    async def _policy_svg(self, _request: web.Request) -> web.Response:
        """The policy as ``dealdesk policy graph --format svg`` draws it."""
        return web.Response(text=to_svg(policy_graph(self.policy)), content_type="image/svg+xml")

    def serving_at(self, base_url: str) -> None:
        """Where this server listens (for response URLs), no trailing slash."""
        self._base = base_url

    def connect(
        self,
        session: aiohttp.ClientSession,
        app_url: str,
        api_token: str,
        clock_moved: ClockMoved,
    ) -> None:
        """The app to send requests to (its base URL), and what to tell when time moves."""
        self._app = SlackRequests(session, f"{app_url}/slack/events", self.signing_secret)
        self.app_url = app_url
        self.api_token = api_token
        self.clock_moved = clock_moved

    @property
    def app(self) -> SlackRequests:
        if self._app is None:
            raise SandboxError("the app is still starting; try again in a moment")
        return self._app

    def changed(self) -> None:
        for queue in self._listeners:
            if queue.empty():
                queue.put_nowait("changed")

    async def _end_events(self, _app: web.Application) -> None:
        """Shutting down: end every event stream now, not at its next keep-alive."""
        for queue in self._listeners:
            with contextlib.suppress(asyncio.QueueEmpty):
                queue.get_nowait()
            queue.put_nowait(END)

    # --- Slack, as the app sees it -------------------------------------------------
    async def _web_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params, token, problem = await read_params(request)
        body = answer(self.workspace, self.token, method, params, token, problem)
        if body.get("ok") and method in ("views.open", "views.push"):
            view_id = body["view"]["id"]
            user = self._trigger_users.get(self.workspace.triggers.get(view_id, ""))
            if user is not None:
                self.modals[user] = view_id
                self.errors.pop(view_id, None)
        if body.get("ok") and method not in QUIET_METHODS:
            self.changed()
        return web.json_response(body)

    async def _hook(self, request: web.Request) -> web.Response:
        hook = self._hooks.get(request.match_info["name"])
        if hook is None:
            return web.Response(status=404, text="expired_url")
        try:
            body: Any = await request.json()
        except ValueError:
            body = None
        status, error = self.workspace.respond(
            body, channel=hook.channel, ts=hook.ts, user=hook.user
        )
        self.changed()
        if error is not None:
            return web.Response(status=status, text=error)
        return web.json_response({"ok": True})

    def response_url(self, user: str, channel: str, ts: str | None = None) -> str:
        name = f"r{next(self._hook_names)}"
        self._hooks[name] = _Hook(user, channel, ts)
        return f"{self._base}/hooks/{name}"

    def trigger(self, user: str) -> str:
        trigger = new_trigger_id()
        self._trigger_users[trigger] = user
        return trigger

    # --- the page --------------------------------------------------------------------
    async def _index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html")

    async def _events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: ``changed`` whenever the workspace or the clock changed."""
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=1)
        self._listeners.add(queue)
        try:
            await response.write(b"retry: 1000\n\n")
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=15)
                    if event == END:
                        break
                    await response.write(f"data: {event}\n\n".encode())
                except TimeoutError:
                    await response.write(b": still here\n\n")
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self._listeners.discard(queue)
        return response

    def _page_call(
        self, handler: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def call(request: web.Request) -> web.Response:
            try:
                body = await request.json()
                if not isinstance(body, dict):
                    raise SandboxError("send a JSON object")
                result = await handler(body)
            except (SandboxError, StatusError, ValueError, KeyError) as error:
                return web.json_response({"error": words(error)}, status=400)
            except aiohttp.ClientError as error:
                log.warning("the app did not answer: %s", error)
                return web.json_response({"error": f"the app did not answer: {error}"}, status=502)
            self.changed()
            return web.json_response(result)

        return call

    def person(self, body: Mapping[str, Any]) -> str:
        user = str(body.get("as") or "")
        if user not in self.workspace.users:
            raise SandboxError(f"nobody called {user!r} is in this workspace")
        return user

    async def _state(self, request: web.Request) -> web.Response:
        query = request.query
        asked = query.get("as", "")
        me = asked if asked in self.workspace.users else self.people[0].id
        conversation = self._conversation(me, query.get("in") or f"D{me}")
        modal_id = self.modals.get(me)
        modal = self.workspace.views.get(modal_id or "")
        now = self.clock.now()
        body = {
            "me": me,
            "people": [
                {**person.__dict__, "status": shown_status(self.workspace.users[person.id], now)}
                for person in self.people
            ],
            "statuses": [{"id": choice.id, "label": choice.label} for choice in STATUS_CHOICES],
            "app": {"dm": f"D{me}", "home": HOME, "unread": self._unread(me, f"D{me}")},
            "channels": [
                {"id": channel, "name": name, "unread": self._unread(me, channel)}
                for channel, name in self.channel_names.items()
            ],
            "names": {
                **{user.id: user.name for user in self.workspace.users.values()},
                **self.channel_names,
            },
            "clock": {
                "now": self.clock.now().isoformat(),
                "shifted": humanize(self.clock.ahead) if self.clock.ahead else None,
            },
            "presets": [{"id": preset.id, "label": preset.label} for preset in PRESETS],
            "conversation": conversation,
            "home": self.home_view(me),
            "modal": {"view": modal, "errors": self.errors.get(modal_id or "", {})}
            if modal is not None
            else None,
        }
        return web.json_response(body)

    def _conversation(self, me: str, wanted: str) -> dict[str, Any]:
        if wanted == HOME:
            return {"id": HOME, "kind": "home", "title": "dealdesk · Home", "messages": []}
        if wanted not in self.channel_names:
            wanted = f"D{me}"
        current = [versions[-1] for versions in self.workspace.history.get(wanted, {}).values()]
        edited = {
            ts
            for ts, versions in self.workspace.history.get(wanted, {}).items()
            if len(versions) > 1
        }
        top = sorted((m for m in current if m.thread_ts is None), key=lambda m: float(m.ts))
        replies: dict[str, list[Message]] = {}  # one pass, not one per thread
        for reply in sorted((m for m in current if m.thread_ts is not None), key=lambda m: m.ts):
            replies.setdefault(str(reply.thread_ts), []).append(reply)
        messages = [
            {
                **_shown(message, message.ts in edited),
                "replies": [_shown(r, r.ts in edited) for r in replies.get(message.ts, [])],
            }
            for message in top
        ]
        ephemerals = [
            {"channel": e.channel, "ts": e.message_ts, "text": e.text, "blocks": e.blocks}
            for e in self.workspace.ephemerals
            if e.user == me and e.channel == wanted
        ]
        if current:
            self._seen[me, wanted] = max(m.ts for m in current)
        title = f"#{self.channel_names[wanted]}" if wanted in self.channel_names else "dealdesk"
        kind = "channel" if wanted in self.channel_names else "dm"
        return {
            "id": wanted,
            "kind": kind,
            "title": title,
            "messages": messages,
            "ephemerals": ephemerals,
        }

    def _unread(self, me: str, channel: str) -> int:
        seen = float(self._seen.get((me, channel), "0"))
        messages = self.workspace.history.get(channel, {})
        return sum(1 for ts in messages if float(ts) > seen)

    def home_view(self, me: str) -> dict[str, Any] | None:
        return self.workspace.views.get(self.workspace.homes.get(me, ""))


def _shown(message: Message, edited: bool) -> dict[str, Any]:
    return {
        "channel": message.channel,
        "ts": message.ts,
        "text": message.text,
        "blocks": message.blocks,
        "thread_ts": message.thread_ts,
        "edited": edited,
    }


def words(error: Exception) -> str:
    return str(error.args[0]) if error.args else type(error).__name__
