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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import aiohttp
from aiohttp import web

from bot.core.clock import ShiftedClock
from bot.sandbox.block_reading import elements
from bot.sandbox.presets import OWNER, PRESETS, preset_named
from bot.sandbox.requests import SlackRequests, load_payload, new_trigger_id, user_payload
from bot.sandbox.statuses import STATUS_CHOICES, StatusError, set_status, shown_status
from bot.sandbox.web_api import answer, read_params
from bot.sandbox.workspace import Message, User, Workspace
from policies.duration import humanize
from policies.model import Policy

log = logging.getLogger(__name__)

STATIC: Final = Path(__file__).resolve().parent / "static"
HOME: Final = "home"
"""The page's name for the app's Home tab."""
QUIET_METHODS: Final = frozenset({"auth.test", "users.info", "conversations.open"})
"""Web API methods that change nothing a person sees."""
END: Final = "end"
"""What ends an event stream (the server is stopping)."""
STEPS: Final = {"1h": timedelta(hours=1), "1d": timedelta(days=1)}

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


class SandboxError(Exception):
    """A page request the sandbox cannot do; the message says why (HTTP 400)."""


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
        self._hooks: dict[str, _Hook] = {}
        self._hook_names = itertools.count(1)
        self._trigger_users: dict[str, str] = {}
        self._modals: dict[str, str] = {}  # user → the view id of their open modal
        self._errors: dict[str, dict[str, str]] = {}  # view id → block id → error
        self._seen: dict[tuple[str, str], str] = {}  # (user, conversation) → last ts read
        self._listeners: set[asyncio.Queue[str]] = set()
        self._deals = itertools.count(1)
        self._base = ""
        self._app: SlackRequests | None = None
        self._app_url = ""
        self._api_token = ""
        self._clock_moved: ClockMoved | None = None

    # --- wiring ------------------------------------------------------------------------
    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_get("/", self._index)
        app.router.add_static("/static/", STATIC)
        app.router.add_route("*", "/api/{method}", self._web_api)
        app.router.add_post("/hooks/{name}", self._hook)
        app.router.add_get("/sandbox/state", self._state)
        app.router.add_get("/sandbox/events", self._events)
        for name, handler in (
            ("act", self._act),
            ("submit", self._submit),
            ("close", self._close),
            ("command", self._command),
            ("home", self._home),
            ("clock", self._clock),
            ("deal", self._deal),
            ("status", self._status),
        ):
            app.router.add_post(f"/sandbox/{name}", self._page_call(handler))
        app.on_shutdown.append(self._end_events)
        return app

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
        self._app_url = app_url
        self._api_token = api_token
        self._clock_moved = clock_moved

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
                self._modals[user] = view_id
                self._errors.pop(view_id, None)
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

    def _response_url(self, user: str, channel: str, ts: str | None = None) -> str:
        name = f"r{next(self._hook_names)}"
        self._hooks[name] = _Hook(user, channel, ts)
        return f"{self._base}/hooks/{name}"

    def _trigger(self, user: str) -> str:
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
                return web.json_response({"error": _words(error)}, status=400)
            except aiohttp.ClientError as error:
                log.warning("the app did not answer: %s", error)
                return web.json_response({"error": f"the app did not answer: {error}"}, status=502)
            self.changed()
            return web.json_response(result)

        return call

    def _person(self, body: Mapping[str, Any]) -> str:
        user = str(body.get("as") or "")
        if user not in self.workspace.users:
            raise SandboxError(f"nobody called {user!r} is in this workspace")
        return user

    async def _state(self, request: web.Request) -> web.Response:
        query = request.query
        asked = query.get("as", "")
        me = asked if asked in self.workspace.users else self.people[0].id
        conversation = self._conversation(me, query.get("in") or f"D{me}")
        modal_id = self._modals.get(me)
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
            "home": self._home_view(me),
            "modal": {"view": modal, "errors": self._errors.get(modal_id or "", {})}
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
        messages = [
            {
                **_shown(message, message.ts in edited),
                "replies": [
                    _shown(reply, reply.ts in edited)
                    for reply in self.workspace.thread(wanted, message.ts)
                ],
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

    def _home_view(self, me: str) -> dict[str, Any] | None:
        return self.workspace.views.get(self.workspace.homes.get(me, ""))

    # --- what people do --------------------------------------------------------------
    async def _act(self, body: dict[str, Any]) -> dict[str, Any]:
        """A click (or a choice) on a message, an ephemeral message, Home or a modal."""
        user = self._person(body)
        container = body.get("container") or {}
        wanted = body.get("action") or {}
        block_id = str(body.get("block_id") or "")
        payload = load_payload("block_actions")
        payload.update(
            user=user_payload(user),
            trigger_id=self._trigger(user),
            state={"values": body.get("state") or {}},
        )
        kind = container.get("type")
        if kind in ("message", "ephemeral"):
            channel, ts = str(container.get("channel")), str(container.get("ts"))
            blocks = self._message_blocks(user, channel, ts, kind == "ephemeral")
            payload.update(
                container={
                    "type": "message",
                    "message_ts": ts,
                    "channel_id": channel,
                    "is_ephemeral": kind == "ephemeral",
                },
                channel={"id": channel, "name": self.channel_names.get(channel, "directmessage")},
                response_url=self._response_url(user, channel, None if kind == "ephemeral" else ts),
            )
            message = self.workspace.current(channel, ts)
            if message is not None and kind == "message":
                payload["message"] = message.payload
            else:
                payload.pop("message", None)
        elif kind == "view":
            view = self.workspace.views.get(str(container.get("view_id")))
            if view is None:
                raise SandboxError("that view is gone; open it again")
            blocks = view.get("blocks") or []
            for key in ("channel", "message", "response_url"):
                payload.pop(key, None)
            payload.update(
                container={"type": "view", "view_id": view["id"]},
                view={**view, "state": {"values": body.get("state") or {}}},
            )
        else:
            raise SandboxError("say where the click was: a message, an ephemeral or a view")
        payload["actions"] = [_action(blocks, block_id, wanted, self.clock.now())]
        reply = await self.app.send_payload(payload)
        if reply.status != 200:
            raise SandboxError(f"the app answered HTTP {reply.status}")
        return {"ok": True}

    def _message_blocks(
        self, user: str, channel: str, ts: str, ephemeral: bool
    ) -> list[dict[str, Any]]:
        if ephemeral:
            for item in self.workspace.ephemerals:
                if item.user == user and item.channel == channel and item.message_ts == ts:
                    return item.blocks
            raise SandboxError("that message is gone")
        message = self.workspace.current(channel, ts)
        if message is None:
            raise SandboxError("that message is gone")
        return message.blocks

    async def _submit(self, body: dict[str, Any]) -> dict[str, Any]:
        """A modal submitted: the app answers with errors, an update, a push, or closes it."""
        user = self._person(body)
        view_id = str(body.get("view_id") or "")
        view = self.workspace.views.get(view_id)
        if view is None or self._modals.get(user) != view_id:
            raise SandboxError("that form is no longer open")
        payload = load_payload("view_submission")
        payload.update(
            user=user_payload(user),
            trigger_id=self._trigger(user),
            view={**view, "state": {"values": body.get("state") or {}}},
        )
        reply = await self.app.send_payload(payload)
        if reply.status != 200:
            raise SandboxError(f"the app answered HTTP {reply.status}")
        answer = reply.body if isinstance(reply.body, dict) else {}
        action = answer.get("response_action")
        if action == "errors":
            self._errors[view_id] = dict(answer.get("errors") or {})
            return {"ok": True, "errors": self._errors[view_id]}
        if action == "update" and isinstance(answer.get("view"), dict):
            self.workspace.stored_view(answer["view"], "modal", view)
            self._errors.pop(view_id, None)
            return {"ok": True}
        if action == "push" and isinstance(answer.get("view"), dict):
            pushed = self.workspace.stored_view(answer["view"], "modal", None)
            self._modals[user] = pushed["id"]
            return {"ok": True}
        self._modals.pop(user, None)
        self._errors.pop(view_id, None)
        return {"ok": True}

    async def _close(self, body: dict[str, Any]) -> dict[str, Any]:
        user = self._person(body)
        if self._modals.get(user) == body.get("view_id"):
            del self._modals[user]
        return {"ok": True}

    async def _command(self, body: dict[str, Any]) -> dict[str, Any]:
        """A slash command typed in a conversation (in the app's DM when on Home)."""
        user = self._person(body)
        text = str(body.get("text") or "").strip()
        command, _, argument = text.partition(" ")
        if command != "/deal":
            raise SandboxError(
                f"{command or 'That'} is not a command here; dealdesk's is /deal (try /deal help)"
            )
        channel = str(body.get("channel") or "")
        if channel not in self.channel_names:
            channel = f"D{user}"
        url = self._response_url(user, channel)
        reply = await self.app.command(
            command,
            argument.strip(),
            user=user,
            channel=channel,
            response_url=url,
            trigger_id=self._trigger(user),
        )
        if reply.status != 200:
            raise SandboxError(f"the app answered HTTP {reply.status}")
        if isinstance(reply.body, dict) and (reply.body.get("text") or reply.body.get("blocks")):
            self.workspace.add_reply(
                channel,
                user,
                str(reply.body.get("text") or ""),
                list(reply.body.get("blocks") or []),
                reply.body,
            )
        return {"ok": True}

    async def _home(self, body: dict[str, Any]) -> dict[str, Any]:
        """The person opened the app's Home tab (Slack sends app_home_opened)."""
        user = self._person(body)
        reply = await self.app.app_home_opened(user, view=self._home_view(user))
        if reply.status != 200:
            raise SandboxError(f"the app answered HTTP {reply.status}")
        return {"ok": True}

    async def _clock(self, body: dict[str, Any]) -> dict[str, Any]:
        """Move the app's clock ahead: an hour, a day, or to the next morning briefing."""
        step = str(body.get("advance") or "")
        before = self.clock.now()
        if step in STEPS:
            delta = STEPS[step]
        elif step == "briefing":
            delta = self.next_briefing(before) - before
        else:
            raise SandboxError("advance by 1h, 1d or to the next briefing")
        self.clock.advance(delta)
        if self._clock_moved is not None:
            await self._clock_moved(step)
        now = self.clock.now().astimezone(self.policy.zone)
        said = (
            f"It is now {now:%a %-d %b, %H:%M} in {self.policy.timezone}: {humanize(delta)} later."
        )
        return {"now": now.isoformat(), "said": said}

    def next_briefing(self, now: datetime) -> datetime:
        """A minute after the next briefing time in the policy's time zone."""
        local = now.astimezone(self.policy.zone)
        at = datetime.combine(local.date(), self.policy.briefing.time, self.policy.zone)
        if at <= local:
            at = datetime.combine(
                local.date() + timedelta(days=1), self.policy.briefing.time, self.policy.zone
            )
        return (at + timedelta(minutes=1)).astimezone(UTC)

    async def _status(self, body: dict[str, Any]) -> dict[str, Any]:
        """Set the person's Slack status (``status``: a choice's id, or ``clear``)."""
        said = set_status(
            self.workspace, self._person(body), str(body.get("status") or ""), self.clock.now()
        )
        return {"said": said}

    async def _deal(self, body: dict[str, Any]) -> dict[str, Any]:
        """A ready deal, sent in through the intake API as a CRM sends one."""
        preset = preset_named(str(body.get("preset") or ""))
        deal = {**preset.deal, "external_id": f"sandbox-{preset.id}-{next(self._deals)}"}
        if self._app is None:
            raise SandboxError("the app is still starting; try again in a moment")
        async with self._app.session.post(
            f"{self._app_url}/api/deals",
            json=deal,
            headers={"Authorization": f"Bearer {self._api_token}"},
        ) as response:
            answer = await response.json()
        if response.status not in (200, 201):
            raise SandboxError(str(answer.get("message") or f"HTTP {response.status}"))
        return {"deal": answer, "said": f"{deal['company']} went in as {answer.get('id')}."}


def _shown(message: Message, edited: bool) -> dict[str, Any]:
    return {
        "channel": message.channel,
        "ts": message.ts,
        "text": message.text,
        "blocks": message.blocks,
        "thread_ts": message.thread_ts,
        "edited": edited,
    }


def _action(
    blocks: list[dict[str, Any]], block_id: str, wanted: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """The ``actions[0]`` Slack sends for the element ``wanted`` names (it must be there)."""
    action_id = str(wanted.get("action_id") or "")
    for found_block, element in elements(blocks):
        if element.get("action_id") == action_id and (found_block or "") == block_id:
            break
    else:
        raise SandboxError(f"there is no {action_id!r} there any more")
    kind = str(element.get("type"))
    action: dict[str, Any] = {
        "type": kind,
        "action_id": action_id,
        "block_id": block_id,
        "action_ts": f"{now.timestamp():.6f}",
    }
    if kind == "button":
        action["text"] = element.get("text")
        if "value" in element:
            action["value"] = element["value"]
        if "style" in element:
            action["style"] = element["style"]
    elif kind == "checkboxes":
        action["selected_options"] = list(wanted.get("selected_options") or [])
    elif kind in ("static_select", "overflow", "radio_buttons"):
        action["selected_option"] = wanted.get("selected_option")
    elif kind == "datepicker":
        action["selected_date"] = wanted.get("selected_date")
    return action


def _words(error: Exception) -> str:
    return str(error.args[0]) if error.args else type(error).__name__
