"""The Block Kit checker refuses exactly what Slack refuses: each limit, at and over it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from sandbox import blockkit as bk
from sandbox.blockkit import Surface, block_kit_problems

Payload = Any


def text(value: str, kind: str = "plain_text") -> dict[str, Any]:
    return {"type": kind, "text": value}


def button(action_id: str, label: str = "Approve", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": text(label), "value": "17", **extra}


def option(label: str, value: str) -> dict[str, Any]:
    return {"text": text(label), "value": value}


CONFIRM = {
    "title": text("Reject this deal?"),
    "text": text("TechCorp will be told.", "mrkdwn"),
    "confirm": text("Reject"),
    "deny": text("Keep it"),
    "style": "danger",
}


def card() -> list[dict[str, Any]]:
    """An approval card like dealdesk's, inside every limit."""
    return [
        {"type": "header", "block_id": "approval_header", "text": text("TechCorp: $500,000 ACV")},
        {
            "type": "section",
            "block_id": "approval_terms",
            "text": text("*Deal approval* for <@U0SARAH>", "mrkdwn"),
            "fields": [text("*Discount*\n12%", "mrkdwn"), text("*Term*\n36 months", "mrkdwn")],
            "accessory": {
                "type": "static_select",
                "action_id": "approval_delegate",
                "placeholder": text("Hand over to…"),
                "options": [option("Marcus Thompson", "U0MARCUS")],
            },
        },
        {
            "type": "actions",
            "block_id": "approval_actions",
            "elements": [
                button("approval_approve", style="primary"),
                button("approval_reject", "Reject", style="danger", confirm=copy.deepcopy(CONFIRM)),
                button("approval_request_changes", "Request changes"),
                {
                    "type": "overflow",
                    "action_id": "approval_more",
                    "options": [option("Open in CRM", "crm")],
                },
            ],
        },
        {"type": "context", "elements": [text("Due 15:00 your time", "mrkdwn")]},
        {"type": "divider"},
    ]


def modal() -> dict[str, Any]:
    """The reason modal."""
    return {
        "type": "modal",
        "callback_id": "approval_reason",
        "private_metadata": '{"approval_id": 17}',
        "title": text("Reject D-1001"),
        "submit": text("Reject"),
        "close": text("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": "reason",
                "label": text("Why?"),
                "hint": text("The owner sees this."),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "reason_input",
                    "multiline": True,
                    "max_length": 2000,
                },
            },
            {
                "type": "input",
                "block_id": "notify",
                "optional": True,
                "label": text("Also tell"),
                "element": {
                    "type": "checkboxes",
                    "action_id": "notify_input",
                    "options": [option("The deal channel", "channel")],
                },
            },
        ],
    }


