"""HubSpot to dealdesk: a workflow's "Send a webhook" action submits the deal, its
webhook subscriptions keep it current; every request is checked against HubSpot's v3
signature, and a record that does not map onto a deal is refused whole."""

from __future__ import annotations

import copy
import json
import logging
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from store import repositories as repo
from store.models import Deal
from tests.crm.conftest import fixture, hubspot, hubspot_headers, post
from tests.slack.flows import LISA, card_for
from tests.support.app_server import RunningApp

HUBSPOT_ID = "18203345671"


def deal_record(**properties: str) -> dict[str, Any]:
    """The workflow fixture with some properties' values changed."""
    record: dict[str, Any] = copy.deepcopy(fixture("hubspot_workflow_deal.json"))
    for name, value in properties.items():
        record["properties"][name]["value"] = value
    return record


async def stored_deals(app: RunningApp) -> int:
    async with app.deps.db.read() as session:
        count = await session.scalar(select(func.count()).select_from(Deal))
    return int(count or 0)


async def test_a_workflow_webhook_submits_the_deal_with_its_owner_found_by_email(
    app: RunningApp,
) -> None:
    status, body = await hubspot(app, deal_record())

    assert status == 201, body
    assert body["outcome"] == "created"
    deal = body["deal"]
    assert deal["external_id"] == HUBSPOT_ID
    assert deal["company"] == "TechCorp"
    assert deal["status"] == "in_review"
    card = await card_for(app.slack, LISA)  # $500K at 12%: the CFO's card
    assert "TechCorp" in card.text
    async with app.deps.db.read() as session:
        stored = await repo.get_deal_by_external_id(session, HUBSPOT_ID)
    assert stored is not None
    assert (stored.owner, stored.acv, stored.discount, stored.term_months) == (
        "U0SARAH",
        Decimal(500000),
        Decimal(12),
        36,
    )
    assert (stored.employees, stored.budget_indicated) == (5000, True)


async def test_the_same_record_again_changes_nothing(app: RunningApp) -> None:
    first_status, first = await hubspot(app, deal_record())
    again_status, again = await hubspot(app, deal_record(dealstage="closedwon"))

    assert (first_status, again_status) == (201, 200)
    assert again["outcome"] == "unchanged"
    assert again["deal"]["id"] == first["deal"]["id"]
    assert await stored_deals(app) == 1
    async with app.deps.db.read() as session:
        stored = await repo.get_deal_by_external_id(session, HUBSPOT_ID)
    assert stored is not None
    assert stored.revision == 1


async def test_a_changed_record_is_a_new_revision(app: RunningApp) -> None:
    await hubspot(app, deal_record())

    status, body = await hubspot(app, deal_record(amount="650000", discount_pct="18"))

    assert status == 200, body
    assert body["outcome"] == "revised"
    assert body["changes"] == {"acv": ["500000", "650000"], "discount": ["12", "18"]}
    async with app.deps.db.read() as session:
        stored = await repo.get_deal_by_external_id(session, HUBSPOT_ID)
    assert stored is not None
    assert stored.revision == 2
    assert await stored_deals(app) == 1


async def test_subscription_events_change_known_deals_and_say_what_they_skipped(
    app: RunningApp,
) -> None:
    await hubspot(app, deal_record())

    status, body = await hubspot(app, fixture("hubspot_subscription_events.json"))

    assert status == 200, body
    outcomes = [(r["outcome"], r.get("what"), r.get("reason")) for r in body["results"]]
    assert outcomes[0][0] == "revised"
    assert body["results"][0]["changes"] == {"acv": ["500000", "650000"]}
    skipped = {what: reason for outcome, what, reason in outcomes if outcome == "ignored"}
    assert skipped == {
        "event 1304115902 (deal.propertyChange)": "dealstage is not mapped to a deal field",
        "event 1304115903 (deal.creation)": (
            "only property changes are read from subscriptions; a new deal comes in whole "
            "from a workflow's 'Send a webhook' action"
        ),
        "event 1304115904 (contact.propertyChange)": "not a deal",
    }


async def test_a_bad_signature_is_refused_and_nothing_is_stored(app: RunningApp) -> None:
    body = json.dumps(deal_record()).encode()
    url = app.api("/api/intake/hubspot")
    forged = hubspot_headers(url, body, secret="not-the-client-secret")
    stale = hubspot_headers(url, body, age=6 * 60)
    tampered = hubspot_headers(url, body)
    unsigned = {"Content-Type": "application/json"}

    answers = [
        await post(app, "/api/intake/hubspot", body, forged),
        await post(app, "/api/intake/hubspot", body, stale),
        await post(app, "/api/intake/hubspot", body.replace(b"500000", b"5"), tampered),
        await post(app, "/api/intake/hubspot", body, unsigned),
    ]

    assert [status for status, _ in answers] == [401, 401, 401, 401]
    assert "client secret" in answers[0][1]["message"]
    assert "more than 5 minutes" in answers[1][1]["message"]
    assert "X-HubSpot-Request-Timestamp" in answers[3][1]["message"]
    assert await stored_deals(app) == 0


