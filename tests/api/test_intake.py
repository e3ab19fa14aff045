"""``POST /api/deals``: a CRM submits a deal over real HTTP (CONTRACT.md, Deal JSON)."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from bot.intake.api import MAX_BODY_BYTES
from store.models import Deal, OutboxMessage
from tests.api.conftest import deal
from tests.support.app_server import RunningApp, running_app
from tests.support.deals import Snapshot, audit_events, details, snapshot
from tests.support.fake_slack import FakeSlack

APPROVAL_KEYS = {
    "stage",
    "approver",
    "assignee",
    "status",
    "reason",
    "decided_by",
    "decided_at",
    "comment",
    "due_at",
}
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


async def post(
    app: RunningApp, body: Any, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with app.session.post(
        app.api("/api/deals"), data=data, headers=app.auth if headers is None else headers
    ) as response:
        assert response.content_type == "application/json"
        return response.status, await response.json()


async def stored(app: RunningApp) -> Snapshot:
    """Every deal, approval, audit event and outbox row: to prove a request stored nothing."""
    rows = await snapshot(app.deps)
    async with app.deps.db.read() as session:
        count = (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar()
    rows["outbox"] = [(count,)]
    return rows


async def deal_count(app: RunningApp) -> int:
    async with app.deps.db.read() as session:
        return int((await session.execute(select(func.count()).select_from(Deal))).scalar_one())


async def test_a_crm_deal_is_created_routed_and_carded(app: RunningApp) -> None:
    async with app.session.post(app.api("/api/deals"), json=deal(), headers=app.auth) as response:
        status, body = response.status, await response.json()
        location = response.headers["Location"]

    assert status == 201
    assert re.fullmatch(r"D-\d{4,}", body["id"])
    assert location == f"/api/deals/{body['id']}"
    assert body["external_id"] == "OPP-0042"
    assert body["company"] == "TechCorp"
    assert body["owner"] == "U0SARAH"
    assert body["status"] == "in_review"
    assert body["policy_version"] == app.deps.policies.current.version
    assert body["approvals"], body
    for approval in body["approvals"]:
        assert approval.keys() >= APPROVAL_KEYS
        assert approval["reason"]
    first = body["approvals"][0]
    assert (first["stage"], first["approver"], first["assignee"], first["status"]) == (
        "Qualification",
        "sdr",
        "avatar:sdr",
        "approved",
    )
    assert first["decided_by"] == "avatar:sdr"
    assert ISO_UTC.match(first["decided_at"])
    assert first["comment"]
    pending = [a for a in body["approvals"] if a["status"] == "pending"]
    assert [(a["approver"], a["assignee"]) for a in pending] == [("cfo", "U0LISA")]
    assert ISO_UTC.match(pending[0]["due_at"])
    assert pending[0]["decided_by"] is None

    # The same cards as a deal from Slack: the outbox delivers the CFO's approval card.
    await app.slack.wait_for(
        "chat.postMessage", where=lambda call: call.params["channel"] == "DU0LISA"
    )
    card = app.slack.dm("U0LISA")[0]
    assert "TechCorp" in card.visible_text
    assert {"Approve", "Reject", "Request changes"} <= set(card.button_texts)

    [event] = await audit_events(app.deps, "deal_submitted")
    assert (event.actor, event.deal_id) == ("api", body["id"])
    assert details(event)["terms"]["owner"] == "U0SARAH"


async def test_defaults_fill_what_the_crm_leaves_out(app: RunningApp) -> None:
    status, body = await post(app, {"company": "Tiny Co", "acv": 1200, "owner": "W0AMY"})

    assert status == 201
    assert body["owner"] == "W0AMY"
    assert (body["external_id"], body["discount"], body["term_months"]) == (None, 0, 12)


async def test_the_same_external_id_again_returns_the_existing_deal(app: RunningApp) -> None:
    first_status, first = await post(app, deal())
    again_status, again = await post(app, deal(acv=900000, company="TechCorp Renamed"))

    assert (first_status, again_status) == (201, 200)
    assert again["id"] == first["id"]
    assert (again["company"], again["acv"]) == ("TechCorp", 500000)
    assert await deal_count(app) == 1
    assert len(await audit_events(app.deps, "deal_submitted")) == 1
    submitted = app.runtime.deps.metrics.registry.get_sample_value(
        "dealdesk_api_deals_submitted_total"
    )
    assert submitted == 1


@pytest.fixture(params=["one-server", "two-servers"])
async def servers(
    request: pytest.FixtureRequest, app: RunningApp, database_url: str, policy_file: Path
) -> AsyncIterator[tuple[RunningApp, RunningApp]]:
    """Two answering apps: the same one twice, or two processes' worth on one database."""
    if request.param == "one-server":
        yield app, app
        return
    async with running_app(database_url, policy_file, app.slack) as other:
        yield app, other


