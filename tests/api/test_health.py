"""``GET /healthz`` and ``GET /metrics``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.core.clock import VirtualClock
from bot.core.deps import Deps
from bot.outbox.work import Work, new_row
from bot.web.monitoring import Health, check_health, count_desk
from store import outbox
from store.models import DecisionRequest
from tests.api.conftest import deal
from tests.support.app_server import RunningApp
from tests.support.deals import submit, techcorp


async def scrape(app: RunningApp) -> dict[str, float]:
    """``/metrics`` as ``{'name{label="value"}': value}``."""
    async with app.session.get(app.api("/metrics")) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await response.text()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples


async def test_healthz_when_the_database_answers(app: RunningApp) -> None:
    async with app.session.get(app.api("/healthz")) as response:
        status, body = response.status, await response.json()

    assert (status, body) == (200, {"status": "ok", "database": "ok"})


@pytest.mark.usefixtures("broken_database")
async def test_healthz_is_503_with_the_reason_when_the_database_does_not_answer(
    app: RunningApp,
) -> None:
    async with app.session.get(app.api("/healthz")) as response:
        status, body = response.status, await response.json()
    metrics = await scrape(app)

    assert status == 503
    assert body["status"] == "down"
    assert body["error"] == "database_unavailable"
    assert body["database"] not in ("", "ok")
    assert body["database"] in body["message"]
    assert metrics["dealdesk_database_up"] == 0
    assert "dealdesk_api_deals_submitted_total" in metrics


async def test_metrics_move_after_a_submission(app: RunningApp) -> None:
    app.slack.outage(30)  # Slack is down: the card waits in the outbox
    before = await scrape(app)

    async with app.session.post(app.api("/api/deals"), json=deal(), headers=app.auth) as response:
        assert response.status == 201
    after = await scrape(app)

    assert before["dealdesk_database_up"] == after["dealdesk_database_up"] == 1
    assert "dealdesk_slack_ack_seconds_count" in after
    assert (
        before["dealdesk_api_deals_submitted_total"],
        after["dealdesk_api_deals_submitted_total"],
    ) == (0, 1)
    assert (
        before['dealdesk_deals{status="in_review"}'],
        after['dealdesk_deals{status="in_review"}'],
    ) == (0, 1)
    assert after['dealdesk_deals{status="approved"}'] == 0
    assert (before["dealdesk_approvals_pending"], after["dealdesk_approvals_pending"]) == (0, 1)
    assert before["dealdesk_outbox_backlog"] == 0
    assert after["dealdesk_outbox_backlog"] >= 1
    assert before['dealdesk_outbox_waiting{kind="card.post"}'] == 0
    assert after['dealdesk_outbox_waiting{kind="card.post"}'] == 1
    assert after['dealdesk_outbox_oldest_seconds{kind="card.post"}'] >= 0
    assert after['dealdesk_outbox_waiting{kind="home.publish"}'] >= 1
    assert after["dealdesk_approvals_overdue"] == 0
    assert after["dealdesk_decision_inbox_backlog"] == 0


async def test_desk_counts_overdue_approvals_and_unapplied_decisions(
    deps: Deps, clock: VirtualClock
) -> None:
    submitted = await submit(deps, techcorp())
    async with deps.db.transaction() as session:
        session.add(
            DecisionRequest(
                dedup_key="click-1",
                received_at=clock.now(),
                approval_id=1,
                actor="U0LISA",
                decision="approve",
            )
        )
    clock.advance(timedelta(hours=3))  # past the CFO's 2h SLA

    async with deps.db.read() as session:
        counts = await count_desk(session, clock.now())

    assert submitted.created
    assert counts.deals == {"in_review": 1}
    assert (counts.pending_approvals, counts.overdue_approvals) == (1, 1)
    assert counts.decision_inbox_backlog == 1


async def test_healthz_is_degraded_while_an_approval_card_waits_over_a_minute(
    deps: Deps, clock: VirtualClock
) -> None:
    await submit(deps, techcorp())  # its card is queued; nobody delivers it here
    async with deps.db.transaction() as session:
        await outbox.add_many(
            session,
            [new_row(Work.CARD_POST, "approval:1", clock.now(), lane="U0LISA", approval_id=1)],
        )

    assert await check_health(deps.db, clock.now()) == Health("ok", "ok")
    clock.advance(timedelta(seconds=61))
    health = await check_health(deps.db, clock.now())

    assert (health.status, health.database) == ("degraded", "ok")
    assert health.reasons == ("an approval card has waited 1m for Slack (1 waiting)",)
    assert health.to_json()["message"] == health.reasons[0]


async def test_healthz_is_degraded_while_slack_refuses_our_messages(
    deps: Deps, clock: VirtualClock
) -> None:
    now = clock.now()
    async with deps.db.transaction() as session:
        await outbox.add_many(
            session, [new_row(Work.HOME, "home:U0LISA", now, lane=None, user="U0LISA")]
        )
        await outbox.retry_later(session, 1, now + timedelta(seconds=2), "http_503")

    health = await check_health(deps.db, now)

    assert health.status == "degraded"
    assert health.reasons == (
        "Slack's Web API is failing: 1 message waits to be tried again (last error: http_503)",
    )
