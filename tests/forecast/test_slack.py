"""`/deal report forecast` through the real app, two hours before the quarter closes:
an admin sees the deal at risk and whom to nudge; a Nudge click reminds Lisa once,
audited; a second click the same day reminds nobody; anyone else is refused."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.cards.ids import ForecastAction
from bot.core.clock import VirtualClock
from sandbox.block_reading import find_element, visible_text
from sandbox.blockkit import block_kit_problems
from tests.reports.history import seed_history
from tests.slack.flows import (
    ADMIN,
    LISA,
    OWNER,
    audit_actions,
    card_for,
    hook_name,
    settled,
    submit,
)
from tests.support.app_server import RunningApp

CLOSING = datetime(2026, 12, 31, 22, 0, tzinfo=ZoneInfo("America/New_York"))
"""Two hours before 2026-Q4 closes in the bundled policy's time zone."""


async def _at_risk(app: RunningApp, clock: VirtualClock) -> int:
    clock.set(CLOSING)
    await seed_history(app.deps, CLOSING)
    deal = await submit(app)
    return deal.deal_id


async def test_an_admin_sees_the_deal_at_risk_and_nudges_lisa_once(
    app: RunningApp, clock: VirtualClock
) -> None:
    await _at_risk(app, clock)
    card = await card_for(app.slack, LISA)

    reply = await app.requests.command("/deal", "report forecast", user=ADMIN)
    assert reply.status == 200, reply.text
    assert reply.body["response_type"] == "ephemeral"
    assert block_kit_problems("message", reply.body) == []
    shown = visible_text(reply.body["blocks"])
    assert "Forecast for 2026-Q4" in shown
    assert "*Most at risk*" in shown
    assert "*TechCorp* (D-" in shown
    assert f"waits on <@{LISA}>" in shown
    assert "*Whom to nudge*" in shown
    assert f"<@{LISA}> · $500,000 at risk on 1 approval" in shown
    block_id, button = find_element(reply.body["blocks"], ForecastAction.NUDGE)
    assert button["text"]["text"] == "Nudge"

    async def click() -> str:
        clicked = await app.requests.block_action(
            action_id=ForecastAction.NUDGE,
            value=button["value"],
            user=ADMIN,
            channel="C0SALESFLOOR",
            message_ts="1700000000.000001",
            response_url=str(reply.response_url),
            block_id=str(block_id),
        )
        assert clicked.status == 200
        answers = await app.slack.wait_for_response(hook_name(reply), count=len(seen) + 1)
        seen.append(answers[-1].body["text"])
        return seen[-1]

    seen: list[str] = []
    assert "Reminded them about 1 approval now" in await click()
    [reminder] = await app.slack.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("thread_ts") == card.ts
    )
    assert f"<@{LISA}>" in reminder.params["text"]
    [event] = await audit_actions(app, "approval_nudged")
    assert (event["actor"], event["assignee"]) == (ADMIN, LISA)

    assert "Nobody was reminded" in await click()
    await settled(app)
    reminders = [
        c for c in app.slack.calls_to("chat.postMessage") if c.params.get("thread_ts") == card.ts
    ]
    assert len(reminders) == 1
    assert len(await audit_actions(app, "approval_nudged")) == 1


async def test_only_an_admin_gets_the_forecast(app: RunningApp, clock: VirtualClock) -> None:
    await _at_risk(app, clock)
    refused = await app.requests.command("/deal", "report forecast", user=OWNER)
    assert refused.status == 200
    assert "Only a deal desk admin" in refused.text
    assert "Forecast for" not in refused.text


async def test_a_nudge_from_anyone_else_reminds_nobody(
    app: RunningApp, clock: VirtualClock
) -> None:
    await _at_risk(app, clock)
    reply = await app.requests.command("/deal", "report forecast", user=ADMIN)
    block_id, button = find_element(reply.body["blocks"], ForecastAction.NUDGE)
    clicked = await app.requests.block_action(
        action_id=ForecastAction.NUDGE,
        value=button["value"],
        user=OWNER,
        channel="C0SALESFLOOR",
        message_ts="1700000000.000001",
        response_url=str(reply.response_url),
        block_id=str(block_id),
    )
    assert clicked.status == 200
    [answer] = await app.slack.wait_for_response(hook_name(reply))
    assert "Only a deal desk admin" in answer.body["text"]
    assert await audit_actions(app, "approval_nudged") == []


async def test_an_approver_out_of_office_is_shown_and_simulated_as_away(
    app: RunningApp, clock: VirtualClock
) -> None:
    """Lisa sets a vacation status after her card went out: the forecast reads it from
    Slack (once the status read for her card is five minutes old), says so, and her
    approval goes to the CEO (no record, 24h SLA) at her reminder: the deal is likely
    done later."""
    await _at_risk(app, clock)
    await card_for(app.slack, LISA)
    before = await app.requests.command("/deal", "report forecast", user=ADMIN)
    assert "Out of office" not in visible_text(before.body["blocks"])

    app.slack.set_status(LISA, "On vacation", ":palm_tree:")
    clock.advance(timedelta(minutes=6))
    reply = await app.requests.command("/deal", "report forecast", user=ADMIN)

    assert reply.status == 200, reply.text
    shown = visible_text(reply.body["blocks"])
    assert f"🌴 Out of office, by their Slack status: <@{LISA}> (no return date)." in shown
    assert _likely_done(before.body) < _likely_done(reply.body)


def _likely_done(body: dict[str, object]) -> int:
    shown = visible_text(body["blocks"])  # type: ignore[arg-type]
    return int(shown.split("likely done <!date^", 1)[1].split("^", 1)[0])
