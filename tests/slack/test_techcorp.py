"""TechCorp from intake to approved purely through clicks, against the bundled policy:
the avatars qualify it and hand it to the CFO, Lisa approves, finance's avatar and
Priya (legal) review it, and the owner hears it is approved."""

from __future__ import annotations

from bot.cards.ids import CardAction
from store.audit import verify
from tests.slack.flows import (
    DEAL_CHANNEL,
    LISA,
    OWNER,
    PRIYA,
    card_for,
    eventually,
    settled,
    submit,
    updated,
)
from tests.support.app_server import RunningApp


async def test_techcorp_is_approved_through_clicks(app: RunningApp) -> None:
    result = await submit(app)
    assert result.deal_ref == "D-1001"

    lisa_card = await card_for(app.slack, LISA)
    assert "Approval needed: TechCorp" in lisa_card.visible_text
    assert "handed over by Marcus Thompson (avatar)" in lisa_card.visible_text
    assert "Recommendation from Lisa Wong's avatar" in lisa_card.visible_text
    await app.requests.click(lisa_card, CardAction.APPROVE, user=LISA)
    lisa_done = await updated(app.slack, lisa_card)
    assert lisa_done.button_texts == []
    assert f"Approved by <@{LISA}>" in lisa_done.visible_text

    priya_card = await card_for(app.slack, PRIYA)
    assert "Recommendation from Priya Patel's avatar" in priya_card.visible_text
    await app.requests.click(priya_card, CardAction.APPROVE, user=PRIYA)
    priya_done = await updated(app.slack, priya_card)
    assert priya_done.button_texts == []
    assert f"Approved by <@{PRIYA}>" in priya_done.visible_text

    owner_dm = await eventually(lambda: app.slack.dm(OWNER), "the owner's DM")
    await settled(app)
    assert len(owner_dm) == 1
    assert "TechCorp is approved" in owner_dm[0].visible_text

    [parent] = app.slack.messages(DEAL_CHANNEL)
    assert "TechCorp · D-1001" in parent.visible_text
    assert "✅ Qualification · ✅ Deal approval · ✅ Reviews" in parent.visible_text
    assert "*Status:* ✅ Approved" in parent.visible_text
    assert "Waiting on" not in parent.visible_text
    replies = [reply.visible_text for reply in app.slack.thread(DEAL_CHANNEL, parent.ts)]
    expected = [
        "✅ Sarah Chen (avatar) approved: qualified: score 95/100",
        "🤝 Marcus Thompson (avatar) handed Deal approval over to <@U0LISA> (Lisa Wong)",
        "👋 Deal approval: assigned to <@U0LISA>",
        "✅ <@U0LISA> approved (Deal approval)",
        "✅ James Rodriguez (avatar) approved: 12% discount is within the 15% authority",
        "👋 Reviews: assigned to <@U0PRIYA>",
        "✅ <@U0PRIYA> approved (Reviews)",
        "🎉 *TechCorp* is approved.",
    ]
    for step in expected:
        assert [r for r in replies if r.startswith(step)], f"no thread reply {step!r}: {replies}"
    avatar_steps = [r for r in replies if r.startswith(("✅", "🤝")) and "(avatar)" in r]
    assert len(avatar_steps) == 3
    assert all("· confidence " in r for r in avatar_steps)  # reasoning and confidence
    assert replies[-1].startswith("🎉 *TechCorp* is approved.")

    async with app.deps.db.read() as session:
        chain = await verify(session)
    assert chain.ok, chain.problem
    audit = await app.requests.command("/deal", "audit D-1001", user=OWNER)
    assert "The audit chain is intact" in audit.body["text"]