async def test_concurrent_submissions_of_one_external_id_make_one_deal(
    servers: tuple[RunningApp, RunningApp],
) -> None:
    one, two = servers
    rounds = 5
    for n in range(rounds):
        body = deal(external_id=f"OPP-RACE-{n}")
        (status_a, a), (status_b, b) = await asyncio.gather(post(one, body), post(two, body))

        assert sorted([status_a, status_b]) == [200, 201], (a, b)
        assert a["id"] == b["id"]
    assert await deal_count(one) == rounds
    assert len(await audit_events(one.deps, "deal_submitted")) == rounds


UNAUTHORIZED = {
    "missing": {},
    "wrong token": {"Authorization": "Bearer not-the-token"},
    "wrong scheme": {"Authorization": "Basic dGVzdC1pbnRha2UtdG9rZW4="},
    "token without scheme": {"Authorization": "test-intake-token"},
    "empty bearer": {"Authorization": "Bearer "},
    "token prefix": {"Authorization": "Bearer test-intake"},
}


@pytest.mark.parametrize("headers", UNAUTHORIZED.values(), ids=UNAUTHORIZED.keys())
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/deals"), ("GET", "/api/deals/D-1001"), ("GET", "/api/deals?external_id=X")],
    ids=["post", "get-one", "get-by-external-id"],
)
async def test_without_the_right_bearer_token_401(
    app: RunningApp, headers: dict[str, str], method: str, path: str
) -> None:
    before = await stored(app)
    async with app.session.request(method, app.api(path), json=deal(), headers=headers) as response:
        assert response.status == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        body = await response.json()

    assert body["error"] == "unauthorized"
    assert "DEALDESK_API_TOKEN" in body["message"]
    assert await stored(app) == before


async def test_a_lowercase_scheme_is_still_bearer(app: RunningApp) -> None:
    status, _ = await post(app, deal(), {"Authorization": "bearer test-intake-token"})

    assert status == 201


@pytest.fixture
async def app_without_token(
    database_url: str, policy_file: Path, slack: FakeSlack
) -> AsyncIterator[RunningApp]:
    async with running_app(database_url, policy_file, slack, api_token=None) as running:
        yield running


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/deals"), ("GET", "/api/deals/D-1001"), ("GET", "/api/deals?external_id=X")],
    ids=["post", "get-one", "get-by-external-id"],
)
async def test_without_a_configured_token_the_api_answers_503_and_says_why(
    app_without_token: RunningApp, method: str, path: str
) -> None:
    app = app_without_token
    headers = {"Authorization": "Bearer anything"}
    async with app.session.request(method, app.api(path), json=deal(), headers=headers) as response:
        assert response.status == 503
        body = await response.json()

    assert body["error"] == "api_disabled"
    assert "DEALDESK_API_TOKEN is not set" in body["message"]
    assert await deal_count(app) == 0


def padded(size: int) -> bytes:
    """The TechCorp deal as JSON, padded with white space to exactly ``size`` bytes."""
    text = json.dumps(deal()).encode()
    return text[:-1] + b" " * (size - len(text)) + b"}"


async def test_a_body_of_exactly_the_limit_is_accepted(app: RunningApp) -> None:
    status, _ = await post(app, padded(MAX_BODY_BYTES))

    assert status == 201


async def test_a_body_over_the_limit_is_413(app: RunningApp) -> None:
    before = await stored(app)

    status, body = await post(app, padded(MAX_BODY_BYTES + 1))

    assert status == 413
    assert body["error"] == "body_too_large"
    assert await stored(app) == before


async def test_a_chunked_body_over_the_limit_is_413(app: RunningApp) -> None:
    """No Content-Length to go by: the bytes actually read decide."""
    before = await stored(app)
    data = padded(MAX_BODY_BYTES + 1000)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(data), 4096):
            yield data[start : start + 4096]

    async with app.session.post(app.api("/api/deals"), data=chunks(), headers=app.auth) as r:
        assert r.request_info.headers.get("Transfer-Encoding") == "chunked"
        status, body = r.status, await r.json()

    assert status == 413
    assert body["error"] == "body_too_large"
    assert await stored(app) == before


