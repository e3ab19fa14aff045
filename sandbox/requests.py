"""Requests to the app exactly as Slack sends them, signed as Slack signs them.

    requests = SlackRequests(session, f"{app_url}/slack/events", SECRET,
                             response_urls=slack.response_url)
    reply = await requests.command("/deal", "status D-1001", user="U0SARAH")
    reply = await requests.click(slack.dm("U0LISA")[0], "approval_approve", user="U0LISA")
    reply = await requests.unsigned().command("/deal", "help", user="U0SARAH")  # 401

Payloads start from the project's own templates in ``sandbox/payloads/`` (shapes as Slack
sends them). ``unsigned()``, ``stale()`` and ``bad_signature()`` return a copy that
sends every request that way, for the 401 cases.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, Literal, Protocol
from urllib.parse import urlencode

import aiohttp

from sandbox.block_reading import find_element
from sandbox.objects import TEAM_ID, Message

PAYLOADS: Final = Path(__file__).resolve().parent / "payloads"
STALE_AFTER: Final = 5 * 60
"""Slack's replay window: a request timestamp older than this must be refused."""

Signing = Literal["signed", "unsigned", "stale", "bad_signature"]


def load_payload(name: str) -> dict[str, Any]:
    """A fresh copy of ``payloads/<name>.json``."""
    loaded: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def signature(signing_secret: str, timestamp: str, body: str | bytes) -> str:
    """Slack's v0 signature: HMAC-SHA256 of ``v0:{timestamp}:{body}``, hex, prefixed ``v0=``."""
    raw = body.encode() if isinstance(body, str) else body
    base = b"v0:" + timestamp.encode() + b":" + raw
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(signing_secret: str, body: str | bytes, timestamp: int) -> dict[str, str]:
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature(signing_secret, str(timestamp), body),
    }


class ResponseUrls(Protocol):
    """Mints response_urls, like ``FakeSlack.response_url``."""

    def __call__(self, name: str, *, channel: str | None = None, ts: str | None = None) -> str: ...


@dataclass(frozen=True)
class SlackReply:
    """The app's answer: status, headers, body (parsed JSON if it is JSON, else the text)."""

    status: int
    headers: Mapping[str, str]
    body: Any
    text: str
    response_url: str | None = None


