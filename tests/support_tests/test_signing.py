"""Requests are signed exactly as Slack signs them: checked against Slack's published vector."""

from __future__ import annotations

from sandbox.requests import signature, signed_headers

# Slack's example from "Verifying requests from Slack" (also used by python-slack-sdk and bolt-js).
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TIMESTAMP = "1531420618"
BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
    "&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
    "&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    "%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
EXPECTED = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_signature_matches_slacks_published_test_vector() -> None:
    assert signature(SECRET, TIMESTAMP, BODY) == EXPECTED
    assert signature(SECRET, TIMESTAMP, BODY.encode()) == EXPECTED


def test_signed_headers_carry_the_timestamp_that_was_signed() -> None:
    headers = signed_headers(SECRET, BODY, int(TIMESTAMP))

    assert headers == {"X-Slack-Request-Timestamp": TIMESTAMP, "X-Slack-Signature": EXPECTED}


def test_any_change_to_body_timestamp_or_secret_changes_the_signature() -> None:
    assert signature(SECRET, TIMESTAMP, BODY + "x") != EXPECTED
    assert signature(SECRET, str(int(TIMESTAMP) + 1), BODY) != EXPECTED
    assert signature(SECRET[:-1] + "6", TIMESTAMP, BODY) != EXPECTED
