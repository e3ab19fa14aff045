"""Deals that change in review, from Slack: "Approve with changes" (the counter-offer
modal), the owner's Accept and Decline, the Withdraw button. Each function is the one
``bot/`` call a listener makes; it says what to tell the person when nothing happened."""

from __future__ import annotations

from bot.cards.counter import build_counter_modal, parse_counter_metadata, parse_counter_modal
from bot.cards.ids import CounterAction, CounterInput
from bot.core.deps import Deps
from bot.core.errors import DealdeskError, InvalidTerms, UserInputError
from bot.interactions.answer import BROKEN_BUTTON, field_error
from bot.interactions.decisions import clicked_approval
from bot.interactions.deps import ServeDeps
from bot.interactions.payloads import ButtonClick, ViewSubmission, parse_id
from bot.workflow import withdraw_deal
from bot.workflow.counter import accept_counter, counter_offer, decline_counter

STALE_FORM = "This form is out of date. Close it and use the latest card."


async def open_counter_modal(deps: ServeDeps, click: ButtonClick) -> str | None:
    """The modal behind "Approve with changes", prefilled with the deal's values."""
    found = await clicked_approval(deps, click)
    if found is None:
        return BROKEN_BUTTON
    deal, approval = found
    if not approval.is_pending or approval.revision != deal.revision:
        return f"{deal.ref} no longer waits for this approval: it is settled or changed since."
    await deps.gateway.open_view(click.trigger_id, build_counter_modal(deal, approval).to_dict())
    return None


async def submit_counter(deps: ServeDeps, submission: ViewSubmission) -> dict[str, str] | None:
    """Record the counter-offer in one transaction; field errors instead, and nothing
    stored, when a value is wrong or the approval moved on."""
    values, note = parse_counter_modal(submission.state_values)
    try:
        approval_id, _ = parse_counter_metadata(submission.private_metadata)
    except (ValueError, KeyError, TypeError):
        return {CounterInput.NOTE.value: STALE_FORM}
    try:
        async with deps.unit_of_work() as uow:
            await counter_offer(uow, approval_id, submission.user, values, note)
    except InvalidTerms as invalid:
        return {_block(field): field_error(message) for field, message in invalid.errors}
    except UserInputError as error:
        return {_block(error.field): field_error(error.message)}
    except DealdeskError as error:
        return {CounterInput.NOTE.value: field_error(str(error))}
    deps.metrics.decisions.inc()
    return None


async def answer_counter(deps: Deps, click: ButtonClick) -> str | None:
    """Accept or Decline on the owner's counter-offer message: applied at most once (a
    second click finds it answered and is told so)."""
    counter_id = parse_id(click.value)
    if counter_id is None:
        return BROKEN_BUTTON
    answer = accept_counter if click.action_id == CounterAction.ACCEPT else decline_counter
    try:
        async with deps.unit_of_work() as uow:
            await answer(uow, counter_id, click.user)
    except DealdeskError as error:
        return str(error)
    return None


async def withdraw_from_button(deps: Deps, click: ButtonClick) -> tuple[str, bool]:
    """(what to tell the clicker, whether it is a warning: nothing was withdrawn)."""
    deal_id = parse_id(click.value)
    if deal_id is None:
        return BROKEN_BUTTON, True
    try:
        async with deps.unit_of_work() as uow:
            result = await withdraw_deal(uow, deal_id, click.user)
    except DealdeskError as error:
        return str(error), True
    return f"🗑️ {result.deal_ref} is withdrawn: every approval still pending has ended.", False


def _block(field: str) -> str:
    for block in CounterInput:
        if block.field == field:
            return block.value
    return CounterInput.NOTE.value