def home() -> dict[str, Any]:
    """An inbox: one actions block per waiting approval, the same action ids in each."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": text("Waiting for you")}]
    for approval in (17, 18):
        blocks.append({"type": "section", "text": text(f"Approval {approval}", "mrkdwn")})
        blocks.append(
            {
                "type": "actions",
                "block_id": f"home_waiting_actions:{approval}",
                "elements": [button("home_approve"), button("home_reject", "Reject")],
            }
        )
    return {"type": "home", "callback_id": "home", "blocks": blocks}


def base(surface: Surface) -> Payload:
    return {"message": card, "modal": modal, "home": home}[surface]()


@pytest.mark.parametrize(
    ("surface", "payload"),
    [("message", card()), ("modal", modal()), ("home", home())],
)
def test_realistic_surfaces_within_the_limits_are_accepted(
    surface: Surface, payload: Payload
) -> None:
    assert block_kit_problems(surface, payload) == []


def test_a_message_may_be_given_as_a_message_dict() -> None:
    assert block_kit_problems("message", {"text": "fallback", "blocks": card()}) == []
    too_many = {"text": "fallback", "blocks": [{"type": "divider"}] * 51}
    assert block_kit_problems("message", too_many) == [
        "no more than 50 items allowed [json-pointer:/blocks]"
    ]


def test_problems_read_like_slacks_own_errors() -> None:
    blocks = card()
    blocks[1]["text"]["text"] = "x" * 3001

    assert block_kit_problems("message", blocks) == [
        "must be less than 3001 characters [json-pointer:/blocks/1/text/text]"
    ]


@dataclass(frozen=True)
class Limit:
    surface: Surface
    limit: int
    pointer: str
    set: Callable[[Payload, int], None]


def _assign(path: str, make: Callable[[int], Any]) -> Callable[[Payload, int], None]:
    """Set the value at ``path`` (keys and indexes separated by /) to ``make(n)``."""

    def apply(payload: Payload, n: int) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split("/")]
        node = payload
        for key in parents:
            node = node[key]
        node[last] = make(n)

    return apply


def chars(n: int) -> str:
    return "x" * n


LIMITS = {
    "message blocks": Limit(
        "message",
        bk.MESSAGE_BLOCKS_MAX,
        "/blocks",
        lambda p, n: p.extend([{"type": "divider"}] * (n - len(p))),
    ),
    "header text": Limit(
        "message", bk.HEADER_TEXT_MAX, "/blocks/0/text/text", _assign("0/text/text", chars)
    ),
    "section text": Limit(
        "message", bk.SECTION_TEXT_MAX, "/blocks/1/text/text", _assign("1/text/text", chars)
    ),
    "section fields": Limit(
        "message",
        bk.SECTION_FIELDS_MAX,
        "/blocks/1/fields",
        _assign("1/fields", lambda n: [text("f")] * n),
    ),
    "section field text": Limit(
        "message",
        bk.SECTION_FIELD_TEXT_MAX,
        "/blocks/1/fields/0/text",
        _assign("1/fields/0/text", chars),
    ),
    "actions elements": Limit(
        "message",
        bk.ACTIONS_ELEMENTS_MAX,
        "/blocks/2/elements",
        _assign("2/elements", lambda n: [button(f"b{i}") for i in range(n)]),
    ),
    "context elements": Limit(
        "message",
        bk.CONTEXT_ELEMENTS_MAX,
        "/blocks/3/elements",
        _assign("3/elements", lambda n: [text("c")] * n),
    ),
    "button text": Limit(
        "message",
        bk.BUTTON_TEXT_MAX,
        "/blocks/2/elements/0/text/text",
        _assign("2/elements/0/text/text", chars),
    ),
    "button value": Limit(
        "message",
        bk.BUTTON_VALUE_MAX,
        "/blocks/2/elements/0/value",
        _assign("2/elements/0/value", chars),
    ),
    "action_id": Limit(
        "message",
        bk.ACTION_ID_MAX,
        "/blocks/2/elements/0/action_id",
        _assign("2/elements/0/action_id", chars),
    ),
    "block_id": Limit(
        "message", bk.BLOCK_ID_MAX, "/blocks/0/block_id", _assign("0/block_id", chars)
    ),
    "confirm title": Limit(
        "message",
        bk.CONFIRM_TITLE_MAX,
        "/blocks/2/elements/1/confirm/title/text",
        _assign("2/elements/1/confirm/title/text", chars),
    ),
    "confirm text": Limit(
        "message",
        bk.CONFIRM_TEXT_MAX,
        "/blocks/2/elements/1/confirm/text/text",
        _assign("2/elements/1/confirm/text/text", chars),
    ),
    "confirm confirm": Limit(
        "message",
        bk.CONFIRM_BUTTON_MAX,
        "/blocks/2/elements/1/confirm/confirm/text",
        _assign("2/elements/1/confirm/confirm/text", chars),
    ),
    "confirm deny": Limit(
        "message",
        bk.CONFIRM_BUTTON_MAX,
        "/blocks/2/elements/1/confirm/deny/text",
        _assign("2/elements/1/confirm/deny/text", chars),
    ),
    "select placeholder": Limit(
        "message",
        bk.PLACEHOLDER_MAX,
        "/blocks/1/accessory/placeholder/text",
        _assign("1/accessory/placeholder/text", chars),
    ),
    "select options": Limit(
        "message",
        bk.SELECT_OPTIONS_MAX,
        "/blocks/1/accessory/options",
        _assign("1/accessory/options", lambda n: [option("o", f"v{i}") for i in range(n)]),
    ),
    "option text": Limit(
        "message",
        bk.OPTION_TEXT_MAX,
        "/blocks/1/accessory/options/0/text/text",
        _assign("1/accessory/options/0/text/text", chars),
    ),
    "option value": Limit(
        "message",
        bk.OPTION_VALUE_MAX,
        "/blocks/1/accessory/options/0/value",
        _assign("1/accessory/options/0/value", chars),
    ),
    "overflow options": Limit(
        "message",
        bk.OVERFLOW_OPTIONS_MAX,
        "/blocks/2/elements/3/options",
        _assign("2/elements/3/options", lambda n: [option("o", f"v{i}") for i in range(n)]),
    ),
    "modal blocks": Limit(
        "modal",
        bk.VIEW_BLOCKS_MAX,
        "/view/blocks",
        lambda p, n: p["blocks"].extend([{"type": "divider"}] * (n - len(p["blocks"]))),
    ),
    "home blocks": Limit(
        "home",
        bk.VIEW_BLOCKS_MAX,
        "/view/blocks",
        lambda p, n: p["blocks"].extend([{"type": "divider"}] * (n - len(p["blocks"]))),
    ),
    "modal title": Limit(
        "modal", bk.MODAL_TITLE_MAX, "/view/title/text", _assign("title/text", chars)
    ),
    "modal submit": Limit(
        "modal", bk.MODAL_SUBMIT_MAX, "/view/submit/text", _assign("submit/text", chars)
    ),
    "modal close": Limit(
        "modal", bk.MODAL_CLOSE_MAX, "/view/close/text", _assign("close/text", chars)
    ),
    "private_metadata": Limit(
        "modal",
        bk.PRIVATE_METADATA_MAX,
        "/view/private_metadata",
        _assign("private_metadata", chars),
    ),
    "callback_id": Limit(
        "home", bk.CALLBACK_ID_MAX, "/view/callback_id", _assign("callback_id", chars)
    ),
    "input label": Limit(
        "modal",
        bk.INPUT_LABEL_MAX,
        "/view/blocks/0/label/text",
        _assign("blocks/0/label/text", chars),
    ),
    "input hint": Limit(
        "modal", bk.INPUT_HINT_MAX, "/view/blocks/0/hint/text", _assign("blocks/0/hint/text", chars)
    ),
    "plain_text_input max_length": Limit(
        "modal",
        bk.TEXT_INPUT_LENGTH_MAX,
        "/view/blocks/0/element/max_length",
        _assign("blocks/0/element/max_length", lambda n: n),
    ),
    "checkboxes options": Limit(
        "modal",
        bk.CHOICE_OPTIONS_MAX,
        "/view/blocks/1/element/options",
        _assign("blocks/1/element/options", lambda n: [option("o", f"v{i}") for i in range(n)]),
    ),
}


@pytest.mark.parametrize("case", LIMITS.values(), ids=LIMITS.keys())
def test_each_limit_is_allowed_and_one_more_is_refused(case: Limit) -> None:
    at_limit, over = base(case.surface), base(case.surface)
    case.set(at_limit, case.limit)
    case.set(over, case.limit + 1)

    assert block_kit_problems(case.surface, at_limit) == []
    problems = block_kit_problems(case.surface, over)
    assert len(problems) == 1, problems
    assert problems[0].endswith(f"[json-pointer:{case.pointer}]")


RULES: dict[str, tuple[Surface, Callable[[Payload], None], str]] = {
    "section without text or fields": (
        "message",
        lambda p: p[1].pop("text") and p[1].pop("fields"),
        "must define either `text` or `fields` [json-pointer:/blocks/1]",
    ),
    "duplicate block_id": (
        "message",
        lambda p: p[4].update(block_id="approval_header"),
        "duplicate block_id 'approval_header' [json-pointer:/blocks/4/block_id]",
    ),
    "duplicate action_id in one block": (
        "message",
        lambda p: p[2]["elements"][1].update(action_id="approval_approve"),
        "duplicate action_id 'approval_approve' [json-pointer:/blocks/2/elements/1/action_id]",
    ),
    "button style": (
        "message",
        lambda p: p[2]["elements"][0].update(style="secondary"),
        "must be one of primary, danger [json-pointer:/blocks/2/elements/0/style]",
    ),
    "header in mrkdwn": (
        "message",
        lambda p: p[0]["text"].update(type="mrkdwn"),
        "must be plain_text [json-pointer:/blocks/0/text/type]",
    ),
    "empty text": (
        "message",
        lambda p: p[1]["text"].update(text=""),
        "must be more than 0 characters [json-pointer:/blocks/1/text/text]",
    ),
    "actions without elements": (
        "message",
        lambda p: p[2].update(elements=[]),
        "must provide at least 1 items [json-pointer:/blocks/2/elements]",
    ),
    "unknown block type": (
        "message",
        lambda p: p[4].update(type="carousel"),
        "unsupported block type 'carousel' [json-pointer:/blocks/4/type]",
    ),
    "text input in an actions block": (
        "message",
        lambda p: p[2]["elements"].append({"type": "plain_text_input", "action_id": "x"}),
        "element type 'plain_text_input' is not allowed here"
        " [json-pointer:/blocks/2/elements/4/type]",
    ),
    "modal with inputs but no submit": (
        "modal",
        lambda p: p.pop("submit"),
        "missing required field [json-pointer:/view/submit]",
    ),
    "modal without title": (
        "modal",
        lambda p: p.pop("title"),
        "missing required field [json-pointer:/view/title]",
    ),
    "home with a submit button": (
        "home",
        lambda p: p.update(submit=text("Save")),
        "home view cannot have submit or close [json-pointer:/view/submit]",
    ),
    "a modal published as home": (
        "home",
        lambda p: p.update(type="modal"),
        "must be home [json-pointer:/view/type]",
    ),
}


@pytest.mark.parametrize("case", RULES.values(), ids=RULES.keys())
def test_each_rule_is_enforced(case: tuple[Surface, Callable[[Payload], None], str]) -> None:
    surface, break_it, expected = case
    payload = base(surface)
    break_it(payload)

    assert block_kit_problems(surface, payload) == [expected]


def test_the_same_action_id_in_different_blocks_is_fine() -> None:
    """Slack keys state by block then action: an inbox repeats its buttons per item."""
    inbox = home()
    ids = [b["elements"][0]["action_id"] for b in inbox["blocks"] if b["type"] == "actions"]

    assert ids == ["home_approve", "home_approve"]
    assert block_kit_problems("home", inbox) == []
