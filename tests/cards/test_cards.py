"""What approvers, owners and admins see on each surface."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.cards.approval import build_approval_card, build_decided_card
from bot.cards.escalation import build_escalation_message
from bot.cards.ids import CARD_DECISIONS, CardAction, EscalationBlock, OwnerAction
from bot.cards.owner import build_owner_dm
from bot.cards.parts import progress_line
from bot.cards.replies import build_help_reply, build_not_found_reply
from bot.cards.thread import StepKind, build_deal_parent, build_step_reply
from bot.read_models.snapshots import DealSnapshot
from tests.cards.fixtures import (
    ADMIN,
    NOW,
    SDR_REASONING,
    TIMEOUT_WHY,
    approved_deal,
    cfo_approval,
    decided,
    legal_approval,
    reassigned_cfo,
    rejected_deal,
    sdr_approval,
    sent_back_deal,
    techcorp,
)
from tests.cards.walk import all_text, blocks_of, buttons


def test_the_card_offers_four_decisions_and_im_on_it_for_this_approval() -> None:
    payload = build_approval_card(techcorp(), cfo_approval(), NOW).to_dict()
    found = buttons(payload)
    assert [(b["text"]["text"], b["action_id"], b["value"]) for b in found] == [
        ("Approve", CardAction.APPROVE, "2"),
        ("Reject", CardAction.REJECT, "2"),
        ("Request changes", CardAction.REQUEST_CHANGES, "2"),
        ("Approve with changes", CardAction.COUNTER, "2"),
        ("I'm on it", CardAction.SNOOZE, "2"),
    ]
    assert found[0]["style"] == "primary"
    assert found[1]["style"] == "danger"
    assert "confirm" in found[1]


def test_the_card_puts_the_facts_first_and_says_why_and_what_the_avatar_advises() -> None:
    payload = build_approval_card(techcorp(), cfo_approval(), NOW).to_dict()
    blocks = blocks_of(payload)
    assert blocks[0]["text"]["text"] == "Approval needed: TechCorp"
    assert [f["text"] for f in blocks[1]["fields"][:2]] == ["*ACV*\n$500,000", "*Discount*\n12%"]
    text = all_text(payload)
    assert "*Why you:* Deal approval · acv &gt; 250000 or discount &gt; 15" in text
    assert "Recommendation from Lisa Wong's avatar:* approve — strategic deal" in text
    assert "confidence 95%" in text
    assert "Approval needed: TechCorp ($500,000, 12% discount), due in 2h" in payload["text"]


def test_an_overdue_escalated_card_says_so() -> None:
    approval = cfo_approval(escalated_at=NOW + timedelta(hours=2))
    text = all_text(build_approval_card(techcorp(), approval, NOW + timedelta(hours=3)).to_dict())
    assert "🔴 *Overdue by 1h*" in text
    assert "🚨 *Escalated*" in text


@pytest.mark.parametrize(
    ("deal", "expected"),
    [
        (approved_deal(), "✅ Approved by <@U0LISA> on <!date^1795267800^"),
        (rejected_deal(), "❌ Rejected by <@U0LISA> on <!date^1795267800^"),
        (sent_back_deal(), "↩️ Changes requested by <@U0LISA> on <!date^1795267800^"),
    ],
)
def test_a_decided_card_has_no_buttons_and_one_outcome_line(
    deal: DealSnapshot, expected: str
) -> None:
    approval = next(a for a in deal.approvals if a.slot == "cfo")
    payload = build_decided_card(deal, approval, NOW).to_dict()
    assert buttons(payload) == []
    outcome = next(b for b in blocks_of(payload) if b.get("block_id") == "approval_outcome")
    assert outcome["text"]["text"].startswith(expected)
    assert approval.comment
    assert approval.comment in outcome["text"]["text"]


def test_a_reassigned_card_says_where_the_approval_went_and_why() -> None:
    deal = techcorp(sdr_approval(), reassigned_cfo())
    payload = build_decided_card(deal, reassigned_cfo(), NOW).to_dict()
    assert f"↪️ Reassigned to <@U0DANIEL> (Daniel Kim): {TIMEOUT_WHY}" in all_text(payload)
    assert buttons(payload) == []


def test_a_cancelled_card_says_why_it_ended() -> None:
    deal = rejected_deal()
    cancelled = next(a for a in deal.approvals if a.status == "cancelled")
    text = all_text(build_decided_card(deal, cancelled, NOW).to_dict())
    assert "The deal was rejected, so this approval is no longer needed." in text


def test_an_admin_deciding_for_someone_is_named_with_whom_they_stood_in_for() -> None:
    approval = decided("approved", "ok", decided_by=ADMIN)
    text = all_text(build_decided_card(techcorp(), approval, NOW).to_dict())
    assert "Approved by <@U0REVOPS> on behalf of <@U0LISA>" in text


def test_stage_progress_marks_done_current_ahead_and_skipped() -> None:
    assert progress_line(techcorp()) == "✅ Qualification · ⏳ Deal approval · ◻️ Reviews"
    skipped = techcorp(sdr_approval(), legal_approval(), stage_index=2)
    assert progress_line(skipped) == "✅ Qualification · ⏭️ Deal approval · ⏳ Reviews"
    assert progress_line(rejected_deal()).startswith("✅ Qualification · ❌ Deal approval")


def test_the_deal_parent_says_who_is_pending() -> None:
    text = all_text(build_deal_parent(techcorp(), NOW).to_dict())
    assert "*Status:* 🔎 In review · stage 2 of 3, Deal approval" in text
    assert "• <@U0LISA> · Deal approval · due <!date^1795273200^" in text


def test_the_thread_shows_an_avatar_decision_with_reasoning_and_confidence() -> None:
    reply = build_step_reply(techcorp(), sdr_approval(), StepKind.DECIDED, NOW)
    assert reply.text == f"✅ Sarah Chen (avatar) approved: {SDR_REASONING} · confidence 95%"


def test_the_thread_shows_a_hand_over_by_an_avatar() -> None:
    handed = cfo_approval(
        assignee="avatar:finance",
        approver_name="James Rodriguez",
        status="reassigned",
        comment="18% discount exceeds the 15% authority",
        successor_assignee="U0LISA",
        successor_name="Lisa Wong",
    )
    reply = build_step_reply(techcorp(), handed, StepKind.REASSIGNED, NOW)
    assert reply.text.startswith(
        "🤝 James Rodriguez (avatar) handed Deal approval over to <@U0LISA> (Lisa Wong): "
        "18% discount exceeds the 15% authority"
    )


def test_the_escalation_reply_mentions_the_admins() -> None:
    reply = build_step_reply(
        techcorp(), cfo_approval(), StepKind.ESCALATED, NOW + timedelta(hours=3), admins=[ADMIN]
    )
    assert "overdue by 1h" in reply.text
    assert "<@U0REVOPS>, please decide it." in reply.text


def test_the_escalation_message_pings_admins_and_offers_the_card_buttons() -> None:
    message = build_escalation_message(
        techcorp(), cfo_approval(), ["U0REVOPS", "U0OPS"], NOW + timedelta(hours=3)
    ).to_dict()
    assert message["text"].startswith(
        "🚨 <@U0REVOPS> <@U0OPS>: TechCorp (D-1001) needs a decision."
    )
    assert "<@U0LISA> has not answered since <!date^1795266000^" in message["text"]
    assert [b["action_id"] for b in buttons(message)] == list(CARD_DECISIONS)
    actions = next(b for b in blocks_of(message) if b["type"] == "actions")
    assert actions["block_id"] == EscalationBlock.ACTIONS


def test_an_escalation_held_in_the_owners_name_says_they_may_not_decide_it() -> None:
    """Lisa owns this deal and nobody is behind her: the admins are asked, never her."""
    deal = techcorp(owner="U0LISA")
    message = build_escalation_message(
        deal, cfo_approval(escalated_at=NOW), ["U0LISA", "U0REVOPS"], NOW
    ).to_dict()
    assert message["text"] == (
        "🚨 <@U0REVOPS>: TechCorp (D-1001) needs a decision. "
        "<@U0LISA> owns this deal, so they may not decide it."
    )


def test_the_owner_can_resubmit_or_withdraw_a_deal_sent_back_for_changes() -> None:
    message = build_owner_dm(sent_back_deal(), NOW).to_dict()
    assert [(b["text"]["text"], b["action_id"], b["value"]) for b in buttons(message)] == [
        ("Resubmit", OwnerAction.RESUBMIT, "1"),
        ("Withdraw", OwnerAction.WITHDRAW, "1"),
    ]
    assert ">Please bring the term down to 24 months." in all_text(message)


def test_the_owner_hears_why_a_deal_was_rejected_and_by_whom() -> None:
    message = build_owner_dm(rejected_deal(), NOW).to_dict()
    assert message["text"].startswith("❌ Your deal TechCorp (D-1001) was rejected by <@U0LISA>")
    assert ">Discount too deep for a 36-month term." in all_text(message)
    assert buttons(message) == []


def test_the_owner_dm_needs_an_outcome() -> None:
    with pytest.raises(ValueError, match="still in review"):
        build_owner_dm(techcorp(), NOW)


def test_help_lists_every_subcommand() -> None:
    text = all_text(build_help_reply().to_dict())
    for command in (
        "status",
        "inbox",
        "audit",
        "delegate",
        "new",
        "stalled",
        "report slo",
        "briefing",
        "help",
    ):
        assert f"`/deal {command}" in text
    assert "&lt;deal id or company&gt;" in text


def test_help_for_an_unknown_subcommand_says_so() -> None:
    assert "I don't know `/deal frobnicate`" in build_help_reply("frobnicate").text


def test_not_found_suggests_close_deals() -> None:
    text = all_text(build_not_found_reply("Tech", [("D-1001", "TechCorp")]).to_dict())
    assert "couldn't find a deal matching “Tech”" in text
    assert "• *D-1001* TechCorp" in text
