"""Oversized input: every surface stays within Slack's limits, cutting with an ellipsis."""

from __future__ import annotations

import pytest
from slack_sdk.models.blocks import Block

from bot.cards import limits
from bot.cards.blocks import context, fit_list
from bot.cards.home import build_home
from bot.cards.replies import build_audit_reply, build_inbox_reply
from bot.read_models.snapshots import HomeData
from bot.text import mrkdwn
from sandbox.blockkit import block_kit_problems
from tests.cards.fixtures import LISA, NOW, audit_events, cfo_approval, techcorp
from tests.cards.surfaces import all_surfaces, build_world
from tests.cards.walk import all_text, blocks_of

HUGE_COMPANY = ("Northwind <!channel> & Sons " * 400)[:10_000]
HUGE_COMMENT = ("We need a lower term <@U123>; see clause 4 & 5. " * 500)[:20_000]

HUGE = all_surfaces(build_world(company=HUGE_COMPANY, comment=HUGE_COMMENT, events=500))


@pytest.mark.parametrize("name", sorted(HUGE))
def test_huge_company_and_comment_stay_within_limits(name: str) -> None:
    built = HUGE[name]()
    assert block_kit_problems(built.surface, built.payload) == []
    if built.surface == "message":
        assert len(built.payload["text"]) <= limits.MESSAGE_TEXT_MAX


@pytest.mark.parametrize("name", ["approval_card", "decided_rejected", "owner_rejected"])
def test_long_content_is_cut_with_an_ellipsis(name: str) -> None:
    text = all_text(HUGE[name]().payload)
    assert mrkdwn.ELLIPSIS in text
    assert "Approve" in text or "rejected" in text.lower()


def test_the_card_keeps_its_buttons_and_deadline_when_the_company_is_huge() -> None:
    payload = HUGE["approval_card"]().payload
    texts = all_text(payload)
    assert "<!date^" in texts
    assert [b["text"]["text"] for b in blocks_of(payload)[-2]["elements"]] == [
        "Approve",
        "Reject",
        "Request changes",
        "Approve with changes",
        "I'm on it",
    ]


def test_home_with_300_waiting_approvals_stays_within_100_blocks() -> None:
    deal = techcorp()
    waiting = [(deal, cfo_approval(id=100 + i)) for i in range(300)]
    view = build_home(
        HomeData(
            user=LISA,
            now=NOW,
            waiting=waiting,
            delegated=waiting[:40],
            recent=waiting[:30],
            own_deals=[deal] * 50,
        )
    ).to_dict()
    assert block_kit_problems("home", view) == []
    shown = [b for b in view["blocks"] if b.get("block_id", "").startswith("home_waiting_actions:")]
    more = [
        e["text"]
        for b in view["blocks"]
        if b["type"] == "context"
        for e in b["elements"]
        if e["text"].startswith("…and ")
    ]
    assert shown, "the first waiting approvals are shown with their buttons"
    assert shown[0]["block_id"] == "home_waiting_actions:100", "in the order given"
    assert more[0].startswith(f"…and {300 - len(shown)} more")


def test_inbox_with_300_items_stays_within_50_blocks_and_says_how_many_more() -> None:
    deal = techcorp(company=HUGE_COMPANY)
    waiting = [(deal, cfo_approval(id=100 + i)) for i in range(300)]
    payload = build_inbox_reply(waiting, NOW).to_dict()
    assert block_kit_problems("message", payload) == []
    assert "more" in all_text(payload)


def test_audit_with_500_events_keeps_the_newest_last() -> None:
    payload = build_audit_reply("D-1001", audit_events(500, HUGE_COMMENT), True, None).to_dict()
    assert block_kit_problems("message", payload) == []
    text = all_text(payload)
    sections = [b["text"]["text"] for b in blocks_of(payload) if b["type"] == "section"]
    assert sections[-1].startswith("`#500`")
    shown = sum(1 for s in sections if s.startswith("`#"))
    assert f"Showing the last {shown} of 500 events" in text
    assert sections[-shown].startswith(f"`#{500 - shown + 1}`")


def test_truncate_cuts_with_an_ellipsis_to_the_limit() -> None:
    assert mrkdwn.truncate("abcdef", 6) == "abcdef"
    assert mrkdwn.truncate("abcdefg", 6) == "abcde…"
    assert len(mrkdwn.truncate("x" * 10_000, 150)) == 150


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("due <!date^1^{time}|15:00 UTC> soon", 12, "due…"),
        ("Sons &amp; Co", 8, "Sons…"),
        ("a &lt;b", 6, "a…"),
        ("<@U0LISA> ok", 12, "<@U0LISA> ok"),
    ],
)
def test_mrkdwn_is_never_cut_inside_a_token_or_entity(text: str, limit: int, expected: str) -> None:
    assert mrkdwn.truncate_mrkdwn(text, limit) == expected


def test_fit_list_ends_with_how_many_more_within_the_budget() -> None:
    def render(n: int) -> list[Block]:
        return [context(str(n)), context(str(n))]

    blocks = fit_list(list(range(10)), render, budget=7)
    assert len(blocks) == 7
    assert blocks[-1].to_dict()["elements"][0]["text"] == "…and 7 more"
    assert len(fit_list(list(range(3)), render, budget=6)) == 6, "all fit: no more line"
