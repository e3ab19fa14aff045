"""The intake API against its own OpenAPI document, fuzzed with schemathesis: valid and
invalid bodies, parameters and headers, each answered as the document says (no 5xx,
documented status codes, bodies of the documented shape), and nothing stored from a
refused request. The longer run is ``python -m bench.fuzz``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from bot.web.openapi import openapi_document
from policies.loader import bundled_policy_path
from tests.crm.conftest import HUBSPOT_SECRET, INTAKE, SALESFORCE_SECRET
from tests.support.app_server import API_TOKEN
from tests.support.threaded_app import ThreadedApp

schema = schemathesis.openapi.from_dict(openapi_document())
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


def crm_checks(path: str) -> list[Any]:
    """A CRM's body is any record: whether it maps onto a deal is the policy's to say (a
    422 names the fields), so "schema-valid request rejected" is not asked there."""
    return [positive_data_acceptance] if path.startswith("/api/intake/") else []


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedApp]:
    """With both CRMs mapped, so their requests reach the mapping too."""
    folder = tmp_path_factory.mktemp("fuzz")
    policy = folder / "policy.yml"
    policy.write_text(bundled_policy_path().read_text(encoding="utf-8") + INTAKE, "utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEALDESK_TEST_HUBSPOT_SECRET", HUBSPOT_SECRET)
        patch.setenv("DEALDESK_TEST_SALESFORCE_SECRET", SALESFORCE_SECRET)
        with ThreadedApp(folder / "dealdesk.db", policy) as app:
            yield app


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as opened:
        yield opened


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_answer_is_as_documented(
    case: Any, served: ThreadedApp, session: requests.Session
) -> None:
    """Every answer as documented, never a 5xx, never a traceback in the log, and a
    refused request stores nothing. (An unknown query parameter or header is ignored,
    as the web does, so schemathesis's "schema-violating request accepted" is not
    asked.)"""
    before = served.count("deals")
    headers = {} if case.path == "/api/intake/hubspot" else {"Authorization": f"Bearer {API_TOKEN}"}
    answer = case.call_and_validate(
        base_url=served.url,
        session=session,
        headers=headers,
        excluded_checks=[negative_data_rejection, *crm_checks(case.path)],
    )
    if answer.status_code >= 400:
        assert served.count("deals") == before, "a refused request stored a deal"
    assert served.tracebacks == [], served.tracebacks


def test_the_document_is_served_without_a_token(
    served: ThreadedApp, session: requests.Session
) -> None:
    answer = session.get(f"{served.url}/api/openapi.json", timeout=10)

    assert answer.status_code == 200
    document = answer.json()
    assert document["openapi"] == "3.1.0"
    assert "/api/intake/hubspot" in document["paths"]
