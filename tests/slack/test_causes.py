"""Every escalation says why nobody is left, from what was recorded when it happened.

The issue's case: a 20% discount goes to the finance avatar (15% limit), which hands it
over to its backup, the CFO. Lisa, the CFO, already approved this deal's Deal approval
step, so one person, one approval passes her over; the CEO behind her owns the deal. The
admins are asked, and the escalation post, the deal's thread, ``/deal status`` and the
audit log all say so, never "has not answered since".
"""

from __future__ import annotations

from bot.cards.ids import CardAction
from bot.workflow import submit_deal
from tests.deadlines.steps import events
from tests.slack.flows import (
    DANIEL,
    DEAL_CHANNEL,
    ESCALATION_CHANNEL,
    LISA,
    card_for,
    eventually,
    updated,
)
from tests.slack.test_commands import shown
from tests.support.app_server import RunningApp
from tests.support.deals import techcorp

WHY = (
    "James Rodriguez (avatar) handed it over: 20% discount exceeds the 15% finance authority;"
    " Lisa Wong already approved this deal's Deal approval step — one person, one approval;"
    " Daniel Kim owns this deal"
)


async def test_an_avatar_hand_over_with_every_backup_passed_over_says_so(
    app: RunningApp,
) -> None:
    async with app.deps.unit_of_work() as uow:
        await submit_deal(uow, techcorp(discount=20, owner=DANIEL), DANIEL)
    lisa_card = await card_for(app.slack, LISA)
    await app.requests.click(lisa_card, CardAction.APPROVE, user=LISA)
    await updated(app.slack, lisa_card)

    [posted] = await eventually(
        lambda: app.slack.messages(ESCALATION_CHANNEL), "the escalation message"
    )
    assert f"no backup is left for this approval. {WHY}." in posted.visible_text
    assert "has not answered" not in posted.visible_text
    assert "Approve" in posted.button_texts

    [parent] = app.slack.messages(DEAL_CHANNEL)
    [reply] = await eventually(
        lambda: [m for m in app.slack.thread(DEAL_CHANNEL, parent.ts) if "🚨" in m.text],
        "the escalation in the deal's thread",
    )
    assert "No backup is left for James Rodriguez (avatar)'s approval (Reviews)" in reply.text
    assert f": {WHY}." in reply.text

    status = shown(await app.requests.command("/deal", "status D-1001", user=DANIEL))
    assert f"🚨 with the admins: {WHY}" in status

    [escalated] = await events(app, "approval_escalated")
    assert escalated.details["why"] == f"{WHY}, and no backup is left"
    assert [cause["kind"] for cause in escalated.details["causes"]] == [
        "handover",
        "passed_over",
        "owner",
    ]
