"""Button clicks: decisions on approval cards, the escalation message and App Home;
Approve with changes; I'm on it; the owner's Resubmit, Withdraw, and answer to a counter-offer;
Home's New deal; the forecast's Nudge."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.cards.ids import (
    BULK_SELECT,
    CardAction,
    CounterAction,
    ForecastAction,
    HomeAction,
    HomeBlock,
    OwnerAction,
    StatusAction,
)
from bot.interactions.answer import tell
from bot.interactions.changes import answer_counter, open_counter_modal, withdraw_from_button
from bot.interactions.deal_form import open_new_deal_modal, open_resubmit_modal
from bot.interactions.decisions import journal_click, open_override_modal, open_reason_modal
from bot.interactions.deps import ServeDeps
from bot.interactions.home import journal_bulk, sum_up_bulk
from bot.interactions.nudge import nudge_from_button
from bot.interactions.payloads import ButtonClick, ticked_approvals
from bot.interactions.snooze import snooze_from_button
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
    app.action(CardAction.COUNTER.value)(handle_counter_click)
    for answer in CounterAction:
        app.action(answer.value)(handle_counter_answer_click)
    app.action(OwnerAction.WITHDRAW.value)(handle_withdraw_click)
    app.action(CardAction.SNOOZE.value)(handle_snooze_click)
    app.action(StatusAction.OVERRIDE.value)(handle_override_click)
    app.action(ForecastAction.NUDGE.value)(handle_nudge_click)
    app.action(re.compile(f"^{BULK_SELECT}"))(handle_tick)
    app.action(HomeAction.BULK_APPROVE.value)(handle_bulk_approve_click)


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


async def handle_new_deal_click(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    await ack()
    await open_new_deal_modal(deps_of(context), ButtonClick.from_body(body).trigger_id)


async def handle_counter_answer_click(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    """Accept or Decline: done before the answer, so a second click finds it answered."""
    deps, click = deps_of(context), ButtonClick.from_body(body)
    problem = await answer_counter(deps, click)
    await ack()
    if problem is not None:
        await tell(deps, click, problem)


async def handle_tick(ack: AsyncAck) -> None:
    """A checkbox ticked on Home: nothing to do until Approve selected."""
    await ack()


async def handle_bulk_approve_click(
    ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    """Journal first (durable), then answer Slack; then Home sums up what was approved."""
    deps, click = deps_of(context), ButtonClick.from_body(body)
    keys = await journal_bulk(deps, click, ticked_approvals(body, HomeBlock.BULK, BULK_SELECT))
    await ack()
    await sum_up_bulk(deps, click.user, keys)


Listener = Callable[[AsyncAck, dict[str, Any], AsyncBoltContext], Awaitable[None]]


def opens_modal(open_modal: Callable[[ServeDeps, ButtonClick], Awaitable[str | None]]) -> Listener:
    """A button that opens a modal: answered at once (the trigger expires in 3 seconds),
    then the modal, or why not in a message only the clicker sees."""

    async def handle(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        deps, click = deps_of(context), ButtonClick.from_body(body)
        problem = await open_modal(deps, click)
        if problem is not None:
            await tell(deps, click, problem)

    return handle


def changes_first(
    change: Callable[[ServeDeps, ButtonClick], Awaitable[tuple[str, bool]]],
) -> Listener:
    """A button that changes something: done before Slack is answered (a retry or a
    double click finds it done), then the clicker is told what happened."""

    async def handle(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        deps, click = deps_of(context), ButtonClick.from_body(body)
        text, warning = await change(deps, click)
        await ack()
        await tell(deps, click, text, warning=warning)

    return handle


handle_resubmit_click = opens_modal(open_resubmit_modal)
handle_counter_click = opens_modal(open_counter_modal)
handle_override_click = opens_modal(open_override_modal)
handle_withdraw_click = changes_first(withdraw_from_button)
handle_snooze_click = changes_first(snooze_from_button)
handle_nudge_click = changes_first(nudge_from_button)
