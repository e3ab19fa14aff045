"""The App Home tab: the viewer's inbox."""

from __future__ import annotations

from datetime import timedelta

from bot.cards.home import build_home
from bot.cards.ids import HomeAction, HomeBlock, StatusAction
from bot.read_models.snapshots import HomeData
from tests.cards.fixtures import LISA, NOW, cfo_approval, rejected_deal, techcorp
from tests.cards.walk import all_text, buttons


def test_an_empty_home_says_something_kind() -> None:
    view = build_home(HomeData(user=LISA, now=NOW)).to_dict()
    assert view["type"] == "home"
    assert "Nothing waits for you. 🎉" in all_text(view)


def test_waiting_approvals_show_in_the_given_order_with_their_buttons() -> None:
    deal = techcorp()
    overdue = cfo_approval(id=7, due_at=NOW - timedelta(hours=1))
    later = cfo_approval(id=8, due_at=NOW + timedelta(hours=5))
    view = build_home(HomeData(user=LISA, now=NOW, waiting=[(deal, overdue), (deal, later)]))
    payload = view.to_dict()
    found = buttons(payload)
    decisions = [
        b for b in found if b["action_id"] not in (HomeAction.NEW_DEAL, HomeAction.BULK_APPROVE)
    ]
    assert [b["value"] for b in decisions] == ["7", "7", "7", "8", "8", "8"]
    assert [b["action_id"] for b in decisions[:3]] == [
        HomeAction.APPROVE,
        HomeAction.REJECT,
        HomeAction.REQUEST_CHANGES,
    ]
    text = all_text(payload)
    assert "⏳ *Waiting for you* (2)" in text
    assert "🔴 *Overdue by 1h*" in text


def test_recent_decisions_and_own_deals_are_listed() -> None:
    deal = rejected_deal()
    lisa = next(a for a in deal.approvals if a.slot == "cfo")
    text = all_text(
        build_home(
            HomeData(user=LISA, now=NOW, recent=[(deal, lisa)], own_deals=[techcorp()])
        ).to_dict()
    )
    assert "*TechCorp* · ❌ Rejected by <@U0LISA>" in text
    assert "waiting on <@U0LISA>" in text


def test_two_or_more_waiting_can_be_ticked_and_approved_together() -> None:
    deal = techcorp()
    waiting = [(deal, cfo_approval(id=n)) for n in range(1, 14)]
    payload = build_home(HomeData(user=LISA, now=NOW, waiting=waiting)).to_dict()

    [bulk] = [b for b in payload["blocks"] if b.get("block_id") == HomeBlock.BULK]
    boxes = [e for e in bulk["elements"] if e["type"] == "checkboxes"]
    assert [len(box["options"]) for box in boxes] == [10, 3]
    assert boxes[0]["options"][0]["value"] == "1"
    [approve] = [e for e in bulk["elements"] if e["type"] == "button"]
    assert (approve["text"]["text"], approve["action_id"]) == (
        "Approve selected",
        HomeAction.BULK_APPROVE,
    )
    assert approve["confirm"]["title"]["text"] == "Approve the ticked ones?"
    one = build_home(HomeData(user=LISA, now=NOW, waiting=waiting[:1])).to_dict()
    assert not [b for b in one["blocks"] if b.get("block_id") == HomeBlock.BULK]


def test_an_admin_sees_escalated_approvals_to_decide_for_their_holder() -> None:
    escalated = cfo_approval(id=9, escalated_at=NOW)
    admin = build_home(
        HomeData(user="U0REVOPS", now=NOW, escalated=[(techcorp(), escalated)])
    ).to_dict()
    text = all_text(admin)
    assert "🚨 *Escalated to the admins*" in text
    [button] = [b for b in buttons(admin) if b["action_id"] == StatusAction.OVERRIDE]
    assert (button["text"]["text"], button["value"]) == ("Decide for Lisa Wong", "9")

    someone = build_home(HomeData(user=LISA, now=NOW)).to_dict()
    assert "Escalated to the admins" not in all_text(someone)
