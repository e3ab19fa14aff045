"""Deals that change in review, through the real app over HTTP against the fake Slack:
a counter-offer accepted in one click, a revision whose card shows what changed and which
limit it crosses, a stale click refused and its card refreshed, a withdrawal that ends every
card, and the CRM's PATCH and withdraw."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cards.ids import CardAction, CardBlock, CounterAction, CounterInput, ModalCallback
from sandbox.block_reading import visible_text
from sandbox.objects import Message
from tests.slack.flows import (
    DEAL_CHANNEL,
    LISA,
    OWNER,
    audit_actions,
    card_for,
    cards,
    eventually,
    prefilled,
    settled,
    submit,
    updated,
)
from tests.support.app_server import RunningApp

JAMES = "U0JAMES"
PRIYA = "U0PRIYA"

POLICY = """\
name: Changes in review
timezone: America/New_York
deal_channel: C0DEALDESK
admins: [U0REVOPS]
approvers:
  finance:
    name: James Rodriguez
    title: VP Finance
    slack_user: U0JAMES
    avatar: finance
    limits: {max_discount: 15}
    sla: 12h
  cfo:
    name: Lisa Wong
    title: Chief Financial Officer
    slack_user: U0LISA
    sla: 2h
  legal:
    name: Priya Patel
    slack_user: U0PRIYA
    sla: 24h
stages:
  - name: Deal desk
    approvals:
      - approver: finance
        when: discount > 0
      - approver: cfo
        when: acv > 250000 or discount > 15
  - name: Legal
    approvals:
      - approver: legal
