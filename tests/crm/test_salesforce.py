"""Salesforce to dealdesk: an Opportunity from a Flow's HTTP callout or an Apex trigger,
with the intake API's bearer token or signed with the shared secret; one record or a
batch, each idempotent on its Opportunity id."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest

from store import repositories as repo
from tests.crm.conftest import dealdesk_headers, fixture, post, salesforce
from tests.crm.test_hubspot import stored_deals
from tests.support.app_server import RunningApp

OPPORTUNITY_ID = "006Hp00001TechCoAAB"


def opportunity(**fields: Any) -> dict[str, Any]:
    return {**copy.deepcopy(fixture("salesforce_opportunity.json")), **fields}


async def test_an_opportunity_with_the_api_token_becomes_a_deal(app: RunningApp) -> None:
    status, body = await salesforce(app, opportunity())

    assert status == 201, body
    assert body["outcome"] == "created"
    assert body["deal"]["external_id"] == OPPORTUNITY_ID
    async with app.deps.db.read() as session:
        stored = await repo.get_deal_by_external_id(session, OPPORTUNITY_ID)
    assert stored is not None
    assert (stored.company, stored.owner, stored.acv, stored.discount) == (
        "TechCorp",
        "U0SARAH",  # Owner.Email in another case than Slack's: found all the same
        Decimal(500000),
        Decimal(12),
    )
    assert (stored.industry, stored.employees, stored.custom_terms) == ("Technology", 5000, False)


async def test_a_trigger_batch_creates_each_once(app: RunningApp) -> None:
    batch = fixture("salesforce_trigger_batch.json")

    status, body = await salesforce(app, batch)
    again_status, again = await salesforce(app, batch)

    assert (status, again_status) == (200, 200), (body, again)
    assert [r["outcome"] for r in body["results"]] == ["created", "created"]
    assert [r["outcome"] for r in again["results"]] == ["unchanged", "unchanged"]
    assert await stored_deals(app) == 2
    tinyco = body["results"][1]["deal"]
    assert tinyco["company"] == "TinyCo"  # no discount, no term: the deal's own defaults


async def test_a_changed_amount_revises_the_deal(app: RunningApp) -> None:
    await salesforce(app, opportunity())

    status, body = await salesforce(app, opportunity(Amount=240000.0))

    assert status == 200, body
    assert body["outcome"] == "revised"
    assert body["changes"] == {"acv": ["500000", "240000"]}


async def test_signed_with_the_shared_secret_instead_of_the_token(app: RunningApp) -> None:
    body = json.dumps(opportunity()).encode()

    signed = await post(app, "/api/intake/salesforce", body, dealdesk_headers(body))
    forged = await post(
        app, "/api/intake/salesforce", body, dealdesk_headers(body, secret="guessed")
    )
    bare = await post(app, "/api/intake/salesforce", body, {"Content-Type": "application/json"})

    assert signed[0] == 201, signed
    assert forged[0] == 401
    assert "does not match" in forged[1]["message"]
    assert bare[0] == 401
    assert "DEALDESK_API_TOKEN" in bare[1]["message"]
    assert await stored_deals(app) == 1


async def test_a_finished_deal_changed_in_salesforce_is_a_conflict(app: RunningApp) -> None:
    _, created = await salesforce(app, opportunity())
    withdraw = app.api(f"/api/deals/{created['deal']['id']}/withdraw")
    async with app.session.post(withdraw, json={}, headers=app.auth) as response:
        assert response.status == 200

    unchanged = await salesforce(app, opportunity(StageName="Closed Lost"))
    changed = await salesforce(app, opportunity(Amount=1.0))

    assert unchanged[0] == 200
    assert unchanged[1]["outcome"] == "unchanged"
    assert changed[0] == 409, changed
    assert "withdrawn" in changed[1]["message"]


async def test_one_bad_record_refuses_the_whole_batch(app: RunningApp) -> None:
    batch = fixture("salesforce_trigger_batch.json")
    batch[1]["Amount"] = "lots"
    del batch[0]["Id"]

    status, body = await salesforce(app, batch)

    assert status == 422, body
    assert {(e["record"], e["crm_field"], e["field"]) for e in body["errors"]} == {
        ("record 0", "Id", "external_id"),
        ("record 1", "Amount", "acv"),
    }
    assert await stored_deals(app) == 0


async def test_not_a_record_is_refused_with_what_to_send(app: RunningApp) -> None:
    for payload in ([], ["not an object"], "text"):
        status, body = await salesforce(app, payload)
        assert status == 422, (payload, body)
        assert "JSON object" in body["message"], body
    status, _ = await post(app, "/api/intake/salesforce", b"{not json", {**app.auth})
    assert status == 400


@pytest.mark.slow
async def test_a_trigger_batch_larger_than_a_single_deal_request_may_be(
    app: RunningApp,
) -> None:
    northwind = fixture("salesforce_trigger_batch.json")[0]
    batch = [{**northwind, "Id": f"006Hp0000{n:04d}AAB"} for n in range(150)]
    assert len(json.dumps(batch)) > 64 * 1024  # over the limit of POST /api/deals

    status, body = await salesforce(app, batch)

    assert status == 200, body
    assert [r["outcome"] for r in body["results"]] == ["created"] * 150
    assert await stored_deals(app) == 150