def element_action(
    element: Mapping[str, Any],
    block_id: str,
    at: float,
    chosen: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``actions[0]`` Slack sends when someone uses ``element``: a button's text, value
    and style; the options, option or date ``chosen`` for the other kinds."""
    kind = str(element.get("type"))
    chosen = chosen or {}
    action: dict[str, Any] = {
        "type": kind,
        "action_id": element.get("action_id"),
        "block_id": block_id,
        "action_ts": f"{at:.6f}",
    }
    if kind == "button" and "text" in element:
        action["text"] = element["text"]
    if "value" in element:
        action["value"] = element["value"]
    if kind == "button" and "style" in element:
        action["style"] = element["style"]
    elif kind == "checkboxes":
        action["selected_options"] = list(chosen.get("selected_options") or [])
    elif kind in ("static_select", "overflow", "radio_buttons"):
        action["selected_option"] = chosen.get("selected_option")
    elif kind == "datepicker":
        action["selected_date"] = chosen.get("selected_date")
    return action


@dataclass(frozen=True)
class SlackRequests:
    session: aiohttp.ClientSession
    app_url: str
    signing_secret: str
    response_urls: ResponseUrls | None = None
    signing: Signing = "signed"
    clock: Callable[[], float] = time.time

    def unsigned(self) -> SlackRequests:
        return replace(self, signing="unsigned")

    def stale(self) -> SlackRequests:
        return replace(self, signing="stale")

    def bad_signature(self) -> SlackRequests:
        return replace(self, signing="bad_signature")

    # --- what Slack sends ----------------------------------------------------------
    async def command(
        self,
        command: str,
        text: str = "",
        *,
        user: str,
        channel: str = "C0SALESFLOOR",
        response_url: str | None = None,
        trigger_id: str | None = None,
    ) -> SlackReply:
        """A slash command, form-encoded."""
        fields = load_payload("slash_command")
        url = response_url or self._response_url("command")
        fields.update(
            command=command,
            text=text,
            user_id=user,
            user_name=user.lower(),
            channel_id=channel,
            channel_name="directmessage" if channel.startswith("D") else channel.lower(),
            response_url=url,
            trigger_id=trigger_id or new_trigger_id(),
        )
        body = urlencode(fields)
        return await self.send(body, "application/x-www-form-urlencoded", response_url=url)

    async def block_action(
        self,
        *,
        action_id: str,
        value: str | None = None,
        user: str,
        channel: str,
        message_ts: str,
        response_url: str,
        block_id: str,
        message: Mapping[str, Any] | None = None,
        action_type: str = "button",
        text: str = "Approve",
    ) -> SlackReply:
        """A click on a message's element (``payload=<urlencoded JSON>``)."""
        payload = load_payload("block_actions")
        payload.update(
            user=user_payload(user),
            container={
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": False,
            },
            channel={"id": channel, "name": "directmessage" if channel[:1] == "D" else channel},
            trigger_id=new_trigger_id(),
            response_url=response_url,
        )
        payload["message"] = dict(message) if message else {**payload["message"], "ts": message_ts}
        element: dict[str, Any] = {"type": action_type, "action_id": action_id}
        if action_type == "button":
            element["text"] = {"type": "plain_text", "text": text, "emoji": True}
        if value is not None:
            element["value"] = value
        payload["actions"] = [element_action(element, block_id, self.clock())]
        return await self.send_payload(payload, response_url=response_url)

    async def click(
        self,
        message: Message,
        action_id: str,
        *,
        user: str,
        value: str | None = None,
        response_url: str | None = None,
    ) -> SlackReply:
        """Click a button that is on ``message`` (AssertionError if it is not there)."""
        block_id, element = find_element(message.blocks, action_id, value)
        url = response_url or self._response_url("click", channel=message.channel, ts=message.ts)
        return await self.block_action(
            action_id=action_id,
            value=element.get("value"),
            user=user,
            channel=message.channel,
            message_ts=message.ts,
            response_url=url,
            block_id=str(block_id),
            message=message.payload,
            action_type=str(element.get("type")),
            text=str(element.get("text", {}).get("text", "")),
        )

    async def view_submission(
        self,
        callback_id: str,
        state_values: Mapping[str, Mapping[str, Any]],
        private_metadata: str = "",
        *,
        user: str,
        view_id: str = "V0REASON01",
        view: Mapping[str, Any] | None = None,
    ) -> SlackReply:
        """A modal submitted (``payload=<urlencoded JSON>``); ``view`` replaces the template's."""
        payload = load_payload("view_submission")
        submitted = dict(view) if view is not None else payload["view"]
        submitted.update(
            id=view_id,
            callback_id=callback_id,
            private_metadata=private_metadata,
            state={"values": copy.deepcopy(dict(state_values))},
        )
        payload.update(user=user_payload(user), trigger_id=new_trigger_id(), view=submitted)
        return await self.send_payload(payload)

    async def submit_view(
        self, view: Mapping[str, Any], inputs: Mapping[str, str], *, user: str
    ) -> SlackReply:
        """Submit an opened view as a person would, typing ``inputs`` (action_id → text).

        AssertionError for an input that is not on the view, or a required one left
        empty: Slack would not let the person submit that.
        """
        values = state_values(view, inputs)
        return await self.view_submission(
            str(view.get("callback_id", "")),
            values,
            str(view.get("private_metadata", "")),
            user=user,
            view_id=str(view["id"]),
            view=view,
        )

    async def event(
        self,
        event: Mapping[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> SlackReply:
        """An Events API ``event_callback`` envelope (JSON), optionally marked as a retry."""
        envelope = load_payload("app_home_opened")
        now = self.clock()
        envelope.update(
            event={"event_ts": f"{now:.6f}", **event},
            event_id=event_id or f"Ev0{next(_COUNTER):09d}",
            event_time=int(now),
        )
        headers = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        return await self.send(json.dumps(envelope), "application/json", headers)

    async def app_home_opened(
        self, user: str, *, view: Mapping[str, Any] | None = None
    ) -> SlackReply:
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user,
            "channel": f"D{user}",
            "tab": "home",
        }
        if view is not None:  # Slack sends the view only once one was published
            event["view"] = dict(view)
        return await self.event(event)

    async def url_verification(self, challenge: str) -> SlackReply:
        body = {**load_payload("url_verification"), "challenge": challenge}
        return await self.send(json.dumps(body), "application/json")

    # --- the wire --------------------------------------------------------------------
    async def send_payload(
        self, payload: Mapping[str, Any], *, response_url: str | None = None
    ) -> SlackReply:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.send(body, "application/x-www-form-urlencoded", response_url=response_url)

    async def send(
        self,
        body: str,
        content_type: str,
        extra_headers: Mapping[str, str] | None = None,
        *,
        response_url: str | None = None,
    ) -> SlackReply:
        """POST ``body`` to the app, signed according to ``self.signing``."""
        headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **(extra_headers or {}),
        }
        now = int(self.clock())
        if self.signing == "signed":
            headers.update(signed_headers(self.signing_secret, body, now))
        elif self.signing == "stale":
            headers.update(signed_headers(self.signing_secret, body, now - STALE_AFTER - 60))
        elif self.signing == "bad_signature":
            headers.update(signed_headers(self.signing_secret + "-not-ours", body, now))
        async with self.session.post(self.app_url, data=body.encode(), headers=headers) as response:
            text = await response.text()
            try:
                parsed: Any = json.loads(text) if text else None
            except ValueError:
                parsed = text
            return SlackReply(response.status, response.headers, parsed, text, response_url)

    def _response_url(self, kind: str, *, channel: str | None = None, ts: str | None = None) -> str:
        name = f"{kind}-{next(_COUNTER)}"
        if self.response_urls is None:  # nowhere: port 9 refuses, nothing leaves the machine
            return f"http://127.0.0.1:9/hooks/{name}"
        return self.response_urls(name, channel=channel, ts=ts)


_COUNTER = itertools.count(1)


def new_trigger_id() -> str:
    """A fresh trigger_id, shaped like Slack's (``digits.digits.hex``)."""
    n = next(_COUNTER)
    return f"{6120458731000 + n}.6011234567890.{hashlib.md5(str(n).encode()).hexdigest()}"


def state_values(view: Mapping[str, Any], inputs: Mapping[str, str]) -> dict[str, Any]:
    """``view.state.values`` after a person typed ``inputs`` (action_id → text) into ``view``."""
    values: dict[str, Any] = {}
    unused = dict(inputs)
    for block in view.get("blocks") or []:
        if block.get("type") != "input":
            continue
        element = block["element"]
        action_id = element.get("action_id")
        typed = unused.pop(action_id, None) or None
        if typed is None and not block.get("optional", False):
            raise AssertionError(
                f"required input {action_id!r} left empty: Slack refuses to submit"
            )
        values[block["block_id"]] = {action_id: _typed_value(element, typed)}
    if unused:
        raise AssertionError(f"no input {sorted(unused)} on view {view.get('callback_id')!r}")
    return values


def _typed_value(element: Mapping[str, Any], typed: str | None) -> dict[str, Any]:
    kind = str(element.get("type"))
    if kind in ("static_select", "radio_buttons"):
        options = element.get("options") or []
        chosen = next((o for o in options if o.get("value") == typed), None)
        if typed is not None and chosen is None:
            raise AssertionError(f"no option {typed!r} in {element.get('action_id')!r}")
        return {"type": kind, "selected_option": chosen}
    if kind == "checkboxes":
        wanted = set((typed or "").split(",")) - {""}
        chosen_all = [o for o in element.get("options") or [] if o.get("value") in wanted]
        return {"type": kind, "selected_options": chosen_all}
    return {"type": kind, "value": typed}


def user_payload(user: str) -> dict[str, str]:
    """The ``user`` object of an interaction payload."""
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID}
