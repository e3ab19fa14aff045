"""The deal form: ``/deal new`` and the owner's Resubmit button open it; its submission
submits or resubmits the deal, or shows what is wrong on the fields themselves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from slack_sdk.models.views import View

from bot.cards.ids import FLAG_OPTIONS, DealField, ModalCallback
from bot.cards.modals import (
    build_deal_modal,
    deal_modal_initial,
    parse_deal_metadata,
    parse_deal_modal,
)
from bot.cards.preview import build_plan_view
from bot.core.deps import Deps
from bot.core.errors import DealdeskError, InvalidTerms, NotFound, UserInputError
from bot.core.uow import UnitOfWork
from bot.interactions.answer import field_error
from bot.interactions.deps import ServeDeps
from bot.interactions.payloads import ButtonClick, ViewSubmission, parse_id
from bot.read_models.loaders import load_deals
from bot.workflow import resubmit_deal, revise_deal, submit_deal
from policies.authority import may_act_on_deal
from policies.deal import DealTerms, field_errors
from policies.explain import explain_plan
from policies.vocabulary import DealStatus, RevisionSource, parse_deal_ref
from store import repositories as repo
from store.models import Deal

FieldErrors = dict[str, str]
"""Block id → message, as ``response_action: errors`` takes them."""


class InvalidForm(Exception):
    def __init__(self, errors: FieldErrors) -> None:
        super().__init__(errors)
        self.errors = errors


async def open_new_deal_modal(deps: ServeDeps, trigger_id: str) -> None:
    await deps.gateway.open_view(trigger_id, build_deal_modal().to_dict())


async def open_preview_modal(deps: ServeDeps, trigger_id: str) -> None:
    """``/deal preview``: the deal form, whose submission shows the plan instead."""
    view = build_deal_modal(callback_id=ModalCallback.PREVIEW)
    await deps.gateway.open_view(trigger_id, view.to_dict())


def preview_deal_form(deps: Deps, submission: ViewSubmission) -> View | FieldErrors:
    """The plan the form's deal would get under today's policy (nothing is stored), or
    what is wrong with the values, on the fields themselves."""
    values = parse_deal_modal(submission.state_values)
    try:
        terms = _terms(values, owner=submission.user)
    except InvalidForm as invalid:
        return invalid.errors
    return build_plan_view(explain_plan(deps.policies.current, terms))


async def open_resubmit_modal(deps: ServeDeps, click: ButtonClick) -> str | None:
    """The deal form prefilled with the deal sent back; what to tell the clicker instead
    when it cannot be resubmitted (by this person, or any more)."""
    deal_id = parse_id(click.value)
    async with deps.db.read() as session:
        deals = await load_deals(session, [deal_id] if deal_id else [], deps.policies)
    deal = deals.get(deal_id) if deal_id else None
    if deal is None:
        return "That button does not point at a deal I know."
    if deal.status != DealStatus.CHANGES_REQUESTED:
        status = deal.status.replace("_", " ")
        return f"{deal.ref} is {status}: there is nothing to resubmit."
    if not may_act_on_deal(click.user, deal.owner, deps.policies.current.policy.admins):
        return f"Only the deal's owner can resubmit {deal.ref}."
    view = build_deal_modal(
        deal_modal_initial(deal), callback_id=ModalCallback.RESUBMIT, deal_id=deal.id
    )
    await deps.gateway.open_view(click.trigger_id, view.to_dict())
    return None


async def open_edit_modal(deps: ServeDeps, user: str, trigger_id: str, wanted: str) -> str | None:
    """``/deal edit D-1001``: the deal form prefilled, for its owner or an admin, while the
    deal can still change; what to tell them instead otherwise."""
    deal_id = parse_deal_ref(wanted)
    async with deps.db.read() as session:
        deals = await load_deals(session, [deal_id] if deal_id else [], deps.policies)
    deal = deals.get(deal_id) if deal_id else None
    if deal is None:
        return f"There is no deal {wanted!r}; deal ids look like D-1001."
    if deal.status not in (DealStatus.IN_REVIEW, DealStatus.CHANGES_REQUESTED):
        return f"{deal.ref} is {deal.status}, so it cannot change any more."
    if not may_act_on_deal(user, deal.owner, deps.policies.current.policy.admins):
        return f"Only the deal's owner or a deal desk admin can edit {deal.ref}."
    view = build_deal_modal(
        deal_modal_initial(deal),
        callback_id=ModalCallback.EDIT,
        deal_id=deal.id,
        revision=deal.revision,
    )
    await deps.gateway.open_view(trigger_id, view.to_dict())
    return None


async def submit_deal_form(deps: Deps, submission: ViewSubmission) -> FieldErrors | None:
    """Submit, resubmit or edit the deal in one transaction; field errors instead, and
    nothing stored, when a value is wrong or the engine refuses."""
    values = parse_deal_modal(submission.state_values)
    try:
        async with deps.unit_of_work() as uow:
            if submission.callback_id == ModalCallback.RESUBMIT:
                await _resubmit(uow, submission, values)
            elif submission.callback_id == ModalCallback.EDIT:
                await _edit(uow, submission, values)
            else:
                await _submit(uow, submission.user, values)
    except InvalidForm as invalid:
        return invalid.errors
    except InvalidTerms as invalid:
        return {block_of(field): field_error(message) for field, message in invalid.errors}
    except UserInputError as error:
        return {block_of(error.field): field_error(error.message)}
    except DealdeskError as error:
        return {DealField.COMPANY.block_id: field_error(str(error))}
    return None


async def _submit(uow: UnitOfWork, user: str, values: Mapping[str, Any]) -> None:
    result = await submit_deal(uow, _terms(values, owner=user), user)
    if not result.created:
        raise UserInputError(
            "external_id", f"{result.deal_ref} already has this CRM id; nothing new was stored."
        )


async def _resubmit(uow: UnitOfWork, submission: ViewSubmission, values: Mapping[str, Any]) -> None:
    deal = await _form_deal(uow, submission)
    terms = _terms(values, owner=deal.owner)
    await resubmit_deal(uow, deal.id, terms, submission.user)


async def _edit(uow: UnitOfWork, submission: ViewSubmission, values: Mapping[str, Any]) -> None:
    deal = await _form_deal(uow, submission)
    terms = _terms(values, owner=deal.owner).model_dump()
    result = await revise_deal(uow, deal.id, terms, submission.user, source=RevisionSource.EDIT)
    if not result.changed:
        raise UserInputError("company", "Nothing changed: edit a value, or close the form.")


async def _form_deal(uow: UnitOfWork, submission: ViewSubmission) -> Deal:
    try:
        deal_id = parse_deal_metadata(submission.private_metadata)
    except (ValueError, TypeError, AttributeError):
        deal_id = None
    deal = await repo.get_deal(uow.session, deal_id) if deal_id else None
    if deal is None:
        raise NotFound("This form is out of date: the deal is gone. Close it and start again.")
    return deal


def _terms(values: Mapping[str, Any], *, owner: str) -> DealTerms:
    try:
        return DealTerms.model_validate({**values, "owner": owner})
    except ValidationError as error:
        errors: FieldErrors = {}
        for field, message in field_errors(error):
            block = block_of(field)
            errors[block] = field_error(
                f"{errors[block]}; {message}" if block in errors else message
            )
        raise InvalidForm(errors) from None


def block_of(field: str) -> str:
    """The deal form's input block that shows a DealTerms field's error."""
    if field in FLAG_OPTIONS:
        return DealField.FLAGS.block_id
    try:
        return DealField(field).block_id
    except ValueError:
        return DealField.COMPANY.block_id
