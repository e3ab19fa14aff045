"""App Home is the approval inbox: published when opened, republished when it changes."""

from __future__ import annotations

from bot.cards.ids import HomeAction, HomeBlock, ModalCallback
from tests.slack.flows import (
    LISA,
    OWNER,
    audit_actions,
    card_for,
    click_home,
    eventually,
    settled,
    submit,
    updated,
)
from tests.support.app_server import RunningApp
from tests.support.block_reading import buttons


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