async def test_a_small_compressed_body_that_inflates_over_the_limit_is_413(
    app: RunningApp,
) -> None:
    """Content-Length says 200 bytes; what the body decompresses to is what counts."""
    data = gzip.compress(padded(MAX_BODY_BYTES * 4))
    headers = {**app.auth, "Content-Encoding": "gzip", "Content-Type": "application/json"}

    status, body = await post(app, data, headers)

    assert len(data) < 1000
    assert status == 413
    assert body["error"] == "body_too_large"
    assert await deal_count(app) == 0


async def test_a_body_that_cannot_be_decoded_is_400(app: RunningApp) -> None:
    headers = {**app.auth, "Content-Encoding": "gzip"}

    status, body = await post(app, b"this is not gzip", headers)

    assert status == 400
    assert body["error"] == "bad_request"
    assert await deal_count(app) == 0


async def test_a_declared_length_over_the_limit_is_413_without_waiting_for_the_body(
    app: RunningApp,
) -> None:
    """The client says 10 MB and sends 20 bytes: answered at once, from the header."""
    address = urlsplit(app.url)
    assert address.hostname is not None
    assert address.port is not None
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    writer.write(
        b"POST /api/deals HTTP/1.1\r\nHost: dealdesk\r\n"
        b"Authorization: Bearer test-intake-token\r\nContent-Type: application/json\r\n"
        b"Content-Length: 10000000\r\n\r\n" + b'{"company": "Tech'
    )
    await writer.drain()
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
        length = re.search(rb"Content-Length: (\d+)", head)
        assert length is not None, head
        answer = await asyncio.wait_for(reader.readexactly(int(length[1])), timeout=5)
    finally:
        writer.close()
        await writer.wait_closed()

    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"Connection: close" in head
    assert json.loads(answer)["error"] == "body_too_large"
    assert await deal_count(app) == 0


NOT_JSON = {
    "text": b"company=TechCorp&acv=5",
    "empty": b"",
    "truncated": b'{"company": "TechCorp", ',
    "not utf-8": b'{"company": "Tech\xff\xfe"}',
    "NaN": b'{"company": "TechCorp", "acv": NaN, "owner": "U0SARAH"}',
    "array": json.dumps([deal()]).encode(),
    "string": b'"TechCorp"',
    "null": b"null",
    "deeply nested": b"[" * 50_000 + b"]" * 10,
}


@pytest.mark.parametrize("body", NOT_JSON.values(), ids=NOT_JSON.keys())
async def test_a_body_that_is_not_a_json_object_is_400(app: RunningApp, body: bytes) -> None:
    before = await stored(app)

    status, answer = await post(app, body)

    assert status == 400
    assert answer["error"] == "invalid_json"
    assert answer["message"]
    assert await stored(app) == before


async def test_an_invalid_deal_is_422_with_one_entry_per_field(app: RunningApp) -> None:
    before = await stored(app)
    bad = {
        "company": "",
        "acv": -5,
        "discount": 101,
        "owner": "sarah",
        "dicsount": 3,
        "budget_indicated": "yes",
        "external_id": 42,
    }

    status, body = await post(app, bad)

    assert status == 422
    assert body["error"] == "invalid_deal"
    fields = [entry["field"] for entry in body["errors"]]
    assert sorted(fields) == sorted(bad)
    messages = {entry["field"]: entry["message"] for entry in body["errors"]}
    assert messages["dicsount"] == "'dicsount' is not a deal field; did you mean 'discount'?"
    assert "Slack user id" in messages["owner"]
    assert "100" in messages["discount"]
    assert await stored(app) == before
    assert await audit_events(app.deps) == []


async def test_missing_required_fields_are_named(app: RunningApp) -> None:
    status, body = await post(app, {"discount": 5})

    assert status == 422
    assert {e["field"]: e["message"] for e in body["errors"]} == {
        "company": "company is required",
        "acv": "acv is required",
        "owner": "owner is required",
    }
    assert await deal_count(app) == 0


async def test_an_invalid_resubmission_of_a_known_external_id_is_still_422(
    app: RunningApp,
) -> None:
    assert (await post(app, deal()))[0] == 201

    status, body = await post(app, deal(discount=250))

    assert status == 422
    assert [e["field"] for e in body["errors"]] == ["discount"]
