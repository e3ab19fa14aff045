"""What people do on the sandbox page, each sent to the real app as the request Slack would
send: a click or a choice, a modal submitted or closed, a slash command, a Home visit, a
status set, a ready deal sent in, and the clock moved ahead."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from policies.duration import humanize
from sandbox.block_reading import elements
from sandbox.errors import SandboxError
from sandbox.presets import preset_named
from sandbox.requests import element_action, load_payload, user_payload
from sandbox.statuses import set_status

if TYPE_CHECKING:
    from sandbox.server import Sandbox

STEPS: Final = {"1h": timedelta(hours=1), "1d": timedelta(days=1)}
HOME_WAIT: Final = 5.0
"""Seconds the page's "open Home" waits for the app to publish the Home tab."""


class PageActions:
    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self._deals = itertools.count(1)

    async def act(self, body: dict[str, Any]) -> dict[str, Any]:
        """A click (or a choice) on a message, an ephemeral message, Home or a modal."""
        user = self._sandbox.person(body)
        container = body.get("container") or {}
        wanted = body.get("action") or {}
        block_id = str(body.get("block_id") or "")
        payload = load_payload("block_actions")
        payload.update(
            user=user_payload(user),
            trigger_id=self._sandbox.trigger(user),
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
                channel={
                    "id": channel,
                    "name": self._sandbox.channel_names.get(channel, "directmessage"),
                },
                response_url=self._sandbox.response_url(
                    user, channel, None if kind == "ephemeral" else ts
                ),
            )
            message = self._sandbox.workspace.current(channel, ts)
            if message is not None and kind == "message":
                payload["message"] = message.payload
            else:
                payload.pop("message", None)
        elif kind == "view":
            view = self._sandbox.workspace.views.get(str(container.get("view_id")))
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
        element = _element(blocks, block_id, str(wanted.get("action_id") or ""))
        payload["actions"] = [
            element_action(element, block_id, self._sandbox.clock.now().timestamp(), wanted)
        ]
        reply = await self._sandbox.app.send_payload(payload)
        if reply.status != 200:
            raise SandboxError(f"the app answered HTTP {reply.status}")
        return {"ok": True}

    def _message_blocks(
        self, user: str, channel: str, ts: str, ephemeral: bool
    ) -> list[dict[str, Any]]:
        if ephemeral:
            for item in self._sandbox.workspace.ephemerals:
                if item.user == user and item.channel == channel and item.message_ts == ts:
                    return item.blocks
            raise SandboxError("that message is gone")
        message = self._sandbox.workspace.current(channel, ts)
        if message is None:
            raise SandboxError("that message is gone")
        return message.blocks

    async def submit(self, body: dict[str, Any]) -> dict[str, Any]:
        """A modal submitted: the app answers with errors, an update, a push, or closes it."""
        user = self._sandbox.person(body)
        view_id = str(body.get("view_id") or "")
        view = self._sandbox.workspace.views.get(view_id)
        if view is None or self._sandbox.modals.get(user) != view_id:
            raise SandboxError("that form is no longer open")
        payload = load_payload("view_submission")
        payload.update(
            user=user_payload(user),
            trigger_id=self._sandbox.trigger(user),
            view={**view, "state": {"values": body.get("state") or {}}},
        )
        reply = await self._sandbox.app.send_payload(payload)
        if reply.status != 200:
            raise SandboxError(f"the app answered HTTP {reply.status}")
        answer = reply.body if isinstance(reply.body, dict) else {}
        action = answer.get("response_action")
        if action == "errors":
            self._sandbox.errors[view_id] = dict(answer.get("errors") or {})
            return {"ok": True, "errors": self._sandbox.errors[view_id]}
        if action == "update" and isinstance(answer.get("view"), dict):
            self._sandbox.workspace.stored_view(answer["view"], "modal", view)
            self._sandbox.errors.pop(view_id, None)
            return {"ok": True}
        if action == "push" and isinstance(answer.get("view"), dict):
            pushed = self._sandbox.workspace.stored_view(answer["view"], "modal", None)
            self._sandbox.modals[user] = pushed["id"]
            return {"ok": True}
        self._sandbox.modals.pop(user, None)
        self._sandbox.errors.pop(view_id, None)
        return {"ok": True}

    async def close(self, body: dict[str, Any]) -> dict[str, Any]:
        user = self._sandbox.person(body)
        if self._sandbox.modals.get(user) == body.get("view_id"):
            del self._sandbox.modals[user]
        return {"ok": True}

    async def command(self, body: dict[str, Any]) -> dict[str, Any]:
        """A slash command typed in a conversation (in the app's DM when on Home)."""
        user = self._sandbox.person(body)
        text = str(body.get("text") or "").strip()
        command, _, argument = text.partition(" ")
        if command != "/deal":
            raise SandboxError(
                f"{command or 'That'} is not a command here; dealdesk's is /deal (try /deal help)"
            )
        channel = str(body.get("channel") or "")
        if channel not in self._sandbox.channel_names:
            channel = f"D{user}"
        url = self._sandbox.response_url(user, channel)
        reply = await self._sandbox.app.command(
            command,
            argument.strip(),
            user=user,
            channel=channel,
            response_url=url,
            trigger_id=self._sandbox.trigger(user),
        )
        if reply.status != 200:
            raise SandboxError(f"the app answered HTTP {reply.status}")
        if isinstance(reply.body, dict) and (reply.body.get("text") or reply.body.get("blocks")):
            self._sandbox.workspace.add_reply(
                channel,
                user,
                str(reply.body.get("text") or ""),
                list(reply.body.get("blocks") or []),
                reply.body,
            )
        return {"ok": True}

    async def open_home(self, body: dict[str, Any]) -> dict[str, Any]:
        """The person opened the app's Home tab (Slack sends app_home_opened)."""
        user = self._sandbox.person(body)
        published = self._sandbox.workspace.home_publishes
        before = published.get(user, 0)
        reply = await self._sandbox.app.app_home_opened(user, view=self._sandbox.home_view(user))
        if reply.status != 200:
            raise SandboxError(f"the app answered HTTP {reply.status}")
        # The app acks the event first and publishes the Home after: answer the page once
        # it has (or after HOME_WAIT), so the page's next load shows it.
        for _ in range(int(HOME_WAIT / 0.02)):
            if published.get(user, 0) > before:
                break
            await asyncio.sleep(0.02)
        return {"ok": True}

    async def move_clock(self, body: dict[str, Any]) -> dict[str, Any]:
        """Move the app's clock ahead: an hour, a day, or to the next morning briefing."""
        clock, policy = self._sandbox.clock, self._sandbox.policy
        step = str(body.get("advance") or "")
        before = clock.now()
        if step in STEPS:
            delta = STEPS[step]
        elif step == "briefing":
            delta = self.next_briefing(before) - before
        else:
            raise SandboxError("advance by 1h, 1d or to the next briefing")
        clock.advance(delta)
        if self._sandbox.clock_moved is not None:
            await self._sandbox.clock_moved(step)
        now = clock.now().astimezone(policy.zone)
        said = f"It is now {now:%a %-d %b, %H:%M} in {policy.timezone}: {humanize(delta)} later."
        return {"now": now.isoformat(), "said": said}

    def next_briefing(self, now: datetime) -> datetime:
        """A minute after the next briefing time in the policy's time zone."""
        policy = self._sandbox.policy
        local = now.astimezone(policy.zone)
        at = datetime.combine(local.date(), policy.briefing.time, policy.zone)
        if at <= local:
            at = datetime.combine(
                local.date() + timedelta(days=1), policy.briefing.time, policy.zone
            )
        return (at + timedelta(minutes=1)).astimezone(UTC)

    async def set_status(self, body: dict[str, Any]) -> dict[str, Any]:
        """Set the person's Slack status (``status``: a choice's id, or ``clear``)."""
        said = set_status(
            self._sandbox.workspace,
            self._sandbox.person(body),
            str(body.get("status") or ""),
            self._sandbox.clock.now(),
        )
        return {"said": said}

    async def send_deal(self, body: dict[str, Any]) -> dict[str, Any]:
        """A ready deal, sent in through the intake API as a CRM sends one."""
        preset = preset_named(str(body.get("preset") or ""))
        deal = {**preset.deal, "external_id": f"sandbox-{preset.id}-{next(self._deals)}"}
        async with self._sandbox.app.session.post(
            f"{self._sandbox.app_url}/api/deals",
            json=deal,
            headers={"Authorization": f"Bearer {self._sandbox.api_token}"},
        ) as response:
            answer = await response.json()
        if response.status not in (200, 201):
            raise SandboxError(str(answer.get("message") or f"HTTP {response.status}"))
        return {"deal": answer, "said": f"{deal['company']} went in as {answer.get('id')}."}


def _element(blocks: list[dict[str, Any]], block_id: str, action_id: str) -> Mapping[str, Any]:
    """The element the page says was used (it must still be there)."""
    for found_block, element in elements(blocks):
        if element.get("action_id") == action_id and (found_block or "") == block_id:
            return element
    raise SandboxError(f"there is no {action_id!r} there any more")
