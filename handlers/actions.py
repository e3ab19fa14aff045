"""Button clicks: decisions on approval cards, the escalation message and App Home; the
owner's Resubmit; Home's New deal."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.cards.ids import CardAction, HomeAction, OwnerAction
from bot.interactions.answer import tell
from bot.interactions.deal_form import open_new_deal_modal, open_resubmit_modal
from bot.interactions.decisions import journal_click, open_reason_modal
from bot.interactions.payloads import ButtonClick
from handlers.context import deps_of

APPROVE = (CardAction.APPROVE, HomeAction.APPROVE)
ASK_REASON = (
    CardAction.REJECT,
    CardAction.REQUEST_CHANGES,
    HomeAction.REJECT,
    HomeAction.REQUEST_CHANGES,
)


def register(app: AsyncApp) -> None:
    for action_id in APPROVE:
        app.action(action_id.value)(handle_approve_click)
    for action_id in ASK_REASON:
        app.action(action_id.value)(handle_reason_click)
    app.action(OwnerAction.RESUBMIT.value)(handle_resubmit_click)
    app.action(HomeAction.NEW_DEAL.value)(handle_new_deal_click)


async def handle_approve_click(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    """Journal first (durable), then answer Slack: an answered click is never lost."""
    deps, click = deps_of(context), ButtonClick.from_body(body)
    problem = await journal_click(deps, click)
    await ack()
    if problem is not None:
        await tell(deps, click, problem)


async def handle_reason_click(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    await ack()
    await open_reason_modal(deps_of(context), ButtonClick.from_body(body))


async def handle_resubmit_click(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    await ack()
    deps, click = deps_of(context), ButtonClick.from_body(body)
    problem = await open_resubmit_modal(deps, click)
    if problem is not None:
        await tell(deps, click, problem)


async def handle_new_deal_click(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    await ack()
    await open_new_deal_modal(deps_of(context), ButtonClick.from_body(body).trigger_id)
