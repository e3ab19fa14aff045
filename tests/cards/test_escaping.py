"""User text never pings anyone: escaped in every mrkdwn text, raw in plain_text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cards.modals import build_reason_modal
from tests.cards.surfaces import all_surfaces, build_world
from tests.cards.walk import text_objects

COMPANY = "<!channel> Corp & Sons"
COMMENT = "<@U123> says hi"
ESCAPED_COMPANY = "&lt;!channel&gt; Corp &amp; Sons"
ESCAPED_COMMENT = "&lt;@U123&gt; says hi"

WORLD = build_world(company=COMPANY, comment=COMMENT)
SURFACES = all_surfaces(WORLD)

OUR_TOKENS = re.compile(r"<@[UW][A-Z0-9]+>|<!date\^\d+\^[^|<>]+\|[^<>]+>|^>", re.MULTILINE)
"""The only markup dealdesk writes: mentions of known ids, date tokens, and ``>`` starting
a quoted line (a user's own ``>`` is escaped, so one at a line's start is ours)."""
BARE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")


def _mrkdwn_texts(name: str) -> list[str]:
    built = SURFACES[name]()
    texts = [text for kind, text in text_objects(built.payload) if kind == "mrkdwn"]
    if built.surface == "message":
        texts.append(built.payload["text"])
    return texts


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_mrkdwn_holds_only_our_own_markup(name: str) -> None:
    for text in _mrkdwn_texts(name):
        leftover = OUR_TOKENS.sub("", text)
        assert "<" not in leftover, text
        assert ">" not in leftover, text
        assert not BARE_AMPERSAND.search(leftover), text
        assert "<@U123>" not in text
        assert "<!channel>" not in text


@pytest.mark.parametrize(
    "name",
    [
        "decided_approved",
        "decided_rejected",
        "owner_rejected",
        "owner_changes_requested",
        "deal_parent_rejected",
        "thread_person_decided",
        "thread_finished_rejected",
        "status",
        "home",
        "audit",
    ],
)
def test_comments_show_escaped(name: str) -> None:
    assert any(ESCAPED_COMMENT in text for text in _mrkdwn_texts(name))


@pytest.mark.parametrize(
    "name",
    [
        "approval_card",
        "decided_rejected",
        "owner_approved",
        "owner_rejected",
        "escalation",
        "status",
        "inbox",
        "home",
        "not_found",
        "error",
        "deal_parent_rejected",
    ],
)
def test_the_company_shows_escaped_in_mrkdwn(name: str) -> None:
    assert any(ESCAPED_COMPANY in text for text in _mrkdwn_texts(name))


@pytest.mark.parametrize(
    "name", ["approval_card", "decided_rejected", "deal_parent_in_review", "status", "escalation"]
)
def test_headers_carry_the_raw_company(name: str) -> None:
    payload = SURFACES[name]().payload
    header = next(b for b in payload["blocks"] if b["type"] == "header")
    assert COMPANY in header["text"]["text"]
    assert header["text"]["type"] == "plain_text"


def test_the_reason_modal_label_is_plain_text_with_the_raw_company() -> None:
    view = build_reason_modal(2, "reject", WORLD.pending).to_dict()
    label = view["blocks"][1]["label"]
    assert label == {
        "type": "plain_text",
        "text": f"Why are you rejecting {COMPANY}?",
        "emoji": True,
    }


def test_mrkdwn_objects_are_verbatim_so_plain_words_like_at_channel_stay_words() -> None:
    payload = SURFACES["approval_card"]().payload

    def objects(node: object) -> list[dict[str, object]]:
        if isinstance(node, dict):
            found = [node] if node.get("type") == "mrkdwn" else []
            return found + [o for v in node.values() for o in objects(v)]
        if isinstance(node, list):
            return [o for v in node for o in objects(v)]
        return []

    assert all(o.get("verbatim") is True for o in objects(payload["blocks"]))


HOSTILE = st.sampled_from(
    [
        "<!channel>",
        "<!here|here>",
        "<@U0LISA>",
        "<#C0DEALDESK>",
        "<http://evil.example|click here>",
        "<!date^1700000000^{date}|x>",
        "&",
        "&lt;",
        "<",
        ">",
        "\n>",
        "*",
        "`",
        "\u202e",
        "\x00",
    ]
)
USER_TEXT = st.lists(st.one_of(HOSTILE, st.text(max_size=6)), max_size=6).map("".join)


@settings(max_examples=40, deadline=None)
@given(company=USER_TEXT.filter(lambda text: text.strip()), comment=USER_TEXT)
def test_no_user_text_becomes_markup_on_any_surface(company: str, comment: str) -> None:
    """Whatever a company name or a comment holds, on every card, thread reply, Home tab,
    briefing, digest, report and ephemeral reply it stays text: no broadcast, mention,
    link or date token of its own."""
    surfaces = all_surfaces(build_world(company=company, comment=comment or None))
    for name, build in surfaces.items():
        built = build()
        texts = [text for kind, text in text_objects(built.payload) if kind == "mrkdwn"]
        if built.surface == "message":
            texts.append(built.payload["text"])
        for text in texts:
            leftover = OUR_TOKENS.sub("", text)
            assert "<" not in leftover, (name, text)
            assert ">" not in leftover, (name, text)
            assert not BARE_AMPERSAND.search(leftover), (name, text)
