"""Modals: the reason asked for on Reject / Request changes, and the deal form of ``/deal new``.

Each builder has a parser next to it, so a submission is read with the same ids it was
built with. Parsers return raw values; validation belongs to the workflow (DealTerms).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    InputBlock,
    InputInteractiveElement,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
)
from slack_sdk.models.views import View

from bot.cards import limits
from bot.cards.blocks import cap_blocks, context, plain, section
from bot.cards.ids import FLAG_OPTIONS, DealField, ModalCallback, OverrideInput, ReasonInput
from bot.cards.parts import company
from bot.read_models.snapshots import ApprovalSnapshot, DealSnapshot
from bot.text import mrkdwn
from bot.text.mrkdwn import money, percent, quote, who
from policies.avatars.formatting import plain as plain_number
from policies.vocabulary import Decision, deal_ref

StateValues = Mapping[str, Mapping[str, Mapping[str, Any]]]
"""``view.state.values`` of a submission: block id → action id → element state."""

REASON_COPY = {
    Decision.REJECT: (
        "Reject deal",
        "Reject",
        "Why are you rejecting {company}?",
        "The account executive sees this. Say what would have to be different.",
    ),
    Decision.REQUEST_CHANGES: (
        "Request changes",
        "Send back",
        "What should change in {company}?",
        "The deal goes back to its owner with this note, to fix and resubmit.",
    ),
}

COMPANY_MAX = 200
TEXT_MAX = 200
USE_CASE_MAX = 2000
EXTERNAL_ID_MAX = 128
FLAG_LABELS = {"budget_indicated": "Budget indicated", "custom_terms": "Custom terms"}


def build_reason_modal(approval_id: int, decision: str, deal: DealSnapshot) -> View:
    """The modal behind Reject and Request changes: one required reason."""
    chosen = Decision(decision)
    if chosen not in REASON_COPY:
        raise ValueError(f"{decision!r} needs no reason; only reject and request_changes do")
    title, submit, label, hint = REASON_COPY[chosen]
    metadata = json.dumps({"approval_id": approval_id, "decision": chosen.value})
    return View(
        type="modal",
        callback_id=ModalCallback.REASON,
        title=plain(title, limits.MODAL_TITLE_MAX),
        submit=plain(submit, limits.MODAL_SUBMIT_MAX),
        close=plain("Cancel", limits.MODAL_CLOSE_MAX),
        private_metadata=metadata,
        blocks=[
            section(
                f"*{company(deal)}* · {deal.ref} · {money(deal.acv)} · "
                f"{percent(deal.discount)} discount"
            ),
            InputBlock(
                block_id=ReasonInput.BLOCK,
                label=plain(label.format(company=deal.company), limits.INPUT_LABEL_MAX),
                hint=plain(hint, limits.INPUT_HINT_MAX),
                element=PlainTextInputElement(
                    action_id=ReasonInput.ACTION,
                    multiline=True,
                    min_length=1,
                    max_length=limits.PLAIN_TEXT_INPUT_MAX,
                    focus_on_load=True,
                ),
            ),
        ],
    )


def parse_reason_modal(state_values: StateValues) -> str:
    """The reason as typed (possibly blank: the workflow decides what counts as empty)."""
    value = state_values.get(ReasonInput.BLOCK, {}).get(ReasonInput.ACTION, {}).get("value")
    return value or ""


def parse_reason_metadata(private_metadata: str) -> tuple[int, Decision]:
    """(approval id, decision) from the reason modal's ``private_metadata``."""
    data = json.loads(private_metadata)
    return int(data["approval_id"]), Decision(data["decision"])


DEAL_FORM_COPY = {
    ModalCallback.NEW_DEAL: ("New deal", "Submit", ""),
    ModalCallback.PREVIEW: (
        "Preview a deal",
        "Show the plan",
        "Nothing is stored: you see the stages, approvers and SLAs this deal would get.",
    ),
    ModalCallback.RESUBMIT: (
        "Resubmit deal",
        "Resubmit",
        "Resubmitting {ref}. Change what the approver asked for; approvals that still hold "
        "carry over.",
    ),
    ModalCallback.EDIT: (
        "Edit deal",
        "Save changes",
        "Editing {ref} (revision {revision}) while it is in review. Approvers whose sign-off "
        "a change goes beyond are asked again, with what changed; the rest stand.",
    ),
}


