"""``POST /api/deals/preview``: the plan a deal would get, and nothing stored."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import deal
from tests.api.test_intake import stored
from tests.support.app_server import RunningApp


async def preview(app: RunningApp, body: Any, auth: bool = True) -> tuple[int, dict[str, Any]]:
    headers = app.auth if auth else {}
    async with app.session.post(
        app.api("/api/deals/preview"), json=body, headers=headers
    ) as response:
        return response.status, await response.json()


async def test_the_plan_of_techcorp_without_a_row_stored(app: RunningApp) -> None:
    before = await stored(app)

    status, plan = await preview(app, deal())

    assert status == 200
    assert plan["headline"].startswith("Approval plan for TechCorp: $500,000 ACV")
    assert plan["version"] == app.deps.policies.current.version
    by_stage = {
        stage["name"]: [a["approver"] for a in stage["approvals"]] for stage in plan["stages"]
    }
    assert by_stage["Qualification"] == ["sdr"]
    assert "manager" in by_stage["Deal approval"]
    cfo_or_manager = [
        a for s in plan["stages"] for a in s["approvals"] if a["approver"] == "manager"
    ]
    assert cfo_or_manager[0]["then"].startswith("hands over to")
    assert await stored(app) == before  # no deal, approval, audit event or outbox row


async def test_a_bad_deal_gets_422_per_field_and_no_token_401(app: RunningApp) -> None:
    status, body = await preview(app, deal(acv=-1, discount="lots"))
    assert status == 422
    assert {error["field"] for error in body["errors"]} >= {"acv", "discount"}

    status, body = await preview(app, deal(), auth=False)
    assert status == 401
