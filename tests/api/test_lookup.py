"""``GET /api/deals/{id}`` and ``GET /api/deals?external_id=…``, and the API's other paths."""

from __future__ import annotations

from typing import Any

import pytest

from bot.intake import api as intake
from tests.api.conftest import deal
from tests.support.app_server import RunningApp


async def get(app: RunningApp, path: str) -> tuple[int, Any]:
    async with app.session.get(app.api(path), headers=app.auth) as response:
        assert response.content_type == "application/json"
        return response.status, await response.json()


async def created(app: RunningApp, **changes: Any) -> dict[str, Any]:
    async with app.session.post(
        app.api("/api/deals"), json=deal(**changes), headers=app.auth
    ) as response:
        assert response.status == 201, await response.text()
        body: dict[str, Any] = await response.json()
        return body


async def test_a_deal_by_its_id(app: RunningApp) -> None:
    submitted = await created(app)

    status, body = await get(app, f"/api/deals/{submitted['id']}")

    assert status == 200
    assert body["id"] == submitted["id"]
    assert body["status"] == "in_review"
    assert body["approvals"] == submitted["approvals"]


@pytest.mark.parametrize(
    "ref", ["D-9999", "D-1000", "D-", "OPP-0042", "D-99999999999999999999", "%20", "D-%C2%B2"]
)
async def test_an_unknown_or_malformed_id_is_404(app: RunningApp, ref: str) -> None:
    await created(app)

    status, body = await get(app, f"/api/deals/{ref}")

    assert status == 404
    assert body["error"] == "not_found"
    assert "D-1001" in body["message"]


async def test_deals_by_external_id(app: RunningApp) -> None:
    submitted = await created(app, external_id="OPP-7")
    await created(app, external_id="OPP-8", company="Other Co")

    found_status, found = await get(app, "/api/deals?external_id=OPP-7")
    none_status, none = await get(app, "/api/deals?external_id=OPP-404")

    assert found_status == 200
    assert [d["id"] for d in found] == [submitted["id"]]
    assert found[0]["company"] == "TechCorp"
    assert (none_status, none) == (200, [])


@pytest.mark.parametrize("query", ["", "?external_id=", "?company=TechCorp"])
async def test_deals_without_an_external_id_is_400(app: RunningApp, query: str) -> None:
    status, body = await get(app, f"/api/deals{query}")

    assert status == 400
    assert body["error"] == "missing_parameter"
    assert "external_id" in body["message"]


async def test_other_api_paths_answer_json(app: RunningApp) -> None:
    async with app.session.get(app.api("/api/approvals"), headers=app.auth) as response:
        unknown_status, unknown = response.status, await response.json()
    async with app.session.delete(app.api("/api/deals/D-1001"), headers=app.auth) as response:
        delete_status, allow, delete = (
            response.status,
            response.headers["Allow"],
            await response.json(),
        )

    assert (unknown_status, unknown["error"]) == (404, "not_found")
    assert (delete_status, allow, delete["error"]) == (405, "GET, PATCH", "method_not_allowed")


@pytest.mark.usefixtures("broken_database")
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/deals"), ("GET", "/api/deals/D-1001"), ("GET", "/api/deals?external_id=X")],
    ids=["post", "get-one", "get-by-external-id"],
)
async def test_a_database_that_does_not_answer_is_503_with_retry_after(
    app: RunningApp, method: str, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with app.session.request(
        method, app.api(path), json=deal(), headers=app.auth
    ) as response:
        status, body = response.status, await response.json()
        retry_after = response.headers.get("Retry-After")

    assert (status, retry_after) == (503, "30")
    assert body["error"] == "database_unavailable"
    assert "nothing was changed" in body["message"]
    assert not [record for record in caplog.records if record.exc_info]  # one line, no traceback


async def test_a_failure_on_our_side_is_500_json_with_a_reference(
    app: RunningApp, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(intake, "submit", broken)
    async with app.session.post(app.api("/api/deals"), json=deal(), headers=app.auth) as response:
        status, body = response.status, await response.json()

    assert status == 500
    assert body["error"] == "internal_error"
    reference = body["message"].removesuffix(")").rsplit(" ", 1)[-1]
    assert "Traceback" not in body["message"]
    assert any(reference in record.getMessage() for record in caplog.records)
