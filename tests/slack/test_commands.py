"""``/deal``: every answer is ephemeral; ``new`` opens the deal form."""

from __future__ import annotations

from typing import Any

import pytest

from bot.cards.ids import CardAction, DealField, ModalCallback
from sandbox.block_reading import visible_text
from sandbox.blockkit import block_kit_problems
from sandbox.requests import SlackReply
from tests.slack.flows import (
    LISA,
    OWNER,
    PRIYA,
    audit_actions,
    card_for,
    settled,
    submit,
    updated,
)
from tests.support.app_server import RunningApp


async def deal(app: RunningApp, text: str, user: str = OWNER) -> str:
    """Run ``/deal text`` and return what the asker sees, checking only they see it."""
    reply = await app.requests.command("/deal", text, user=user)
    return shown(reply)


def shown(reply: SlackReply) -> str:
    assert reply.status == 200, reply.text
    assert reply.body["response_type"] == "ephemeral"
    blocks: list[dict[str, Any]] = reply.body["blocks"]
    return visible_text(blocks)


async def test_status_by_id_and_by_company(app: RunningApp) -> None:
    await submit(app)
    await card_for(app.slack, LISA)

    by_id = await deal(app, "status D-1001")
    assert "TechCorp · D-1001" in by_id
    assert "<@U0LISA> · Deal approval · due" in by_id
    assert "(due in 2h)" in by_id
    assert by_id == await deal(app, "status techcorp")
    assert by_id == await deal(app, "status  TECHCORP ")


async def test_status_of_an_unknown_deal_suggests_close_matches(app: RunningApp) -> None:
    await submit(app)
    text = await deal(app, "status TechCopr")
    assert "couldn't find a deal matching “TechCopr”" in text
    assert "Did you mean:\n• *D-1001* TechCorp" in text

    nothing = await deal(app, "status Globex")
    assert "couldn't find" in nothing
    assert "Did you mean" not in nothing


async def test_inbox_lists_my_pending_approvals(app: RunningApp) -> None:
    await submit(app)
    await card_for(app.slack, LISA)

    mine = await deal(app, "inbox", user=LISA)
    assert "Waiting for you (1)" in mine
    assert "TechCorp" in mine
    assert "Nothing waits for you" in await deal(app, "inbox", user=PRIYA)


async def test_audit_shows_the_trail_and_that_it_verifies(app: RunningApp) -> None:
    await submit(app)
    card = await card_for(app.slack, LISA)
    await app.requests.click(card, CardAction.APPROVE, user=LISA)
    await updated(app.slack, card)

    text = await deal(app, "audit D-1001")
    assert "Audit log · D-1001" in text
    assert "The audit chain is intact" in text
    lines = [line for line in text.splitlines() if line.startswith("`#")]
    assert "deal submitted" in lines[0]
    seqs = [int(line[2 : line.index("`", 2)]) for line in lines]
    assert seqs == sorted(seqs)  # newest last
    assert any("<@U0LISA> · *approval decided*" in line for line in lines)
    assert "couldn't find" in await deal(app, "audit D-1999")
    assert "Give its id" in await deal(app, "audit")


@pytest.mark.parametrize("text", ["help", "", "frobnicate"])
async def test_help_and_unknown_subcommands_list_every_command(app: RunningApp, text: str) -> None:
    shown_text = await deal(app, text)
    for command in ("/deal status", "/deal inbox", "/deal audit", "/deal new", "/deal help"):
        assert command in shown_text
    assert ("I don't know `/deal frobnicate`" in shown_text) == (text == "frobnicate")


async def test_new_opens_the_deal_form_and_checks_every_field(app: RunningApp) -> None:
    reply = await app.requests.command("/deal", "new", user=OWNER)
    assert reply.status == 200
    assert not reply.body
    await app.slack.wait_for("views.open")
    form = app.slack.opened_views[-1]
    assert form["callback_id"] == ModalCallback.NEW_DEAL

    bad = await app.requests.submit_view(
        form,
        {
            "deal_company_input": "Acme",
            "deal_acv_input": "100000",
            "deal_discount_input": "150",
            "deal_term_months_input": "0",
        },
        user=OWNER,
    )
    assert bad.body["response_action"] == "errors"
    assert set(bad.body["errors"]) == {DealField.DISCOUNT.block_id, DealField.TERM_MONTHS.block_id}
    assert "100" in bad.body["errors"][DealField.DISCOUNT.block_id]
    assert await audit_actions(app, "deal_submitted") == []

    good = await app.requests.submit_view(
        form,
        {
            "deal_company_input": "Acme",
            "deal_acv_input": "100000",
            "deal_discount_input": "10",
            "deal_term_months_input": "12",
            "deal_industry_input": "Technology",
            "deal_employees_input": "800",
            "deal_use_case_input": "Replace spreadsheets for the sales team",
            "deal_flags_input": "budget_indicated",
            "deal_external_id_input": "OPP-7",
        },
        user=OWNER,
    )
    assert good.status == 200
    assert not good.body
    [submitted] = await audit_actions(app, "deal_submitted")
    assert (submitted["actor"], submitted["deal_id"]) == (OWNER, "D-1001")
    card = await card_for(app.slack, PRIYA)  # under $250K the manager's avatar approves
    assert "Acme" in card.visible_text

    again = await app.requests.submit_view(
        form,
        {"deal_company_input": "Acme", "deal_acv_input": "1", "deal_external_id_input": "OPP-7"},
        user=OWNER,
    )
    assert "D-1001 already has this CRM id" in again.body["errors"][DealField.EXTERNAL_ID.block_id]
    await settled(app)


async def test_preview_shows_the_plan_in_place_of_the_form_and_stores_nothing(
    app: RunningApp,
) -> None:
    reply = await app.requests.command("/deal", "preview", user=OWNER)
    assert reply.status == 200
    await app.slack.wait_for("views.open")
    form = app.slack.opened_views[-1]
    assert form["callback_id"] == ModalCallback.PREVIEW
    assert "Nothing is stored" in visible_text(form["blocks"])

    blank = await app.requests.submit_view(
        form, {"deal_company_input": "Acme", "deal_acv_input": "-5"}, user=OWNER
    )
    assert blank.body["response_action"] == "errors"
    assert set(blank.body["errors"]) == {DealField.ACV.block_id}

    shown = await app.requests.submit_view(
        form,
        {
            "deal_company_input": "TechCorp",
            "deal_acv_input": "500000",
            "deal_discount_input": "12",
            "deal_industry_input": "Technology",
            "deal_employees_input": "5000",
            "deal_use_case_input": "Consolidate regional CRMs onto one platform",
            "deal_flags_input": "budget_indicated",
        },
        user=OWNER,
    )
    assert shown.body["response_action"] == "update"
    assert block_kit_problems("modal", shown.body["view"]) == []
    plan = visible_text(shown.body["view"]["blocks"])
    assert "Approval plan for TechCorp" in plan
    assert "Deal approval" in plan
    assert "hands over to cfo" in plan
    assert await audit_actions(app, "deal_submitted") == []
