"""The builders alone: Slack's limits hold however much there is to say, and every piece
of text comes from the templates an admin can edit."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.cards import limits
from bot.cards.briefing import Briefing, build_briefing_dm
from bot.cards.digest import Digest, build_digest_message
from bot.cards.stalled import build_stalled_nudge, build_stalled_reply
from bot.read_models.snapshots import Item
from bot.text.prose import environment
from policies.duration import Span
from sandbox.block_reading import buttons, visible_text
from sandbox.blockkit import block_kit_problems
from tests.cards.fixtures import NOW, cfo_approval, techcorp

MONDAY = date(2026, 11, 21)


def items(count: int, *, overdue: bool, company: str = "TechCorp") -> list[Item]:
    found = []
    for n in range(1, count + 1):
        due = NOW - timedelta(hours=n) if overdue else NOW + timedelta(minutes=n)
        approval = cfo_approval(id=n + (0 if overdue else 10_000), due_at=due)
        found.append((techcorp(approval, id=n, ref=f"D-{1000 + n}", company=company), approval))
    return found


def test_three_hundred_pending_approvals_fit_in_one_message() -> None:
    deals = [deal for deal, _ in items(30, overdue=True)]
    briefing = Briefing(
        user="U0LISA",
        local_date=MONDAY,
        now=NOW,
        overdue=items(280, overdue=True, company="A" * 200),
        due_today=items(20, overdue=False),
        later=items(40, overdue=False),
        decided=[
            (deal, replace(a, status="approved", decided_by="U0LISA", decided_at=NOW))
            for deal, a in items(25, overdue=True)
        ],
        own=deals,
        stalled=deals,
    )
    payload = build_briefing_dm(briefing).to_dict()
    assert block_kit_problems("message", payload) == []
    assert len(payload["blocks"]) <= limits.MESSAGE_BLOCKS_MAX
    text = visible_text(payload["blocks"])
    shown = len(buttons(payload["blocks"])) // 3
    assert shown > 15
    assert f"…and {300 - shown} more waiting for you" in text
    assert "*🔴 Overdue (280)*" in text
    assert "…and 30 more" in text  # the forty coming up, ten shown
    assert len(payload["text"]) <= limits.MESSAGE_TEXT_MAX


def test_due_today_keeps_its_place_when_few_are_overdue() -> None:
    briefing = Briefing(
        "U0LISA",
        MONDAY,
        NOW,
        overdue=items(2, overdue=True),
        due_today=items(100, overdue=False),
    )
    payload = build_briefing_dm(briefing).to_dict()
    assert block_kit_problems("message", payload) == []
    text = visible_text(payload["blocks"])
    assert text.index("*🔴 Overdue (2)*") < text.index("*⏰ Due today (100)*")


def test_an_empty_briefing_is_empty() -> None:
    assert Briefing("U0LISA", MONDAY, NOW).is_empty


def test_the_digest_reads_its_figures() -> None:
    overdue = items(3, overdue=True)
    digest = Digest(
        local_date=MONDAY,
        now=NOW,
        in_review=12,
        in_review_acv=Decimal("3400000"),
        overdue=overdue,
        overdue_total=14,
        stalled=[techcorp(company="<!here> Ltd", updated_at=NOW - timedelta(days=9))],
        stalled_total=1,
        decisions=40,
        decided_by_avatars=15,
        with_sla=24,
        within_sla=21,
    )
    payload = build_digest_message(digest).to_dict()
    assert block_kit_problems("message", payload) == []
    fields = [f["text"] for f in payload["blocks"][1]["fields"]]
    assert fields == [
        "*Under review*\n12 deals · $3,400,000 ACV",
        "*Due today*\n0 approvals",
        "*Overdue*\n🔴 14 approvals",
        "*Stalled*\n⏸️ 1 deal idle 7d+",
        "*SLO, last 7 days*\n88% within SLA (21 of 24)",
        "*Automation, last 7 days*\n38% decided by avatars (15 of 40)",
    ]
    text = visible_text(payload["blocks"])
    assert "• *TechCorp* (D-1001) · Deal approval · <@U0LISA> · overdue by 1h" in text
    assert "…and 11 more" in text
    assert "• *&lt;!here&gt; Ltd* (D-1001) · idle 9d · waiting on <@U0LISA>" in text


def test_a_digest_without_decisions_says_so() -> None:
    payload = build_digest_message(Digest(MONDAY, NOW, in_review=1)).to_dict()
    fields = [f["text"] for f in payload["blocks"][1]["fields"]]
    assert fields[-2:] == [
        "*SLO, last 7 days*\nno decisions with an SLA",
        "*Automation, last 7 days*\nno decisions yet",
    ]


def test_stalled_list_and_nudge_stay_within_limits() -> None:
    deals = [
        techcorp(id=n, ref=f"D-{1000 + n}", updated_at=NOW - timedelta(days=30 - n / 10))
        for n in range(1, 120)
    ]
    reply = build_stalled_reply(deals[:48], NOW, 119, Span(wall=timedelta(days=7))).to_dict()
    assert block_kit_problems("message", reply) == []
    assert "*⏸️ Stalled deals (119)*" in visible_text(reply["blocks"])
    assert "…and 71 more stalled deals" in visible_text(reply["blocks"])
    nudge = build_stalled_nudge(replace(deals[0], company="<@U0BOSS> & Co"), NOW).to_dict()
    assert block_kit_problems("message", nudge) == []
    assert "*&lt;@U0BOSS&gt; &amp; Co* (D-1001, $500,000) has had no activity for *29d 21h*" in (
        visible_text(nudge["blocks"])
    )


@pytest.mark.parametrize(
    ("template", "pieces"),
    [
        ("briefing.j2", {"text", "intro", "approval", "decided", "own", "stalled", "footer"}),
        ("digest.j2", {"text", "title", "slo", "automation", "overdue_list", "stalled_list"}),
        ("stalled.j2", {"nudge_text", "nudge", "list_text", "list_title", "list_item"}),
    ],
)
def test_the_wording_lives_in_templates(template: str, pieces: set[str]) -> None:
    """The builders ask a template an admin can edit for each piece of text."""
    assert pieces <= set(environment().get_template(template).blocks)
