"""The real app with a policy that maps HubSpot's and Salesforce's fields, and helpers
that send a CRM's requests signed as the CRM signs them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from policies.loader import bundled_policy_path
from tests.api.conftest import with_people
from tests.support.app_server import RunningApp, running_app
from tests.support.fake_slack import FakeSlack

FIXTURES = Path(__file__).parent / "fixtures"
HUBSPOT_SECRET = "hubspot-client-secret-5f1c2a"
SALESFORCE_SECRET = "salesforce-shared-secret-9d3e"

INTAKE = """
intake:
  hubspot:
    secret_env: DEALDESK_TEST_HUBSPOT_SECRET
    fields:
      company: properties.dealname
      acv: properties.amount
      discount: properties.discount_pct
      term_months: properties.contract_term_months
      industry: properties.industry
      employees: properties.company_size
      use_case: properties.use_case
      budget_indicated: properties.budget_confirmed
      owner: properties.owner_email
    defaults:
      discount: 0
  salesforce:
    secret_env: DEALDESK_TEST_SALESFORCE_SECRET
    fields:
      company: Account.Name
      acv: Amount
      discount: Discount__c
      term_months: Term_Months__c
      industry: Account.Industry
      employees: Account.NumberOfEmployees
      use_case: Use_Case__c
      budget_indicated: Budget_Confirmed__c
      custom_terms: Custom_Terms__c
      owner: Owner.Email
"""


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def intake_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DEALDESK_TEST_HUBSPOT_SECRET", HUBSPOT_SECRET)
    monkeypatch.setenv("DEALDESK_TEST_SALESFORCE_SECRET", SALESFORCE_SECRET)
    policy = tmp_path / "policy.yml"
    policy.write_text(bundled_policy_path().read_text(encoding="utf-8") + INTAKE, "utf-8")
    return policy


@pytest.fixture
async def app(database_url: str, intake_policy: Path) -> AsyncIterator[RunningApp]:
    async with (
        FakeSlack() as slack,
        running_app(database_url, intake_policy, with_people(slack)) as app,
    ):
        yield app


def hubspot_headers(
    url: str, body: bytes, *, secret: str = HUBSPOT_SECRET, age: float = 0.0
) -> dict[str, str]:
    """Headers HubSpot sends: the v3 signature over method, URL, body and timestamp (ms),
    computed here from HubSpot's documented recipe, independently of bot.web.signatures."""
    timestamp = str(int((time.time() - age) * 1000))
    message = b"POST" + url.encode() + body + timestamp.encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return {
        "Content-Type": "application/json",
        "X-HubSpot-Signature-v3": base64.b64encode(digest).decode(),
        "X-HubSpot-Request-Timestamp": timestamp,
    }


def dealdesk_headers(body: bytes, *, secret: str = SALESFORCE_SECRET) -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return {
        "Content-Type": "application/json",
        "X-Dealdesk-Timestamp": timestamp,
        "X-Dealdesk-Signature": f"v1={digest.hexdigest()}",
    }


async def post(
    app: RunningApp, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    async with app.session.post(app.api(path), data=body, headers=headers) as response:
        return response.status, await response.json()


async def hubspot(app: RunningApp, payload: Any, **options: Any) -> tuple[int, dict[str, Any]]:
    """POST a HubSpot request, signed for the URL it is sent to."""
    body = json.dumps(payload).encode()
    url = app.api("/api/intake/hubspot")
    return await post(app, "/api/intake/hubspot", body, hubspot_headers(url, body, **options))


async def salesforce(
    app: RunningApp, payload: Any, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    body = json.dumps(payload).encode()
    sent = headers if headers is not None else {**app.auth, "Content-Type": "application/json"}
    return await post(app, "/api/intake/salesforce", body, sent)
