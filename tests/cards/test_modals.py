"""The reason and deal modals, and reading their submissions back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.cards.ids import DealField, ModalCallback, ReasonInput
from bot.cards.modals import (
    build_deal_modal,
    build_reason_modal,
    deal_modal_initial,
    parse_deal_metadata,
    parse_deal_modal,
    parse_reason_metadata,
    parse_reason_modal,
)
from policies.deal import DealTerms
from policies.vocabulary import Decision
from tests.cards.fixtures import OWNER, techcorp


@pytest.mark.parametrize(
    ("decision", "title", "submit"),
    [("reject", "Reject deal", "Reject"), ("request_changes", "Request changes", "Send back")],
)
def test_the_reason_modal_asks_for_a_required_reason(
    decision: str, title: str, submit: str
) -> None:
    view = build_reason_modal(2, decision, techcorp()).to_dict()
    assert (view["title"]["text"], view["submit"]["text"]) == (title, submit)
    assert view["callback_id"] == ModalCallback.REASON
    reason = view["blocks"][1]
    assert reason["block_id"] == ReasonInput.BLOCK
    assert "optional" not in reason
    assert reason["element"]["max_length"] == 3000
    assert reason["element"]["multiline"] is True
    assert json.loads(view["private_metadata"]) == {"approval_id": 2, "decision": decision}
    assert parse_reason_metadata(view["private_metadata"]) == (2, Decision(decision))


def test_approving_needs_no_reason_modal() -> None:
    with pytest.raises(ValueError, match="needs no reason"):
        build_reason_modal(2, "approve", techcorp())


def test_the_reason_is_read_as_typed() -> None:
    state = {"reason": {"reason_input": {"type": "plain_text_input", "value": " x "}}}
    assert parse_reason_modal(state) == " x "
    assert parse_reason_modal({}) == ""


def _submitted(view: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """What Slack sends back when the user submits the form as prefilled."""
    state: dict[str, dict[str, dict[str, Any]]] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        entry: dict[str, Any] = {"type": element["type"]}
        if element["type"] == "checkboxes":
            entry["selected_options"] = element.get("initial_options", [])
        else:
            entry["value"] = element.get("initial_value")
        state[block["block_id"]] = {element["action_id"]: entry}
    return state


def test_a_prefilled_deal_modal_submits_the_same_terms() -> None:
    deal = techcorp()
    view = build_deal_modal(
        deal_modal_initial(deal), callback_id=ModalCallback.RESUBMIT, deal_id=deal.id
    ).to_dict()
    assert view["title"]["text"] == "Resubmit deal"
    assert parse_deal_metadata(view["private_metadata"]) == deal.id
    raw = parse_deal_modal(_submitted(view))
    assert raw["acv"] == "500000"
    assert raw["budget_indicated"] is True
    terms = DealTerms.model_validate({**raw, "owner": OWNER})
    assert terms == DealTerms.model_validate({**deal_modal_initial(deal), "owner": OWNER})


def test_a_new_deal_form_leaves_blanks_out_so_defaults_apply() -> None:
    view = build_deal_modal(None).to_dict()
    assert view["callback_id"] == ModalCallback.NEW_DEAL
    assert "private_metadata" not in view
    assert parse_deal_metadata(view.get("private_metadata")) is None
    state = _submitted(view)
    state[DealField.COMPANY.block_id][DealField.COMPANY.action_id]["value"] = "Acme"
    state[DealField.ACV.block_id][DealField.ACV.action_id]["value"] = "1200"
    raw = parse_deal_modal(state)
    assert raw == {
        "company": "Acme",
        "acv": "1200",
        "budget_indicated": False,
        "custom_terms": False,
    }
    assert DealTerms.model_validate({**raw, "owner": OWNER}).term_months == 12


def test_every_deal_field_has_a_stable_block_and_action_id() -> None:
    view = build_deal_modal(None).to_dict()
    ids = [(b["block_id"], b["element"]["action_id"]) for b in view["blocks"]]
    assert ids == [(f.block_id, f.action_id) for f in DealField]
