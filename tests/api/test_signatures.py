"""HubSpot's v3 signature as its guide describes it: the URI with some characters
decoded, the timestamp in milliseconds, five minutes either way."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from bot.web.signatures import BadSignature, slack_signed, verify_hubspot

SECRET = "hubspot-secret"
NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
BODY = b'[{"objectId":1,"subscriptionType":"deal.propertyChange"}]'


def signed(uri: str, at: datetime = NOW) -> dict[str, str]:
    timestamp = str(int(at.timestamp() * 1000))
    digest = hmac.new(
        SECRET.encode(), b"POST" + uri.encode() + BODY + timestamp.encode(), hashlib.sha256
    )
    return {
        "X-HubSpot-Signature-v3": base64.b64encode(digest.digest()).decode(),
        "X-HubSpot-Request-Timestamp": timestamp,
    }


def test_the_uri_is_compared_with_hubspots_characters_decoded() -> None:
    as_hubspot_signs = "https://dd.example.com/api/intake/hubspot?portal=1&at=10:30"
    as_received = "https://dd.example.com/api/intake/hubspot?portal=1&at=10%3A30"

    verify_hubspot(SECRET, "POST", [as_received], signed(as_hubspot_signs), BODY, NOW)


@pytest.mark.parametrize("skew", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_a_timestamp_five_minutes_off_either_way_is_refused(skew: timedelta) -> None:
    uri = "https://dd.example.com/api/intake/hubspot"

    verify_hubspot(SECRET, "POST", [uri], signed(uri, NOW + skew / 2), BODY, NOW)
    with pytest.raises(BadSignature, match="more than 5 minutes"):
        verify_hubspot(SECRET, "POST", [uri], signed(uri, NOW + skew), BODY, NOW)


def test_a_signature_for_another_address_is_refused() -> None:
    with pytest.raises(BadSignature, match="does not match"):
        verify_hubspot(
            SECRET,
            "POST",
            ["https://dd.example.com/api/intake/hubspot"],
            signed("https://elsewhere.example.com/api/intake/hubspot"),
            BODY,
            NOW,
        )


@pytest.mark.parametrize("timestamp", ["", "soon", "²", "1²"])
def test_a_timestamp_that_is_not_a_number_is_refused_by_name(timestamp: str) -> None:
    """``"²".isdigit()`` is true and ``int("²")`` fails: refused, never a traceback."""
    uri = "https://dd.example.com/api/intake/hubspot"
    headers = signed(uri) | {"X-HubSpot-Request-Timestamp": timestamp}

    with pytest.raises(BadSignature, match="X-HubSpot-Request-Timestamp"):
        verify_hubspot(SECRET, "POST", [uri], headers, BODY, NOW)

    assert not slack_signed(SECRET, {"X-Slack-Request-Timestamp": timestamp}, BODY, NOW)