async def test_a_signature_for_the_public_address_behind_a_proxy(app: RunningApp) -> None:
    body = json.dumps(deal_record()).encode()
    public = "https://dealdesk.example.com/api/intake/hubspot"
    headers = {
        **hubspot_headers(public, body),
        "X-Forwarded-Host": "dealdesk.example.com",
        "X-Forwarded-Proto": "https",
    }

    status, answer = await post(app, "/api/intake/hubspot", body, headers)

    assert status == 201, answer


async def test_unmappable_fields_are_named_with_the_crm_field_and_nothing_is_stored(
    app: RunningApp,
) -> None:
    record = deal_record(amount="a lot", owner_email="nobody@example.com")
    del record["properties"]["dealname"]

    status, body = await hubspot(app, record)

    assert status == 422, body
    assert body["error"] == "invalid_record"
    problems = {(e["crm_field"], e["field"]): e["message"] for e in body["errors"]}
    assert set(problems) == {
        ("properties.dealname", "company"),
        ("properties.amount", "acv"),
        ("properties.owner_email", "owner"),
    }
    assert (
        problems[("properties.amount", "acv")] == "properties.amount is 'a lot': must be a number"
    )
    assert problems[("properties.dealname", "company")].startswith("properties.dealname is missing")
    assert (
        "no one in the Slack workspace has that email"
        in problems[("properties.owner_email", "owner")]
    )
    assert await stored_deals(app) == 0


async def test_slack_not_answering_who_the_owner_is_asks_hubspot_to_retry(
    app: RunningApp,
) -> None:
    app.slack.fail("users.lookupByEmail", status=503, times=5)

    status, body = await hubspot(app, deal_record())

    assert status == 503, body
    assert body["error"] == "slack_unavailable"
    assert "send the record again" in body["message"]
    assert await stored_deals(app) == 0


async def test_the_documented_event_shape_is_read_as_events(app: RunningApp) -> None:
    """HubSpot's documentation writes ``eventType`` where live requests carry
    ``subscriptionType``: the same batch, the same answer."""
    await hubspot(app, deal_record())

    status, body = await hubspot(app, fixture("hubspot_documented_events.json"))

    assert status == 200, body
    [revised, *skipped] = body["results"]
    assert (revised["outcome"], revised["changes"]) == ("revised", {"acv": ["500000", "720000"]})
    assert [(r["outcome"], r["what"], r["reason"]) for r in skipped] == [
        ("ignored", "event 2208441102 (contact.propertyChange)", "not a deal"),
        ("ignored", "event 2208441103 (company.creation)", "not a deal"),
    ]


async def test_a_deals_v1_body_is_known_by_its_deal_id(app: RunningApp) -> None:
    status, body = await hubspot(app, fixture("hubspot_deal_v1.json"))

    assert status == 201, body
    assert (body["outcome"], body["deal"]["external_id"]) == ("created", "18203345688")
    assert body["deal"]["company"] == "Northwind Traders"


async def test_a_subscription_change_that_can_never_apply_is_skipped_with_why_and_logged_once(
    app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    """HubSpot retries any 4xx ten times and shows nobody the answer: a value that will
    never map is answered 200, skipped with why, and logged once; the deal is unchanged."""
    await hubspot(app, deal_record())
    events = fixture("hubspot_subscription_events.json")[:1]
    events[0]["propertyValue"] = "lots"

    with caplog.at_level(logging.WARNING, logger="bot.intake.crm"):
        status, body = await hubspot(app, events)

    assert status == 200, body
    [skipped] = body["results"]
    assert (skipped["outcome"], skipped["what"]) == ("ignored", f"HubSpot deal {HUBSPOT_ID}")
    assert "properties.amount is 'lots'" in skipped["reason"]
    [logged] = [r for r in caplog.records if "cannot be applied" in r.getMessage()]
    assert f"HubSpot deal {HUBSPOT_ID}: properties.amount is 'lots'" in logged.getMessage()
    async with app.deps.db.read() as session:
        stored = await repo.get_deal_by_external_id(session, HUBSPOT_ID)
    assert stored is not None
    assert stored.revision == 1


async def test_a_workflow_record_that_does_not_map_is_still_refused(app: RunningApp) -> None:
    """A workflow shows its webhook's answer to the admin: there, 422 names the field."""
    status, body = await hubspot(app, deal_record(amount="lots"))

    assert status == 422, body
    assert await stored_deals(app) == 0
