"""Signed HTTP requests, both ways: dealdesk's own ``X-Dealdesk-Signature`` (the webhooks
it sends, and what a Salesforce Apex trigger or Flow may sign with) and HubSpot's v3
request signature.

Both sign the request with HMAC-SHA256 and a timestamp, and both are refused when the
timestamp is more than :data:`TOLERANCE` away from now, so a captured request cannot be
replayed later (CONTRACT.md, CRM in and out).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

TOLERANCE = timedelta(minutes=5)

HUBSPOT_SIGNATURE = "X-HubSpot-Signature-v3"
HUBSPOT_TIMESTAMP = "X-HubSpot-Request-Timestamp"
DEALDESK_SIGNATURE = "X-Dealdesk-Signature"
DEALDESK_TIMESTAMP = "X-Dealdesk-Timestamp"

# HubSpot signs the request URI with these characters decoded (its "validating requests"
# guide); a URI as received has them percent-encoded.
_HUBSPOT_DECODED = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
    "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip


class BadSignature(Exception):
    """The request is not signed as it must be; the message says what is wrong."""


def slack_signed(secret: str, headers: Mapping[str, str], body: bytes, now: datetime) -> bool:
    """Whether Slack signed this request (v0, within five minutes): for a body the SDKs
    cannot read (they decode it as UTF-8 first)."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "").strip()
    if not timestamp.isdecimal() or abs(now.timestamp() - int(timestamp)) > TOLERANCE.seconds:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), headers.get("X-Slack-Signature", "").encode())


def dealdesk_signature(secret: str, timestamp: str, body: bytes) -> str:
    """``v1=<hex HMAC-SHA256 of "timestamp.body">``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"v1={digest.hexdigest()}"


def hubspot_signature(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """Base64 of HMAC-SHA256 over method, URI, body and timestamp, as HubSpot signs."""
    message = method.encode() + hubspot_uri(uri).encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def hubspot_uri(uri: str) -> str:
    for encoded, character in _HUBSPOT_DECODED.items():
        uri = uri.replace(encoded, character).replace(encoded.lower(), character)
    return uri


def verify_dealdesk(secret: str, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
    timestamp = _fresh(headers, DEALDESK_TIMESTAMP, now, seconds=True)
    given = headers.get(DEALDESK_SIGNATURE, "")
    if not given:
        raise BadSignature(f"the request has no {DEALDESK_SIGNATURE} header")
    expected = dealdesk_signature(secret, timestamp, body)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise BadSignature(
            f"{DEALDESK_SIGNATURE} does not match: sign 'timestamp.body' with HMAC-SHA256 and "
            "the shared secret, hex-encoded, as v1=<hex>"
        )


def verify_hubspot(
    secret: str,
    method: str,
    uris: Iterable[str],
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
) -> None:
    """Accept the request when it is signed for one of ``uris`` (the address HubSpot was
    given may differ from the one this server sees behind a proxy)."""
    timestamp = _fresh(headers, HUBSPOT_TIMESTAMP, now, seconds=False)
    given = headers.get(HUBSPOT_SIGNATURE, "").encode()
    if not given:
        raise BadSignature(f"the request has no {HUBSPOT_SIGNATURE} header")
    for uri in uris:
        expected = hubspot_signature(secret, method, uri, body, timestamp)
        if hmac.compare_digest(given, expected.encode()):
            return
    raise BadSignature(
        f"{HUBSPOT_SIGNATURE} does not match: check that the HubSpot app's client secret is "
        "the one in intake.hubspot.secret_env"
    )


def _fresh(headers: Mapping[str, str], name: str, now: datetime, *, seconds: bool) -> str:
    """The timestamp header (Unix seconds, or HubSpot's milliseconds), when it is recent."""
    raw = headers.get(name, "").strip()
    if not raw.isdecimal() or len(raw) > 16:
        raise BadSignature(f"the request has no {name} header (Unix time)")
    sent = int(raw) if seconds else int(raw) / 1000
    if abs(now.timestamp() - sent) > TOLERANCE.total_seconds():
        raise BadSignature(
            f"{name} is more than 5 minutes from now: a replayed request, or a clock that is off"
        )
    return raw