"""


@pytest.fixture
def policy_file(write_policy: Callable[[str], Path]) -> Path:
    return write_policy(POLICY)


@pytest.fixture(autouse=True)
def james(app: RunningApp) -> None:
    app.slack.add_user(JAMES, name="James Rodriguez", tz="America/New_York")


async def _approve(app: RunningApp, card: Message, user: str) -> None:
    reply = await app.requests.click(card, CardAction.APPROVE, user=user)
    assert reply.status == 200
    await updated(app.slack, card)


async def _counter(app: RunningApp, card: Message, user: str, **typed: str) -> dict[str, object]:
    reply = await app.requests.click(card, CardAction.COUNTER, user=user)
    assert reply.status == 200
    await app.slack.wait_for("views.open")
    modal = app.slack.opened_views[-1]
    assert modal["callback_id"] == ModalCallback.COUNTER
    inputs = {**prefilled(modal), **{f"counter_{k}_input": v for k, v in typed.items()}}
    done = await app.requests.submit_view(modal, inputs, user=user)
    assert done.status == 200
    return done.body or {}


async def test_a_counter_offer_accepted_in_one_click_completes_the_deal(app: RunningApp) -> None:
    """Lisa says yes at 15% for 24 months; Sarah accepts; James, who approved 12%, is not
    asked again (15% is within his limit), Lisa gets no second card; legal decides."""
    await submit(app)
    await _approve(app, await card_for(app.slack, JAMES), JAMES)
    lisa_card = await card_for(app.slack, LISA)

    answer = await _counter(app, lisa_card, LISA, discount="15", term_months="24", note="   ")
    assert set(answer["errors"]) == {CounterInput.NOTE}  # type: ignore[call-overload]
    assert (
        await _counter(
            app, lisa_card, LISA, discount="15", term_months="24", note="15% only on 24 months"
        )
        == {}
    )

    countered = await updated(app.slack, lisa_card)
    assert "Approved with changes by <@U0LISA>" in countered.visible_text
    offer = await eventually(
        lambda: [m for m in app.slack.dm(OWNER) if "Counter-offer" in m.visible_text],
        "the counter-offer in Sarah's DM",
    )
    [message] = offer
    assert message.button_texts == ["Accept", "Decline"]
    assert "~12%~ → *15%*" in message.visible_text
    assert "~36 months~ → *24 months*" in message.visible_text
    assert "15% only on 24 months" in message.visible_text

    reply = await app.requests.click(message, CounterAction.ACCEPT, user=OWNER)
    assert reply.status == 200
    answered = await updated(app.slack, message)
    assert answered.button_texts == []
    assert "Accepted by <@U0SARAH>" in answered.visible_text

    priya = await card_for(app.slack, PRIYA)
    await _approve(app, priya, PRIYA)
    await settled(app)
    assert len(cards(app.slack, LISA)) == 1
    assert len(cards(app.slack, JAMES)) == 1
    status = await _status(app)
    assert (
        "Kept: <@U0JAMES> (James Rodriguez): approved in revision 1 and still required "
        "(discount &gt; 0); kept: discount 12% → 15% stays within the 15% limit"
    ) in status
    kept = {e["approver"]: e["kept"] for e in await audit_actions(app, "approval_carried_over")}
    assert kept == {
        "finance": ["kept: discount 12% → 15% stays within the 15% limit"],
        "cfo": [],  # the values Lisa proposed: nothing changed for her
    }
    deal = await _deal(app)
    assert (deal["status"], deal["revision"], deal["discount"]) == ("approved", 2, 15)


async def test_a_revision_past_a_limit_asks_again_with_the_diff(app: RunningApp) -> None:
    """12% → 18%: James's 15% limit and Lisa's `discount > 15` are both crossed; each
    gets a new card that opens with what changed; the thread has one reply for it."""
    await submit(app)
    await _approve(app, await card_for(app.slack, JAMES), JAMES)
    await _approve(app, await card_for(app.slack, LISA), LISA)
    await card_for(app.slack, PRIYA)

    async with app.session.patch(
        app.api("/api/deals/D-1001"), json={"discount": 18, "term_months": 24}, headers=app.auth
    ) as response:
        assert response.status == 200
        body = await response.json()
    assert (body["revision"], body["status"]) == (2, "in_review")

    james = await card_for(app.slack, JAMES, count=2)
    changes = next(b for b in james.blocks if b.get("block_id") == CardBlock.CHANGES)
    assert changes["text"]["text"] == (
        "✏️ *Changed since you last saw it* (revision 1 → 2)\n"
        "Discount 12% → 18% (crosses your 15% limit) · Term 36 → 24 months · ACV unchanged"
    )
    lisa = await card_for(app.slack, LISA, count=2)
    assert "Discount 12% → 18% · Term 36 → 24 months · ACV unchanged" in lisa.visible_text
    await settled(app)
    [parent] = app.slack.messages(DEAL_CHANNEL)
    replies = [m.visible_text for m in app.slack.thread(DEAL_CHANNEL, parent.ts)]
    assert sum("is now revision 2 (changed in the CRM)" in text for text in replies) == 1
    status = await _status(app)
    assert "Revision 2: which sign-offs it kept" in status
    assert (
        "Asked again: <@U0JAMES> (James Rodriguez): discount 12% → 18% crosses the 15% limit"
        in status
    )
    reopened = await audit_actions(app, "approval_reopened")
    assert [event["why"] for event in reopened] == [
        "discount 12% → 18% crosses the 15% limit",
        "discount 12% → 18% crosses discount > 15",
    ]


async def test_a_click_on_a_card_of_an_older_revision_is_refused_and_refreshed(
    app: RunningApp,
) -> None:
    await submit(app)
    stale = await card_for(app.slack, JAMES)
    async with app.session.patch(
        app.api("/api/deals/D-1001"), json={"discount": 14}, headers=app.auth
    ) as response:
        assert response.status == 200
    await settled(app)

    reply = await app.requests.click(stale, CardAction.APPROVE, user=JAMES)
    assert reply.status == 200
    await settled(app)
    told = [post.body["text"] for post in app.slack.responses]
    assert any("D-1001 changed since this card was sent" in text for text in told)
    refreshed = app.slack.message(stale.channel, stale.ts)
    assert refreshed.button_texts == []
    assert "No longer needed: D-1001 changed (revision 2 now)" in refreshed.visible_text
    assert await audit_actions(app, "approval_decided") == []


async def test_withdraw_ends_every_card_with_who_and_why(app: RunningApp) -> None:
    await submit(app)
    james, lisa = await card_for(app.slack, JAMES), await card_for(app.slack, LISA)

    reply = await app.requests.command(
        "/deal", "withdraw D-1001 customer chose a rival", user=OWNER
    )
    assert reply.status == 200
    assert "D-1001 is withdrawn: customer chose a rival" in reply.text

    for card in (james, lisa):
        ended = await updated(app.slack, card)
        assert ended.button_texts == []
        assert "Withdrawn by <@U0SARAH>: customer chose a rival" in ended.visible_text
    again = await app.requests.command("/deal", "withdraw D-1001", user=OWNER)
    assert "D-1001 is already withdrawn" in again.text
    async with app.session.patch(
        app.api("/api/deals/D-1001"), json={"discount": 10}, headers=app.auth
    ) as response:
        assert (response.status, (await response.json())["error"]) == (409, "conflict")


async def test_the_crm_patch_is_checked_and_idempotent(app: RunningApp) -> None:
    await submit(app)
    url = app.api("/api/deals/D-1001")
    async with app.session.patch(url, json={"discount": 140, "acv": -5}, headers=app.auth) as bad:
        assert bad.status == 422
        assert [e["field"] for e in (await bad.json())["errors"]] == ["acv", "discount"]
    async with app.session.patch(url, json={"discount": 12}, headers=app.auth) as same:
        assert (same.status, (await same.json())["revision"]) == (200, 1)
    async with app.session.patch(url, json={"discount": 10}) as anonymous:
        assert anonymous.status == 401
    async with app.session.patch(
        app.api("/api/deals/D-9999"), json={"discount": 10}, headers=app.auth
    ) as missing:
        assert missing.status == 404
    async with app.session.post(
        app.api("/api/deals/D-1001/withdraw"),
        json={"reason": "lost", "by": OWNER},
        headers=app.auth,
    ) as withdrawn:
        assert (withdrawn.status, (await withdrawn.json())["status"]) == (200, "withdrawn")


async def test_only_the_owner_edits_and_the_form_is_prefilled(app: RunningApp) -> None:
    await submit(app)
    refused = await app.requests.command("/deal", "edit D-1001", user=LISA)
    assert "Only the deal's owner or a deal desk admin can edit D-1001" in refused.text

    opened = await app.requests.command("/deal", "edit D-1001", user=OWNER)
    assert opened.status == 200
    await app.slack.wait_for("views.open")
    form = app.slack.opened_views[-1]
    assert form["callback_id"] == ModalCallback.EDIT
    typed = prefilled(form)
    unchanged = await app.requests.submit_view(form, typed, user=OWNER)
    assert unchanged.body["response_action"] == "errors"
    saved = await app.requests.submit_view(form, {**typed, "deal_discount_input": "10"}, user=OWNER)
    assert not saved.body
    assert (await _deal(app))["revision"] == 2


async def _deal(app: RunningApp) -> dict[str, object]:
    async with app.session.get(app.api("/api/deals/D-1001"), headers=app.auth) as response:
        deal: dict[str, object] = await response.json()
    return deal


async def _status(app: RunningApp) -> str:
    reply = await app.requests.command("/deal", "status D-1001", user=OWNER)
    return visible_text(reply.body["blocks"])


async def test_a_declined_counter_offer_stays_with_the_owner_and_the_approver_hears(
    app: RunningApp,
) -> None:
    await submit(app)
    lisa_card = await card_for(app.slack, LISA)
    assert await _counter(app, lisa_card, LISA, discount="10", note="10% at most") == {}
    [offer] = await eventually(
        lambda: [m for m in app.slack.dm(OWNER) if "Counter-offer" in m.visible_text],
        "the counter-offer in Sarah's DM",
    )

    stranger = await app.requests.click(offer, CounterAction.ACCEPT, user=PRIYA)
    assert stranger.status == 200
    reply = await app.requests.click(offer, CounterAction.DECLINE, user=OWNER)
    assert reply.status == 200

    answered = await updated(app.slack, offer)
    assert "Declined by <@U0SARAH>" in answered.visible_text
    told = await eventually(
        lambda: [m for m in app.slack.dm(LISA) if "declined your counter-offer" in m.visible_text],
        "Lisa told of the decline",
    )
    assert "<@U0SARAH> declined your counter-offer on *TechCorp* (D-1001)" in told[0].visible_text
    refusals = [post.body["text"] for post in app.slack.responses]
    assert any("Only the deal's owner can accept" in text for text in refusals)
    deal = await _deal(app)
    assert (deal["status"], deal["revision"], deal["discount"]) == ("changes_requested", 1, 12)
