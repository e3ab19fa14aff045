"""Modal submissions: the reason behind Reject / Request changes, the counter-offer, and
the deal form (new, resubmitted, edited).

Input is checked before Slack gets its answer: a problem is shown on the field itself
(``response_action: errors``) and nothing happens; otherwise the work is done (journaled
or committed) and the answer closes the modal.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.cards.ids import ModalCallback
from bot.interactions.changes import submit_counter
from bot.interactions.deal_form import preview_deal_form, submit_deal_form
from bot.interactions.decisions import journal_override, journal_reason
from bot.interactions.payloads import ViewSubmission
from handlers.context import deps_of


def register(app: AsyncApp) -> None:
    app.view(ModalCallback.REASON.value)(handle_reason_submission)
    app.view(ModalCallback.NEW_DEAL.value)(handle_deal_submission)
    app.view(ModalCallback.RESUBMIT.value)(handle_deal_submission)
    app.view(ModalCallback.EDIT.value)(handle_deal_submission)
    app.view(ModalCallback.COUNTER.value)(handle_counter_submission)
    app.view(ModalCallback.OVERRIDE.value)(handle_override_submission)
    app.view(ModalCallback.PREVIEW.value)(handle_preview_submission)


async def handle_reason_submission(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    errors = await journal_reason(deps_of(context), ViewSubmission.from_body(body))
    await answer(ack, errors)


async def handle_deal_submission(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    errors = await submit_deal_form(deps_of(context), ViewSubmission.from_body(body))
    await answer(ack, errors)


async def handle_preview_submission(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    """The plan replaces the form (``response_action: update``); nothing is stored."""
    shown = preview_deal_form(deps_of(context), ViewSubmission.from_body(body))
    if isinstance(shown, dict):
        await answer(ack, shown)
    else:
        await ack(response_action="update", view=shown.to_dict())


async def handle_counter_submission(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    errors = await submit_counter(deps_of(context), ViewSubmission.from_body(body))
    await answer(ack, errors)


async def handle_override_submission(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    errors = await journal_override(deps_of(context), ViewSubmission.from_body(body))
    await answer(ack, errors)


async def answer(ack: AsyncAck, errors: dict[str, str] | None) -> None:
    if errors:
        await ack(response_action="errors", errors=errors)
    else:
        await ack()