OVERRIDE_CHOICES = (
    (Decision.APPROVE, "Approve"),
    (Decision.REJECT, "Reject"),
    (Decision.REQUEST_CHANGES, "Request changes"),
)


def build_override_modal(deal: DealSnapshot, approval: ApprovalSnapshot) -> View:
    """An admin decides for an approval's holder: what, and why (required, audited)."""
    metadata = json.dumps({"approval_id": approval.id})
    return View(
        type="modal",
        callback_id=ModalCallback.OVERRIDE,
        title=plain("Decide for them", limits.MODAL_TITLE_MAX),
        submit=plain("Decide", limits.MODAL_SUBMIT_MAX),
        close=plain("Cancel", limits.MODAL_CLOSE_MAX),
        private_metadata=metadata,
        blocks=[
            section(
                f"*{company(deal)}* · {deal.ref} · {quote(approval.stage_name, 80)}: waiting for "
                f"{who(approval.assignee, approval.approver_name)}. Your decision is recorded as "
                "an admin override on their behalf."
            ),
            InputBlock(
                block_id=OverrideInput.DECISION,
                label=plain("Decision", limits.INPUT_LABEL_MAX),
                element=RadioButtonsElement(
                    action_id=OverrideInput.DECISION.action_id,
                    options=[
                        Option(value=choice.value, text=plain(label, limits.OPTION_TEXT_MAX))
                        for choice, label in OVERRIDE_CHOICES
                    ],
                ),
            ),
            InputBlock(
                block_id=OverrideInput.REASON,
                label=plain("Why you decide it for them", limits.INPUT_LABEL_MAX),
                element=PlainTextInputElement(
                    action_id=OverrideInput.REASON.action_id,
                    multiline=True,
                    min_length=1,
                    max_length=limits.PLAIN_TEXT_INPUT_MAX,
                ),
            ),
        ],
    )


def parse_override_modal(state_values: StateValues) -> tuple[str, str]:
    """(the decision chosen, or "" for none; the reason as typed)."""
    decision = state_values.get(OverrideInput.DECISION, {}).get(
        OverrideInput.DECISION.action_id, {}
    )
    chosen = (decision.get("selected_option") or {}).get("value") or ""
    reason = state_values.get(OverrideInput.REASON, {}).get(OverrideInput.REASON.action_id, {})
    return str(chosen), str(reason.get("value") or "")


def build_deal_modal(
    initial: Mapping[str, Any] | None = None,
    *,
    callback_id: str = ModalCallback.NEW_DEAL,
    deal_id: int | None = None,
    revision: int | None = None,
) -> View:
    """The deal form of ``/deal new``; prefilled from ``initial`` (DealTerms field names)
    when resubmitting or editing, with ``deal_id`` carried in ``private_metadata``."""
    values = dict(initial or {})
    kind = ModalCallback(callback_id)
    if kind is ModalCallback.NEW_DEAL and deal_id is not None:
        kind = ModalCallback.RESUBMIT
    title, submit, intro_text = DEAL_FORM_COPY[kind]
    intro: list[Block] = []
    if intro_text and (deal_id is not None or kind is ModalCallback.PREVIEW):
        ref = deal_ref(deal_id) if deal_id is not None else ""
        intro.append(context(intro_text.format(ref=ref, revision=revision or 1)))
    blocks = [*intro, *_deal_inputs(values)]
    return View(
        type="modal",
        callback_id=callback_id,
        title=plain(title, limits.MODAL_TITLE_MAX),
        submit=plain(submit, limits.MODAL_SUBMIT_MAX),
        close=plain("Cancel", limits.MODAL_CLOSE_MAX),
        private_metadata=json.dumps({"deal_id": deal_id}) if deal_id is not None else None,
        blocks=cap_blocks(blocks, limits.VIEW_BLOCKS_MAX),
    )


def deal_modal_initial(deal: DealSnapshot) -> dict[str, Any]:
    """A deal's terms as :func:`build_deal_modal` takes them, to resubmit it."""
    return {
        "company": deal.company,
        "acv": deal.acv,
        "discount": deal.discount,
        "term_months": deal.term_months,
        "industry": deal.industry,
        "employees": deal.employees,
        "use_case": deal.use_case,
        "budget_indicated": deal.budget_indicated,
        "custom_terms": deal.custom_terms,
        "external_id": deal.external_id,
    }


