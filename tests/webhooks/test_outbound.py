"""Deal events to a webhook receiver: signed as documented, every event once and in order
per deal, a receiver answering 500 loses nothing (the outbox retries), and
``dealdesk webhooks list|replay`` show and resend deliveries."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.cards.ids import CardAction
from policies.loader import bundled_policy_path
from tests.api.conftest import with_people
from tests.api.test_lookup import created
from tests.slack.flows import LISA, card_for, eventually
from tests.support.app_server import RunningApp, running_app
from tests.support.fake_slack import FakeSlack
from tests.support.local_server import serve
from tests.support.processes import run_dealdesk

SECRET = "whsec-test-0123456789"


@dataclass
class Receiver:
    """A CRM's endpoint: checks every signature, records what it accepts, and fails the
    first ``failures`` requests with HTTP 500."""

    failures: int = 0
    url: str = ""
    accepted: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0
    bad_signatures: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.text()
        timestamp = request.headers["X-Dealdesk-Timestamp"]
        expected = hmac.new(SECRET.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
        if (
            request.headers["X-Dealdesk-Signature"] != f"v1={expected.hexdigest()}"
            or abs(time.time() - int(timestamp)) > 300
        ):
            self.bad_signatures += 1
            return web.Response(status=401)
        if self.failures:
            self.failures -= 1
            self.refused += 1
            return web.Response(status=500)
        event = json.loads(body)
        assert event["id"] == request.headers["X-Dealdesk-Delivery"]
        assert event["type"] == request.headers["X-Dealdesk-Event"]
        self.accepted.append(event)
        return web.json_response({"ok": True})


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hooks/deals", found.handle)
    async with serve(app) as base:
        found.url = f"{base}/hooks/deals"
        yield found


def policy_with_receiver(folder: Path, receiver: Receiver, secret_env: str) -> Path:
    """The bundled policy with ``receiver`` as its one webhook, signed with ``secret_env``."""
    policy = folder / "policy.yml"
    policy.write_text(
        bundled_policy_path().read_text(encoding="utf-8")
        + f"webhooks:\n  - url: {receiver.url}\n    secret_env: {secret_env}\n",
        encoding="utf-8",
    )
    return policy


@pytest.fixture
async def app(
    database_url: str, tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[RunningApp]:
    monkeypatch.setenv("DEALDESK_TEST_HOOK_SECRET", SECRET)
    policy = policy_with_receiver(tmp_path, receiver, "DEALDESK_TEST_HOOK_SECRET")
    async with FakeSlack() as slack, running_app(database_url, policy, with_people(slack)) as app:
        yield app


def types_for(receiver: Receiver, ref: str) -> list[str]:
    return [e["type"] for e in receiver.accepted if e["data"]["deal"]["id"] == ref]


async def test_events_arrive_signed_once_each_and_in_order(
    app: RunningApp, receiver: Receiver
) -> None:
    receiver.failures = 2  # the receiver is down for the first two tries
    submitted = await created(app)
    card = await card_for(app.slack, LISA)
    await app.requests.click(card, CardAction.APPROVE, user=LISA)

    lisa_decided = await eventually(
        lambda: (
            [
                e
                for e in receiver.accepted
                if e["type"] == "approval.decided" and e["data"]["approval"]["decided_by"] == LISA
            ]
            or None
        ),
        "Lisa's decision at the receiver",
        timeout=20,
    )
    events = [e for e in receiver.accepted if e["data"]["deal"]["id"] == submitted["id"]]
    assert events[0]["type"] == "deal.submitted"
    assert [e["created_at"] for e in events] == sorted(e["created_at"] for e in events)
    ids = [e["id"] for e in receiver.accepted]
    assert len(ids) == len(set(ids))  # nothing twice
    assert receiver.refused == 2
    assert receiver.bad_signatures == 0
    [lisa] = lisa_decided
    assert lisa["data"]["approval"]["status"] == "approved"
    assert lisa["data"]["deal"]["status"] == "in_review"  # legal and finance still to come


async def test_list_shows_deliveries_and_replay_sends_one_again(
    app: RunningApp, receiver: Receiver
) -> None:
    submitted = await created(app)
    await eventually(lambda: types_for(receiver, submitted["id"]) or None, "deal.submitted")
    event_id = receiver.accepted[0]["id"]

    code, listed = await dealdesk(app, "webhooks", "list")
    assert code == 0, listed
    assert event_id in listed
    assert "delivered" in listed

    code, said = await dealdesk(app, "webhooks", "replay", event_id)
    assert code == 0, said
    await eventually(
        lambda: [e for e in receiver.accepted if e["id"] == event_id][1:] or None,
        "the replayed event",
    )
    code, said = await dealdesk(app, "webhooks", "replay", "evt_nope")
    assert code == 1
    assert "no webhook event 'evt_nope'" in said


async def dealdesk(app: RunningApp, *args: str) -> tuple[int, str]:
    return await run_dealdesk({**os.environ, "DATABASE_URL": app.settings.database_url}, *args)
