"""App Home is the approval inbox: published when opened, republished when it changes."""

from __future__ import annotations

import json

from bot.cards.ids import CardAction, HomeAction, HomeBlock, ModalCallback
from sandbox.block_reading import buttons
from tests.slack.flows import (
    LISA,
    OWNER,
    audit_actions,
    card_for,
    click_home,
    click_payload,
    eventually,
    settled,
    submit,
    updated,
)
from tests.support.app_server import RunningApp


def publishes(app: RunningApp, user: str) -> int:
    return len([c for c in app.slack.delivered("views.publish") if c.params["user_id"] == user])


async def test_opening_home_publishes_the_inbox_with_its_buttons(app: RunningApp) -> None:
    await submit(app)
    await card_for(app.slack, LISA)
    await settled(app)
    # Lisa has never opened Home: nobody would see a refresh, so none is published yet.
    assert publishes(app, LISA) == 0

    reply = await app.requests.app_home_opened(LISA)
    assert reply.status == 200
    await eventually(lambda: publishes(app, LISA) == 1, "Home published on opening")

    home = app.slack.home(LISA)
    assert home["type"] == "home"
    [decision_row] = [
        b
        for b in home["blocks"]
        if str(b.get("block_id", "")).startswith(HomeBlock.WAITING_ACTIONS)
    ]
    texts = [b["text"]["text"] for b in buttons([decision_row])]
    assert texts == ["Approve", "Reject", "Request changes"]

    retried = await app.requests.event(
        {"type": "app_home_opened", "user": LISA, "channel": f"D{LISA}", "tab": "home"},
        retry_num=1,
    )
    assert retried.status == 200  # a redelivery only publishes the same inbox again


async def test_a_decision_from_home_republishes_it_without_the_approval(app: RunningApp) -> None:
    await submit(app)
    card = await card_for(app.slack, LISA)
    await settled(app)
    approval_id = buttons(card.blocks)[0]["value"]
    await app.requests.app_home_opened(LISA)  # she decides from the Home tab she opened
    await eventually(lambda: publishes(app, LISA) == 1, "Home published on opening")

    reply = await click_home(app, LISA, HomeAction.APPROVE, approval_id)
    assert reply.status == 200

    await updated(app.slack, card)  # the DM card shows the outcome too
    await settled(app)
    home = app.slack.home(LISA)
    assert [b for b in buttons(home["blocks"]) if b.get("value") == approval_id] == []
    assert "Nothing waits for you" in str(home["blocks"])
    assert "Your recent decisions" in str(home["blocks"])
    [decided] = await audit_actions(app, "approval_decided")
    assert decided["actor"] == LISA


async def test_home_is_kept_fresh_for_someone_who_looks_at_it(app: RunningApp) -> None:
    await app.requests.app_home_opened(LISA)
    await eventually(lambda: publishes(app, LISA) == 1, "Home published on opening")

    await submit(app)  # a new approval for Lisa while her Home tab is open
    await card_for(app.slack, LISA)
    await settled(app)

    assert publishes(app, LISA) == 2
    assert [b for b in buttons(app.slack.home(LISA)["blocks"]) if b["text"]["text"] == "Approve"]


async def test_home_opens_the_deal_form(app: RunningApp) -> None:
    await app.requests.app_home_opened(OWNER)
    await eventually(lambda: publishes(app, OWNER), "the owner's Home")

    await click_home(app, OWNER, HomeAction.NEW_DEAL)

    await app.slack.wait_for("views.open")
    assert app.slack.opened_views[-1]["callback_id"] == ModalCallback.NEW_DEAL


async def test_bulk_approve_decides_each_and_sums_up(app: RunningApp) -> None:
    """Twelve approvals wait for Lisa; she approves one from its card, then ticks all twelve
    on Home: eleven are approved, each its own decision, and Home says the twelfth could not be."""
    for number in range(12):
        await submit(app, external_id=f"OPP-{number}", company=f"Company {number}")
    first = await card_for(app.slack, LISA)
    await settled(app)
    await app.requests.app_home_opened(LISA)
    await eventually(lambda: publishes(app, LISA) == 1, "Home published on opening")
    home = app.slack.home(LISA)
    [bulk] = [b for b in home["blocks"] if b.get("block_id") == HomeBlock.BULK]
    boxes = [e for e in bulk["elements"] if e["type"] == "checkboxes"]
    options = [option for box in boxes for option in box["options"]]
    assert len(options) == 12
    await app.requests.click(first, CardAction.APPROVE, user=LISA)  # decided elsewhere first
    await settled(app)

    payload = click_payload(home["blocks"], HomeAction.BULK_APPROVE, LISA)
    for key in ("channel", "message", "response_url"):
        payload.pop(key)
    state = {
        box["action_id"]: {"type": "checkboxes", "selected_options": box["options"]}
        for box in boxes
    }
    payload.update(
        container={"type": "view", "view_id": home["id"]},
        view={**home, "state": {"values": {HomeBlock.BULK: state}}},
    )
    reply = await app.requests.send_payload(payload)
    assert reply.status == 200

    def sum_ups() -> list[str]:
        published = [
            c.params["view"]
            for c in app.slack.delivered("views.publish")
            if c.params["user_id"] == LISA
        ]
        views = [json.loads(v) if isinstance(v, str) else v for v in published]
        return [
            block["text"]["text"]
            for view in views
            for block in view["blocks"]
            if block.get("type") == "section" and "Approved 11" in block["text"]["text"]
        ]

    notice = await eventually(sum_ups, "Home's sum-up", timeout=20)
    assert notice[0].startswith("✅ Approved 11; 1 could not be: D-1001: Already decided: you")
    decided = [e for e in await audit_actions(app, "approval_decided") if e["actor"] == LISA]
    assert len(decided) == 12
