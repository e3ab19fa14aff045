"""Deliver one webhook row: sign it and POST it; anything but a 2xx is tried again later
(the outbox's backoff), for a day.

Each delivery carries ``X-Dealdesk-Event`` (the event type), ``X-Dealdesk-Delivery`` (the
event id, the same on every retry), ``X-Dealdesk-Timestamp`` (Unix seconds) and
``X-Dealdesk-Signature: v1=<hex HMAC-SHA256 of "timestamp.body">`` with the secret in the
receiver's ``secret_env``: a receiver checks the signature and that the timestamp is
recent, and drops an event id it has seen.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import aiohttp

from bot.core.clock import Clock
from bot.core.secrets import NamedSecret
from bot.outbox.delivery import NOTHING, Sent
from bot.outbox.trouble import DeliveryTrouble
from bot.web.signatures import dealdesk_signature
from store.models import OutboxMessage

KEEP_TRYING = timedelta(hours=24)
"""How long a delivery is retried before it is given up (``dealdesk webhooks replay``
sends it again)."""
TIMEOUT = aiohttp.ClientTimeout(total=10)


class WebhookSender:
    def __init__(self, clock: Clock, secret: NamedSecret) -> None:
        self._clock = clock
        self._secret = secret
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def __call__(self, row: OutboxMessage) -> Sent:
        payload: dict[str, Any] = row.payload
        now = self._clock.now()
        if now - row.created_at > KEEP_TRYING:
            raise _trouble("not delivered within 24 hours; given up", retryable=False)
        secret = self._secret(payload["secret_env"])
        if not secret:
            raise _trouble(f"{payload['secret_env']} is not set: nothing to sign with")
        timestamp = str(int(now.timestamp()))
        body: str = payload["body"]
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "dealdesk-webhooks/1",
            "X-Dealdesk-Event": payload["event"],
            "X-Dealdesk-Delivery": payload["event_id"],
            "X-Dealdesk-Timestamp": timestamp,
            "X-Dealdesk-Signature": dealdesk_signature(secret, timestamp, body.encode()),
        }
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        try:
            async with self._session.post(
                payload["url"], data=body.encode(), headers=headers
            ) as response:
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise _trouble(f"network: {type(error).__name__}") from None
        if not 200 <= status < 300:
            raise _trouble(f"http_{status}")
        return NOTHING


def _trouble(error: str, *, retryable: bool = True) -> DeliveryTrouble:
    return DeliveryTrouble(f"webhook {error}", retryable=retryable, method="webhook")