def parse_deal_modal(state_values: StateValues) -> dict[str, Any]:
    """The submitted values keyed by DealTerms field names, as typed (strings, no checks).

    Blank inputs are left out, so DealTerms' defaults apply; the two checkboxes always
    come back as booleans. The owner is not part of the form: the caller adds the user.
    """
    terms: dict[str, Any] = {}
    for field in DealField:
        state = state_values.get(field.block_id, {}).get(field.action_id, {})
        if field is DealField.FLAGS:
            chosen = {option["value"] for option in state.get("selected_options") or []}
            terms.update({flag: flag in chosen for flag in FLAG_OPTIONS})
            continue
        value = state.get("value")
        if isinstance(value, str) and value.strip():
            terms[field.value] = value
    return terms


def parse_deal_metadata(private_metadata: str | None) -> int | None:
    """The deal id a resubmission is for, or None for a new deal."""
    if not private_metadata:
        return None
    deal_id = json.loads(private_metadata).get("deal_id")
    return int(deal_id) if deal_id is not None else None


def _deal_inputs(values: Mapping[str, Any]) -> list[Block]:
    return [
        _input(DealField.COMPANY, "Company", _text(values, "company", COMPANY_MAX)),
        _input(
            DealField.ACV,
            "Annual contract value (USD)",
            NumberInputElement(
                action_id=DealField.ACV.action_id,
                is_decimal_allowed=True,
                min_value="0",
                initial_value=number_value(values.get("acv")),
                placeholder=plain("500000", limits.PLACEHOLDER_MAX),
            ),
        ),
        _input(
            DealField.DISCOUNT,
            "Discount (%)",
            NumberInputElement(
                action_id=DealField.DISCOUNT.action_id,
                is_decimal_allowed=True,
                min_value="0",
                max_value="100",
                initial_value=number_value(values.get("discount")),
            ),
            optional=True,
        ),
        _input(
            DealField.TERM_MONTHS,
            "Term (months)",
            NumberInputElement(
                action_id=DealField.TERM_MONTHS.action_id,
                min_value="1",
                max_value="120",
                initial_value=number_value(values.get("term_months")),
                placeholder=plain("12", limits.PLACEHOLDER_MAX),
            ),
            optional=True,
        ),
        _input(DealField.INDUSTRY, "Industry", _text(values, "industry", TEXT_MAX), optional=True),
        _input(
            DealField.EMPLOYEES,
            "Employees",
            NumberInputElement(
                action_id=DealField.EMPLOYEES.action_id,
                min_value="0",
                initial_value=number_value(values.get("employees")),
            ),
            optional=True,
        ),
        _input(
            DealField.USE_CASE,
            "Use case",
            _text(values, "use_case", USE_CASE_MAX, multiline=True),
            optional=True,
            hint="One or two sentences on what the customer wants to do.",
        ),
        _input(DealField.FLAGS, "Budget and terms", _flags(values), optional=True),
        _input(
            DealField.EXTERNAL_ID,
            "CRM opportunity id",
            _text(values, "external_id", EXTERNAL_ID_MAX),
            optional=True,
            hint="Optional, such as OPP-0042: links the deal to its CRM record.",
        ),
    ]


def _input(
    field: DealField,
    label: str,
    element: InputInteractiveElement,
    *,
    optional: bool = False,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=field.block_id,
        label=plain(label, limits.INPUT_LABEL_MAX),
        element=element,
        optional=optional or None,
        hint=plain(hint, limits.INPUT_HINT_MAX) if hint else None,
    )


def _text(
    values: Mapping[str, Any], name: str, max_length: int, *, multiline: bool = False
) -> PlainTextInputElement:
    initial = values.get(name)
    return PlainTextInputElement(
        action_id=DealField(name).action_id,
        initial_value=mrkdwn.truncate(str(initial), max_length) if initial else None,
        max_length=max_length,
        multiline=multiline or None,
    )


def number_value(value: object) -> str | None:
    """A number input's initial value: ``12.5``, ``500000``; None for nothing."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return plain_number(Decimal(str(value)))
    return str(value)


def _flags(values: Mapping[str, Any]) -> CheckboxesElement:
    options = [
        Option(value=flag, text=plain(FLAG_LABELS[flag], limits.OPTION_TEXT_MAX))
        for flag in FLAG_OPTIONS
    ]
    chosen = [
        option for option, flag in zip(options, FLAG_OPTIONS, strict=True) if values.get(flag)
    ]
    return CheckboxesElement(
        action_id=DealField.FLAGS.action_id,
        options=options,
        initial_options=chosen or None,
    )
