"""Hypothesis strategies for requests to /slack/events that Slack would not send: bodies
of every shape (slash commands, clicks, modal submissions, events, garbage) from people
who hold nothing, signed correctly or not at all, stale, forged or replayed with another
body. Used by tests/slack/test_fuzz.py and bench/fuzz.py."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from hypothesis import strategies as st

from bot.cards.ids import (
    CardAction,
    CounterAction,
    HomeAction,
    ModalCallback,
    OwnerAction,
    StatusAction,
)
from sandbox.requests import load_payload, signature, user_payload

STRANGERS = ("U0STRANGER", "W0NOBODY", "U0SARAH", "USLACKBOT", "", "U" + "9" * 40)
"""People who hold no approval of the fuzzed deal (the owner included: she may not
decide her own deal)."""

HOSTILE = st.sampled_from(
    ["<!channel>", "<@U0LISA>", "D-1001", "D-999999999999", "1", "-1", "0", "null", "\x00",
     "\u202e", "💥", "' OR 1=1 --", "../../etc/passwd", "9" * 400, "{\"a\":1}", ""]
)  # fmt: skip
TEXT = st.one_of(HOSTILE, st.text(max_size=40))
ACTION_IDS = st.one_of(
    st.sampled_from([*CardAction, *HomeAction, *CounterAction, *OwnerAction, *StatusAction]).map(
        str
    ),
    TEXT,
)
CALLBACKS = st.one_of(st.sampled_from(list(ModalCallback)).map(str), TEXT)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


@dataclass(frozen=True)
class Forged:
    body: bytes
    headers: dict[str, str]
    signed: bool
    """Correctly signed, as of now: the app must read it (and refuse what it asks)."""


def _command(user: str, text: str, response_url: str) -> tuple[bytes, str]:
    fields = load_payload("slash_command")
    fields.update(command="/deal", text=text, user_id=user, response_url=response_url)
    return urlencode(fields).encode(), "application/x-www-form-urlencoded"


def _click(user: str, action_id: str, value: str, response_url: str) -> tuple[bytes, str]:
    payload = load_payload("block_actions")
    payload.update(user=user_payload(user or "U0X"), response_url=response_url)
    payload["actions"] = [
        {"type": "button", "action_id": action_id, "block_id": "b", "value": value,
         "action_ts": f"{time.time():.6f}"}
    ]  # fmt: skip
    return urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded"


def _submission(user: str, callback: str, metadata: str, values: Any) -> tuple[bytes, str]:
    payload = load_payload("view_submission")
    payload["user"] = user_payload(user or "U0X")
    payload["view"].update(
        id="V0NOSUCHVIEW",
        callback_id=callback,
        private_metadata=metadata,
        state={"values": values if isinstance(values, dict) else {"x": values}},
    )
    return urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded"


def _event(user: str, kind: str) -> tuple[bytes, str]:
    envelope = load_payload("app_home_opened")
    envelope["event"] = {**envelope["event"], "type": kind, "user": user}
    return json.dumps(envelope).encode(), "application/json"


def bodies(response_url: str) -> st.SearchStrategy[tuple[bytes, str]]:
    """Bodies of every shape; the app answers commands and clicks at ``response_url``."""
    url = st.just(response_url)
    return st.one_of(
        st.builds(_command, st.sampled_from(STRANGERS), TEXT, url),
        st.builds(_click, st.sampled_from(STRANGERS), ACTION_IDS, TEXT, url),
        st.builds(_submission, st.sampled_from(STRANGERS), CALLBACKS, TEXT, JSONISH),
        st.builds(
            _event, st.sampled_from(STRANGERS), st.sampled_from(["app_home_opened", "message", ""])
        ),
        st.tuples(
            st.binary(max_size=300),
            st.sampled_from(
                ["application/json", "application/x-www-form-urlencoded", "text/plain"]
            ),
        ),
    )


@st.composite
def slack_requests(draw: st.DrawFn, secret: str, response_url: str) -> Forged:
    """A request as :data:`Forged` says. ``response_url`` must answer: a dead one makes
    slack_sdk retry with a jitter from the global ``random``, in the app's thread while
    hypothesis draws in this one, and hypothesis takes that for a strategy using it."""
    body, content_type = draw(bodies(response_url))
    how = draw(st.sampled_from(["signed", "unsigned", "stale", "forged", "replayed"]))
    now = int(time.time())
    headers = {"Content-Type": content_type}
    if how == "signed":
        headers |= {
            "X-Slack-Request-Timestamp": str(now),
            "X-Slack-Signature": signature(secret, str(now), body),
        }
    elif how == "stale":  # Slack's window is five minutes
        then = str(now - draw(st.integers(301, 10**6)))
        headers |= {
            "X-Slack-Request-Timestamp": then,
            "X-Slack-Signature": signature(secret, then, body),
        }
    elif how == "forged":
        headers |= {
            "X-Slack-Request-Timestamp": str(now),
            "X-Slack-Signature": signature("guessed", str(now), body),
        }
    elif how == "replayed":  # a signature Slack made, on a body it did not send
        headers |= {
            "X-Slack-Request-Timestamp": str(now),
            "X-Slack-Signature": signature(secret, str(now), body + b"&x=1"),
        }
    return Forged(body, headers, how == "signed")
